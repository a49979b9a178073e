/* bench_common.h — the PRNG, clock and result line every benchmark shares. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* xorshift64*: no libc rand, the same stream on every allocator */
static inline uint64_t bench_next(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static inline double bench_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* The seeds' result line, then the count it came from (bench:trace divides the events a
 * traced run delivered by it). */
static inline void bench_report(double operations, double seconds) {
    printf("Throughput = %.0f operations per second\n", operations / seconds);
    printf("Operations = %.0f in %.6f seconds\n", operations, seconds);
}
#endif
