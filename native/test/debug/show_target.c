/* show_target.c — a freelist to look at in a debugger: eight C4 blocks freed by
 * main (its thread cache holds them, newest first), one of them written after its
 * free, over its link, and one still in use; stopped in look(), before the next
 * malloc would follow the bad link. Writes the USER pointers it holds to argv[1]
 * as JSON first. Link it with libslabscope.a, or preload a build. */
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
    char *again = malloc(100);
    printf("%p %p\n", (void *)again, (void *)kept);
    return 0;
}
