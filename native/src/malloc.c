#define SS_FILE_ID 1
/* malloc.c — malloc and calloc. The tiny path is a pop from the thread cache. */
#include <errno.h>
#include "tiny.h"

/* A pop from this thread's own cache: no other thread's event can fall in between. */
#define SS_PROBE_CACHE_HIT(cls, user, size) \
    SS_PROBE_OP_WITH(ssp_emit_local, SS_SITE_HERE, SSP_ALLOC, cls, SSP_ALLOC_CACHE_HIT, ss_base_from_user(user), size)

#if SS_CHECK
/* A cache hit whose link the inline check could not vouch for: the full check, out of line. */
static ss_noinline void *alloc_hit_checked(unsigned cls, const void *pc, size_t size) {
    void *user = ss_cache_pop(&_ss_tc, cls, pc);
    SS_PROBE_CACHE_HIT(cls, user, size);
    return user;
}
#endif

static inline __attribute__((always_inline)) void *alloc(size_t size, const void *pc) {
    SS_TRACE_ENTER(SS_PC_OR_CALLER(pc));
    if (ss_likely(size <= SS_TINY_MAX)) {
        unsigned cls = ss_class_of_size(size);
        struct ss_tcache *tc = &_ss_tc;
        if (ss_likely(tc->head[cls] != NULL)) {
#if SS_CHECK
            void *base = tc->head[cls], *next = ss_next_read(cls, base);
            /* everything but the vouched-for case leaves by a tail call: this path saves no registers */
            if (ss_unlikely(!ss_fast_link(cls, base, next))) return alloc_hit_checked(cls, SS_PC_OR_CALLER(pc), size);
            void *user = ss_cache_take(tc, cls, base, next);
#else
            void *user = ss_cache_pop(tc, cls, NULL); /* the release build's pop reports nothing */
#endif
            SS_PROBE_CACHE_HIT(cls, user, size);
            return user;
        }
        return _ss_tiny_alloc_slow(cls, SS_PC_OR_CALLER(pc), size);
    }
    void *user = _ss_big_alloc(size, 0);
    SS_PROBE_OP(SSP_ALLOC, SSP_NO_CLASS, user && ss_tag_before_user(user) == SS_TAG_LARGE ? SSP_ALLOC_LARGE : SSP_ALLOC_MID,
             user ? (char *)user - 16 : NULL, size);
    return user;
}

void *_ss_malloc_at(size_t size, const void *pc) { return alloc(size, pc); }

SS_API void *ss_malloc(size_t size) { return alloc(size, NULL); }

SS_API void *ss_calloc(size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    void *user = alloc(total, NULL);
    /* a large block is a fresh mapping, zero already */
    if (user && ss_tag_before_user(user) != SS_TAG_LARGE) memset(user, 0, total);
    return user;
}

#if SS_OVERRIDE
SS_API void *malloc(size_t size) __attribute__((alias("ss_malloc")));
SS_API void *calloc(size_t count, size_t size) __attribute__((alias("ss_calloc")));
#endif
