/* layout.h — the one module that knows how a block is laid out.
 *
 * BASE/USER conversion, the header byte, stride, payload and the offset of the
 * freelist next pointer all live here; no other file computes an offset inside
 * a block. Two layouts, chosen at build time:
 *   hakmem : USER = BASE + 1, header at BASE, stride = block size; the next
 *            pointer sits at offset 0 for C0 and C7 (overwriting the header
 *            while free) and at offset 1 for C1..C6 — the seeds' layout.
 *   aligned: a 16-byte prefix; USER = BASE + 16 (16-byte aligned), header at
 *            USER - 1, a check word at BASE + 0 (check build), the next pointer
 *            at USER; stride = block size + 16, rounded up to 16.
 * The check build's check word (below) sits where a free block has room for it
 * beside its link: in the aligned layout's prefix, and in the hakmem layout at
 * BASE + 16 of the classes whose blocks are 32 bytes or more (C2..C7). */
#ifndef SS_LAYOUT_H
#define SS_LAYOUT_H

#include <string.h>
#include "config.h"

/* Header byte: magic in the high bits, class in the low three. The same byte
 * position (USER - 1) holds SS_TAG_MID / SS_TAG_LARGE for bigger blocks. */
#define SS_HEADER_MAGIC 0xA0u
#define SS_HEADER_MAGIC_MASK 0xF8u
#define SS_HEADER_CLASS_MASK 0x07u
#define SS_TAG_MID 0xB0u
#define SS_TAG_LARGE 0xC0u

#if defined(SS_LAYOUT_HAKMEM)
#define SS_LAYOUT_NAME "hakmem"
#define SS_USER_OFFSET 1u
#define SS_HEADER_OFFSET 0u
#define SS_PREFIX 0u
#define SS_USER_ALIGN 1u
#define SS_CHECK_WORD_OFFSET 16u
#define SS_CHECK_WORD_MIN_CLASS 2u /* C0 and C1 (8, 16 bytes) have no room beside the link */
#else
#define SS_LAYOUT_NAME "aligned"
#define SS_USER_OFFSET 16u
#define SS_HEADER_OFFSET 15u
#define SS_PREFIX 16u
#define SS_USER_ALIGN 16u
#define SS_CHECK_WORD_OFFSET 0u
#define SS_CHECK_WORD_MIN_CLASS 0u
#endif
/* Classes without a check word keep a live bit per block in the superslab instead. */
#define SS_LIVE_BITS (SS_CHECK_WORD_MIN_CLASS > 0)

/* Block size of each class (header included in the hakmem layout). */
static inline size_t ss_class_block(unsigned cls) { return (size_t)8 << cls; }

/* Distance between consecutive blocks of a slab (a multiple of the USER alignment). */
#define SS_STRIDE_OF(cls) \
    ((((size_t)8 << (cls)) + SS_PREFIX + SS_USER_ALIGN - 1) & ~(size_t)(SS_USER_ALIGN - 1))
static inline size_t ss_stride(unsigned cls) { return SS_STRIDE_OF(cls); }

/* Slot of a byte `offset` bytes into a slab: offset / stride without a divide
 * (a shift when strides are powers of two, as in the hakmem layout; else a
 * multiply by the reciprocal, exact for offsets and strides below 2^16). */
#define SS_RECIPROCAL_OF(cls) (((uint64_t)1 << 32) / SS_STRIDE_OF(cls) + 1)
static inline uint32_t ss_slot_index(unsigned cls, size_t offset) {
#if SS_PREFIX == 0 && SS_USER_ALIGN == 1 /* stride = block size = 8 << cls */
    return (uint32_t)(offset >> (3 + (cls & 7)));
#else
    static const uint64_t reciprocal[8] = {SS_RECIPROCAL_OF(0), SS_RECIPROCAL_OF(1), SS_RECIPROCAL_OF(2),
                                           SS_RECIPROCAL_OF(3), SS_RECIPROCAL_OF(4), SS_RECIPROCAL_OF(5),
                                           SS_RECIPROCAL_OF(6), SS_RECIPROCAL_OF(7)};
    return (uint32_t)(((uint64_t)offset * reciprocal[cls & 7]) >> 32);
#endif
}

/* How far `offset` (bytes into a slab) lies past the start of its slot's block: a mask
 * when strides are powers of two, else offset - slot * stride. */
static inline size_t ss_offset_in_block(unsigned cls, size_t offset) {
#if SS_PREFIX == 0 && SS_USER_ALIGN == 1
    return offset & (SS_STRIDE_OF(cls & 7) - 1);
#else
    return offset - (size_t)ss_slot_index(cls, offset) * ss_stride(cls);
#endif
}

/* Bytes the caller may use from USER. */
static inline size_t ss_payload(unsigned cls) {
    return ss_class_block(cls) + SS_PREFIX - SS_USER_OFFSET;
}

/* Largest request the tiny classes serve. */
#define SS_TINY_MAX ((size_t)1024 + SS_PREFIX - SS_USER_OFFSET)

/* This file's internal site id (probes.h lists it): a link written at the
 * wrong offset is this file's doing, so its trace event names the line here
 * that chose the offset. */
#define SS_LAYOUT_SITE (((uint32_t)14 << 16) | __LINE__)

