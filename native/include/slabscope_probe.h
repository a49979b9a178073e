/* slabscope_probe.h — the probe API of the Slabscope trace runtime.
 *
 * An allocator (ours, or yours) calls ssp_emit() at each pointer operation
 * (ssp_emit_local() for one that touches only the calling thread's own state);
 * the runtime keeps per-thread single-producer rings, and one exporter thread
 * streams them to a viewer's Unix socket or to a trace file in the wire format
 * of PROTOCOL.md. Emitting takes no lock. Link libslabscope_trace.a and call
 * ssp_start() once (a constructor is a good place). */
#ifndef SLABSCOPE_PROBE_H
#define SLABSCOPE_PROBE_H

#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SSP_WIRE_VERSION 1

/* Event kinds (PROTOCOL.md §3). */
enum ssp_kind {
    SSP_ALLOC = 1, SSP_FREE, SSP_CACHE_PUSH, SSP_CACHE_POP, SSP_SLAB_PUSH, SSP_SLAB_POP,
    SSP_NEXT_WRITE, SSP_NEXT_READ, SSP_HEADER_WRITE, SSP_REFILL, SSP_DRAIN, SSP_REMOTE_PUSH,
    SSP_REMOTE_DRAIN, SSP_SUPERSLAB_MAP, SSP_SUPERSLAB_UNMAP, SSP_SLAB_BIND, SSP_SLAB_RELEASE,
    SSP_CHECK_FAIL, SSP_THREAD_START, SSP_THREAD_EXIT, SSP_STACK_FRAME,
    SSP_KIND_COUNT
};
enum ssp_alloc_route { SSP_ALLOC_CACHE_HIT = 1, SSP_ALLOC_REFILL, SSP_ALLOC_CARVE, SSP_ALLOC_MID, SSP_ALLOC_LARGE };
enum ssp_free_route {
    SSP_FREE_HEADER_FAST = 1, SSP_FREE_REGISTRY, SSP_FREE_REMOTE, SSP_FREE_MID, SSP_FREE_LARGE,
    SSP_FREE_FOREIGN, SSP_FREE_REJECTED
};
enum ssp_check {
    SSP_CHECK_NONE = 0, SSP_CHECK_DOUBLE_FREE = 1, SSP_CHECK_BASE_AS_USER, SSP_CHECK_INTERIOR_FREE, SSP_CHECK_FOREIGN_FREE,
    SSP_CHECK_HEADER_CORRUPT, SSP_CHECK_NEXT_CORRUPT, SSP_CHECK_SENTINEL_LEAK, SSP_CHECK_USER_AS_BASE,
    SSP_CHECK_NEXT_OUT_OF_SLAB,
    SSP_CHECK_COUNT
};
#define SSP_NO_CLASS 255u
/* route bit 7: the event describes state that existed before (a snapshot), not an operation */
#define SSP_ROUTE_SNAPSHOT 0x80u

/* One event as it sits in a ring and on the wire (48 bytes, little-endian): the producer
 * writes it wire-ready, so the exporter sends ring memory as it is. */
struct ssp_event {
    uint64_t timestamp;  /* ns, CLOCK_MONOTONIC */
    uint64_t seq;        /* per-thread sequence number */
    uint16_t kind;
    uint8_t cls;
    uint8_t route;
    uint32_t site_id;    /* internal allocator site, 0 when none */
    uint64_t base;
    uint64_t value;
    uint64_t pc;         /* return address of the public API call */
};
_Static_assert(sizeof(struct ssp_event) == 48, "wire event is 48 bytes");

/* What the runtime needs from the allocator that uses it. */
struct ssp_config {
    const char *layout_name;
    const char *layout_json;  /* the layout description, sent in the handshake */
    /* Emits the allocator's current state as events with SSP_ROUTE_SNAPSHOT; may be NULL. */
    void (*snapshot)(void);
    /* The slab holding `address`, for a viewer that asks for its raw bytes: its start
     * and length, or NULL when the address is not in a slab; may be NULL. */
    const void *(*slab_span)(uint64_t address, size_t *length);
};

