/* heap_target.c — leaves known freelists in several threads and classes, with
 * cross-thread frees still pending, and stops at checkpoint() for a debugger to
 * read them. Linked with libslabscope.a, it writes what it knows to argv[1] as
 * JSON: the blocks each thread freed, in order (what the malloc API alone says),
 * and every chain walked by the allocator's own C definitions. argv[2] names a
 * corruption to make in worker 1's C4 cache before the checkpoint. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define WORKERS 3
#define PER_CLASS 24
#define MAX_CHAIN 8192
static const unsigned classes[] = {2, 4, 6};
#define NCLASSES (sizeof classes / sizeof *classes)

__attribute__((noinline)) void checkpoint(void) { __asm__ volatile("" ::: "memory"); }

static pthread_barrier_t allocated, freed, inspected;
static void *handed[WORKERS][PER_CLASS]; /* blocks of class 4 each worker leaves for the next to free */
static int handed_count[WORKERS];
static FILE *out;
static const char *corruption = "none";
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int outside_any_slab; /* an address in no slab */

static size_t size_of_class(unsigned cls) { return ((size_t)8 << cls) - 1; } /* class cls in both layouts */

static void print_chain(const char *name, unsigned cls, void *head) {
    fprintf(out, "\"%s\": [", name);
    int n = 0;
    for (void *node = head; node && node != (void *)SLABSCOPE_REMOTE_SENTINEL && n < MAX_CHAIN; node = ss_next_read(cls, node), n++)
        fprintf(out, "%s\"%p\"", n ? ", " : "", node);
    fprintf(out, "]");
}

/* the C4 cache of worker 1, made wrong in the way `corruption` names; prints the block it broke */
static void corrupt(struct ss_tcache *tc, void *in_use) {
    unsigned cls = 4;
    char *n0 = tc->head[cls], *n1 = ss_next_read(cls, n0), *n2 = ss_next_read(cls, n1);
    void *target = NULL;
    char *broken = n1;
    if (!strcmp(corruption, "cycle")) { broken = n2; target = n0; }
    else if (!strcmp(corruption, "out-of-slab")) target = &outside_any_slab;
    else if (!strcmp(corruption, "wrong-class")) target = tc->head[2];
    else if (!strcmp(corruption, "non-slot")) target = n2 + 8;
    else if (!strcmp(corruption, "sentinel")) target = (void *)SLABSCOPE_REMOTE_SENTINEL;
    else if (!strcmp(corruption, "header")) { n1[SS_HEADER_OFFSET] = 0x11; }
    else if (!strcmp(corruption, "count")) { tc->count[cls] += 2; broken = NULL; }
    else if (!strcmp(corruption, "allocated")) target = ss_base_from_user(in_use);
    else { fprintf(stderr, "unknown corruption %s\n", corruption); exit(2); }
    if (target) ss_next_write(cls, broken, target);
    fprintf(out, "{\"corrupt\": {\"kind\": \"%s\", \"thread\": %u, \"cls\": %u, \"block\": \"%p\", \"target\": \"%p\"}},\n", corruption, tc->id, cls,
            (void *)broken, target);
}

