/* bench_larson SECONDS MIN MAX CHUNKS ROUNDS SEED THREADS — Larson's server
 * benchmark: each thread owns CHUNKS blocks of random sizes in [MIN, MAX] and
 * replaces a random one again and again; after ROUNDS replacements it hands its
 * blocks to a new thread and exits, so blocks are freed by a thread other than
 * the one that allocated them and thread caches come and go all the time. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "bench_common.h"

struct lane {
    char **blocks;
    uint64_t state;
};
static long chunks, rounds;
static size_t min_size, max_size;
static atomic_int stop;
static atomic_long replacements;

static size_t random_size(uint64_t *state) {
    return min_size + (size_t)(bench_next(state) >> 33) % (max_size - min_size + 1);
}

static void *worker(void *arg) {
    struct lane *lane = arg;
    /* the lanes share cache lines: a worker keeps its state in registers while it
     * runs, or the benchmark would measure its own false sharing */
    uint64_t state = lane->state;
    char **blocks = lane->blocks;
    long done = 0;
    while (done < rounds && !atomic_load_explicit(&stop, memory_order_relaxed)) {
        size_t k = (size_t)(bench_next(&state) >> 33) % (size_t)chunks;
        free(blocks[k]);
        size_t size = random_size(&state);
        blocks[k] = malloc(size);
        blocks[k][0] = (char)k;
        blocks[k][size - 1] = (char)k;
        done++;
    }
    lane->state = state;
    atomic_fetch_add(&replacements, done);
    if (atomic_load(&stop)) return NULL;
    pthread_t next; /* the blocks go on to a fresh thread */
    if (pthread_create(&next, NULL, worker, lane) == 0) pthread_detach(next);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: bench_larson SECONDS MIN MAX CHUNKS ROUNDS SEED THREADS\n");
        return 2;
    }
    double seconds = atof(argv[1]);
    min_size = (size_t)atol(argv[2]);
    max_size = (size_t)atol(argv[3]);
    chunks = atol(argv[4]);
    rounds = atol(argv[5]);
    uint64_t seed = (uint64_t)atoll(argv[6]);
    int threads = atoi(argv[7]);
    struct lane *lanes = calloc((size_t)threads, sizeof *lanes);
    for (int t = 0; t < threads; t++) {
        lanes[t].state = (seed + (uint64_t)t) * 0x9E3779B97F4A7C15ull + 1;
        lanes[t].blocks = calloc((size_t)chunks, sizeof(char *));
        for (long k = 0; k < chunks; k++) lanes[t].blocks[k] = malloc(random_size(&lanes[t].state));
    }
    double start = bench_seconds();
    for (int t = 0; t < threads; t++) {
        pthread_t thread;
        pthread_create(&thread, NULL, worker, &lanes[t]);
        pthread_detach(thread);
    }
    struct timespec pause = {(time_t)seconds, (long)((seconds - (long)seconds) * 1e9)};
    nanosleep(&pause, NULL);
    atomic_store(&stop, 1);
    long total = atomic_load(&replacements);
    double elapsed = bench_seconds() - start;
    /* let the last threads see `stop`; their lanes are not freed: the process ends */
    struct timespec settle = {0, 50000000};
    nanosleep(&settle, NULL);
    bench_report((double)total, elapsed);
    return 0;
}
