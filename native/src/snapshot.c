/* snapshot.c — the allocator's whole state as trace events (route bit
 * SSP_ROUTE_SNAPSHOT): superslabs, slabs with their counts, slab freelists,
 * remote queues, thread caches and live blocks. Other threads keep running,
 * so every link is validated before it is followed and every walk is bounded. */
#define SS_FILE_ID 13
#include "internal.h"

#if SS_TRACE
#define SNAP SSP_ROUTE_SNAPSHOT

/* A link is followed only if it is the BASE of a block of this class in a bound slab. */
static bool walkable(unsigned cls, const void *base) {
    if ((uintptr_t)base == SLABSCOPE_REMOTE_SENTINEL || !base) return false;
    struct ss_loc loc;
    _ss_resolve(base, &loc);
    return loc.kind == SS_PTR_BASE && loc.cls == cls && loc.base == base;
}

static void walk(unsigned kind, unsigned cls, void *first, uint32_t limit, uint64_t value) {
    void *base = first;
    for (uint32_t n = 0; n < limit && walkable(cls, base); n++) {
        SS_PROBE(kind, cls, SNAP, base, value);
        base = ss_next_read(cls, base);
    }
}

void _ss_trace_snapshot(void) {
    ss_lock(&_ss_g.lock); /* no superslab goes away and no slab is rebound meanwhile */
    for (struct ss_superslab *ss = _ss_g.superslabs; ss; ss = ss->next_all) {
        SS_PROBE(SSP_SUPERSLAB_MAP, SSP_NO_CLASS, SNAP, ss, ss);
        for (unsigned i = SS_FIRST_BLOCK_SLAB; i < SS_SLABS_PER_SUPERSLAB; i++) {
            struct ss_slab *slab = &ss->slabs[i];
            int cls = slab->cls;
            if (cls < 0) continue;
            uint32_t owner = atomic_load_explicit(&slab->owner, memory_order_relaxed);
            /* value: used | carved << 20 | owner << 40 */
            SS_PROBE(SSP_SLAB_BIND, cls, SNAP, ss_slab_start(slab),
                     (uint64_t)slab->used | (uint64_t)slab->carved << 20 | (uint64_t)owner << 40);
            walk(SSP_SLAB_PUSH, (unsigned)cls, slab->freelist, slab->capacity, owner);
            walk(SSP_REMOTE_PUSH, (unsigned)cls, (void *)atomic_load(&slab->remote_head), slab->capacity, owner);
            size_t stride = ss_stride((unsigned)cls);
            for (uint32_t slot = 0; slot < slab->carved; slot++) {
                char *base = ss_slab_start(slab) + slot * stride;
                if (ss_block_live(slab, (unsigned)cls, slot, base)) SS_PROBE(SSP_ALLOC, cls, SNAP, base, 0);
            }
        }
    }
    for (struct ss_tcache *tc = _ss_g.threads; tc; tc = tc->next_thread)
        for (unsigned cls = 0; cls < SS_NUM_CLASSES; cls++)
            walk(SSP_CACHE_PUSH, cls, tc->head[cls], tc->count[cls], tc->id);
    ss_unlock(&_ss_g.lock);
}

const void *_ss_trace_slab_span(uint64_t address, size_t *length) {
    const void *ptr = (const void *)(uintptr_t)address;
    if (ss_registry_kind(ptr) != SS_REGION_TINY) return NULL;
    unsigned index = ss_slab_index_of(ptr);
    struct ss_slab *slab = &ss_superslab_of(ptr)->slabs[index];
    *length = SS_SLAB_SIZE;
    return index < SS_FIRST_BLOCK_SLAB ? NULL : ss_slab_start(slab);
}
#endif
