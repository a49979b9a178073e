/* tiny.h — the thread-cache pop and push shared by malloc, free and the slow paths. */
#ifndef SS_TINY_H
#define SS_TINY_H

#include "internal.h"
#include "check_fast.h"

#if SS_CHECK
/* A cached link the inline check could not vouch for: the full check, which reports a bad one.
 * Returns the link to follow (NULL when the rest of the list cannot be trusted). */
void *_ss_cache_link_checked(struct ss_tcache *tc, unsigned cls, void *base, void *next, const void *pc);
#endif

/* Takes the cache's head `base`, whose link `next` has been read (and, in the check build,
 * vouched for), and hands out its USER pointer. */
static inline __attribute__((always_inline)) void *ss_cache_take(struct ss_tcache *tc, unsigned cls, void *base,
                                                                 void *next) {
#if SS_CHECK
    ss_mark_live(ss_slab_of_base(base), cls, base);
#endif
    tc->head[cls] = next;
    tc->count[cls]--;
    ss_header_write(base, cls); /* the link covered it in C0/C7 of the hakmem layout */
    SS_PROBE_IN(3, SSP_NEXT_READ, cls, ss_next_offset(cls), base, next);
    SS_PROBE_IN(3, SSP_CACHE_POP, cls, 0, base, tc->count[cls]);
    SS_PROBE_IN(3, SSP_HEADER_WRITE, cls, 0, base, ss_header_encode(cls));
    return ss_user_from_base(base);
}

/* Pops a block the cache holds (head non-NULL) and hands out its USER pointer. */
static inline __attribute__((always_inline)) void *ss_cache_pop(struct ss_tcache *tc, unsigned cls, const void *pc) {
    void *base = tc->head[cls];
    void *next = ss_next_read(cls, base);
#if SS_CHECK
    if (ss_unlikely(!ss_fast_link(cls, base, next))) next = _ss_cache_link_checked(tc, cls, base, next, pc);
#else
    (void)pc;
#endif
    return ss_cache_take(tc, cls, base, next);
}

static inline void ss_cache_push(struct ss_tcache *tc, unsigned cls, void *base) {
    ss_link(cls, base, tc->head[cls]);
    tc->head[cls] = base;
    tc->count[cls]++;
    SS_PROBE_IN(3, SSP_CACHE_PUSH, cls, 0, base, tc->count[cls]);
}

#endif
