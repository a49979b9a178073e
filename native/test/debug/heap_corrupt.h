/* heap_corrupt.h — one chain of heap_target.c's heap, and what heap_corrupt.c may
 * link it to when it breaks it. */
#ifndef HEAP_CORRUPT_H
#define HEAP_CORRUPT_H
#include <stdio.h>
#include "internal.h"

struct heap_chain {
    const char *name;      /* "cache", "freelist" or "remote" */
    unsigned thread, cls;  /* the thread whose cache it is, or the slab's owner */
    void *head;            /* BASE of its first block */
    uint32_t *count_at;    /* the count its length must agree with: a cache's count, a slab's used */
    struct ss_slab *slab;  /* the slab of a freelist or remote queue; NULL for a cache */
    void *other_slab;      /* BASE of a block of the same class in another slab */
    void *other_class;     /* BASE of a free block of another class */
    void *held;            /* BASE of a block of the chain's slab the program holds */
};

/* Breaks `chain` the way `kind` names and writes which block it broke to `out`. */
void heap_corrupt(FILE *out, const struct heap_chain *chain, const char *kind);
#endif
