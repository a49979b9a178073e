/* foreign_free.c — frees memory malloc never returned. */
#include "bug.h"
static char not_from_malloc[64];
int main(void) {
    free(not_from_malloc + 16); /* BUG */
    return 0;
}
