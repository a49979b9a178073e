/* unit_slab.c — slabs and superslabs: carving, per-slab class, metadata, binding. */
#include "unit.h"
#include "tiny.h"

#define N 5000

int main(void) {
    static void *user[N];
    const unsigned cls = 3;
    const size_t size = ss_payload(cls);
    struct ss_stats before, after;
    ss_stats_get(&before);
    for (int i = 0; i < N; i++) user[i] = ss_malloc(size);
    uint32_t capacity = ss_slab_capacity(cls);
    for (int i = 0; i < N; i++) {
        EXPECT(user[i] != NULL);
        void *base = ss_base_from_user(user[i]);
        struct ss_slab *slab = ss_slab_of_base(base);
        EXPECT_EQ(slab->cls, (int)cls);
        EXPECT(slab->index >= SS_FIRST_BLOCK_SLAB);
        EXPECT_EQ(((char *)base - ss_slab_start(slab)) % ss_stride(cls), 0);
        EXPECT_EQ(ss_tag_before_user(user[i]), ss_header_encode(cls));
        EXPECT_EQ(atomic_load(&slab->owner), _ss_tc.id);
        EXPECT(slab->used <= slab->capacity && slab->carved <= slab->capacity);
        EXPECT_EQ(slab->capacity, capacity);
        if (i) EXPECT(user[i] != user[i - 1]);
    }
    /* blocks never overlap: payloads written with their index survive */
    for (int i = 0; i < N; i++) memset(user[i], i & 0xff, size);
    int intact = 1;
    for (int i = 0; i < N; i++)
        for (size_t b = 0; b < size; b++) intact &= ((unsigned char *)user[i])[b] == (i & 0xff);
    EXPECT(intact);
    ss_stats_get(&after);
    uint32_t slabs_needed = (N + capacity - 1) / capacity;
    EXPECT(after.slabs_bound - before.slabs_bound >= slabs_needed);
    EXPECT(after.superslabs_mapped >= 1);

    /* another class may share the superslab: per-slab class */
    void *other = ss_malloc(ss_payload(5));
    EXPECT_EQ(ss_slab_of_base(ss_base_from_user(other))->cls, 5);
    ss_free(other);
    for (int i = 0; i < N; i++) ss_free(user[i]);
    ss_thread_flush();
    ss_stats_get(&after);
    EXPECT(after.slabs_bound <= 2); /* one kept per class that was used */
    return unit_done("slab " SS_LAYOUT_NAME);
}
