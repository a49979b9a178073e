/* stale_link.c — a freed block's link overwritten through a stale pointer, in a
 * function of its own (STALE WRITE), before the allocator pops the block and follows
 * the link: the trace shows the allocator's own write and what it read back, so the
 * report can say the program, not the allocator, wrote it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void scribble(char *stale) {
    uint64_t garbage = 0x0000123412341234ull;
    memcpy(stale, &garbage, sizeof garbage); /* STALE WRITE */
}

int main(void) {
    char *blocks[4];
    for (int i = 0; i < 4; i++) blocks[i] = malloc(100);
    for (int i = 0; i < 4; i++) free(blocks[i]);
    scribble(blocks[3]); /* the newest free block: the cache's head */
    char *first = malloc(100);  /* pops blocks[3], following its link */
    char *second = malloc(100); /* the link it followed */
    return first == second;
}
