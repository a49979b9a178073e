#define SS_FILE_ID 5
/* remote.c — frees by a thread that does not own the block's slab.
 * A lock-free stack per slab; the owner takes it whole and splices it onto
 * the slab freelist. The last block's link is SLABSCOPE_REMOTE_SENTINEL so a
 * block waiting here is never mistaken for the end of a freelist; the drain
 * rewrites that link, so the sentinel never leaves the queue. */
#include "internal.h"

#define SENTINEL ((void *)SLABSCOPE_REMOTE_SENTINEL)

void _ss_remote_push(struct ss_slab *slab, unsigned cls, void *base) {
    /* traced before it is published: the owner's drain of it is always later in time */
    SS_PROBE(SSP_REMOTE_PUSH, cls, 0, base, atomic_load_explicit(&slab->owner, memory_order_relaxed));
    uintptr_t head = atomic_load_explicit(&slab->remote_head, memory_order_relaxed);
    do {
        ss_link(cls, base, head ? (void *)head : SENTINEL);
    } while (!atomic_compare_exchange_weak_explicit(&slab->remote_head, &head, (uintptr_t)base,
                                                    memory_order_release, memory_order_relaxed));
}

/* Owner only: moves every remote-pending block to the slab freelist. */
uint32_t _ss_remote_drain(struct ss_slab *slab) {
    void *chain = (void *)atomic_exchange_explicit(&slab->remote_head, 0, memory_order_acquire);
    if (!chain) return 0;
    unsigned cls = (unsigned)slab->cls;
    uint32_t n = 1;
    void *tail = chain;
    for (;;) {
#if SS_CHECK
        ss_settle_remote_free(slab, cls, tail);
#endif
        void *next = ss_next_read(cls, tail);
        if (next == SENTINEL) break;
#if SS_CHECK
        /* tagged slab pointer: same-slab check, but the live marks are not settled yet */
        if (!_ss_check_link(cls, tail, next, (const struct ss_slab *)((uintptr_t)slab | 1), NULL)) break;
#endif
        tail = next;
        n++;
    }
    /* the splice rewrites the tail's link (the sentinel); the drain's event is
     * traced on its line, so a sentinel left behind points here */
    if (!SS_INJECT_REMOTE_SENTINEL_LEAK) { ss_link(cls, tail, slab->freelist); } SS_PROBE(SSP_REMOTE_DRAIN, cls, 0, chain, n);
    slab->freelist = chain;
    slab->used -= n;
    return n;
}