static void *worker(void *arg) {
    int w = (int)(intptr_t)arg;
    void *mine[NCLASSES][PER_CLASS];
    for (unsigned c = 0; c < NCLASSES; c++)
        for (int i = 0; i < PER_CLASS; i++) mine[c][i] = malloc(size_of_class(classes[c]));
    /* the last few C4 blocks go to the next worker, who frees them: remote frees its owner never drains */
    handed_count[w] = 4 + w;
    for (int i = 0; i < handed_count[w]; i++) handed[w][i] = mine[1][PER_CLASS - 1 - i];
    pthread_barrier_wait(&allocated);
    pthread_mutex_lock(&out_lock);
    fprintf(out, "{\"thread\": %u, \"freed\": {", _ss_tc.id);
    for (unsigned c = 0; c < NCLASSES; c++) {
        int k = 3 + 2 * w + (int)c; /* blocks returned to this thread's own cache, in this order */
        fprintf(out, "%s\"%u\": [", c ? ", " : "", classes[c]);
        for (int i = 0; i < k; i++) {
            free(mine[c][i]);
            fprintf(out, "%s\"%p\"", i ? ", " : "", mine[c][i]);
        }
        fprintf(out, "]");
    }
    int from = (w + WORKERS - 1) % WORKERS;
    fprintf(out, "}, \"remoteFreed\": [");
    for (int i = 0; i < handed_count[from]; i++) {
        free(handed[from][i]);
        fprintf(out, "%s\"%p\"", i ? ", " : "", handed[from][i]);
    }
    fprintf(out, "]},\n");
    pthread_mutex_unlock(&out_lock);
    pthread_barrier_wait(&freed);
    /* every thread has freed; each writes its caches as its own code sees them */
    for (int turn = 0; turn < WORKERS; turn++) {
        if (turn == w) {
            if (w == 1 && strcmp(corruption, "none")) corrupt(&_ss_tc, mine[1][PER_CLASS / 2]);
            fprintf(out, "{\"cache\": %u, \"classes\": {", _ss_tc.id);
            for (unsigned c = 0; c < NCLASSES; c++) {
                char name[8];
                snprintf(name, sizeof name, "%u", classes[c]);
                fprintf(out, "%s\"count%u\": %u, ", c ? ", " : "", classes[c], _ss_tc.count[classes[c]]);
                print_chain(name, classes[c], strcmp(corruption, "none") && w == 1 && classes[c] == 4 ? NULL : _ss_tc.head[classes[c]]);
            }
            fprintf(out, "}},\n");
            fflush(out);
        }
        pthread_barrier_wait(&freed);
    }
    pthread_barrier_wait(&inspected);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: heap_target EXPECT.json [corruption]\n"); return 2; }
    out = fopen(argv[1], "w");
    if (!out) { perror(argv[1]); return 2; }
    if (argc > 2) corruption = argv[2];
    pthread_barrier_init(&allocated, NULL, WORKERS);
    pthread_barrier_init(&freed, NULL, WORKERS + 1);
    pthread_barrier_init(&inspected, NULL, WORKERS + 1);
    pthread_t threads[WORKERS];
    fprintf(out, "{\"layout\": \"%s\", \"mode\": \"%s\", \"events\": [\n", ss_layout_name(), ss_build_mode());
    for (int w = 0; w < WORKERS; w++) pthread_create(&threads[w], NULL, worker, (void *)(intptr_t)w);
    for (int turn = 0; turn <= WORKERS; turn++) pthread_barrier_wait(&freed);
    /* the slabs, walked through the allocator's own lists */
    fprintf(out, "{\"slabs\": [");
    int n = 0;
    for (struct ss_superslab *ss = _ss_g.superslabs; ss; ss = ss->next_all)
        for (unsigned i = SS_FIRST_BLOCK_SLAB; i < SS_SLABS_PER_SUPERSLAB; i++) {
            struct ss_slab *slab = &ss->slabs[i];
            if (slab->cls < 0) continue;
            fprintf(out, "%s{\"start\": \"%p\", \"cls\": %d, \"owner\": %u, \"used\": %u, \"carved\": %u, ", n++ ? ", " : "", (void *)ss_slab_start(slab),
                    slab->cls, slab->owner, slab->used, slab->carved);
            print_chain("freelist", (unsigned)slab->cls, slab->freelist);
            fprintf(out, ", ");
            print_chain("remote", (unsigned)slab->cls, (void *)slab->remote_head);
            fprintf(out, "}");
        }
    fprintf(out, "]}\n]}\n");
    fclose(out);
    checkpoint();
    pthread_barrier_wait(&inspected);
    for (int w = 0; w < WORKERS; w++) pthread_join(threads[w], NULL);
    return 0;
}
