/* agree_target.c — a traced program to stop twice in gdb: eight C4 blocks freed by
 * main (its thread cache holds them, newest first), then checkpoint() with the heap
 * as the trace tells it; then one freed block written by the program, over its link
 * (the allocator never sees it) after a burst of allocations, and checkpoint() again. Writes the USER pointers to
 * argv[1] as JSON first. Link it with the trace build's libslabscope.a. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void checkpoint(void) { __asm__ volatile("" ::: "memory"); }

int main(int argc, char **argv) {
    char *blocks[8];
    for (int i = 0; i < 8; i++) blocks[i] = malloc(100);
    char *kept = malloc(100);
    for (int i = 0; i < 8; i++) free(blocks[i]);
    FILE *out = argc > 1 ? fopen(argv[1], "w") : NULL;
    if (out) {
        fprintf(out, "{\"freed\": [");
        for (int i = 0; i < 8; i++) fprintf(out, "%s\"%p\"", i ? ", " : "", (void *)blocks[i]);
        fprintf(out, "], \"overwritten\": \"%p\"}\n", (void *)blocks[3]);
        fclose(out);
    }
    checkpoint(); /* the trace and memory agree */
    /* a burst the exporter has not sent by the next stop (the test holds it there with
     * gdb's scheduler-locking): those events are read from the ring */
    for (int i = 0; i < 64; i++) free(malloc(40));
    uint64_t garbage = 0x0000123412341234ull;
    memcpy(blocks[3], &garbage, sizeof garbage); /* BUG: written after free, over its link */
    checkpoint(); /* they differ at blocks[3] */
    kept[0] = 1;
    free(kept);
    return 0;
}
