/* registry.c — which 2 MiB regions are ours, and of which kind.
 * Two levels over the 47-bit user address space: a static top table and
 * 16 KiB leaves mapped on first use. Readers take no lock; leaves are never freed. */
#include "internal.h"

_Atomic(uint8_t *) _ss_registry_l1[1u << SS_REG_L1_BITS];
static ss_lock_t registry_lock;

bool _ss_registry_set(void *superslab, unsigned kind) {
    uintptr_t addr = (uintptr_t)superslab;
    size_t top = addr >> (SS_SUPERSLAB_SHIFT + SS_REG_L2_BITS);
    uint8_t *leaf = atomic_load_explicit(&_ss_registry_l1[top], memory_order_acquire);
    if (!leaf) {
        ss_lock(&registry_lock);
        leaf = atomic_load_explicit(&_ss_registry_l1[top], memory_order_relaxed);
        if (!leaf) {
            leaf = _ss_os_map((size_t)1 << SS_REG_L2_BITS);
            if (leaf) atomic_store_explicit(&_ss_registry_l1[top], leaf, memory_order_release);
        }
        ss_unlock(&registry_lock);
        if (!leaf) return false;
    }
    atomic_store_explicit((_Atomic uint8_t *)&leaf[(addr >> SS_SUPERSLAB_SHIFT) & ((1u << SS_REG_L2_BITS) - 1)],
                          (uint8_t)kind, memory_order_release);
    return true;
}

/* fork: phase 0 takes the lock before fork, phase 1 gives it back in both processes. */
void _ss_registry_fork_lock(int phase) {
    if (phase == 0) ss_lock(&registry_lock);
    else ss_unlock(&registry_lock);
}