/* Offset of the next pointer from BASE, per class; *site is the line that chose it. */
static inline size_t ss_next_offset_at(unsigned cls, uint32_t *site) {
#if defined(SS_LAYOUT_HAKMEM)
    if (SS_INJECT_C0_NEXT_OFFSET_1 && cls == 0) return *site = SS_LAYOUT_SITE, 1u; /* 9 bytes in an 8-byte block */
    static const uint8_t next_offset[8] = {0, 1, 1, 1, 1, 1, 1, 0}; /* a load: fewer instructions than the test */
    return *site = SS_LAYOUT_SITE, next_offset[cls & 7];
#else
    (void)cls;
    return *site = SS_LAYOUT_SITE, SS_USER_OFFSET;
#endif
}
static inline size_t ss_next_offset(unsigned cls) {
    uint32_t site;
    return ss_next_offset_at(cls, &site);
}

/* ---- BASE <-> USER ---- */
static inline void *ss_user_from_base(void *base) { return (char *)base + SS_USER_OFFSET; }
static inline void *ss_base_from_user(const void *user) {
    return (char *)(uintptr_t)user - SS_USER_OFFSET;
}

/* ---- header byte ---- */
static inline uint8_t ss_header_encode(unsigned cls) {
    return (uint8_t)(SS_HEADER_MAGIC | (cls & SS_HEADER_CLASS_MASK));
}
/* The class a header byte names, or -1 when the magic does not match. */
static inline int ss_header_class(uint8_t header) {
    /* the magic matches exactly when header - magic is a class: one subtract gives both */
    unsigned cls = (unsigned)header - SS_HEADER_MAGIC;
    return cls <= SS_HEADER_CLASS_MASK ? (int)cls : -1;
}
static inline void ss_header_write(void *base, unsigned cls) {
    ((uint8_t *)base)[SS_HEADER_OFFSET] = ss_header_encode(cls);
}
static inline uint8_t ss_header_read(const void *base) {
    return ((const uint8_t *)base)[SS_HEADER_OFFSET];
}
/* The byte before a USER pointer: a tiny header or a mid/large tag. */
static inline uint8_t ss_tag_before_user(const void *user) { return ((const uint8_t *)user)[-1]; }

/* ---- next pointer: every freelist link goes through these two ---- */
static inline void *ss_next_read(unsigned cls, const void *base) {
    void *next;
    memcpy(&next, (const char *)base + ss_next_offset(cls), sizeof next);
    return next;
}
static inline void ss_next_write(unsigned cls, void *base, void *next) {
    memcpy((char *)base + ss_next_offset(cls), &next, sizeof next);
}

/* Does a free block's next pointer overlap its header byte? (C0, C7 in hakmem) */
static inline int ss_next_covers_header(unsigned cls) {
    size_t off = ss_next_offset(cls);
    return SS_HEADER_OFFSET >= off && SS_HEADER_OFFSET < off + sizeof(void *);
}

/* The check word keeps a keyed copy of the link while a block is free, so a
 * link overwritten after free is told apart from one the allocator wrote. */
static inline int ss_class_has_check_word(unsigned cls) { return (int)cls >= (int)SS_CHECK_WORD_MIN_CLASS; }
static inline uint64_t ss_check_word_value(const void *base, const void *next, uint64_t key) {
    return ((uint64_t)(uintptr_t)next ^ key) * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)base;
}
static inline void ss_check_word_write(void *base, const void *next, uint64_t key) {
    uint64_t word = ss_check_word_value(base, next, key);
    memcpy((char *)base + SS_CHECK_WORD_OFFSET, &word, sizeof word);
}
static inline int ss_check_word_ok(const void *base, const void *next, uint64_t key) {
    uint64_t word;
    memcpy(&word, (const char *)base + SS_CHECK_WORD_OFFSET, sizeof word);
    return word == ss_check_word_value(base, next, key);
}

/* The check word also says whether the block is free, so those classes need no
 * table of live blocks: a free block's word matches its link; a block handed out
 * holds SS_CHECK_WORD_LIVE, and one a remote free has claimed but not yet linked
 * the claimed word, keyed like a link's (for the link value 1, which no link has).
 * In the hakmem layout the word is payload while the block is live: user data reads
 * as a free block's word only by a 2^-64 chance, as it is keyed by the block's address. */
#define SS_CHECK_WORD_LIVE 0ull
/* The claimed word is ((1 ^ key) * M) ^ BASE; the product is the same for every block, so
 * it is worked out once (`claim_mul`, kept beside the key) and the test costs one xor. */
static inline uint64_t ss_check_word_claim_mul(uint64_t key) {
    return ss_check_word_value(NULL, (const void *)1, key);
}
static inline uint64_t ss_check_word_claimed(const void *base, uint64_t claim_mul) {
    return claim_mul ^ (uint64_t)(uintptr_t)base;
}
static inline uint64_t *ss_check_word_at(const void *base) {
    return (uint64_t *)(uintptr_t)((const char *)base + SS_CHECK_WORD_OFFSET); /* 8-aligned in every class that has one */
}
static inline uint64_t ss_check_word_load(const void *base) {
    return __atomic_load_n(ss_check_word_at(base), __ATOMIC_RELAXED);
}
static inline void ss_check_word_mark_live(void *base) {
    __atomic_store_n(ss_check_word_at(base), SS_CHECK_WORD_LIVE, __ATOMIC_RELAXED);
}
/* Is `word` (the block's check word) that of a free block? */
static inline int ss_check_word_free(unsigned cls, const void *base, uint64_t word, uint64_t key, uint64_t claim_mul) {
    return word == ss_check_word_value(base, ss_next_read(cls, base), key) || word == ss_check_word_claimed(base, claim_mul);
}
/* Any thread: turns a word seen as not free into the claimed word; false when another thread changed it first. */
static inline int ss_check_word_claim(void *base, uint64_t seen, uint64_t claim_mul) {
    return __atomic_compare_exchange_n(ss_check_word_at(base), &seen, ss_check_word_claimed(base, claim_mul), 0,
                                       __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

#endif
