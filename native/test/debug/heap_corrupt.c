/* heap_corrupt.c — breaks one chain of heap_target.c's heap in one named way: a
 * thread cache, a slab freelist or a slab's remote queue. Each corruption is
 * what a buggy allocator or program leaves behind; it is written with plain
 * stores (ss_next_write, never ss_link), so the check build's check word still
 * holds the link the allocator wrote. Says on `out`, as JSON, which block it broke. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "heap_corrupt.h"

static int outside_any_slab; /* an address in no slab */

static void *link_of(unsigned cls, void *base) { return base ? ss_next_read(cls, base) : NULL; }

void heap_corrupt(FILE *out, const struct heap_chain *chain, const char *kind) {
    unsigned cls = chain->cls;
    char *n0 = chain->head, *n1 = link_of(cls, n0), *n2 = link_of(cls, n1);
    if (!n0 || !n1 || !n2 || n2 == (void *)SLABSCOPE_REMOTE_SENTINEL) {
        fprintf(stderr, "%s of thread %u: fewer than 3 blocks to break\n", chain->name, chain->thread);
        exit(2);
    }
    void *target = NULL;
    char *broken = n1;
    bool write = false; /* a link is written even where its target is 0 */
    bool remote = !strcmp(chain->name, "remote");
    if (!strcmp(kind, "cycle")) {
        broken = n2;
        target = n0;
    } else if (!strcmp(kind, "out-of-slab"))
        target = &outside_any_slab;
    else if (!strcmp(kind, "other-slab")) /* block 0 of another slab of the class: carved, free or not */
        target = chain->other_slab;
    else if (!strcmp(kind, "wrong-class"))
        target = chain->other_class;
    else if (!strcmp(kind, "non-slot"))
        target = n2 + 8;
    else if (!strcmp(kind, "sentinel") && remote) { /* an empty queue is 0: the sentinel only ever ends a chain */
        atomic_store(&chain->slab->remote_head, (uintptr_t)SLABSCOPE_REMOTE_SENTINEL);
        broken = NULL;
    } else if (!strcmp(kind, "sentinel"))
        target = (void *)SLABSCOPE_REMOTE_SENTINEL;
    else if (!strcmp(kind, "header"))
        n1[SS_HEADER_OFFSET] = 0x11;
    else if (!strcmp(kind, "null-end") && remote) { /* the last block links to 0: the owner's drain would follow it */
        for (int n = 0; n < 1 << 16 && link_of(cls, broken) != (void *)SLABSCOPE_REMOTE_SENTINEL; n++) broken = link_of(cls, broken);
        write = true;
    } else if (!strcmp(kind, "count") && remote) /* the queue ends early: the blocks after n1 are pending in no chain */
        target = (void *)SLABSCOPE_REMOTE_SENTINEL;
    else if (!strcmp(kind, "count")) {
        *chain->count_at += 2;
        broken = NULL;
    } else if (!strcmp(kind, "allocated"))
        target = chain->held;
    else {
        fprintf(stderr, "unknown corruption %s\n", kind);
        exit(2);
    }
    write = write || target;
    if (write) ss_next_write(cls, broken, target);
    fprintf(out,
            "{\"corrupt\": {\"chain\": \"%s\", \"kind\": \"%s\", \"thread\": %u, \"cls\": %u, \"slab\": \"%p\", \"block\": \"%p\", "
            "\"target\": \"%p\", \"linkWritten\": %s}},\n",
            chain->name, kind, chain->thread, cls, chain->slab ? (void *)ss_slab_start(chain->slab) : NULL, (void *)broken, target, write ? "true" : "false");
}
