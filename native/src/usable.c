/* usable.c — malloc_usable_size: what the block behind a USER pointer holds. */
#include "internal.h"

#if SS_CHECK
bool _ss_check_live(void *user, const void *pc, struct ss_loc *loc);
#endif

size_t _ss_usable_size(const void *user) {
    uint8_t tag = ss_tag_before_user(user);
    int cls = ss_header_class(tag);
    if (cls >= 0) return ss_payload((unsigned)cls);
    if (tag == SS_TAG_MID) return _ss_mid_usable(user);
    if (tag == SS_TAG_LARGE) return _ss_large_usable(user);
    return 0;
}

SS_API size_t ss_malloc_usable_size(const void *user) {
    if (!user) return 0;
#if SS_CHECK
    struct ss_loc loc;
    if (!_ss_check_live((void *)(uintptr_t)user, SS_CALLER(), &loc)) return 0;
#else
    /* a page-aligned USER may have its header on an unmapped page only if it is not ours */
    if (!((uintptr_t)user & (SS_PAGE_SIZE - 1)) && ss_registry_kind((const char *)user - 1) == SS_REGION_NONE &&
        !_ss_large_owns(user))
        return 0;
#endif
    return _ss_usable_size(user);
}

#if SS_OVERRIDE
SS_API size_t malloc_usable_size(void *user) __attribute__((alias("ss_malloc_usable_size")));
#endif
