/* next_corrupt.c — writes into a block after freeing it (over its freelist link); the next mallocs pop it. */
#include "bug.h"
int main(void) {
    char *user = malloc(50);
    free(user); /* FREED */
    uint64_t garbage = 0x4141414141414141ull;
    memcpy(user, &garbage, sizeof garbage); /* BUG */
    char *again = malloc(50); /* DETECTED */
    char *next = malloc(50);
    printf("%d\n", again == user && next != NULL);
    return 0;
}
