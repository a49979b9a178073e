/* unit_registry.c — address to region in O(1): ours, of which kind, or not ours. */
#include "unit.h"
#include "internal.h"

int main(void) {
    int on_stack;
    static int in_data;
    EXPECT_EQ(ss_registry_kind(&on_stack), SS_REGION_NONE);
    EXPECT_EQ(ss_registry_kind(&in_data), SS_REGION_NONE);
    EXPECT_EQ(ss_registry_kind((void *)(1ull << 50)), SS_REGION_NONE); /* above user space */
    EXPECT_EQ(ss_registry_kind(NULL), SS_REGION_NONE);

    void *tiny = ss_malloc(24);
    void *mid = ss_malloc(5000);
    EXPECT_EQ(ss_registry_kind(tiny), SS_REGION_TINY);
    EXPECT_EQ(ss_registry_kind(mid), SS_REGION_MID);
    /* every byte of the superslab maps to it; the next region over does not */
    char *region = (char *)ss_superslab_of(tiny);
    EXPECT_EQ(ss_registry_kind(region), SS_REGION_TINY);
    EXPECT_EQ(ss_registry_kind(region + SS_SUPERSLAB_SIZE - 1), SS_REGION_TINY);
    EXPECT(ss_registry_kind(region + SS_SUPERSLAB_SIZE) != SS_REGION_TINY ||
           ss_superslab_of(region + SS_SUPERSLAB_SIZE)->magic == SS_SUPERSLAB_MAGIC);

    struct ss_loc loc;
    _ss_resolve(tiny, &loc);
    EXPECT_EQ(loc.kind, SS_PTR_USER);
    EXPECT(loc.base == ss_base_from_user(tiny));
    EXPECT_EQ(loc.cls, ss_class_of_size(24));
    if (SS_USER_OFFSET) {
        _ss_resolve(loc.base, &loc);
        EXPECT_EQ(loc.kind, SS_PTR_BASE);
    }
    _ss_resolve((char *)tiny + 3, &loc);
    EXPECT_EQ(loc.kind, SS_PTR_INTERIOR);
    _ss_resolve(&on_stack, &loc);
    EXPECT_EQ(loc.kind, SS_PTR_FOREIGN);
    _ss_resolve(region + 64, &loc); /* superslab metadata, never a block */
    EXPECT_EQ(loc.kind, SS_PTR_FOREIGN);

    void *large = ss_malloc(1 << 20);
    EXPECT_EQ(ss_registry_kind(large), SS_REGION_NONE);
    _ss_resolve(large, &loc);
    EXPECT_EQ(loc.kind, SS_PTR_LARGE);
    ss_free(large);
    _ss_resolve(large, &loc);
    EXPECT_EQ(loc.kind, SS_PTR_FOREIGN);
    ss_free(tiny);
    ss_free(mid);
    return unit_done("registry " SS_LAYOUT_NAME);
}
