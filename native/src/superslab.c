#define SS_FILE_ID 6
/* superslab.c — mapping superslabs and binding their slabs to classes.
 * Everything here runs under the global lock, off the hot path. */
#include "internal.h"

#define SS_USABLE_SLABS_MASK (~(uint32_t)0 << SS_FIRST_BLOCK_SLAB)

void _ss_slab_list_push(struct ss_slab **list, struct ss_slab *slab) {
    slab->prev = NULL;
    slab->next = *list;
    if (*list) (*list)->prev = slab;
    *list = slab;
}

void _ss_slab_list_remove(struct ss_slab **list, struct ss_slab *slab) {
    if (slab->prev) slab->prev->next = slab->next;
    else *list = slab->next;
    if (slab->next) slab->next->prev = slab->prev;
    slab->next = slab->prev = NULL;
}

/* Caller holds the lock. */
static struct ss_superslab *superslab_map(void) {
    struct ss_superslab *ss = _ss_os_map_aligned(SS_SUPERSLAB_SIZE, SS_SUPERSLAB_SIZE);
    if (!ss) return NULL;
    if (!_ss_registry_set(ss, SS_REGION_TINY)) {
        _ss_os_unmap(ss, SS_SUPERSLAB_SIZE);
        return NULL;
    }
    ss->magic = SS_SUPERSLAB_MAGIC;
    for (unsigned i = 0; i < SS_SLABS_PER_SUPERSLAB; i++) {
        ss->slabs[i].index = (uint8_t)i;
        ss_slab_set_class(&ss->slabs[i], -1);
    }
    ss->prev_all = NULL;
    ss->next_all = _ss_g.superslabs;
    if (_ss_g.superslabs) _ss_g.superslabs->prev_all = ss;
    _ss_g.superslabs = ss;
    _ss_g.superslabs_mapped++;
    _ss_g.superslabs_total++;
    SS_PROBE(SSP_SUPERSLAB_MAP, SSP_NO_CLASS, 0, ss, ss);
    return ss;
}

/* Caller holds the lock; returns the superslab to unmap (after unlocking), or NULL. */
static struct ss_superslab *superslab_retire_if_empty(struct ss_superslab *ss) {
    if (ss->bound_mask != 0 || _ss_g.superslabs_mapped <= 1) return NULL; /* keep one spare */
    if (ss->prev_all) ss->prev_all->next_all = ss->next_all;
    else _ss_g.superslabs = ss->next_all;
    if (ss->next_all) ss->next_all->prev_all = ss->prev_all;
    _ss_registry_set(ss, SS_REGION_NONE);
    _ss_g.superslabs_mapped--;
    SS_PROBE(SSP_SUPERSLAB_UNMAP, SSP_NO_CLASS, 0, ss, ss);
    return ss;
}

static void slab_bind(struct ss_slab *slab, unsigned cls, uint32_t owner) {
    struct ss_superslab *ss = ss_superslab_of(slab);
    ss_slab_set_class(slab, (int)cls);
    slab->capacity = ss_slab_capacity(cls);
    slab->used = 0;
    slab->carved = 0;
    slab->freelist = NULL;
    slab->abandoned = 0;
    atomic_store_explicit(&slab->remote_head, 0, memory_order_relaxed);
    atomic_store_explicit(&slab->owner, owner, memory_order_release);
    ss->bound_mask |= 1u << slab->index;
    _ss_g.slabs_bound++;
    SS_PROBE(SSP_SLAB_BIND, cls, 0, ss_slab_start(slab), ss_slab_start(slab));
}

struct ss_slab *_ss_slab_acquire(struct ss_tcache *tc, unsigned cls) {
    struct ss_slab *slab = NULL;
    bool adopted = false;
    ss_lock(&_ss_g.lock);
    if (_ss_g.abandoned[cls]) { /* a dead thread's slab first: it holds memory already */
        slab = _ss_g.abandoned[cls];
        _ss_slab_list_remove(&_ss_g.abandoned[cls], slab);
        slab->abandoned = 0;
        atomic_store_explicit(&slab->owner, tc->id, memory_order_release);
        adopted = true;
    } else {
        struct ss_superslab *ss = _ss_g.superslabs;
        while (ss && (ss->bound_mask | ~SS_USABLE_SLABS_MASK) == ~(uint32_t)0) ss = ss->next_all;
        if (!ss) ss = superslab_map();
        if (ss) {
            unsigned index = (unsigned)__builtin_ctz(~ss->bound_mask & SS_USABLE_SLABS_MASK);
            slab = &ss->slabs[index];
            slab_bind(slab, cls, tc->id);
        }
    }
    ss_unlock(&_ss_g.lock);
    if (!slab) return NULL;
    _ss_slab_list_push(&tc->slabs[cls], slab);
    if (adopted) _ss_remote_drain(slab);
    return slab;
}

/* The owner gives back a slab none of whose blocks is out (used == 0). */
void _ss_slab_release(struct ss_tcache *tc, struct ss_slab *slab) {
    _ss_slab_list_remove(&tc->slabs[slab->cls], slab);
    struct ss_superslab *ss = ss_superslab_of(slab), *retired;
    SS_PROBE(SSP_SLAB_RELEASE, slab->cls, 0, ss_slab_start(slab), ss_slab_start(slab));
    ss_lock(&_ss_g.lock);
    ss_slab_set_class(slab, -1);
    slab->freelist = NULL;
    slab->carved = 0;
    atomic_store_explicit(&slab->owner, 0, memory_order_release);
    ss->bound_mask &= ~(1u << slab->index);
    _ss_g.slabs_bound--;
    retired = superslab_retire_if_empty(ss);
    ss_unlock(&_ss_g.lock);
    if (retired) _ss_os_unmap(retired, SS_SUPERSLAB_SIZE);
}

static void slab_abandon_locked(struct ss_slab *slab) {
    atomic_store_explicit(&slab->owner, 0, memory_order_release);
    slab->abandoned = 1;
    _ss_slab_list_push(&_ss_g.abandoned[slab->cls], slab);
}

/* Thread exit: empty slabs go back, the rest wait for another thread to adopt them. */
void _ss_slab_abandon_all(struct ss_tcache *tc) {
    for (unsigned cls = 0; cls < SS_NUM_CLASSES; cls++) {
        struct ss_slab *slab = tc->slabs[cls];
        while (slab) {
            struct ss_slab *next = slab->next;
            _ss_remote_drain(slab);
            if (slab->used == 0) {
                _ss_slab_release(tc, slab);
            } else {
                _ss_slab_list_remove(&tc->slabs[cls], slab);
                ss_lock(&_ss_g.lock);
                slab_abandon_locked(slab);
                ss_unlock(&_ss_g.lock);
            }
            slab = next;
        }
    }
}

/* In a fork child only the forking thread lives on: every slab another
 * thread owned becomes abandoned, so frees into it are not lost. */
void _ss_orphan_foreign_slabs(uint32_t keep_owner) {
    for (struct ss_superslab *ss = _ss_g.superslabs; ss; ss = ss->next_all) {
        for (unsigned i = SS_FIRST_BLOCK_SLAB; i < SS_SLABS_PER_SUPERSLAB; i++) {
            struct ss_slab *slab = &ss->slabs[i];
            if (slab->cls < 0 || slab->abandoned) continue;
            if (atomic_load_explicit(&slab->owner, memory_order_relaxed) == keep_owner) continue;
            slab_abandon_locked(slab);
        }
    }
}
