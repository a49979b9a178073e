/* double_free_remote.c — a thread frees a block another thread allocated, then
 * frees it again while it waits in the owner's remote queue. */
#include <pthread.h>
#include "bug.h"
static void *free_twice(void *user) {
    free(user);
    free(user); /* BUG */
    return NULL;
}
int main(void) {
    char *user = malloc(50);
    pthread_t thread;
    pthread_create(&thread, NULL, free_twice, user);
    pthread_join(thread, NULL);
    return 0;
}
