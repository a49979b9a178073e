/* double_free.c — frees the same block twice. */
#include "bug.h"
int main(void) {
    char *user = malloc(50);
    free(user);
    free(user); /* BUG */
    return 0;
}
