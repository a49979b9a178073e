#define SS_FILE_ID 8
/* tcache.c — a thread's life: setting up its cache on first use, returning
 * it when the thread exits (pthread key destructor), and fork safety. */
#include <pthread.h>
#include <sched.h>
#include "internal.h"

void _ss_registry_fork_lock(int phase);

static pthread_key_t thread_key;
static atomic_int global_state; /* 0 new, 1 being set up, 2 ready */

static void thread_link(struct ss_tcache *tc) {
    tc->prev_thread = NULL;
    tc->next_thread = _ss_g.threads;
    if (_ss_g.threads) _ss_g.threads->prev_thread = tc;
    _ss_g.threads = tc;
    _ss_g.threads_live++;
}
static void thread_unlink(struct ss_tcache *tc) {
    if (tc->prev_thread) tc->prev_thread->next_thread = tc->next_thread;
    else _ss_g.threads = tc->next_thread;
    if (tc->next_thread) tc->next_thread->prev_thread = tc->prev_thread;
    _ss_g.threads_live--;
}

static void thread_exit(void *arg) {
    struct ss_tcache *tc = arg;
    if (tc->state != SS_THREAD_LIVE) return;
    SS_PROBE(SSP_THREAD_EXIT, SSP_NO_CLASS, 0, 0, tc->id);
    for (unsigned cls = 0; cls < SS_NUM_CLASSES; cls++) {
        _ss_cache_drain(tc, cls, tc->count[cls]);
        tc->cap[cls] = 0;
    }
    _ss_slab_abandon_all(tc);
    ss_lock(&_ss_g.lock);
    thread_unlink(tc);
    ss_unlock(&_ss_g.lock);
    /* Frees after this (other destructors) take the remote path; allocations the mid path. */
    tc->id = SS_DEAD_THREAD_ID;
    tc->state = SS_THREAD_DEAD;
#if SS_TRACE
    ssp_thread_exit();
#endif
}

static void fork_prepare(void) {
    ss_lock(&_ss_g.lock);
    _ss_mid_fork_lock(0);
    _ss_large_fork_lock(0);
    _ss_registry_fork_lock(0);
}
static void fork_parent(void) {
    _ss_registry_fork_lock(1);
    _ss_large_fork_lock(1);
    _ss_mid_fork_lock(1);
    ss_unlock(&_ss_g.lock);
}
static void fork_child(void) {
    _ss_registry_fork_lock(1);
    _ss_large_fork_lock(1);
    _ss_mid_fork_lock(1);
    struct ss_tcache *tc = &_ss_tc;
    _ss_g.threads = NULL;
    _ss_g.threads_live = 0;
    if (tc->state == SS_THREAD_LIVE) thread_link(tc);
    _ss_orphan_foreign_slabs(tc->state == SS_THREAD_LIVE ? tc->id : UINT32_MAX);
    ss_unlock(&_ss_g.lock);
}

void _ss_global_setup(void) {
    if (atomic_load_explicit(&global_state, memory_order_acquire) == 2) return;
    int expected = 0;
    if (atomic_compare_exchange_strong(&global_state, &expected, 1)) {
        uint64_t seed = __builtin_ia32_rdtsc() ^ (uint64_t)(uintptr_t)&thread_key;
        _ss_g.check_key = seed * 0xD6E8FEB86659FD93ull | 1;
        _ss_g.check_claim_mul = ss_check_word_claim_mul(_ss_g.check_key);
        pthread_key_create(&thread_key, thread_exit);
        pthread_atfork(fork_prepare, fork_parent, fork_child);
        atomic_store_explicit(&global_state, 2, memory_order_release);
        return;
    }
    while (atomic_load_explicit(&global_state, memory_order_acquire) != 2) sched_yield();
}

uint32_t _ss_thread_id_new(void) {
    return atomic_fetch_add_explicit(&_ss_g.next_thread_id, 1, memory_order_relaxed) + 1;
}

void _ss_thread_setup(struct ss_tcache *tc) {
    /* Live first: the pthread calls below may allocate, and must find this cache ready. */
    if (tc->id == 0) tc->id = _ss_thread_id_new(); /* one a report already gave it stays */
    for (unsigned cls = 0; cls < SS_NUM_CLASSES; cls++) tc->cap[cls] = ss_cache_cap(cls);
    tc->state = SS_THREAD_LIVE;
    ss_lock(&_ss_g.lock);
    thread_link(tc);
    ss_unlock(&_ss_g.lock);
    _ss_global_setup();
    pthread_setspecific(thread_key, tc);
    SS_PROBE(SSP_THREAD_START, SSP_NO_CLASS, 0, 0, tc->id);
}

SS_API void ss_thread_flush(void) {
    struct ss_tcache *tc = &_ss_tc;
    if (tc->state != SS_THREAD_LIVE) return;
    for (unsigned cls = 0; cls < SS_NUM_CLASSES; cls++) _ss_cache_drain(tc, cls, tc->count[cls]);
}
