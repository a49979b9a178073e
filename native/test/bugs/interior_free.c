/* interior_free.c — frees a pointer into the middle of a block. */
#include "bug.h"
int main(void) {
    char *user = malloc(50);
    free(user + 8); /* BUG */
    return 0;
}
