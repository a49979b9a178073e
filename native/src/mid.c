/* mid.c — blocks above the tiny classes up to 256 KiB, and over-aligned
 * requests: 32 size classes (four steps per power of two) carved from 2 MiB
 * regions, one freelist per class. Each block carries a 16-byte header just
 * below USER (struct ss_bighdr) whose last byte, at USER - 1, is SS_TAG_MID.
 * Freed blocks stay in their class for reuse. */
#include <errno.h>
#include "internal.h"

#define MID_CLASSES 32
static ss_lock_t mid_lock;
static void *mid_free[MID_CLASSES]; /* raw block starts; link at raw + 16 */
static char *bump, *bump_end;
static uint64_t mid_bytes_mapped;

static size_t mid_stride(unsigned mid_class) {
    size_t power = (size_t)1024 << (mid_class / 4);
    return power + (mid_class % 4 + 1) * (power / 4);
}

static int mid_class_of(size_t need) {
    for (unsigned c = 0; c < MID_CLASSES; c++)
        if (mid_stride(c) >= need) return (int)c;
    return -1;
}

static void *mid_link_read(void *raw) {
    void *next;
    memcpy(&next, (char *)raw + 16, sizeof next);
    return next;
}
static void mid_link_write(void *raw, void *next) { memcpy((char *)raw + 16, &next, sizeof next); }

/* Caller holds mid_lock. */
static void *mid_carve(size_t stride) {
    if (!bump || (size_t)(bump_end - bump) < stride) {
        char *region = _ss_os_map_aligned(SS_SUPERSLAB_SIZE, SS_SUPERSLAB_SIZE);
        if (!region) return NULL;
        if (!_ss_registry_set(region, SS_REGION_MID)) {
            _ss_os_unmap(region, SS_SUPERSLAB_SIZE);
            return NULL;
        }
        bump = region;
        bump_end = region + SS_SUPERSLAB_SIZE;
        mid_bytes_mapped += SS_SUPERSLAB_SIZE;
    }
    void *raw = bump;
    bump += stride;
    return raw;
}

void *_ss_mid_alloc(size_t size, size_t align) {
    size_t need = align > 16 ? size + align : size + 16;
    if (need < size) return NULL;
    int mid_class = mid_class_of(need);
    if (mid_class < 0) return _ss_large_alloc(size, align);
    size_t stride = mid_stride((unsigned)mid_class);
    ss_lock(&mid_lock);
    void *raw = mid_free[mid_class];
    if (raw) mid_free[mid_class] = mid_link_read(raw);
    else raw = mid_carve(stride);
    ss_unlock(&mid_lock);
    if (!raw) {
        errno = ENOMEM;
        return NULL;
    }
    size_t user_align = align > 16 ? align : 16;
    char *user = (char *)(((uintptr_t)raw + 16 + user_align - 1) & ~(uintptr_t)(user_align - 1));
    struct ss_bighdr *hdr = ss_bighdr_of(user);
    hdr->length = stride;
    hdr->back = (uint32_t)(user - (char *)raw);
    hdr->mid_class = (uint8_t)mid_class;
    hdr->tag = SS_TAG_MID;
    return user;
}

void _ss_mid_free(void *user) {
    struct ss_bighdr *hdr = ss_bighdr_of(user);
    void *raw = (char *)user - hdr->back;
    unsigned mid_class = hdr->mid_class;
    hdr->tag = SS_TAG_MID_FREE;
    ss_lock(&mid_lock);
    mid_link_write(raw, mid_free[mid_class]);
    mid_free[mid_class] = raw;
    ss_unlock(&mid_lock);
}

size_t _ss_mid_usable(const void *user) {
    const struct ss_bighdr *hdr = ss_bighdr_of(user);
    return hdr->length - hdr->back;
}

/* Is this the USER pointer of a live mid block? (check build) Names the failure if not. */
enum ssp_check _ss_mid_problem(const void *user) {
    struct ss_superslab *region = ss_superslab_of(user);
    if ((const char *)user - (const char *)region < 16) return SSP_CHECK_INTERIOR_FREE;
    const struct ss_bighdr *hdr = ss_bighdr_of(user);
    if (hdr->tag == SS_TAG_MID_FREE) return SSP_CHECK_DOUBLE_FREE;
    if (hdr->tag != SS_TAG_MID) return SSP_CHECK_INTERIOR_FREE;
    if (hdr->mid_class >= MID_CLASSES || hdr->length != mid_stride(hdr->mid_class) || hdr->back < 16 ||
        hdr->back > (size_t)((const char *)user - (const char *)region) || hdr->back >= hdr->length)
        return SSP_CHECK_HEADER_CORRUPT;
    return SSP_CHECK_NONE;
}

void *_ss_big_alloc(size_t size, size_t align) {
    return size + (align > 16 ? align : 16) <= SS_MID_MAX ? _ss_mid_alloc(size, align)
                                                          : _ss_large_alloc(size, align);
}

uint64_t _ss_mid_bytes_mapped(void) { return mid_bytes_mapped; }

void _ss_mid_fork_lock(int phase) {
    if (phase == 0) ss_lock(&mid_lock);
    else ss_unlock(&mid_lock);
}
