/* exit.c — a process that leaves without exit() would cut its stream wherever the
 * exporter was, with events still in the rings: through _exit or _Exit (a shell does),
 * quick_exit, syscall(SYS_exit_group), or by the end of its last thread while the
 * exporter lives on (the C library would call exit(0), but counts the exporter). Each
 * of these ends the stream first as ssp_finish does at exit(): every event delivered,
 * then the end frame with the exit status and how it left (PROTOCOL §2, §5). A vfork
 * child's exit ends nothing (_ssp_end_stream asks the pid). Not seen: an exit_group made
 * by a raw syscall instruction, and a kill. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "trace.h"

#define SSP_EXPORT __attribute__((visibility("default")))

typedef void (*exit_fn)(int);
typedef long (*syscall_fn)(long, long, long, long, long, long, long);
/* Found when tracing starts: _exit may be called in a signal handler, where dlsym may not. */
static void *real__exit, *real_quick_exit, *real_syscall;

/* How the process is leaving when exit() runs for it (the last thread, quick_exit), for ssp_finish
 * in the destructors. exit()'s own status never reaches them: a preloaded library's handler,
 * registered before the C library's start registers the destructors' run, runs after it. */
static struct ssp_end_record noted;

static void *next_function(void **slot, const char *name) {
    void *function = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!function) {
        function = dlsym(RTLD_NEXT, name);
        __atomic_store_n(slot, function, __ATOMIC_RELEASE);
    }
    return function;
}

/* The process ends now, through the C library's _exit when it was found. */
static _Noreturn void exit_now(int status) {
    exit_fn next = (exit_fn)__atomic_load_n(&real__exit, __ATOMIC_ACQUIRE);
    if (next) next(status);
    for (;;) __asm__ volatile("syscall" : : "a"((long)SYS_exit_group), "D"((long)status) : "rcx", "r11", "memory");
}

/* quick_exit runs its handlers, then the C library's own _exit: ours, registered first, runs last. */
static void end_at_quick_exit(void) {
    if (noted.cause == SSP_END_QUICK_EXIT) _ssp_end_stream(noted);
}

void _ssp_exit_watch(void) {
    static bool watching;
    next_function(&real__exit, "_exit");
    next_function(&real_quick_exit, "quick_exit");
    next_function(&real_syscall, "syscall");
    if (watching) return;
    watching = true;
    at_quick_exit(end_at_quick_exit);
}

struct ssp_end_record _ssp_exit_noted(void) { return noted; }

/* ---- the ways out that pass no exit handler ---- */
SSP_EXPORT void _exit(int status) {
    _ssp_end_stream((struct ssp_end_record){status, SSP_END_UNDERSCORE_EXIT});
    exit_now(status);
}

SSP_EXPORT void _Exit(int status) {
    _ssp_end_stream((struct ssp_end_record){status, SSP_END_UNDERSCORE_EXIT});
    exit_now(status);
}

SSP_EXPORT void quick_exit(int status) {
    exit_fn next = (exit_fn)next_function(&real_quick_exit, "quick_exit");
    if (getpid() == _ssp.pid) noted = (struct ssp_end_record){status, SSP_END_QUICK_EXIT};
    if (next) next(status);
    _ssp_end_stream(noted); /* no quick_exit found: _exit's way */
    exit_now(status);
}

/* Every syscall() call passes here, so only a compare is added to those that are not exit_group.
 * Six arguments are read whatever the call passed, as the C library's syscall does. */
SSP_EXPORT long syscall(long number, ...) {
    va_list list;
    va_start(list, number);
    long a[6];
    for (int i = 0; i < 6; i++) a[i] = va_arg(list, long);
    va_end(list);
    if (number == SYS_exit_group) _ssp_end_stream((struct ssp_end_record){(int)a[0], SSP_END_EXIT_GROUP});
    syscall_fn next = (syscall_fn)next_function(&real_syscall, "syscall");
    if (!next) {
        errno = ENOSYS;
        return -1;
    }
    return next(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* ---- the last thread ---- */
/* Whether the exporter, which asks, is the only live thread left: the main thread has
 * ended (the group's leader stays a zombie while any thread lives) and the group counts
 * two threads, it and the exporter. One read of /proc/self/stat. */
bool _ssp_exit_only_exporter_left(void) {
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char text[512];
    ssize_t length = read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0) return false;
    text[length] = 0;
    const char *field = strrchr(text, ')'); /* the command name before it may hold anything */
    if (!field || field[1] != ' ') return false;
    const char *at = field + 2; /* field 3, the state */
    char state = *at;
    for (int number = 3; number < 20 && at; number++) { /* on to field 20, num_threads */
        at = strchr(at, ' ');
        if (at) at++;
    }
    return at && state == 'Z' && strtol(at, NULL, 10) == 2;
}

void _ssp_exit_last_thread(void) {
    noted = (struct ssp_end_record){0, SSP_END_LAST_THREAD};
    exit(0); /* what the C library does when its last thread ends; ssp_finish ends the stream */
}
