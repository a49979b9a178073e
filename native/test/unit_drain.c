/* unit_drain.c — slabs and superslabs become empty and go back (the seeds'
 * Phase 9 lesson), including blocks of a thread that has exited. */
#include <pthread.h>
#include "unit.h"
#include "tiny.h"

#define N 200000
static void *user[N];

static void *alloc_half(void *arg) {
    (void)arg;
    for (int i = 0; i < N / 2; i++) user[i] = ss_malloc(48);
    return NULL; /* exits with its blocks still live: its slabs are abandoned */
}

int main(void) {
    struct ss_stats stats;
    for (int i = N / 2; i < N; i++) user[i] = ss_malloc(48);
    pthread_t thread;
    pthread_create(&thread, NULL, alloc_half, NULL);
    pthread_join(thread, NULL);
    ss_stats_get(&stats);
    uint64_t peak = stats.superslabs_mapped;
    EXPECT(peak >= 4); /* 200k 64-byte blocks need several superslabs */
    EXPECT_EQ(stats.threads_live, 1);

    for (int i = 0; i < N; i++) ss_free(user[i]); /* half of them remote, into abandoned slabs */
    ss_thread_flush();
    /* adopting the abandoned slabs drains their remote queues */
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < N; i++) user[i] = ss_malloc(48);
        for (int i = 0; i < N; i++) ss_free(user[i]);
        ss_thread_flush();
    }
    ss_stats_get(&stats);
    printf("superslabs: peak %llu, after freeing everything %llu; slabs bound %llu\n",
           (unsigned long long)peak, (unsigned long long)stats.superslabs_mapped,
           (unsigned long long)stats.slabs_bound);
    EXPECT(stats.superslabs_mapped <= 2);
    EXPECT(stats.slabs_bound <= 2);
    EXPECT(stats.superslabs_total >= peak);
    return unit_done("drain " SS_LAYOUT_NAME);
}
