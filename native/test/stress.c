/* stress.c — threads allocate, write a pattern, hand blocks to each other and
 * free them (cross-thread), verify every pattern before free, use realloc and
 * calloc, and exit and start again midway (thread caches come and go).
 * Built on the ss_* API with the allocator's sources (the sanitizer builds) or
 * on plain malloc (run with the allocator preloaded): stress [OPS] [THREADS]. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef STRESS_SS_API
#include "slabscope.h"
#define MALLOC ss_malloc
#define CALLOC ss_calloc
#define REALLOC ss_realloc
#define FREE ss_free
#else
#define MALLOC malloc
#define CALLOC calloc
#define REALLOC realloc
#define FREE free
#endif

#define MAX_THREADS 16
#define LIVE 512
#define EXCHANGE 1024

/* A block starts with its size and seed; read and written with memcpy, since the
 * hakmem layout's USER pointers are odd and a struct access would be misaligned. */
struct block;
#define HEADER 8u
static uint32_t block_size(const struct block *b) { uint32_t v; memcpy(&v, b, 4); return v; }
static uint32_t block_seed(const struct block *b) { uint32_t v; memcpy(&v, (const char *)b + 4, 4); return v; }
static void block_set(struct block *b, uint32_t size, uint32_t seed) {
    memcpy(b, &size, 4);
    memcpy((char *)b + 4, &seed, 4);
}
struct exchange {
    pthread_mutex_t lock;
    struct block *slots[EXCHANGE];
    int count;
};
static struct exchange exchanges[MAX_THREADS];
static int threads;
static long ops_per_generation;
static atomic_long failures, operations;

static uint8_t pattern(uint32_t seed, uint32_t i) { return (uint8_t)(seed * 31 + i * 7); }

static struct block *make(uint64_t *state, int zeroed) {
    *state ^= *state << 13, *state ^= *state >> 7, *state ^= *state << 17;
    uint32_t roll = (uint32_t)(*state >> 40);
    uint32_t size = roll % 100 == 0 ? 2000 + roll % 300000 : HEADER + roll % 1100; /* mostly tiny */
    struct block *b = zeroed ? CALLOC(1, size) : MALLOC(size);
    if (!b) {
        atomic_fetch_add(&failures, 1);
        return NULL;
    }
    if (zeroed)
        for (uint32_t i = 0; i < size; i++)
            if (((uint8_t *)b)[i]) {
                atomic_fetch_add(&failures, 1);
                break;
            }
    block_set(b, size, (uint32_t)*state);
    for (uint32_t i = HEADER; i < size; i++) ((uint8_t *)b)[i] = pattern(block_seed(b), i);
    return b;
}

static void check_and_free(struct block *b) {
    uint32_t size = block_size(b), seed = block_seed(b);
    for (uint32_t i = HEADER; i < size; i++)
        if (((uint8_t *)b)[i] != pattern(seed, i)) {
            atomic_fetch_add(&failures, 1);
            break;
        }
    FREE(b);
}

static struct block *grow(struct block *b, uint64_t *state) {
    uint32_t old = block_size(b), size = HEADER + (uint32_t)(*state >> 50) % 3000;
    struct block *moved = REALLOC(b, size);
    if (!moved) return b;
    uint32_t seed = block_seed(moved), keep = old < size ? old : size;
    for (uint32_t i = HEADER; i < keep; i++)
        if (((uint8_t *)moved)[i] != pattern(seed, i)) {
            atomic_fetch_add(&failures, 1);
            break;
        }
    block_set(moved, size, seed);
    for (uint32_t i = HEADER; i < size; i++) ((uint8_t *)moved)[i] = pattern(seed, i);
    return moved;
}

static void *worker(void *arg) {
    int me = (int)(intptr_t)arg;
    uint64_t state = 0x9E3779B97F4A7C15ull * (uint64_t)(me + 1) + (uint64_t)atomic_load(&operations);
    struct block *live[LIVE] = {0};
    for (long op = 0; op < ops_per_generation; op++) {
        int k = (int)((state >> 20) % LIVE);
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        if (!live[k]) {
            live[k] = make(&state, (state & 15) == 0);
        } else if ((state & 7) == 0) {
            live[k] = grow(live[k], &state);
        } else if ((state & 1) == 0) { /* hand it to another thread */
            unsigned hop = 1 + (unsigned)((state >> 8) % (uint64_t)(threads - 1)); /* another thread */
            struct exchange *to = &exchanges[((unsigned)me + hop) % (unsigned)threads];
            pthread_mutex_lock(&to->lock);
            if (to->count < EXCHANGE) to->slots[to->count++] = live[k], live[k] = NULL;
            pthread_mutex_unlock(&to->lock);
            if (live[k]) check_and_free(live[k]), live[k] = NULL;
        } else {
            check_and_free(live[k]);
            live[k] = NULL;
        }
        if ((op & 63) == 0) { /* free what others handed us */
            struct exchange *mine = &exchanges[me];
            pthread_mutex_lock(&mine->lock);
            while (mine->count) check_and_free(mine->slots[--mine->count]);
            pthread_mutex_unlock(&mine->lock);
        }
    }
    for (int k = 0; k < LIVE; k++)
        if (live[k]) check_and_free(live[k]);
    atomic_fetch_add(&operations, ops_per_generation);
    return NULL;
}

int main(int argc, char **argv) {
    long total = argc > 1 ? atol(argv[1]) : 10000000;
    threads = argc > 2 ? atoi(argv[2]) : 8;
    if (threads < 2 || threads > MAX_THREADS) threads = 8;
    const int generations = 4; /* threads exit and new ones start, three times */
    ops_per_generation = total / threads / generations;
    for (int t = 0; t < threads; t++) pthread_mutex_init(&exchanges[t].lock, NULL);
    for (int g = 0; g < generations; g++) {
        pthread_t ids[MAX_THREADS];
        for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, worker, (void *)(intptr_t)t);
        for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    }
    for (int t = 0; t < threads; t++)
        while (exchanges[t].count) check_and_free(exchanges[t].slots[--exchanges[t].count]);
    long failed = atomic_load(&failures);
    printf("stress: %ld operations on %d threads, %ld broken patterns\n", atomic_load(&operations), threads, failed);
    return failed ? 1 : 0;
}