/* Viewer commands (PROTOCOL.md §7). */
enum ssp_command { SSP_CMD_PAUSE = 1, SSP_CMD_RESUME = 2, SSP_CMD_SNAPSHOT = 3, SSP_CMD_SLAB_BYTES = 4 };

/* Starts tracing as the environment says (SLABSCOPE_SOCKET, SLABSCOPE_TRACE_FILE,
 * SLABSCOPE_LOSSLESS, SLABSCOPE_RING, SLABSCOPE_STACK_DEPTH, SLABSCOPE_STALL_MS). Returns 1 when tracing. */
int ssp_start(const struct ssp_config *config);
/* Emits up to SLABSCOPE_STACK_DEPTH - 1 stack-frame events for the caller of
 * the public call whose frame is `frame` (a frame-pointer walk). */
void ssp_emit_stack(const void *frame);
/* Before an event whose stack follows it: learns this thread's stack bounds once. That may
 * allocate (the C library's pthread_getattr_np), and those events must come before the event
 * the frames belong to, not between them. */
void ssp_prepare_stack(void);
extern uint32_t _ssp_stack_depth;
/* Delivers everything emitted so far and writes the end-of-stream frame. */
void ssp_finish(void);
/* A thread is going away: its ring is handed to the exporter to finish. */
void ssp_thread_exit(void);

/* ---- the emit fast path ---- */
struct ssp_ring {
    /* the producer's cache line (the exporter only reads head) */
    _Atomic uint64_t head;    /* next slot to write: producer only */
    uint64_t limit;           /* head may run up to here without reading tail (tail + size when last read);
                                 0 while a drop is unreported, so the next event takes the slow path */
    uint64_t mask;
    uint64_t seq_ahead;       /* dropped events less lost marks placed: the next event's sequence
                                 number is head + seq_ahead */
    uint64_t lost_first;      /* first dropped sequence not yet reported */
    uint64_t lost_count;      /* dropped since then */
    struct ssp_event *events;
    uint32_t thread;
    _Atomic uint32_t closed;
    /* the exporter's: its stores to tail do not take the producer's line away */
    _Alignas(64) _Atomic uint64_t tail; /* next slot to read: exporter only */
    struct ssp_ring *next;
};
struct ssp_thread_state {
    struct ssp_ring *ring;
    uint32_t busy;            /* inside the runtime: no recursion */
    uint32_t stack_known;
    uintptr_t stack_low, stack_high; /* this thread's stack: a frame walk never reads outside it */
    const void *call_pc;      /* return address of the public call in progress (or the last one): the
                                 allocator sets it on entry, and a crash record names it */
    uint64_t stamp;           /* the time (ns) of this thread's last stamped event (ssp_emit_local reuses it) */
};
extern __thread struct ssp_thread_state _ssp_thread __attribute__((tls_model("initial-exec")));
extern _Atomic int _ssp_active;
/* SLABSCOPE_EVENTS=all: pointer-level detail (cache and slab push/pop, next
 * read/write, header writes) on top of the operation-level events. */
extern int _ssp_detail;
static inline int ssp_detail(void) { return _ssp_detail; }
/* Is tracing on? (An event whose fields cost something to work out can ask first.) */
static inline int ssp_active(void) { return atomic_load_explicit(&_ssp_active, memory_order_relaxed); }
void _ssp_emit_slow(const struct ssp_event *event);

static inline uint64_t ssp_ticks(void) { return __builtin_ia32_rdtsc(); }

/* The sequence number of the event in the ring's slot `head`. */
static inline uint64_t ssp_seq_at(const struct ssp_ring *ring, uint64_t head) { return head + ring->seq_ahead; }

