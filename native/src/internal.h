/* internal.h — the allocator's structures and the functions files share.
 * Hot-path helpers are inline here; everything cold lives in its own file. */
#ifndef SS_INTERNAL_H
#define SS_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include "classes.h"
#include "probes.h"
#include "slabscope.h"

/* ================= locks ================= */
typedef struct { atomic_int held; } ss_lock_t;
void _ss_lock_slow(ss_lock_t *lock);
static inline void ss_lock(ss_lock_t *lock) {
    int expected = 0;
    if (ss_unlikely(!atomic_compare_exchange_weak_explicit(&lock->held, &expected, 1,
                                                           memory_order_acquire, memory_order_relaxed)))
        _ss_lock_slow(lock);
}
static inline void ss_unlock(ss_lock_t *lock) { atomic_store_explicit(&lock->held, 0, memory_order_release); }

/* ================= slabs and superslabs ================= */
/* One cache line per slab: slabs of one superslab serve different threads, and a
 * line shared by two slabs would carry one thread's writes (remote frees, refills)
 * into the other's reads of its own slab. */
struct __attribute__((aligned(64))) ss_slab {
    void *freelist;        /* BASE of the first free block; owner thread only */
    uint32_t used;         /* blocks out of the slab: with the user, in a cache, or remote-pending */
    _Atomic uint32_t carved; /* blocks handed out of the never-used tail so far (read by other threads' checks) */
    uint32_t capacity;     /* blocks that fit */
    int8_t cls;            /* class served, -1 when not bound; other threads read it with ss_slab_class() */
    uint8_t index;         /* position in its superslab */
    uint8_t abandoned;     /* owner exited; waits in the abandoned list */
    uint8_t pad;
    _Atomic uint32_t owner;            /* owning thread id; 0 when none */
    _Atomic uintptr_t remote_head;     /* remote queue: BASE of the newest remote free, 0 when empty */
    struct ss_slab *next, *prev;       /* owner's per-class list, or the abandoned list */
};

#define SS_SUPERSLAB_MAGIC 0x5353534c41425353ull /* "SSBALSSS" */
struct ss_superslab {
    uint64_t magic;
    struct ss_superslab *next_all, *prev_all;
    uint32_t bound_mask;  /* bit i: slab i serves a class */
    uint32_t pad;
    struct ss_slab slabs[SS_SLABS_PER_SUPERSLAB];
#if SS_CHECK && SS_LIVE_BITS
    /* bit per block of the classes with no check word: 1 while the block is with the user */
    _Atomic uint64_t live[SS_SLABS_PER_SUPERSLAB][SS_MAX_BLOCKS_PER_SLAB / 64];
#endif
};
_Static_assert(sizeof(struct ss_superslab) <= SS_SLAB_SIZE, "superslab metadata must fit in slab 0");

static inline struct ss_superslab *ss_superslab_of(const void *ptr) {
    return (struct ss_superslab *)((uintptr_t)ptr & ~(uintptr_t)(SS_SUPERSLAB_SIZE - 1));
}
static inline unsigned ss_slab_index_of(const void *base) {
    return (unsigned)(((uintptr_t)base >> SS_SLAB_SHIFT) & (SS_SLABS_PER_SUPERSLAB - 1));
}
/* Slab metadata of a block, from its BASE pointer (never from USER: the seeds' Phase E1).
 * A slab's metadata is one line, so the index bits shifted into place are its byte offset
 * in the array: fewer instructions on every free than scaling the index. */
_Static_assert(sizeof(struct ss_slab) == 64, "slab metadata is one line");
static inline struct ss_slab *ss_slab_of_base(const void *base) {
    uintptr_t offset = ((uintptr_t)base >> (SS_SLAB_SHIFT - 6)) & ((uintptr_t)(SS_SLABS_PER_SUPERSLAB - 1) << 6);
    return (struct ss_slab *)((char *)ss_superslab_of(base)->slabs + offset);
}
/* A slab's class as another thread sees it (bind and release change it under the global lock). */
static inline int ss_slab_class(const struct ss_slab *slab) { return __atomic_load_n(&slab->cls, __ATOMIC_RELAXED); }
static inline void ss_slab_set_class(struct ss_slab *slab, int cls) {
    __atomic_store_n(&slab->cls, (int8_t)cls, __ATOMIC_RELAXED);
}

static inline char *ss_slab_start(const struct ss_slab *slab) {
    return (char *)ss_superslab_of(slab) + ((size_t)slab->index << SS_SLAB_SHIFT);
}

