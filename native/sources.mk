# sources.mk — the allocator's sources and per-variant flags, shared by the
# main Makefile and the test/sanitizer builds. Paths are relative to native/.
SS_SRCS := src/os.c src/registry.c src/superslab.c src/slab.c src/remote.c \
           src/tcache.c src/check.c src/mid.c src/large.c src/init.c \
           src/malloc.c src/free.c src/realloc.c src/aligned.c src/usable.c \
           src/stats.c src/override.c src/debug_root.c src/trace_glue.c \
           src/snapshot.c
SS_TRACE_SRCS := trace/runtime.c trace/exporter.c trace/transport.c trace/crash.c trace/exec.c trace/exit.c
SS_HDRS := $(wildcard src/*.h) $(wildcard trace/*.h) include/slabscope.h include/slabscope_probe.h

SS_CFLAGS_hakmem  := -DSS_LAYOUT_HAKMEM=1
SS_CFLAGS_aligned := -DSS_LAYOUT_ALIGNED=1
SS_CFLAGS_release := -DSS_CHECK=0
SS_CFLAGS_check   := -DSS_CHECK=1
SS_CFLAGS_trace   := -DSS_CHECK=1 -DSS_TRACE=1 -fno-omit-frame-pointer
SS_CFLAGS_BASE    := -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -fPIC -g \
                     -fvisibility=hidden -ftls-model=initial-exec \
                     -fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc \
                     -fno-builtin-realloc -Wall -Wextra -Wno-unused-parameter -Werror