/* TSC ticks to CLOCK_MONOTONIC ns, measured when tracing starts; read-only after, on a line of its own. */
struct ssp_clock {
    uint64_t tsc_start, ns_start;
    uint64_t ns_per_tick_q32; /* fixed point, 32 fractional bits: no floating point per event */
};
extern struct ssp_clock _ssp_clock;
static inline uint64_t ssp_ticks_to_ns(uint64_t ticks) {
    return _ssp_clock.ns_start +
           (uint64_t)(((unsigned __int128)(ticks - _ssp_clock.tsc_start) * _ssp_clock.ns_per_tick_q32) >> 32);
}
/* The time now, in ns, for a stamp. */
static inline uint64_t ssp_stamp_now(void) { return ssp_ticks_to_ns(ssp_ticks()); }

/* How many events of a thread may share one reading of the clock (a power of two): see ssp_emit_local. */
#define SSP_LOCAL_STAMP_EVERY 8u

/* Puts one event in the calling thread's ring (the slow half makes the ring, waits in lossless
 * mode, counts drops in lossy mode). `local`: it may reuse the thread's last clock reading, unless
 * its slot starts a new group of SSP_LOCAL_STAMP_EVERY. The fields go straight into the slot in
 * whole words: a copy of an event built on the stack would make each 16-byte load wait for the
 * narrower stores that built it. The slot is wire-ready (time in ns, sequence number given). */
static inline void ssp_put(int local, uint16_t kind, uint8_t cls, uint8_t route, uint32_t site_id, uintptr_t base,
                           uint64_t value, const void *pc) {
    struct ssp_thread_state *self = &_ssp_thread;
    struct ssp_ring *ring = self->ring;
    if (__builtin_expect(ring != NULL, 1)) {
        uint64_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
        if (__builtin_expect(head < ring->limit, 1)) {
            uint64_t stamp = local && (head & (SSP_LOCAL_STAMP_EVERY - 1)) ? self->stamp : (self->stamp = ssp_stamp_now());
            struct ssp_event *slot = &ring->events[head & ring->mask];
            uint64_t kind_word = (uint64_t)kind | (uint64_t)cls << 16 | (uint64_t)route << 24 | (uint64_t)site_id << 32;
            slot->timestamp = stamp;
            slot->seq = ssp_seq_at(ring, head);
            __builtin_memcpy(&slot->kind, &kind_word, sizeof kind_word); /* kind, cls, route, site_id: little-endian */
            slot->base = base;
            slot->value = value;
            slot->pc = (uint64_t)(uintptr_t)pc;
            atomic_store_explicit(&ring->head, head + 1, memory_order_release);
            return;
        }
    }
    struct ssp_event event = {self->stamp = ssp_stamp_now(), 0, kind, cls, route, site_id, base, value,
                              (uint64_t)(uintptr_t)pc};
    _ssp_emit_slow(&event);
}

/* Emits one event stamped now. */
static inline void ssp_emit(uint16_t kind, uint8_t cls, uint8_t route, uint32_t site_id, uintptr_t base,
                            uint64_t value, const void *pc) {
    if (ssp_active()) ssp_put(0, kind, cls, route, site_id, base, value, pc);
}

/* Emits an event about state only the calling thread touches (its own cache, in
 * our allocator). Reading the clock is the dearest part of an event, so such an
 * event may carry the stamp of an event up to SSP_LOCAL_STAMP_EVERY - 1 earlier
 * in this thread: never later than the event, still in the thread's order, and
 * no other thread's event can depend on it falling in between. Anything another
 * thread can observe (a remote free, a drain, a slab or superslab changing
 * hands) must use ssp_emit. */
static inline void ssp_emit_local(uint16_t kind, uint8_t cls, uint8_t route, uint32_t site_id, uintptr_t base,
                                  uint64_t value, const void *pc) {
    if (ssp_active()) ssp_put(1, kind, cls, route, site_id, base, value, pc);
}

#ifdef __cplusplus
}
#endif
#endif
