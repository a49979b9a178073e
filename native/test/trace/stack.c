/* stack.c — a known call chain to an allocation, for the deeper-stack trace. */
#include <stdlib.h>

__attribute__((noinline)) void *leaf_alloc(void) { return malloc(40); }
__attribute__((noinline)) void *middle_alloc(void) { return leaf_alloc(); }
__attribute__((noinline)) void *outer_alloc(void) { return middle_alloc(); }

int main(void) {
    void *block = outer_alloc();
    free(block);
    return 0;
}
