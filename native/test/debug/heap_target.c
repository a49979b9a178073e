/* heap_target.c — leaves known freelists in several threads and classes, with
 * cross-thread frees still pending, and stops at checkpoint() for a debugger to
 * read them. Linked with libslabscope.a, it writes what it knows to argv[1] as
 * JSON: the blocks each thread freed, in order (what the malloc API alone says),
 * and every chain walked by the allocator's own C definitions. argv[2], when
 * given, lists chains to break before the checkpoint, as CHAIN:KIND:WORKER[,…]:
 * the worker's C4 cache, its C6 slab's freelist, or its C4 slab's remote queue
 * (see heap_corrupt.c for the kinds). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "heap_corrupt.h"

#define WORKERS 3
#define PER_CLASS 24
#define TO_SLAB 6 /* blocks of each class freed and flushed to the slab's freelist: mine[c][9..14] */
#define HELD 16   /* a block each worker holds to the end: mine[c][16] */
#define LATE 17   /* worker 0's C4 block main frees after the checkpoint: mine[1][17] */
#define MAX_CHAIN 8192
static const unsigned classes[] = {2, 4, 6};
#define NCLASSES (sizeof classes / sizeof *classes)

__attribute__((noinline)) void checkpoint(void) { __asm__ volatile("" ::: "memory"); }

static pthread_barrier_t allocated, freed, inspected;
static void *handed[WORKERS][PER_CLASS]; /* blocks of class 4 each worker leaves for the next to free */
static int handed_count[WORKERS];
static struct ss_slab *slab_of[WORKERS][NCLASSES]; /* the slab each worker's blocks of a class came from */
static FILE *out;
static const char *corruptions = ""; /* argv[2] */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
#define MAX_BROKEN 32
static const void *broken[MAX_BROKEN]; /* heads of the chains broken: their C walk is not printed */
static int broken_count;
static void *late_block; /* freed by main after the checkpoint: the only remote free from then on */

static size_t size_of_class(unsigned cls) { return ((size_t)8 << cls) - 1; } /* class cls in both layouts */

static bool is_broken(const void *head) {
    for (int i = 0; i < broken_count; i++)
        if (broken[i] == head) return true;
    return false;
}

static void print_chain(const char *name, unsigned cls, void *head) {
    fprintf(out, "\"%s\": [", name);
    int n = 0;
    for (void *node = head; node && node != (void *)SLABSCOPE_REMOTE_SENTINEL && n < MAX_CHAIN; node = ss_next_read(cls, node), n++)
        fprintf(out, "%s\"%p\"", n ? ", " : "", node);
    fprintf(out, "]");
}

/* Breaks the chains argv[2] names for worker `w` (its own cache: only its thread may touch it). */
static void corrupt_chains(int w, void *mine[NCLASSES][PER_CLASS]) {
    char spec[512];
    snprintf(spec, sizeof spec, "%s", corruptions);
    char *rest = spec;
    for (char *item; (item = strtok_r(rest, ",", &rest));) {
        char chain_name[16], kind[32];
        int worker;
        if (sscanf(item, "%15[^:]:%31[^:]:%d", chain_name, kind, &worker) != 3) {
            fprintf(stderr, "bad corruption %s: CHAIN:KIND:WORKER\n", item);
            exit(2);
        }
        if (worker != w) continue;
        int next = (w + 1) % WORKERS;
        struct heap_chain chain = {.name = chain_name, .thread = _ss_tc.id};
        if (!strcmp(chain_name, "cache")) {
            chain.cls = 4;
            chain.head = _ss_tc.head[4];
            chain.count_at = &_ss_tc.count[4];
            chain.other_slab = ss_slab_start(slab_of[next][1]);
            chain.other_class = _ss_tc.head[2];
            chain.held = ss_base_from_user(mine[1][HELD]);
        } else if (!strcmp(chain_name, "freelist") || !strcmp(chain_name, "remote")) {
            unsigned c = chain_name[0] == 'f' ? 2 : 1; /* C6 freelists, C4 remote queues */
            chain.cls = classes[c];
            chain.slab = slab_of[w][c];
            chain.head = c == 2 ? chain.slab->freelist : (void *)atomic_load(&chain.slab->remote_head);
            chain.count_at = &chain.slab->used;
            chain.other_slab = ss_slab_start(slab_of[next][c]);
            chain.other_class = _ss_tc.head[2];
            chain.held = ss_base_from_user(mine[c][HELD]);
        } else {
            fprintf(stderr, "unknown chain %s\n", chain_name);
            exit(2);
        }
        if (broken_count == MAX_BROKEN) exit(2);
        broken[broken_count++] = chain.slab ? (const void *)chain.slab : (const void *)&_ss_tc;
        heap_corrupt(out, &chain, kind);
    }
}

