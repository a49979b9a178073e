/* crash.c — corrupts a freelist link after free, then follows it like a
 * careless allocator would, and dies by SIGSEGV at the corrupt address. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    char *block = malloc(32);
    memset(block, 1, 32);
    free(block);
    char *corrupt = (char *)(uintptr_t)0xdead0000;
    memcpy(block, &corrupt, sizeof corrupt); /* use after free: the link now points nowhere */
    char *next;
    memcpy(&next, block, sizeof next);
    *(volatile char *)next = 1; /* SIGSEGV */
    return 0;
}
