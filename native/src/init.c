/* init.c — the global state and the lock's slow path. */
#include <sched.h>
#include "internal.h"
#include "debug_root.h"

struct ss_global _ss_g;
/* Every program has this file (it holds the global state); its reference brings the
 * debug root into a static link too, where nothing else names it. */
extern const struct slabscope_debug_root slabscope_debug_root;
__attribute__((used)) const void *const _ss_debug_root_anchor = &slabscope_debug_root;
__thread struct ss_tcache _ss_tc __attribute__((tls_model("initial-exec")));

void _ss_lock_slow(ss_lock_t *lock) {
    for (unsigned spins = 0;; spins++) {
        int expected = 0;
        if (atomic_load_explicit(&lock->held, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_weak_explicit(&lock->held, &expected, 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return;
        if (spins < 64) __builtin_ia32_pause();
        else sched_yield();
    }
}
