/* unit_remote.c — cross-thread frees: the remote queue, its sentinel, the owner's drain. */
#include <pthread.h>
#include "unit.h"
#include "tiny.h"

#define N 600
static void *user[N];
static const unsigned cls = 4;

static void *free_all(void *arg) {
    (void)arg;
    for (int i = 0; i < N; i++) ss_free(user[i]);
    return NULL;
}

/* Two threads free the same live block at once: exactly one may win it. */
static void *race_base;
static struct ss_slab *race_slab;
static atomic_int race_go, race_won;
static void *race_free(void *arg) {
    (void)arg;
    while (!atomic_load(&race_go)) {}
    if (ss_mark_free_remote(race_slab, cls, race_base)) atomic_fetch_add(&race_won, 1);
    return NULL;
}
static void concurrent_double_free(void) {
    void *user_ptr = ss_malloc(ss_payload(cls));
    race_base = ss_base_from_user(user_ptr);
    race_slab = ss_slab_of_base(race_base);
    uint32_t slot = ss_slot_of(cls, race_base);
    int exactly_one = 0;
    for (int round = 0; round < 2000; round++) {
        EXPECT(ss_block_live(race_slab, cls, slot, race_base));
        atomic_store(&race_go, 0);
        atomic_store(&race_won, 0);
        pthread_t a, b;
        pthread_create(&a, NULL, race_free, NULL);
        pthread_create(&b, NULL, race_free, NULL);
        atomic_store(&race_go, 1);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        exactly_one += atomic_load(&race_won) == 1;
        EXPECT(!ss_block_live(race_slab, cls, slot, race_base));
        EXPECT(!ss_mark_free_remote(race_slab, cls, race_base)); /* and a third, later, loses too */
        ss_mark_live(race_slab, cls, race_base); /* handed out again, as a pop would */
    }
    EXPECT_EQ(exactly_one, 2000);
    ss_free(user_ptr);
}

int main(void) {
    concurrent_double_free();
    for (int i = 0; i < N; i++) user[i] = ss_malloc(ss_payload(cls));
    struct ss_slab *slab = ss_slab_of_base(ss_base_from_user(user[0]));
    uint32_t used_before = slab->used;
    pthread_t thread;
    pthread_create(&thread, NULL, free_all, NULL);
    pthread_join(thread, NULL);

    /* the blocks wait in their slabs' remote queues, still counted as used */
    uintptr_t head = atomic_load(&slab->remote_head);
    EXPECT(head != 0);
    EXPECT_EQ(slab->used, used_before);
    uint32_t queued = 0;
    void *tail = (void *)head;
    for (void *base = (void *)head; base != (void *)SLABSCOPE_REMOTE_SENTINEL; base = ss_next_read(cls, base)) {
        queued++;
        tail = base;
        EXPECT(ss_slab_of_base(base) == slab);
        if (queued > N) break;
    }
    EXPECT(queued > 0 && queued <= N);
    EXPECT(ss_next_read(cls, tail) == (void *)SLABSCOPE_REMOTE_SENTINEL);

    /* the owner drains: used drops by what was queued, the sentinel never reaches the freelist */
    void *old_freelist = slab->freelist;
    uint32_t drained = _ss_remote_drain(slab);
    EXPECT_EQ(drained, queued);
    EXPECT_EQ(slab->used, used_before - queued);
    EXPECT_EQ(atomic_load(&slab->remote_head), 0);
    uint32_t links = 0;
    int sentinel_seen = 0;
    for (void *base = slab->freelist; base; base = ss_next_read(cls, base)) {
        sentinel_seen |= base == (void *)SLABSCOPE_REMOTE_SENTINEL;
        if (sentinel_seen || ++links > slab->capacity) break;
    }
    EXPECT(!sentinel_seen);
    EXPECT(links >= queued);
    EXPECT(ss_next_read(cls, tail) == old_freelist);
    return unit_done("remote " SS_LAYOUT_NAME);
}
