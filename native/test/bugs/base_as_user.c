/* base_as_user.c — frees the block's BASE instead of the USER pointer malloc returned (the seeds' Phase E1). */
#include "bug.h"
int main(void) {
    char *user = malloc(50);
    char *base = user - user_offset();
    free(base); /* BUG */
    return 0;
}
