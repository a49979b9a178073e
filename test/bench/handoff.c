/* handoff.c — one thread mallocs N blocks of 16..915 bytes and exits; a second
 * thread then frees them all. The shape of a small producer–consumer program,
 * over in a fraction of a second: a default trace of it must lose nothing. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void **blocks;
static long count;

static void *producer(void *unused) {
    (void)unused;
    uint32_t seed = 12345;
    for (long i = 0; i < count; i++) {
        seed = seed * 1103515245u + 12345u;
        blocks[i] = malloc(16 + (seed >> 16) % 900);
        if (!blocks[i]) abort();
        *(volatile char *)blocks[i] = (char)i;
    }
    return NULL;
}

static void *consumer(void *unused) {
    (void)unused;
    for (long i = 0; i < count; i++) free(blocks[i]);
    return NULL;
}

int main(int argc, char **argv) {
    count = argc > 1 ? atol(argv[1]) : 20000;
    blocks = calloc((size_t)count, sizeof *blocks);
    pthread_t thread;
    if (pthread_create(&thread, NULL, producer, NULL) || pthread_join(thread, NULL)) return 1;
    if (pthread_create(&thread, NULL, consumer, NULL) || pthread_join(thread, NULL)) return 1;
    free(blocks);
    printf("handed off %ld blocks\n", count);
    return 0;
}
