#define SS_FILE_ID 4
/* slab.c — moving blocks between slabs and a thread's cache: refill
 * (slab freelist, then carving) and drain (back to the slab, so slabs empty out). */
#include <errno.h>
#include "tiny.h"

/* Moves up to `want` blocks of one slab into the cache; returns how many. */
static uint32_t slab_take(struct ss_tcache *tc, struct ss_slab *slab, unsigned cls, uint32_t want,
                          const void *pc) {
    uint32_t got = 0;
    while (got < want && slab->freelist) {
        void *base = slab->freelist;
        void *next = ss_next_read(cls, base);
        SS_PROBE_DETAIL(SSP_NEXT_READ, cls, ss_next_offset(cls), base, next);
        SS_PROBE_DETAIL(SSP_SLAB_POP, cls, 0, base, slab->used + got + 1);
#if SS_CHECK
        if (ss_unlikely(!_ss_check_link(cls, base, next, slab, pc))) next = NULL;
#endif
        slab->freelist = next;
        ss_cache_push(tc, cls, base);
        got++;
    }
    if (got < want && slab->carved < slab->capacity) {
        uint32_t n = slab->capacity - slab->carved;
        if (n > want - got) n = want - got;
        size_t stride = ss_stride(cls);
        char *first = ss_slab_start(slab) + (size_t)slab->carved * stride;
        for (uint32_t i = n; i-- > 0;) { /* lowest address ends on top */
            void *base = first + (size_t)i * stride;
            ss_header_write(base, cls);
            SS_PROBE_DETAIL(SSP_HEADER_WRITE, cls, 0, base, ss_header_encode(cls));
            ss_cache_push(tc, cls, base);
        }
        slab->carved += n;
        got += n;
#if SS_TRACE
        _ss_trace_carved = 1;
#endif
    }
    slab->used += got;
    if (got) SS_PROBE(SSP_REFILL, cls, 0, ss_slab_start(slab), got);
    return got;
}

static void move_to_front(struct ss_tcache *tc, unsigned cls, struct ss_slab *slab) {
    if (tc->slabs[cls] == slab) return;
    _ss_slab_list_remove(&tc->slabs[cls], slab);
    _ss_slab_list_push(&tc->slabs[cls], slab);
}

static uint32_t refill(struct ss_tcache *tc, unsigned cls, const void *pc) {
    uint32_t want = ss_refill_batch(cls), got;
    struct ss_slab *slab = tc->slabs[cls];
    for (unsigned scanned = 0; slab && scanned < 4; scanned++, slab = slab->next) {
        if (atomic_load_explicit(&slab->remote_head, memory_order_relaxed)) _ss_remote_drain(slab);
        if ((got = slab_take(tc, slab, cls, want, pc))) {
            move_to_front(tc, cls, slab);
            return got;
        }
    }
    /* Before binding a new slab, collect what other threads freed into ours. */
    for (slab = tc->slabs[cls]; slab; slab = slab->next) {
        if (!atomic_load_explicit(&slab->remote_head, memory_order_relaxed)) continue;
        _ss_remote_drain(slab);
        if ((got = slab_take(tc, slab, cls, want, pc))) {
            move_to_front(tc, cls, slab);
            return got;
        }
    }
    /* An adopted slab (its thread exited) may have nothing free yet: it stays
     * ours, for its remote frees, and the next acquire tries another slab.
     * Each try uses up an abandoned slab or binds a fresh one, so this ends. */
    while ((slab = _ss_slab_acquire(tc, cls)))
        if ((got = slab_take(tc, slab, cls, want, pc))) return got;
    return 0;
}

