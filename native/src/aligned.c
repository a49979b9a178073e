/* aligned.c — posix_memalign, aligned_alloc, memalign, valloc, pvalloc.
 * Alignments the tiny layout gives anyway stay tiny; others take the mid or large path. */
#include <errno.h>
#include "internal.h"

void *_ss_memalign_at(size_t align, size_t size, const void *pc) {
    if (align <= SS_USER_ALIGN) return _ss_malloc_at(size, pc);
    if (align > ((size_t)1 << 40)) {
        errno = EINVAL;
        return NULL;
    }
    return _ss_big_alloc(size, align);
}

static size_t round_to_power_of_two(size_t value) {
    if (value <= 1) return 1;
    return (size_t)1 << (64 - __builtin_clzll((unsigned long long)(value - 1)));
}

SS_API int ss_posix_memalign(void **out, size_t align, size_t size) {
    if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
    int saved_errno = errno;
    void *user = _ss_memalign_at(align, size, SS_CALLER());
    errno = saved_errno;
    if (!user) return ENOMEM;
    *out = user;
    return 0;
}

SS_API void *ss_aligned_alloc(size_t align, size_t size) {
    if (align == 0 || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    return _ss_memalign_at(align, size, SS_CALLER());
}

SS_API void *ss_memalign(size_t align, size_t size) {
    return _ss_memalign_at(round_to_power_of_two(align), size, SS_CALLER());
}

SS_API void *ss_valloc(size_t size) { return _ss_memalign_at(SS_PAGE_SIZE, size, SS_CALLER()); }

SS_API void *ss_pvalloc(size_t size) {
    size_t rounded = (size + SS_PAGE_SIZE - 1) & ~(size_t)(SS_PAGE_SIZE - 1);
    if (rounded < size) {
        errno = ENOMEM;
        return NULL;
    }
    return _ss_memalign_at(SS_PAGE_SIZE, rounded ? rounded : SS_PAGE_SIZE, SS_CALLER());
}

#if SS_OVERRIDE
SS_API int posix_memalign(void **out, size_t align, size_t size) __attribute__((alias("ss_posix_memalign")));
SS_API void *aligned_alloc(size_t align, size_t size) __attribute__((alias("ss_aligned_alloc")));
SS_API void *memalign(size_t align, size_t size) __attribute__((alias("ss_memalign")));
SS_API void *valloc(size_t size) __attribute__((alias("ss_valloc")));
SS_API void *pvalloc(size_t size) __attribute__((alias("ss_pvalloc")));
#endif
