/* tiny.h — the thread-cache pop and push shared by malloc, free and the slow paths. */
#ifndef SS_TINY_H
#define SS_TINY_H

#include "internal.h"

/* Pops a block the cache holds (head non-NULL) and hands out its USER pointer. */
static inline void *ss_cache_pop(struct ss_tcache *tc, unsigned cls, const void *pc) {
    void *base = tc->head[cls];
    void *next = ss_next_read(cls, base);
#if SS_CHECK
    if (ss_unlikely(!_ss_check_link(cls, base, next, NULL, pc))) {
        /* the rest of the list cannot be trusted: drop it (its blocks leak) */
        next = NULL;
        tc->count[cls] = 1;
    }
    ss_live_set(ss_slab_of_base(base), cls, base);
#endif
    tc->head[cls] = next;
    tc->count[cls]--;
    ss_header_write(base, cls); /* the link covered it in C0/C7 of the hakmem layout */
    SS_PROBE_IN(3, SSP_NEXT_READ, cls, ss_next_offset(cls), base, next);
    SS_PROBE_IN(3, SSP_CACHE_POP, cls, 0, base, tc->count[cls]);
    SS_PROBE_IN(3, SSP_HEADER_WRITE, cls, 0, base, ss_header_encode(cls));
    return ss_user_from_base(base);
}

static inline void ss_cache_push(struct ss_tcache *tc, unsigned cls, void *base) {
    ss_link(cls, base, tc->head[cls]);
    tc->head[cls] = base;
    tc->count[cls]++;
    SS_PROBE_IN(3, SSP_CACHE_PUSH, cls, 0, base, tc->count[cls]);
}

#endif
