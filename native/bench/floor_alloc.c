/* floor_alloc.c — libfloor.so, a peer for the single-threaded benchmarks only:
 * about the least work a size-class allocator can do. Blocks of 16..1024 bytes
 * (powers of two) each come from one LIFO free list per class, in a region of
 * their own, so free finds the class from the address alone: no header, no
 * thread cache, no checks, no thread safety, no memory ever returned. A ratio to
 * glibc that even this cannot reach is about out of any allocator's reach on that
 * benchmark. Not an allocator for real programs: larger blocks (stdio's buffers
 * at start-up) are carved from a last region and never reused. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

enum { CLASSES = 7, REGION_SHIFT = 27 }; /* 16 << 6 = 1024; 128 MiB a class */
#define REGION_BYTES ((size_t)1 << REGION_SHIFT)

static char *arena; /* CLASSES regions for the classes, then one for larger blocks */
static void *free_list[CLASSES];
static size_t carved[CLASSES + 1];

static unsigned class_of(size_t bytes) {
    return bytes <= 16 ? 0 : (unsigned)(64 - __builtin_clzll(bytes - 1) - 4);
}

/* A block of `bytes` from `region`'s untouched end; a larger block keeps its size in the 16 bytes before it. */
static void *carve(unsigned region, size_t bytes) {
    if (!arena) {
        void *mapped = mmap(NULL, (CLASSES + 1) * REGION_BYTES, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mapped == MAP_FAILED) return NULL;
        arena = mapped;
        /* each region starts 4 KiB and a line past the last: blocks of different classes at
         * the same offset would otherwise all fall in the same cache sets */
        for (unsigned each = 0; each <= CLASSES; each++) carved[each] = each * (4096 + 64);
    }
    size_t need = region < CLASSES ? (size_t)16 << region : 16 + ((bytes + 15) & ~(size_t)15);
    if (bytes > REGION_BYTES || carved[region] + need > REGION_BYTES) {
        errno = ENOMEM;
        return NULL;
    }
    char *block = arena + (size_t)region * REGION_BYTES + carved[region];
    carved[region] += need;
    if (region < CLASSES) return block;
    memcpy(block, &bytes, sizeof bytes);
    return block + 16;
}

/* The region holding `block` (CLASSES for larger blocks), or -1 when it is not ours. */
static int region_of(const void *block) {
    uintptr_t offset = (uintptr_t)block - (uintptr_t)arena;
    return arena && offset < (CLASSES + 1) * REGION_BYTES ? (int)(offset >> REGION_SHIFT) : -1;
}

static size_t size_of(const void *block) {
    int region = region_of(block);
    if (region < 0) return 0;
    if (region < CLASSES) return (size_t)16 << region;
    size_t bytes;
    memcpy(&bytes, (const char *)block - 16, sizeof bytes);
    return bytes;
}

/* The floor's block links: one word at the block's start, read and written here only
 * (it has no header, so nothing else shares the word). */
static void *floor_next_read(const void *block) {
    void *next;
    __builtin_memcpy(&next, block, sizeof next); /* inline: the file is built -fno-builtin */
    return next;
}
static void floor_next_write(void *block, void *next) { __builtin_memcpy(block, &next, sizeof next); }

void *malloc(size_t bytes) {
    if (bytes > (size_t)16 << (CLASSES - 1)) return carve(CLASSES, bytes);
    unsigned cls = class_of(bytes);
    void *block = free_list[cls];
    if (!block) return carve(cls, bytes);
    free_list[cls] = floor_next_read(block);
    return block;
}

void free(void *block) {
    int region = region_of(block);
    if (region < 0 || region == CLASSES) return; /* not ours, or a larger block: never reused */
    floor_next_write(block, free_list[region]);
    free_list[region] = block;
}

void *calloc(size_t count, size_t size) {
    size_t bytes;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    void *block = malloc(bytes);
    if (block) memset(block, 0, bytes);
    return block;
}

void *realloc(void *block, size_t bytes) {
    if (!block) return malloc(bytes);
    size_t had = size_of(block);
    if (!had) { /* not ours: its size is unknown, so it cannot be moved */
        errno = ENOMEM;
        return NULL;
    }
    if (bytes <= had) return block;
    void *moved = malloc(bytes);
    if (moved) {
        memcpy(moved, block, had);
        free(block);
    }
    return moved;
}
