/* bench_random_mixed CYCLES SIZE SEED — the seeds' benchmark: a working set of
 * 256 slots; each cycle picks a random slot and frees its block if it holds one,
 * else allocates a random size in [16, SIZE] and touches its first and last byte. */
#include <stdlib.h>
#include <string.h>
#include "bench_common.h"

#define SLOTS 256

int main(int argc, char **argv) {
    if (argc != 4 || !strcmp(argv[1], "--help")) {
        fprintf(stderr, "usage: bench_random_mixed CYCLES SIZE SEED\n");
        return argc == 2 ? 0 : 2;
    }
    long cycles = atol(argv[1]);
    size_t max_size = (size_t)atol(argv[2]);
    uint64_t state = (uint64_t)atoll(argv[3]) * 0x9E3779B97F4A7C15ull + 1;
    size_t min_size = max_size < 16 ? max_size : 16;
    static char *slot[SLOTS];
    double start = bench_seconds();
    for (long i = 0; i < cycles; i++) {
        uint64_t r = bench_next(&state);
        unsigned k = (unsigned)(r >> 56);
        if (slot[k]) {
            free(slot[k]);
            slot[k] = NULL;
        } else {
            size_t size = min_size + (size_t)((r & 0xffffffff) % (max_size - min_size + 1));
            char *block = malloc(size);
            block[0] = 1;
            block[size - 1] = 2;
            slot[k] = block;
        }
    }
    double seconds = bench_seconds() - start;
    for (int k = 0; k < SLOTS; k++) free(slot[k]);
    bench_report((double)cycles, seconds);
    return 0;
}
