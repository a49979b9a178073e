/* sentinel_leak.c — puts the remote-queue sentinel where a freed block keeps its freelist link. */
#include "bug.h"
#include "slabscope.h"
int main(void) {
    char *user = malloc(50);
    free(user); /* FREED */
    uint64_t sentinel = SLABSCOPE_REMOTE_SENTINEL;
    memcpy(user, &sentinel, sizeof sentinel); /* BUG */
    char *again = malloc(50); /* DETECTED */
    char *next = malloc(50);
    printf("%d\n", again == user && next != NULL);
    return 0;
}
