/* bench_fixed_size CYCLES SIZE WORKSET SEED — bench_random_mixed with every
 * allocation exactly SIZE bytes and WORKSET slots. */
#include <stdlib.h>
#include <string.h>
#include "bench_common.h"

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bench_fixed_size CYCLES SIZE WORKSET SEED\n");
        return 2;
    }
    long cycles = atol(argv[1]);
    size_t size = (size_t)atol(argv[2]);
    size_t workset = (size_t)atol(argv[3]);
    uint64_t state = (uint64_t)atoll(argv[4]) * 0x9E3779B97F4A7C15ull + 1;
    char **slot = calloc(workset, sizeof *slot);
    double start = bench_seconds();
    for (long i = 0; i < cycles; i++) {
        size_t k = (size_t)(bench_next(&state) >> 32) % workset;
        if (slot[k]) {
            free(slot[k]);
            slot[k] = NULL;
        } else {
            slot[k] = malloc(size);
            slot[k][0] = 1;
            slot[k][size - 1] = 2;
        }
    }
    double seconds = bench_seconds() - start;
    for (size_t k = 0; k < workset; k++) free(slot[k]);
    free(slot);
    bench_report((double)cycles, seconds);
    return 0;
}
