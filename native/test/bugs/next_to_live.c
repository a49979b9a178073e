/* next_to_live.c — writes into a freed block, over its freelist link, the BASE of a
 * block still in use (a plausible pointer: ours, aligned, the same class); the next
 * malloc pops the freed block and must not follow its link to the live one. */
#include "bug.h"
int main(void) {
    char *freed = malloc(50);
    char *in_use = malloc(50);
    free(freed); /* FREED */
    char *in_use_base = in_use - user_offset();
    memcpy(freed, &in_use_base, sizeof in_use_base); /* BUG */
    char *again = malloc(50); /* DETECTED */
    char *next = malloc(50);
    printf("%d\n", again == freed && next != in_use);
    free(in_use);
    return 0;
}