void *_ss_tiny_alloc_slow(unsigned cls, const void *pc, size_t size) {
    struct ss_tcache *tc = &_ss_tc;
    if (ss_unlikely(tc->state != SS_THREAD_LIVE)) {
        if (tc->state == SS_THREAD_DEAD) { /* after this thread's cache was returned */
            void *user = _ss_mid_alloc(ss_payload(cls), 0);
            SS_PROBE_OP(SSP_ALLOC, SSP_NO_CLASS, SSP_ALLOC_MID, user ? (char *)user - 16 : NULL, size);
            return user;
        }
        _ss_thread_setup(tc);
    }
#if SS_TRACE
    _ss_trace_carved = 0;
#endif
    if (!tc->head[cls] && !refill(tc, cls, pc)) {
        errno = ENOMEM;
        return NULL;
    }
    void *user = ss_cache_pop(tc, cls, pc);
#if SS_TRACE
    SS_PROBE_OP(SSP_ALLOC, cls, _ss_trace_carved ? SSP_ALLOC_CARVE : SSP_ALLOC_REFILL, ss_base_from_user(user), size);
#endif
    (void)size;
    return user;
}

void _ss_slab_put(struct ss_tcache *tc, struct ss_slab *slab, unsigned cls, void *base, uint32_t site) {
    bool was_empty = slab->freelist == NULL;
#if SS_CHECK
    /* the slab freelist holds BASE pointers only: anything else is allocator code misusing a pointer */
    size_t within = (size_t)((char *)base - ss_slab_start(slab)) % ss_stride(cls);
    if (ss_unlikely(within != 0)) {
        _ss_report_at(site, within == SS_USER_OFFSET ? SSP_CHECK_USER_AS_BASE : SSP_CHECK_NEXT_CORRUPT, base, (int)cls, NULL, 0,
                   within == SS_USER_OFFSET ? "allocator code passed a USER pointer where the slab freelist needs BASE"
                                            : "allocator code passed a pointer inside a block to the slab freelist");
        return;
    }
#endif
    ss_link(cls, base, slab->freelist);
    slab->freelist = base;
    /* the put's event carries the used count after it, on the line that lowers it:
     * with the injected bug used never falls, the slab never empties, and the trace shows where */
    slab->used -= SS_INJECT_SLL_NO_USED_DECREMENT ? 0 : 1; SS_PROBE_DETAIL(SSP_SLAB_PUSH, cls, 0, base, slab->used);
    if (slab->used == 0 && (slab->prev || slab->next)) {
        _ss_slab_release(tc, slab); /* keep one slab per class so a hot class does not thrash */
        return;
    }
    if (was_empty) move_to_front(tc, cls, slab);
}

/* Returns the n coldest cached blocks (the far end of the list) to their slabs. */
void _ss_cache_drain(struct ss_tcache *tc, unsigned cls, uint32_t n) {
    if (n > tc->count[cls]) n = tc->count[cls];
    if (n == 0) return;
    uint32_t keep = tc->count[cls] - n;
    void *base;
    if (keep == 0) {
        base = tc->head[cls];
        tc->head[cls] = NULL;
    } else {
        void *last = tc->head[cls];
        for (uint32_t i = 1; i < keep; i++) last = ss_next_read(cls, last);
        base = ss_next_read(cls, last);
        ss_link(cls, last, NULL);
    }
    tc->count[cls] = keep;
    SS_PROBE(SSP_DRAIN, cls, 0, base, n);
    while (base && n--) {
        void *next = ss_next_read(cls, base);
#if SS_CHECK
        if (ss_unlikely(!_ss_check_link(cls, base, next, NULL, NULL))) next = NULL;
#endif
        /* with the injected bug, the drain hands the slab code USER instead of BASE;
         * the put reports a misuse at this line, its caller's */
        void *block = SS_INJECT_USER_PTR_SLAB_INDEX ? ss_user_from_base(base) : base; _ss_slab_put(tc, ss_slab_of_base(block), cls, block, SS_SITE_HERE);
        base = next;
    }
}

#if SS_CHECK
void *_ss_cache_link_checked(struct ss_tcache *tc, unsigned cls, void *base, void *next, const void *pc) {
    if (_ss_check_link(cls, base, next, NULL, pc)) return next;
    /* the rest of the list cannot be trusted: drop it (its blocks leak) */
    tc->count[cls] = 1;
    return NULL;
}
#endif
