/* fill.c — the webview benchmark's programs: `fill N SIZE` allocates N blocks of
 * SIZE bytes and keeps them (a heap of known shape); `churn SECONDS PER_MS`
 * allocates and frees at a steady pace (a live stream of known rate). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "fill") == 0) {
        long count = atol(argv[2]), size = atol(argv[3]);
        void **blocks = malloc((size_t)count * sizeof *blocks);
        for (long i = 0; i < count; i++) blocks[i] = malloc((size_t)size);
        printf("%ld blocks of %ld bytes\n", count, size);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "churn") == 0) {
        double seconds = atof(argv[2]);
        long per_ms = atol(argv[3]);
        enum { LIVE = 4096 };
        void *live[LIVE] = {0};
        unsigned seed = 1;
        double start = now(), next = start;
        long done = 0;
        while (now() - start < seconds) {
            for (long i = 0; i < per_ms; i++, done++) {
                seed = seed * 1103515245u + 12345u;
                unsigned slot = (seed >> 8) % LIVE;
                free(live[slot]);
                live[slot] = malloc(16 + (seed >> 20) % 400);
            }
            next += 0.001;
            double wait = next - now();
            if (wait > 0) {
                struct timespec pause = {0, (long)(wait * 1e9)};
                nanosleep(&pause, NULL);
            }
        }
        printf("%ld malloc/free pairs in %.2f s\n", done, now() - start);
        return 0;
    }
    fprintf(stderr, "usage: fill fill N SIZE | fill churn SECONDS PER_MS\n");
    return 2;
}
