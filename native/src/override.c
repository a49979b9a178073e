/* override.c — C++ operator new and delete, for programs that replace the
 * allocator by preloading or linking it. (malloc, free and the rest are
 * aliases defined beside their ss_* functions.) */
#include "internal.h"

#if SS_OVERRIDE
/* Throwing new must throw std::bad_alloc; libstdc++ provides the thrower when
 * the program is C++, and a C program never calls operator new. */
extern void _ZSt17__throw_bad_allocv(void) __attribute__((weak, noreturn));
void abort(void);

static void *new_or_throw(void *user) {
    if (ss_likely(user != NULL)) return user;
    if (_ZSt17__throw_bad_allocv) _ZSt17__throw_bad_allocv();
    abort();
}

#define NEW(name) SS_API void *name(size_t size)
#define NEW_NOTHROW(name) SS_API void *name(size_t size, const void *nothrow)
#define NEW_ALIGNED(name) SS_API void *name(size_t size, size_t align)
#define NEW_ALIGNED_NOTHROW(name) SS_API void *name(size_t size, size_t align, const void *nothrow)

NEW(_Znwm) { return new_or_throw(_ss_malloc_at(size, SS_CALLER())); }
NEW(_Znam) { return new_or_throw(_ss_malloc_at(size, SS_CALLER())); }
NEW_NOTHROW(_ZnwmRKSt9nothrow_t) { return _ss_malloc_at(size, SS_CALLER()); }
NEW_NOTHROW(_ZnamRKSt9nothrow_t) { return _ss_malloc_at(size, SS_CALLER()); }
NEW_ALIGNED(_ZnwmSt11align_val_t) { return new_or_throw(_ss_memalign_at(align, size, SS_CALLER())); }
NEW_ALIGNED(_ZnamSt11align_val_t) { return new_or_throw(_ss_memalign_at(align, size, SS_CALLER())); }
NEW_ALIGNED_NOTHROW(_ZnwmSt11align_val_tRKSt9nothrow_t) { return _ss_memalign_at(align, size, SS_CALLER()); }
NEW_ALIGNED_NOTHROW(_ZnamSt11align_val_tRKSt9nothrow_t) { return _ss_memalign_at(align, size, SS_CALLER()); }

SS_API void _ZdlPv(void *user) { _ss_free_at(user, SS_CALLER()); }
SS_API void _ZdaPv(void *user) { _ss_free_at(user, SS_CALLER()); }
SS_API void _ZdlPvm(void *user, size_t size) { _ss_free_at(user, SS_CALLER()); }
SS_API void _ZdaPvm(void *user, size_t size) { _ss_free_at(user, SS_CALLER()); }
SS_API void _ZdlPvRKSt9nothrow_t(void *user, const void *nothrow) { _ss_free_at(user, SS_CALLER()); }
SS_API void _ZdaPvRKSt9nothrow_t(void *user, const void *nothrow) { _ss_free_at(user, SS_CALLER()); }
SS_API void _ZdlPvSt11align_val_t(void *user, size_t align) { _ss_free_at(user, SS_CALLER()); }
SS_API void _ZdaPvSt11align_val_t(void *user, size_t align) { _ss_free_at(user, SS_CALLER()); }
SS_API void _ZdlPvmSt11align_val_t(void *user, size_t size, size_t align) { _ss_free_at(user, SS_CALLER()); }
SS_API void _ZdaPvmSt11align_val_t(void *user, size_t size, size_t align) { _ss_free_at(user, SS_CALLER()); }
SS_API void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *user, size_t align, const void *nothrow) {
    _ss_free_at(user, SS_CALLER());
}
SS_API void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *user, size_t align, const void *nothrow) {
    _ss_free_at(user, SS_CALLER());
}
#endif
