/* slabscope.h — public interface of the Slabscope allocator.
 *
 * The allocator replaces malloc when preloaded (libslabscope.so) or linked
 * (libslabscope.a). The ss_* entry points below are the same allocator under
 * prefixed names, for programs that want both it and the C library's malloc. */
#ifndef SLABSCOPE_H
#define SLABSCOPE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLABSCOPE_VERSION 1

/* Pointer kinds, for checkers. A BASE pointer is a block's first byte; a USER
 * pointer is what malloc hands out, BASE + the layout's user offset. To the
 * compiler these are nothing. Under sparse (__CHECKER__) they are two address
 * spaces, so passing one where the other is declared is a warning and SS_FORCE
 * marks a deliberate conversion; Slabscope's source checks read them as
 * contracts. Here, in the public header, so a program, native/'s layout API and
 * another allocator spell them alike. */
#ifdef __CHECKER__
#define SS_BASE __attribute__((address_space(__ss_base)))
#define SS_USER __attribute__((address_space(__ss_user)))
#define SS_FORCE __attribute__((force))
#else
#define SS_BASE
#define SS_USER
#define SS_FORCE
#endif

/* The value a remote queue uses to mark its last block. It must never be
 * seen as a freelist link; the check build reports `sentinel-leak` if it is. */
#define SLABSCOPE_REMOTE_SENTINEL ((uintptr_t)0xBADA55BADA55BADAull)

void *ss_malloc(size_t size);
void ss_free(void *user_ptr);
void *ss_calloc(size_t count, size_t size);
void *ss_realloc(void *user_ptr, size_t size);
void *ss_reallocarray(void *user_ptr, size_t count, size_t size);
int ss_posix_memalign(void **out, size_t alignment, size_t size);
void *ss_aligned_alloc(size_t alignment, size_t size);
void *ss_memalign(size_t alignment, size_t size);
void *ss_valloc(size_t size);
void *ss_pvalloc(size_t size);
size_t ss_malloc_usable_size(const void *user_ptr);

/* Counters of the whole allocator, for tests and the demo. */
struct ss_stats {
    uint64_t superslabs_mapped;   /* superslabs currently mapped */
    uint64_t superslabs_total;    /* superslabs mapped since start */
    uint64_t slabs_bound;         /* slabs currently serving a class */
    uint64_t threads_live;        /* threads with a live cache */
    uint64_t mid_bytes_mapped;    /* bytes mapped for the mid path */
    uint64_t large_live;          /* live large (direct mmap) blocks */
    uint64_t findings;            /* check failures reported */
};
void ss_stats_get(struct ss_stats *out);

/* Name of the block layout this library was built with: "hakmem" or "aligned". */
const char *ss_layout_name(void);
/* Build mode: "release", "check" or "trace". */
const char *ss_build_mode(void);

/* Returns every block the calling thread's cache holds to its slab now
 * (the same drain that happens when a thread exits). */
void ss_thread_flush(void);

#ifdef __cplusplus
}
#endif
#endif
