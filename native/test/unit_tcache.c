/* unit_tcache.c — the thread cache: LIFO hits, counts, capacity and drain. */
#include "unit.h"
#include "tiny.h"

int main(void) {
    const unsigned cls = 2;
    const size_t size = ss_payload(cls);
    struct ss_tcache *tc = &_ss_tc;
    void *first = ss_malloc(size);
    EXPECT_EQ(tc->state, SS_THREAD_LIVE);
    uint32_t cached = tc->count[cls];
    EXPECT(cached == ss_refill_batch(cls) - 1); /* one batch came in, one block went out */
    ss_free(first);
    EXPECT_EQ(tc->count[cls], cached + 1);
    EXPECT(tc->head[cls] == ss_base_from_user(first)); /* cache holds BASE pointers */
    EXPECT(ss_malloc(size) == first);                   /* LIFO: a hit returns the last freed */
    EXPECT_EQ(tc->count[cls], cached);

    /* fill past capacity: the cache drains half back to slabs and never exceeds its cap */
    uint32_t cap = ss_cache_cap(cls), n = cap * 3;
    void **user = ss_malloc(n * sizeof *user);
    for (uint32_t i = 0; i < n; i++) user[i] = ss_malloc(size);
    for (uint32_t i = 0; i < n; i++) {
        ss_free(user[i]);
        EXPECT(tc->count[cls] <= cap);
    }
    EXPECT(tc->count[cls] >= cap / 2);
    /* the chain the cache holds has exactly `count` links, all of this class */
    uint32_t links = 0;
    for (void *base = tc->head[cls]; base; base = ss_next_read(cls, base)) {
        links++;
        EXPECT_EQ(ss_slab_of_base(base)->cls, (int)cls);
        if (links > cap) break;
    }
    EXPECT_EQ(links, tc->count[cls]);
    ss_thread_flush();
    EXPECT_EQ(tc->count[cls], 0);
    EXPECT(tc->head[cls] == NULL);
    ss_free(first);
    ss_free(user);
    return unit_done("tcache " SS_LAYOUT_NAME);
}
