/* large.c — blocks above 256 KiB: one mapping each, with the 16-byte header
 * below USER, and a table of live ones so a free can tell ours from not. */
#include <errno.h>
#include <sys/mman.h>
#include "internal.h"

static ss_lock_t large_lock;
static uintptr_t *table;     /* open addressing; 0 empty, 1 deleted */
static size_t table_size, table_used, table_live;
#define DELETED ((uintptr_t)1)

static size_t slot_of(uintptr_t key, size_t size) {
    return (size_t)((key >> 4) * 0x9E3779B97F4A7C15ull >> 7) & (size - 1);
}

/* Caller holds large_lock. */
static bool table_insert(uintptr_t key) {
    if ((table_used + 1) * 2 > table_size) {
        size_t new_size = table_size ? table_size * 2 : 1024;
        uintptr_t *fresh = _ss_os_map(new_size * sizeof *fresh);
        if (!fresh) return false;
        for (size_t i = 0; i < table_size; i++) {
            if (table[i] <= DELETED) continue;
            size_t at = slot_of(table[i], new_size);
            while (fresh[at]) at = (at + 1) & (new_size - 1);
            fresh[at] = table[i];
        }
        if (table) _ss_os_unmap(table, table_size * sizeof *table);
        table = fresh;
        table_size = new_size;
        table_used = table_live;
    }
    size_t at = slot_of(key, table_size);
    while (table[at] > DELETED) at = (at + 1) & (table_size - 1);
    if (table[at] == 0) table_used++;
    table[at] = key;
    table_live++;
    return true;
}
static size_t table_find(uintptr_t key) {
    if (!table) return SIZE_MAX;
    for (size_t at = slot_of(key, table_size);; at = (at + 1) & (table_size - 1)) {
        if (table[at] == key) return at;
        if (table[at] == 0) return SIZE_MAX;
    }
}

static size_t page_round(size_t n) { return (n + SS_PAGE_SIZE - 1) & ~(size_t)(SS_PAGE_SIZE - 1); }

void *_ss_large_alloc(size_t size, size_t align) {
    size_t user_align = align > 16 ? align : 16;
    size_t length = page_round(size + user_align);
    if (length < size) {
        errno = ENOMEM;
        return NULL;
    }
    char *map = _ss_os_map(length);
    if (!map) {
        errno = ENOMEM;
        return NULL;
    }
    char *user = (char *)(((uintptr_t)map + 16 + user_align - 1) & ~(uintptr_t)(user_align - 1));
    struct ss_bighdr *hdr = ss_bighdr_of(user);
    hdr->length = length;
    hdr->back = (uint32_t)(user - map);
    hdr->tag = SS_TAG_LARGE;
    ss_lock(&large_lock);
    bool ok = table_insert((uintptr_t)user);
    ss_unlock(&large_lock);
    if (!ok) {
        _ss_os_unmap(map, length);
        errno = ENOMEM;
        return NULL;
    }
    return user;
}

bool _ss_large_owns(const void *user) {
    ss_lock(&large_lock);
    bool found = table_find((uintptr_t)user) != SIZE_MAX;
    ss_unlock(&large_lock);
    return found;
}

void _ss_large_free(void *user) {
    ss_lock(&large_lock);
    size_t at = table_find((uintptr_t)user);
    if (at != SIZE_MAX) {
        table[at] = DELETED;
        table_live--;
    }
    ss_unlock(&large_lock);
    if (at == SIZE_MAX) return;
    struct ss_bighdr *hdr = ss_bighdr_of(user);
    _ss_os_unmap((char *)user - hdr->back, hdr->length);
}

size_t _ss_large_usable(const void *user) {
    const struct ss_bighdr *hdr = ss_bighdr_of(user);
    return hdr->length - hdr->back;
}

/* Grows or shrinks in place or by moving the mapping (no copy). NULL: not possible. */
void *_ss_large_realloc(void *user, size_t size) {
    struct ss_bighdr *hdr = ss_bighdr_of(user);
    if (hdr->back != 16) return NULL; /* over-aligned: the new place may not keep the alignment */
    size_t length = page_round(size + 16);
    if (length < size) return NULL;
    char *map = (char *)user - 16;
    char *moved = mremap(map, hdr->length, length, MREMAP_MAYMOVE);
    if (moved == MAP_FAILED) return NULL;
    char *moved_user = moved + 16;
    ss_bighdr_of(moved_user)->length = length;
    if (moved != map) {
        ss_lock(&large_lock);
        size_t at = table_find((uintptr_t)user);
        if (at != SIZE_MAX) {
            table[at] = DELETED;
            table_live--;
        }
        table_insert((uintptr_t)moved_user);
        ss_unlock(&large_lock);
    }
    return moved_user;
}

uint64_t _ss_large_live(void) { return table_live; }

void _ss_large_fork_lock(int phase) {
    if (phase == 0) ss_lock(&large_lock);
    else ss_unlock(&large_lock);
}