/* ================= registry: address -> kind of 2 MiB region, O(1) ================= */
enum { SS_REGION_NONE = 0, SS_REGION_TINY = 1, SS_REGION_MID = 2 };
#define SS_REG_L2_BITS 14
#define SS_REG_L1_BITS (47 - SS_SUPERSLAB_SHIFT - SS_REG_L2_BITS)
extern _Atomic(uint8_t *) _ss_registry_l1[1u << SS_REG_L1_BITS];
static inline unsigned ss_registry_kind(const void *ptr) {
    uintptr_t addr = (uintptr_t)ptr;
    if (ss_unlikely(addr >> 47)) return SS_REGION_NONE;
    uint8_t *leaf = atomic_load_explicit(&_ss_registry_l1[addr >> (SS_SUPERSLAB_SHIFT + SS_REG_L2_BITS)],
                                         memory_order_acquire);
    if (!leaf) return SS_REGION_NONE;
    return atomic_load_explicit((_Atomic uint8_t *)&leaf[(addr >> SS_SUPERSLAB_SHIFT) &
                                                         ((1u << SS_REG_L2_BITS) - 1)],
                                memory_order_acquire);
}
bool _ss_registry_set(void *superslab, unsigned kind);

/* ================= thread cache ================= */
enum { SS_THREAD_NEW = 0, SS_THREAD_LIVE = 1, SS_THREAD_DEAD = 2 };
#define SS_DEAD_THREAD_ID UINT32_MAX
struct ss_tcache {
    void *head[SS_NUM_CLASSES];       /* BASE of the first cached block per class */
    uint32_t count[SS_NUM_CLASSES];
    uint32_t cap[SS_NUM_CLASSES];     /* 0 until the thread is set up, and after it exits */
    uint32_t id;                      /* owner id stamped on slabs; never reused */
    uint32_t state;
    struct ss_slab *slabs[SS_NUM_CLASSES]; /* slabs this thread owns, per class */
    struct ss_tcache *next_thread, *prev_thread;
};
extern __thread struct ss_tcache _ss_tc __attribute__((tls_model("initial-exec")));

/* ================= global state ================= */
struct ss_global {
    ss_lock_t lock;                   /* superslab list, slab binding, abandoned lists, threads */
    struct ss_superslab *superslabs;
    struct ss_slab *abandoned[SS_NUM_CLASSES];
    struct ss_tcache *threads;
    uint64_t superslabs_mapped, superslabs_total, slabs_bound, threads_live;
    _Atomic uint32_t next_thread_id;
    _Atomic uint64_t findings;
    /* read by every link in the check build: on a line of its own (the alignment pads the
     * struct's end too), away from the lock every thread writes */
    _Alignas(64) uint64_t check_key;
    uint64_t check_claim_mul; /* ss_check_word_claim_mul(check_key) */
};
extern struct ss_global _ss_g;

/* ================= functions ================= */
/* os.c */
void *_ss_os_map(size_t size);
void *_ss_os_map_aligned(size_t size, size_t align);
void _ss_os_unmap(void *ptr, size_t size);

/* superslab.c: binding slabs to classes (global lock inside) */
struct ss_slab *_ss_slab_acquire(struct ss_tcache *tc, unsigned cls);
void _ss_slab_release(struct ss_tcache *tc, struct ss_slab *slab);
void _ss_slab_abandon_all(struct ss_tcache *tc);
void _ss_slab_list_push(struct ss_slab **list, struct ss_slab *slab);
void _ss_slab_list_remove(struct ss_slab **list, struct ss_slab *slab);
void _ss_orphan_foreign_slabs(uint32_t keep_owner); /* after fork, in the child */

/* slab.c: moving blocks between slabs and the thread cache */
void *_ss_tiny_alloc_slow(unsigned cls, const void *pc, size_t size);
void _ss_cache_drain(struct ss_tcache *tc, unsigned cls, uint32_t n);
/* Returns a block to its slab; `site` is the caller's line, named if the pointer is no BASE. */
void _ss_slab_put(struct ss_tcache *tc, struct ss_slab *slab, unsigned cls, void *base, uint32_t site);

/* remote.c */
void _ss_remote_push(struct ss_slab *slab, unsigned cls, void *base);
uint32_t _ss_remote_drain(struct ss_slab *slab);

/* tcache.c */
uint32_t _ss_thread_id_new(void);
void _ss_thread_setup(struct ss_tcache *tc);
void _ss_global_setup(void);

