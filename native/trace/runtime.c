/* runtime.c — per-thread rings and the slow half of ssp_emit: making a
 * thread's ring, waiting (lossless) or counting what is dropped (lossy). */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include "trace.h"

struct ssp_runtime _ssp = {.fd = -1};
/* Read by every event, written almost never: each starts a cache line, so no
 * variable the exporter writes sits beside them. */
_Alignas(64) _Atomic int _ssp_active;
_Alignas(64) int _ssp_detail;
_Alignas(64) uint32_t _ssp_stack_depth = 1;
_Alignas(64) struct ssp_clock _ssp_clock;
__thread struct ssp_thread_state _ssp_thread __attribute__((tls_model("initial-exec")));

uint64_t _ssp_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

static struct ssp_ring *ring_create(void) {
    /* a ring whose thread ended and whose events were all written is reused */
    for (struct ssp_ring *ring = atomic_load(&_ssp.rings); ring; ring = ring->next) {
        uint32_t drained = 2;
        if (ring->mask + 1 == _ssp.options.ring_events &&
            atomic_compare_exchange_strong(&ring->closed, &drained, 3)) {
            ring->lost_count = ring->lost_first = ring->limit = 0;
            ring->seq_ahead = 0 - atomic_load(&ring->head); /* the new thread numbers from 0 where the old one left off */
            ring->thread = atomic_fetch_add(&_ssp.next_thread, 1) + 1;
            atomic_store(&ring->closed, 0);
            return ring;
        }
    }
    size_t events = _ssp.options.ring_events;
    size_t bytes = sizeof(struct ssp_ring) + events * sizeof(struct ssp_event);
    /* populated now: a page fault per 85 events would otherwise fall in the traced program's own calls */
    struct ssp_ring *ring = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (ring == MAP_FAILED) return NULL;
    ring->events = (struct ssp_event *)(ring + 1);
    ring->mask = events - 1;
    ring->thread = atomic_fetch_add(&_ssp.next_thread, 1) + 1;
    struct ssp_ring *head = atomic_load(&_ssp.rings);
    do ring->next = head;
    while (!atomic_compare_exchange_weak(&_ssp.rings, &head, ring));
    return ring;
}

/* How far the fast path may fill before it looks at tail again: nowhere while a drop is unreported. */
static void refresh_limit(struct ssp_ring *ring) {
    ring->limit = ring->lost_count ? 0 : atomic_load_explicit(&ring->tail, memory_order_acquire) + ring->mask + 1;
}

/* The sequence number the next event of the ring's thread gets. */
static uint64_t next_seq(const struct ssp_ring *ring) {
    return ssp_seq_at(ring, atomic_load_explicit(&ring->head, memory_order_relaxed));
}

/* Puts one entry in the ring if there is room. */
static bool ring_put(struct ssp_ring *ring, const struct ssp_event *event) {
    uint64_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    if (head - atomic_load_explicit(&ring->tail, memory_order_acquire) > ring->mask) return false;
    ring->events[head & ring->mask] = *event;
    atomic_store_explicit(&ring->head, head + 1, memory_order_release);
    return true;
}

/* Puts the lost mark for the drops not yet reported, stamped `stamp`, if there is room. */
static bool put_lost_mark(struct ssp_ring *ring, uint64_t stamp) {
    struct ssp_event mark = {stamp, ring->lost_first, SSP_LOST_MARK, SSP_NO_CLASS, 0, 0,
                             ring->lost_first, ring->lost_count, 0};
    if (!ring_put(ring, &mark)) return false;
    ring->seq_ahead--; /* a slot without a sequence number */
    ring->lost_count = 0;
    return true;
}

void _ssp_emit_slow(const struct ssp_event *incoming) {
    struct ssp_thread_state *self = &_ssp_thread;
    if (self->busy) return;
    self->busy = 1;
    struct ssp_ring *ring = self->ring;
    if (!ring) ring = self->ring = ring_create();
    if (!ring || atomic_load_explicit(&_ssp.crashed, memory_order_relaxed)) goto out;
    struct ssp_event event = *incoming;
    /* the lost record comes first, in order, with the event's stamp (stamps never go back) */
    if (ring->lost_count && !put_lost_mark(ring, event.timestamp)) goto drop;
    event.seq = next_seq(ring);
    if (_ssp.options.lossless) {
        while (!ring_put(ring, &event)) {
            if (!atomic_load_explicit(&_ssp_active, memory_order_relaxed)) goto out;
            if (!_ssp_flush_own_ring(ring)) sched_yield();
        }
        goto out;
    }
    if (ring_put(ring, &event)) goto out;
drop:
    if (ring->lost_count == 0) ring->lost_first = next_seq(ring);
    ring->lost_count++;
    ring->seq_ahead++; /* a sequence number without a slot */
out:
    if (ring) refresh_limit(ring);
    self->busy = 0;
}

/* The calling thread's stack bounds (pthread_getattr_np may allocate: no events meanwhile). */
static void stack_bounds(struct ssp_thread_state *self) {
    self->stack_known = 1;
    pthread_attr_t attr;
    void *low;
    size_t size;
    uint32_t busy = self->busy;
    self->busy = 1;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &low, &size) == 0) {
            self->stack_low = (uintptr_t)low;
            self->stack_high = (uintptr_t)low + size;
        }
        pthread_attr_destroy(&attr);
    }
    self->busy = busy;
}

