#define SS_FILE_ID 2
/* free.c — free. The header fast path reads the byte before USER (never
 * across a page boundary: that page may not be ours) and pushes the block on
 * the thread cache; the registry is asked only when the header cannot be
 * trusted. The check build checks every pointer before it trusts it: the
 * common case inline (check_fast.h), anything else by resolving it completely. */
#include <errno.h>
#include "tiny.h"

enum ssp_check _ss_mid_problem(const void *user);

/* Is the slab this live thread's own? Then its blocks go back on the thread's cache. */
static inline bool owns_slab(const struct ss_tcache *tc, const struct ss_slab *slab) {
    return tc->state == SS_THREAD_LIVE && atomic_load_explicit(&slab->owner, memory_order_relaxed) == tc->id;
}
/* A block of the thread's own slab onto its cache, half the cache drained first when full. */
static void cache_put(struct ss_tcache *tc, unsigned cls, void *base) {
    if (tc->count[cls] >= tc->cap[cls]) _ss_cache_drain(tc, cls, tc->cap[cls] / 2);
    ss_cache_push(tc, cls, base);
}

#if SS_CHECK
/* Every check a free (or realloc) makes before it trusts the pointer.
 * Returns true when the pointer is a live block the caller may free. */
bool _ss_check_live(void *user, const void *pc, struct ss_loc *loc) {
    _ss_resolve(user, loc);
    switch (loc->kind) {
    case SS_PTR_USER:
        break;
    case SS_PTR_BASE:
        _ss_report(SSP_CHECK_BASE_AS_USER, user, (int)loc->cls, pc,
                   "a BASE pointer (block start) was passed where a USER pointer is expected");
        return false;
    case SS_PTR_INTERIOR:
        _ss_report(SSP_CHECK_INTERIOR_FREE, user, (int)loc->cls, pc,
                   "the pointer lies inside a block but is not the address malloc returned");
        return false;
    case SS_PTR_UNBOUND_SLAB:
        _ss_report(SSP_CHECK_DOUBLE_FREE, user, -1, pc, "the block's slab holds no live block: it was already freed");
        return false;
    case SS_PTR_MID: {
        enum ssp_check problem = _ss_mid_problem(user);
        if (problem == SSP_CHECK_NONE) return true;
        _ss_report(problem, user, -1, pc,
                   problem == SSP_CHECK_DOUBLE_FREE     ? "the mid-size block was already freed"
                   : problem == SSP_CHECK_INTERIOR_FREE ? "the pointer lies inside the mid-size heap but is not a block's address"
                                                        : "the mid-size block's header was overwritten");
        return false;
    }
    case SS_PTR_LARGE:
        return true;
    case SS_PTR_FOREIGN:
        _ss_report(SSP_CHECK_FOREIGN_FREE, user, -1, pc, "the pointer was not allocated by this allocator");
        return false;
    }
    if (ss_block_live(loc->slab, loc->cls, loc->slot, loc->base)) {
        if (ss_tag_before_user(user) != ss_header_encode(loc->cls)) {
            _ss_report_value(SSP_CHECK_HEADER_CORRUPT, user, (int)loc->cls, pc, ss_tag_before_user(user),
                       "the header byte before the USER pointer was overwritten while the block was in use");
            return false;
        }
        return true;
    }
    _ss_report(SSP_CHECK_DOUBLE_FREE, user, (int)loc->cls, pc, "the block is already free");
    return false;
}

#if SS_TRACE
/* The route the release build's free would take for this block (`own`: the caller has seen
 * the slab is this live thread's); *site is the line that chose it, so a route regression
 * points at the decision. */
