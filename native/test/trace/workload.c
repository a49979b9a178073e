/* workload.c — 8 threads allocate and free, half of the frees cross-thread
 * (blocks are handed to the next thread through a mutex-protected box).
 * Prints how many malloc and free calls it made, to compare with a trace. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 8
#define BOX 256
static long rounds = 20000;
static atomic_long mallocs, frees;

struct box {
    pthread_mutex_t lock;
    void *blocks[BOX];
    int count;
} boxes[THREADS];

static void *worker(void *arg) {
    int me = (int)(intptr_t)arg;
    uint64_t seed = 0x9E3779B97F4A7C15ull * (uint64_t)(me + 1);
    long my_mallocs = 0, my_frees = 0;
    for (long i = 0; i < rounds; i++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        void *block = malloc(16 + seed % 1000);
        my_mallocs++;
        if (seed & 1) { /* give it to the next thread */
            struct box *next = &boxes[(me + 1) % THREADS];
            pthread_mutex_lock(&next->lock);
            if (next->count < BOX) {
                next->blocks[next->count++] = block;
                block = NULL;
            }
            pthread_mutex_unlock(&next->lock);
        }
        if (block) free(block), my_frees++;
        struct box *mine = &boxes[me]; /* free what others gave me: remote frees */
        pthread_mutex_lock(&mine->lock);
        while (mine->count) free(mine->blocks[--mine->count]), my_frees++;
        pthread_mutex_unlock(&mine->lock);
    }
    atomic_fetch_add(&mallocs, my_mallocs);
    atomic_fetch_add(&frees, my_frees);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1) rounds = atol(argv[1]);
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) pthread_mutex_init(&boxes[t].lock, NULL);
    for (int t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, worker, (void *)(intptr_t)t);
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    long left = 0;
    for (int t = 0; t < THREADS; t++)
        while (boxes[t].count) free(boxes[t].blocks[--boxes[t].count]), left++;
    printf("mallocs=%ld frees=%ld\n", atomic_load(&mallocs), atomic_load(&frees) + left);
    return 0;
}
