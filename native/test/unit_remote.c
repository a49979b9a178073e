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

int main(void) {
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
