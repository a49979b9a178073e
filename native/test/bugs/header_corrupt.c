/* header_corrupt.c — writes one byte before its block (over the header byte), then frees it. */
#include "bug.h"
int main(void) {
    char *user = malloc(50);
    user[-1] = 0; /* BUG */
    free(user); /* DETECTED */
    return 0;
}
