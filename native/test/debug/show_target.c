/* show_target.c — a freelist to look at in a debugger: eight C4 blocks freed by
 * main (its thread cache holds them, newest first), one of them written after its
 * free, over its link, and one still in use; stopped in look(), before the next
 * malloc would follow the bad link. After look(), two more writes after free, for
 * data breakpoints to catch: over blocks[6]'s link (LINK WRITE), then over
 * blocks[5]'s header byte (HEADER WRITE). Writes the USER pointers it holds to
 * argv[1] as JSON first. Link it with libslabscope.a, or preload a build. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void look(char *freed, char *kept) {
    kept[0] = freed != NULL; /* STOP */
}

int main(int argc, char **argv) {
    FILE *out = argc > 1 ? fopen(argv[1], "w") : NULL;
    char *blocks[8];
    for (int i = 0; i < 8; i++) blocks[i] = malloc(100);
    char *kept = malloc(100);
    for (int i = 0; i < 8; i++) free(blocks[i]);
    char *freed = blocks[3];
    if (out) {
        fprintf(out, "{\"freed\": [");
        for (int i = 0; i < 8; i++) fprintf(out, "%s\"%p\"", i ? ", " : "", (void *)blocks[i]);
        fprintf(out, "], \"overwritten\": \"%p\", \"kept\": \"%p\"}\n", (void *)freed, (void *)kept);
        fclose(out);
    }
    uint64_t garbage = 0x4141414141414141ull;
    memcpy(freed, &garbage, sizeof garbage); /* BUG: written after free, over its link */
    look(freed, kept);
    /* In both layouts a C4 block's link starts at USER and its header byte is just
     * before it. gdb reports a watchpoint after the writing instruction: the count
     * that follows each write keeps that on the writing line. */
    volatile int writes = 0;
    blocks[6][0] = 'L', writes++; /* LINK WRITE */
    blocks[5][-1] = 0, writes++;  /* HEADER WRITE */
    char *again = malloc(100);
    printf("%p %p\n", (void *)again, (void *)kept);
    return 0;
}