/* mid.c / large.c: sizes above the tiny classes, and over-aligned requests */
#define SS_MID_MAX ((size_t)256 << 10)
struct ss_bighdr {          /* the 16 bytes just below USER of a mid or large block */
    uint64_t length;        /* mid: class stride; large: bytes mapped */
    uint32_t back;          /* USER - start of the raw block or mapping */
    uint8_t mid_class;
    uint8_t pad[2];
    uint8_t tag;            /* SS_TAG_MID / SS_TAG_LARGE (or *_FREE): the byte at USER - 1 */
};
_Static_assert(sizeof(struct ss_bighdr) == 16, "big header is 16 bytes");
#define SS_TAG_MID_FREE 0xB8u
static inline struct ss_bighdr *ss_bighdr_of(const void *user) {
    return (struct ss_bighdr *)((char *)(uintptr_t)user - sizeof(struct ss_bighdr));
}
void *_ss_mid_alloc(size_t size, size_t align);
void _ss_mid_free(void *user);
size_t _ss_mid_usable(const void *user);
void *_ss_large_alloc(size_t size, size_t align);
bool _ss_large_owns(const void *user);
void _ss_large_free(void *user);
size_t _ss_large_usable(const void *user);
void *_ss_large_realloc(void *user, size_t size);
void *_ss_big_alloc(size_t size, size_t align); /* mid or large by size */
void _ss_mid_fork_lock(int phase);
void _ss_large_fork_lock(int phase);

/* check.c: the one place that turns any pointer into its block, or a finding */
enum ss_ptr_kind {
    SS_PTR_USER,      /* a tiny block's USER pointer */
    SS_PTR_BASE,      /* a tiny block's BASE pointer (when BASE != USER) */
    SS_PTR_INTERIOR,  /* inside a tiny block, neither BASE nor USER */
    SS_PTR_UNBOUND_SLAB, /* USER of a block in a slab that no longer serves a class */
    SS_PTR_MID,       /* a mid block's USER (live or freed: see tag) */
    SS_PTR_LARGE,     /* a live large block's USER */
    SS_PTR_FOREIGN,   /* not ours */
};
struct ss_loc {
    enum ss_ptr_kind kind;
    struct ss_slab *slab;
    unsigned cls;
    uint32_t slot;
    void *base;
};
void _ss_resolve(const void *ptr, struct ss_loc *loc);
/* Reports a finding; returns (in report mode) so the caller refuses the operation. */
/* Reports a failed check; `site` is the reporting line (file id << 16 | line), carried by the trace's check-fail event. */
/* `failed`: the value that failed the check (a header byte, a next pointer), 0 when none; the trace keeps its low 56 bits. */
void _ss_report_at(uint32_t site, enum ssp_check kind, const void *ptr, int cls, const void *pc, uint64_t failed, const char *sentence);
#define _ss_report(kind, ptr, cls, pc, sentence) \
    _ss_report_at(((uint32_t)SS_FILE_ID << 16) | __LINE__, kind, ptr, cls, pc, 0, sentence)
#define _ss_report_value(kind, ptr, cls, pc, failed, sentence) \
    _ss_report_at(((uint32_t)SS_FILE_ID << 16) | __LINE__, kind, ptr, cls, pc, failed, sentence)
bool _ss_check_link(unsigned cls, void *base, void *next, const struct ss_slab *same_slab, const void *pc);

#if SS_CHECK
/* The slot of a block of class cls that `ptr` points into (slabs are slab-size aligned:
 * the offset in the slab is the pointer's low bits). */
static inline uint32_t ss_slot_of(unsigned cls, const void *ptr) {
    return ss_slot_index(cls, (uintptr_t)ptr & (SS_SLAB_SIZE - 1));
}

/* ---- liveness: is a carved block with the user, or free? ----
 * Where the class has a check word (layout.h), the block itself says so: the free fast
 * path reads the line its push writes anyway, and a remote free touches no line of the
 * owner's. Classes with no room for the word (C0, C1 of the hakmem layout) keep a bit
 * per block in the superslab, 1 while the block is with the user. Those bits are
 * written by the slab's owner with plain (relaxed) stores, and by remote frees with an
 * atomic and: an owner store racing a remote clear may bring that bit back, so the
 * owner settles the bit of every block its remote drain takes in (see remote.c) and a
 * link check never trusts a remote block's bit. */
