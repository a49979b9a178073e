/* realloc.c — realloc and reallocarray: in place when the block still fits,
 * by moving the mapping for large blocks, else allocate, copy and free. */
#include <errno.h>
#include "internal.h"

#if SS_CHECK
bool _ss_check_live(void *user, const void *pc, struct ss_loc *loc);
#endif

void *_ss_realloc_at(void *user, size_t size, const void *pc) {
    if (!user) return _ss_malloc_at(size, pc);
    if (size == 0) {
        _ss_free_at(user, pc);
        return NULL;
    }
#if SS_CHECK
    struct ss_loc loc;
    if (!_ss_check_live(user, pc, &loc)) { /* report mode: refuse, the old block stays as it was */
        errno = EINVAL;
        return NULL;
    }
#else
    if (!((uintptr_t)user & (SS_PAGE_SIZE - 1)) && ss_registry_kind((char *)user - 1) == SS_REGION_NONE &&
        !_ss_large_owns(user))
        return NULL; /* not ours: nothing sensible to copy */
#endif
    size_t old_size = _ss_usable_size(user);
    uint8_t tag = ss_tag_before_user(user);
    if (size <= old_size && (tag != SS_TAG_LARGE || size > old_size / 2)) return user;
    if (tag == SS_TAG_LARGE && size > SS_MID_MAX) {
        void *moved = _ss_large_realloc(user, size);
        if (moved) return moved;
    }
    void *fresh = _ss_malloc_at(size, pc);
    if (!fresh) return NULL;
    memcpy(fresh, user, size < old_size ? size : old_size);
    _ss_free_at(user, pc);
    return fresh;
}

SS_API void *ss_realloc(void *user, size_t size) { return _ss_realloc_at(user, size, SS_CALLER()); }

SS_API void *ss_reallocarray(void *user, size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return _ss_realloc_at(user, total, SS_CALLER());
}

#if SS_OVERRIDE
SS_API void *realloc(void *user, size_t size) __attribute__((alias("ss_realloc")));
SS_API void *reallocarray(void *user, size_t count, size_t size) __attribute__((alias("ss_reallocarray")));
#endif
