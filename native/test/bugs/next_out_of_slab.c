/* next_out_of_slab.c — after its block went back to its slab's freelist, writes
 * over the freelist link a pointer to a block of another slab (a use after free
 * that keeps the link a valid BASE); refilling the cache walks out of the slab. */
#include "bug.h"
enum { COUNT = 6000, SIZE = 40 };
static char *blocks[COUNT];
int main(void) {
    for (int i = 0; i < COUNT; i++) blocks[i] = malloc(SIZE);
    /* the first blocks freed are the coldest: the cache hands them back to their slab;
     * every other one stays allocated, so the slab never empties and stays bound */
    for (int i = 0; i < COUNT / 2; i += 2) free(blocks[i]); /* FREED */
    char *elsewhere = blocks[COUNT - 1] - user_offset(); /* a BASE in a later slab */
    memcpy(blocks[0], &elsewhere, sizeof elsewhere); /* BUG */
    size_t found = 0;
    for (int i = 0; i < COUNT / 2; i++) found += malloc(SIZE) != NULL; /* DETECTED */
    printf("%zu\n", found);
    return 0;
}