static inline unsigned free_route(void *user, const struct ss_slab *slab, bool own, uint32_t *site) {
    if (!own && !owns_slab(&_ss_tc, slab)) return *site = SS_SITE_HERE, SSP_FREE_REMOTE;
    bool header_usable = ((uintptr_t)user & (SS_PAGE_SIZE - 1)) && ss_header_class(ss_tag_before_user(user)) >= 0;
    if (SS_INJECT_REGISTRY_IN_FAST_PATH) return *site = SS_SITE_HERE, SSP_FREE_REGISTRY; /* every free asks the registry first */
    return *site = SS_SITE_HERE, header_usable ? SSP_FREE_HEADER_FAST : SSP_FREE_REGISTRY;
}
#define SS_PROBE_FREE_TINY(emit, own, user, slab, cls, base)                          \
    do {                                                                               \
        if (ssp_active()) { /* working out the route costs loads: only when traced */  \
            uint32_t route_site;                                                       \
            unsigned route = free_route((user), (slab), (own), &route_site);           \
            SS_PROBE_OP_WITH(emit, route_site, SSP_FREE, (cls), route, (base), (user)); \
        }                                                                              \
    } while (0)
#else
#define SS_PROBE_FREE_TINY(emit, own, user, slab, cls, base) ((void)0)
#endif

/* A live tiny block the checks passed: traced, marked free, freed. Its slab, class and slot
 * are worked out again here, so the inline path that leaves for this keeps fewer values. */
static ss_noinline void free_checked_tiny(void *user, const void *pc) {
    int saved_errno = errno; /* a drain may unmap */
    void *base = ss_base_from_user(user);
    struct ss_slab *slab = ss_slab_of_base(base);
    unsigned cls = (unsigned)ss_slab_class(slab);
    uint32_t slot = ss_slot_of(cls, base);
    struct ss_tcache *tc = &_ss_tc;
    SS_PROBE_FREE_TINY(ssp_emit, false, user, slab, cls, base);
    /* ownership decided once: the owner marks the block free; any other thread
     * marks it atomically (a concurrent free of the same block loses) */
    if (owns_slab(tc, slab)) {
        ss_mark_free_owned(slab, cls, slot);
        cache_put(tc, cls, base);
    } else if (ss_mark_free_remote(slab, cls, base)) {
        _ss_remote_push(slab, cls, base);
    } else {
        _ss_report(SSP_CHECK_DOUBLE_FREE, user, (int)cls, pc, "the block is already free (freed concurrently)");
    }
    errno = saved_errno;
}

/* The full check: whatever the pointer is, it is resolved, and a bad one reported. */
static ss_noinline void free_checked(void *user, const void *pc) {
    int saved_errno = errno; /* a report writes */
    /* the injected bug reads the header before anything says the page is there */
    if (SS_INJECT_PAGE_BOUNDARY_HEADER_READ) (void)*(volatile uint8_t *)((char *)user - 1);
    struct ss_loc loc;
    if (!_ss_check_live(user, pc, &loc)) { /* report mode: refuse it */
        SS_PROBE_OP(SSP_FREE, loc.slab ? loc.cls : SSP_NO_CLASS,
                 loc.kind == SS_PTR_FOREIGN ? SSP_FREE_FOREIGN : SSP_FREE_REJECTED, loc.base, user);
    } else if (loc.kind == SS_PTR_MID) {
        SS_PROBE_OP(SSP_FREE, SSP_NO_CLASS, SSP_FREE_MID, (char *)user - 16, user);
        _ss_mid_free(user);
    } else if (loc.kind == SS_PTR_LARGE) {
        SS_PROBE_OP(SSP_FREE, SSP_NO_CLASS, SSP_FREE_LARGE, (char *)user - 16, user);
        _ss_large_free(user);
    } else {
        free_checked_tiny(user, pc);
    }
    errno = saved_errno;
}
#endif

#if !SS_CHECK
/* A tiny block the caller has established is ours, live and of class `cls`. */
static void free_tiny(struct ss_slab *slab, unsigned cls, void *base) {
    struct ss_tcache *tc = &_ss_tc;
    if (owns_slab(tc, slab)) cache_put(tc, cls, base);
    else _ss_remote_push(slab, cls, base);
}