#if SS_LIVE_BITS
static inline _Atomic uint64_t *ss_live_word(const struct ss_slab *slab, uint32_t slot) {
    struct ss_superslab *ss = ss_superslab_of(slab);
    return &ss->live[slab - ss->slabs][slot / 64]; /* the index from the address: no load */
}
static inline void ss_live_store(const struct ss_slab *slab, uint32_t slot, bool live) {
    _Atomic uint64_t *word = ss_live_word(slab, slot);
    uint64_t bits = atomic_load_explicit(word, memory_order_relaxed), bit = 1ull << (slot % 64);
    atomic_store_explicit(word, live ? bits | bit : bits & ~bit, memory_order_relaxed);
}
#define SS_LIVE_BITS_ONLY(stmt) stmt
#else
#define SS_LIVE_BITS_ONLY(stmt) ((void)0)
#endif
/* Is the carved block at `slot` (its BASE `base`) with the user? */
static inline bool ss_block_live(const struct ss_slab *slab, unsigned cls, uint32_t slot, const void *base) {
    if (ss_class_has_check_word(cls)) return !ss_check_word_free(cls, base, ss_check_word_load(base), _ss_g.check_key, _ss_g.check_claim_mul);
#if SS_LIVE_BITS
    return atomic_load_explicit(ss_live_word(slab, slot), memory_order_relaxed) & (1ull << (slot % 64));
#else
    (void)slab, (void)slot;
    return false; /* unreachable: every class has a word */
#endif
}
/* Owner only: the block is handed out. */
static inline void ss_mark_live(const struct ss_slab *slab, unsigned cls, void *base) {
    if (ss_class_has_check_word(cls)) ss_check_word_mark_live(base);
    else SS_LIVE_BITS_ONLY(ss_live_store(slab, ss_slot_of(cls, base), true));
}
/* Owner only: a live block comes back (with a check word, its push's ss_link writes the word that says free). */
static inline void ss_mark_free_owned(const struct ss_slab *slab, unsigned cls, uint32_t slot) {
    if (!ss_class_has_check_word(cls)) SS_LIVE_BITS_ONLY(ss_live_store(slab, slot, false));
    (void)slab, (void)slot;
}
/* Any thread: marks the block free; false if it already was (a concurrent free of it lost). */
static inline bool ss_mark_free_remote(const struct ss_slab *slab, unsigned cls, void *base) {
    if (ss_class_has_check_word(cls)) {
        uint64_t seen = ss_check_word_load(base);
        return !ss_check_word_free(cls, base, seen, _ss_g.check_key, _ss_g.check_claim_mul) &&
               ss_check_word_claim(base, seen, _ss_g.check_claim_mul);
    }
#if SS_LIVE_BITS
    uint32_t slot = ss_slot_of(cls, base);
    uint64_t bit = 1ull << (slot % 64);
    return atomic_fetch_and_explicit(ss_live_word(slab, slot), ~bit, memory_order_relaxed) & bit;
#else
    (void)slab;
    return false;
#endif
}
/* Owner only, in its remote drain: the remote free's mark is final (see above; a word needs nothing). */
static inline void ss_settle_remote_free(const struct ss_slab *slab, unsigned cls, const void *base) {
    if (!ss_class_has_check_word(cls)) SS_LIVE_BITS_ONLY(ss_live_store(slab, ss_slot_of(cls, base), false));
    (void)slab, (void)base;
}
#endif

/* Every push of a free block: the link, and in the check build its check word. */
static inline void ss_link(unsigned cls, void *base, void *next) {
    ss_next_write(cls, base, next);
    SS_PROBE_LINK_WRITE(cls, base, next);
#if SS_CHECK
    if (ss_class_has_check_word(cls)) ss_check_word_write(base, next, _ss_g.check_key);
#endif
}

#define SS_CALLER() __builtin_return_address(0)
/* `pc`: the caller to blame in a report; NULL for the caller of the function the inline
 * malloc or free path is inlined into, read only on the way out to a slow path (held from
 * the start, it costs the inline path a register and an instruction). */
#define SS_PC_OR_CALLER(pc) ((pc) ? (pc) : SS_CALLER())

/* Internal entry points with the caller's pc (public wrappers live in malloc.c etc.) */
void *_ss_malloc_at(size_t size, const void *pc);
void _ss_free_at(void *user, const void *pc);
void *_ss_realloc_at(void *user, size_t size, const void *pc);
void *_ss_memalign_at(size_t align, size_t size, const void *pc);
size_t _ss_usable_size(const void *user);

#endif