void ssp_prepare_stack(void) {
    struct ssp_thread_state *self = &_ssp_thread;
    if (!self->stack_known && !self->busy && atomic_load_explicit(&_ssp_active, memory_order_relaxed)) stack_bounds(self);
}

void ssp_emit_stack(const void *frame) {
    struct ssp_thread_state *self = &_ssp_thread;
    if (self->busy || !atomic_load_explicit(&_ssp_active, memory_order_relaxed)) return;
    if (!self->stack_known) stack_bounds(self);
    /* frame is the public call's own frame: [0] the caller's frame, [1] the return address (the pc already sent) */
    const uintptr_t *fp = frame;
    for (uint32_t depth = 1; depth < _ssp_stack_depth; depth++) {
        uintptr_t next = fp[0];
        if (next <= (uintptr_t)fp || (next & 7) || next < self->stack_low || next + 16 > self->stack_high) return;
        fp = (const uintptr_t *)next;
        uintptr_t ret = fp[1];
        if (!ret) return;
        ssp_emit(SSP_STACK_FRAME, SSP_NO_CLASS, 0, 0, depth, ret, (const void *)ret);
    }
}

void ssp_thread_exit(void) {
    struct ssp_ring *ring = _ssp_thread.ring;
    if (!ring) return;
    if (ring->lost_count) { /* make the drop known even if nothing follows */
        uint64_t stamp = _ssp_thread.stamp = ssp_stamp_now();
        /* the exporter makes room; after it stopped, ssp_finish drained the ring first
         * (a ring closed with a drop unreported is reset when a new thread takes it) */
        for (int tries = 0; !put_lost_mark(ring, stamp) && atomic_load(&_ssp_active); tries++) {
            if (atomic_load(&_ssp.stop) && tries > 1000) break;
            sched_yield();
        }
    }
    atomic_store_explicit(&ring->closed, 1, memory_order_release);
}

static uint32_t env_u32(const char *name, uint32_t fallback) {
    const char *text = getenv(name);
    if (!text || !*text) return fallback;
    char *end;
    unsigned long value = strtoul(text, &end, 10);
    return *end || value > (1ul << 30) ? fallback : (uint32_t)value;
}

/* A forked child has no exporter thread and shares its parent's connection: it
 * stops tracing (a child that execs is traced afresh by the preload there). */
static void child_after_fork(void) {
    atomic_store(&_ssp_active, 0);
    atomic_store(&_ssp.stop, 1);
    if (_ssp.fd >= 0) close(_ssp.fd);
    _ssp.fd = -1;
}

int ssp_start(const struct ssp_config *config) {
    if (_ssp.fd >= 0) return 1;
    _ssp.config = config;
    /* lossless unless asked otherwise: a trace that shows "unknown" debugs nothing */
    const char *lossless = getenv("SLABSCOPE_LOSSLESS");
    _ssp.options.lossless = !(lossless && lossless[0] == '0');
    uint32_t events = env_u32("SLABSCOPE_RING", 1u << 16);
    uint32_t power = 16;
    while (power < events) power <<= 1;
    _ssp.options.ring_events = power;
    _ssp.options.stack_depth = env_u32("SLABSCOPE_STACK_DEPTH", 1);
    if (_ssp.options.stack_depth > 64) _ssp.options.stack_depth = 64;
    _ssp_stack_depth = _ssp.options.stack_depth ? _ssp.options.stack_depth : 1;
    _ssp.options.stall_ns = (uint64_t)env_u32("SLABSCOPE_STALL_MS", 10000) * 1000000u;
    const char *detail = getenv("SLABSCOPE_EVENTS");
    _ssp_detail = detail && detail[0] == 'a'; /* "all" */
    /* ticks to ns: measured over a short interval now */
    _ssp_clock.tsc_start = ssp_ticks();
    _ssp_clock.ns_start = _ssp_now_ns();
    struct timespec pause = {0, 2000000};
    nanosleep(&pause, NULL);
    _ssp_clock.ns_per_tick_q32 = (uint64_t)((double)(_ssp_now_ns() - _ssp_clock.ns_start) * 4294967296.0 /
                                            (double)(ssp_ticks() - _ssp_clock.tsc_start));
    atomic_store(&_ssp.viewer_given_up, 0);
    int fd = _ssp_open_output();
    if (fd < 0) return 0;
    struct stat st;
    _ssp.fd_is_socket = fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode); /* before the first byte goes out */
    _ssp.fd = fd;
    _ssp.pid = getpid();
    /* a read the compiler keeps: a static link of the runtime then brings exec.c's wrappers too */
    (void)*(volatile const int *)&_ssp_exec_interposed;
    _ssp_exit_watch();
    if (!_ssp_write_handshake(fd)) {
        _ssp.fd = -1;
        return 0;
    }
    _ssp_install_crash_handlers();
    static bool fork_handler;
    if (!fork_handler) fork_handler = pthread_atfork(NULL, NULL, child_after_fork) == 0;
    /* the exporter first, with tracing still off: creating its thread allocates (its TLS), and a
     * lossless ring that fills before the exporter runs would wait for it for ever */
    if (_ssp_start_exporter() != 0) return 0;
    atomic_store(&_ssp_active, 1);
    if (config && config->snapshot) config->snapshot(); /* the state before tracing began, the exporter's too */
    return 1;
}