/* The registry route: the header was on another page or did not hold a tiny magic. */
static ss_noinline void free_slow(void *user, const void *pc) {
    switch (ss_registry_kind(user)) {
    case SS_REGION_TINY: {
        struct ss_loc loc;
        _ss_resolve(user, &loc);
        if (loc.kind == SS_PTR_USER) free_tiny(loc.slab, loc.cls, loc.base);
        return;
    }
    case SS_REGION_MID:
        _ss_mid_free(user);
        return;
    default:
        if (_ss_large_owns(user)) _ss_large_free(user);
        return; /* not ours: the release build leaves it alone */
    }
}

/* Everything but the header fast path: errno is kept, a drain may unmap. */
static ss_noinline void free_not_fast(void *user, const void *pc) {
    if (!user) return;
    int saved_errno = errno;
    int cls = ((uintptr_t)user & (SS_PAGE_SIZE - 1)) ? ss_header_class(ss_tag_before_user(user)) : -1;
    if (cls >= 0) {
        void *base = ss_base_from_user(user);
        free_tiny(ss_slab_of_base(base), (unsigned)cls, base);
    } else {
        free_slow(user, pc);
    }
    errno = saved_errno;
}
#endif

static inline __attribute__((always_inline)) void free_impl(void *user, const void *pc) {
#if SS_CHECK
    SS_TRACE_ENTER(SS_PC_OR_CALLER(pc));
    struct ss_loc loc;
    /* the common case, checked inline: a live block going back to this thread's cache */
    if (!SS_INJECT_PAGE_BOUNDARY_HEADER_READ && ss_likely(ss_fast_live(user, &loc))) {
        struct ss_tcache *tc = &_ss_tc;
        if (ss_likely(atomic_load_explicit(&loc.slab->owner, memory_order_relaxed) == tc->id &&
                      tc->count[loc.cls] < tc->cap[loc.cls])) { /* cap is 0 unless the thread is live */
            /* a push on this thread's own cache: no other thread's event can fall in between */
            SS_PROBE_FREE_TINY(ssp_emit_local, true, user, loc.slab, loc.cls, loc.base);
            ss_mark_free_owned(loc.slab, loc.cls, loc.slot);
            ss_cache_push(tc, loc.cls, loc.base);
            return;
        }
        return free_checked_tiny(user, SS_PC_OR_CALLER(pc));
    }
    if (user) free_checked(user, SS_PC_OR_CALLER(pc));
#else
    if (SS_INJECT_REGISTRY_IN_FAST_PATH && user && ss_registry_kind(user) != SS_REGION_TINY) {
        free_not_fast(user, SS_PC_OR_CALLER(pc)); /* the injected lookup: correct, but on every free */
        return;
    }
    /* header fast path: the byte before USER is on the same page (this also rules out NULL) */
    if (ss_likely(SS_INJECT_PAGE_BOUNDARY_HEADER_READ ? user != NULL : ((uintptr_t)user & (SS_PAGE_SIZE - 1)))) {
        unsigned cls = (unsigned)ss_header_class(ss_tag_before_user(user));
        if (ss_likely(cls < SS_NUM_CLASSES)) { /* not -1: an unsigned test also tells the compiler cls < 8 */
            void *base = ss_base_from_user(user);
            struct ss_tcache *tc = &_ss_tc;
            if (ss_likely(atomic_load_explicit(&ss_slab_of_base(base)->owner, memory_order_relaxed) == tc->id &&
                          tc->count[cls] < tc->cap[cls])) {
                ss_cache_push(tc, cls, base);
                return;
            }
        }
    }
    free_not_fast(user, SS_PC_OR_CALLER(pc));
#endif
}

void _ss_free_at(void *user, const void *pc) { free_impl(user, pc); }

SS_API void ss_free(void *user) { free_impl(user, NULL); }

#if SS_OVERRIDE
SS_API void free(void *user) __attribute__((alias("ss_free")));
SS_API void cfree(void *user) __attribute__((alias("ss_free")));
#endif
