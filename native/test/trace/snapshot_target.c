/* snapshot_target.c — leaves a known state, then does what its standard input
 * says, so a viewer can send commands in between: `a` allocates ten more
 * blocks, end of input exits. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    void *blocks[20];
    for (int i = 0; i < 10; i++) blocks[i] = malloc(100);
    for (int i = 0; i < 3; i++) free(blocks[i]);
    printf("ready %p\n", blocks[5]);
    fflush(stdout);
    int c;
    while ((c = getchar()) != EOF)
        if (c == 'a') {
            for (int i = 10; i < 20; i++) blocks[i] = malloc(100);
            puts("allocated");
            fflush(stdout);
        }
    return 0;
}