static void *worker(void *arg) {
    int w = (int)(intptr_t)arg;
    void *mine[NCLASSES][PER_CLASS];
    for (unsigned c = 0; c < NCLASSES; c++)
        for (int i = 0; i < PER_CLASS; i++) mine[c][i] = malloc(size_of_class(classes[c]));
    for (unsigned c = 0; c < NCLASSES; c++) slab_of[w][c] = ss_slab_of_base(ss_base_from_user(mine[c][0]));
    if (w == 0) late_block = mine[1][LATE];
    /* some of each class back to the slabs' freelists, behind the caches */
    for (unsigned c = 0; c < NCLASSES; c++)
        for (int i = 9; i < 9 + TO_SLAB; i++) free(mine[c][i]);
    ss_thread_flush();
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
            pthread_mutex_lock(&out_lock);
            corrupt_chains(w, mine);
            pthread_mutex_unlock(&out_lock);
            fprintf(out, "{\"cache\": %u, \"classes\": {", _ss_tc.id);
            for (unsigned c = 0; c < NCLASSES; c++) {
                char name[8];
                snprintf(name, sizeof name, "%u", classes[c]);
                fprintf(out, "%s\"count%u\": %u, ", c ? ", " : "", classes[c], _ss_tc.count[classes[c]]);
                print_chain(name, classes[c], classes[c] == 4 && is_broken(&_ss_tc) ? NULL : _ss_tc.head[classes[c]]);
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
    if (argc < 2) { fprintf(stderr, "usage: heap_target EXPECT.json [CHAIN:KIND:WORKER,...]\n"); return 2; }
    out = fopen(argv[1], "w");
    if (!out) { perror(argv[1]); return 2; }
    if (argc > 2) corruptions = argv[2];
    pthread_barrier_init(&allocated, NULL, WORKERS);
    pthread_barrier_init(&freed, NULL, WORKERS + 1);
    pthread_barrier_init(&inspected, NULL, WORKERS + 1);
    pthread_t threads[WORKERS];
    fprintf(out, "{\"layout\": \"%s\", \"mode\": \"%s\", \"events\": [\n", ss_layout_name(), ss_build_mode());
    for (int w = 0; w < WORKERS; w++) pthread_create(&threads[w], NULL, worker, (void *)(intptr_t)w);
    for (int turn = 0; turn <= WORKERS; turn++) pthread_barrier_wait(&freed);
    fprintf(out, "{\"lateRemoteFree\": \"%p\"},\n", ss_base_from_user(late_block));
    /* the slabs, walked through the allocator's own lists */
    fprintf(out, "{\"slabs\": [");
    int n = 0;
    for (struct ss_superslab *ss = _ss_g.superslabs; ss; ss = ss->next_all)
        for (unsigned i = SS_FIRST_BLOCK_SLAB; i < SS_SLABS_PER_SUPERSLAB; i++) {
            struct ss_slab *slab = &ss->slabs[i];
            if (slab->cls < 0) continue;
            fprintf(out, "%s{\"start\": \"%p\", \"cls\": %d, \"owner\": %u, \"used\": %u, \"carved\": %u, ", n++ ? ", " : "", (void *)ss_slab_start(slab),
                    slab->cls, slab->owner, slab->used, slab->carved);
            print_chain("freelist", (unsigned)slab->cls, is_broken(slab) ? NULL : slab->freelist);
            fprintf(out, ", ");
            print_chain("remote", (unsigned)slab->cls, is_broken(slab) ? NULL : (void *)slab->remote_head);
            fprintf(out, "}");
        }
    fprintf(out, "]}\n]}\n");
    fclose(out);
    checkpoint();
    /* one more cross-thread free while every worker waits: a debugger may stop it half-way
     * (in _ss_remote_push: the block claimed, not yet in the remote queue) */
    free(late_block);
    if (*corruptions) _exit(0); /* the threads' exits would walk the broken chains */
    pthread_barrier_wait(&inspected);
    for (int w = 0; w < WORKERS; w++) pthread_join(threads[w], NULL);
    return 0;
}
