/* bench_target.c — 8 threads each leave 125 blocks in their thread caches (1,000
 * freelist nodes in all, C3 and C5) and wait while main stops at checkpoint(),
 * argv[1] times (1 by default). Between stops main allocates and frees a few
 * blocks, so each stop's heap differs from the last. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define THREADS 8
#define PER_THREAD 125

__attribute__((noinline)) void checkpoint(void) { __asm__ volatile("" ::: "memory"); }

static pthread_barrier_t ready, done;

static void *worker(void *arg) {
    size_t size = (intptr_t)arg % 2 ? 255 : 63; /* C5 or C3 in both layouts */
    void *blocks[PER_THREAD];
    for (int i = 0; i < PER_THREAD; i++) blocks[i] = malloc(size);
    for (int i = 0; i < PER_THREAD; i++) free(blocks[i]);
    pthread_barrier_wait(&ready);
    pthread_barrier_wait(&done);
    return NULL;
}

int main(int argc, char **argv) {
    int stops = argc > 1 ? atoi(argv[1]) : 1;
    pthread_t threads[THREADS];
    pthread_barrier_init(&ready, NULL, THREADS + 1);
    pthread_barrier_init(&done, NULL, THREADS + 1);
    for (intptr_t t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, worker, (void *)t);
    pthread_barrier_wait(&ready);
    for (int stop = 0; stop < stops; stop++) {
        checkpoint();
        void *churn[16];
        for (int i = 0; i < 16; i++) churn[i] = malloc(16 + 16 * (size_t)((stop + i) % 8));
        for (int i = 0; i < 16 - stop % 4; i++) free(churn[i]);
    }
    pthread_barrier_wait(&done);
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    return 0;
}
