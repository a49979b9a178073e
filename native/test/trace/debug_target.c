/* debug_target.c — leaves a known state in the allocator and stops at
 * checkpoint(), where a debugger walks it by memory reads alone. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) void checkpoint(void) { __asm__ volatile("" ::: "memory"); }

int main(void) {
    void *blocks[10];
    for (int i = 0; i < 10; i++) blocks[i] = malloc(100); /* class 4 in both layouts */
    for (int i = 0; i < 3; i++) free(blocks[i]);          /* three back in this thread's cache */
    printf("first=%p\n", blocks[2]);
    fflush(stdout);
    checkpoint();
    for (int i = 3; i < 10; i++) free(blocks[i]);
    return 0;
}
