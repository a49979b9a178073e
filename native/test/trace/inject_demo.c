/* inject_demo.c — one scenario per injected bug (make INJECT=name); each is
 * clean on a correct build and shows its bug on the injected one. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "slabscope.h"

static void *blocks[200000];

/* Enough frees of one class to overflow the thread cache: the drain runs. */
static int drain_scenario(void) {
    for (int i = 0; i < 4000; i++) blocks[i] = malloc(40);
    for (int i = 0; i < 4000; i++) free(blocks[i]);
    return 0;
}

/* Three neighbouring 4-byte blocks (class 0); free the first, then the second. */
static int c0_scenario(void) {
    char *first = malloc(4), *second = malloc(4), *third = malloc(4);
    free(first);
    free(second); /* with next at offset 1, freeing `first` wrote over this header */
    free(third);
    return 0;
}

static void *free_them(void *arg) {
    (void)arg;
    for (int i = 0; i < 2000; i++) free(blocks[i]);
    return NULL;
}
/* Another thread frees; the owner's refill drains the remote queue and pops. */
static int remote_scenario(void) {
    for (int i = 0; i < 2000; i++) blocks[i] = malloc(100);
    pthread_t thread;
    pthread_create(&thread, NULL, free_them, NULL);
    pthread_join(thread, NULL);
    for (int i = 0; i < 4000; i++) blocks[i] = malloc(100);
    for (int i = 0; i < 4000; i++) free(blocks[i]);
    return 0;
}

/* free() of a page-aligned pointer whose previous page is not mapped. */
static int page_scenario(void) {
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two, 4096);
    void *not_ours = two + 4096; /* volatile route past the compiler's own check */
    __asm__("" : "+r"(not_ours));
    free(not_ours); /* not ours: a correct allocator says so without touching two + 4095 */
    return 0;
}

/* Plain frees of tiny blocks: the route each takes is in the trace. */
static int route_scenario(void) {
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 100; i++) blocks[i] = malloc(24 + i);
        for (int i = 0; i < 100; i++) free(blocks[i]);
    }
    return 0;
}

/* Allocate a lot, free it all: superslabs must go back. Prints the count. */
static int leak_scenario(void) {
    void (*flush)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "ss_thread_flush");
    void (*stats)(struct ss_stats *) = (void (*)(struct ss_stats *))dlsym(RTLD_DEFAULT, "ss_stats_get");
    if (!flush || !stats) return 2;
    for (int i = 0; i < 200000; i++) blocks[i] = malloc(48);
    for (int i = 0; i < 200000; i++) free(blocks[i]);
    flush();
    struct ss_stats now;
    stats(&now);
    printf("superslabs_mapped=%llu\n", (unsigned long long)now.superslabs_mapped);
    return 0;
}

int main(int argc, char **argv) {
    const char *scenario = argc > 1 ? argv[1] : "";
    if (!strcmp(scenario, "drain")) return drain_scenario();
    if (!strcmp(scenario, "c0")) return c0_scenario();
    if (!strcmp(scenario, "remote")) return remote_scenario();
    if (!strcmp(scenario, "page")) return page_scenario();
    if (!strcmp(scenario, "route")) return route_scenario();
    if (!strcmp(scenario, "leak")) return leak_scenario();
    fprintf(stderr, "usage: inject_demo drain|c0|remote|page|route|leak\n");
    return 2;
}
