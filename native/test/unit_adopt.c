/* unit_adopt.c — a thread whose first allocation adopts an exited thread's
 * slab that has nothing free yet still gets a block (it once got ENOMEM). */
#include <pthread.h>
#include "unit.h"
#include "tiny.h"

static const unsigned cls = 7;
static void *kept[4096];
static int kept_count;

/* Fills slabs of class 7 completely and exits with every block still live. */
static void *fill_and_exit(void *arg) {
    (void)arg;
    uint32_t capacity = ss_slab_capacity(cls);
    for (uint32_t i = 0; i < capacity * 3; i++) kept[kept_count++] = ss_malloc(ss_payload(cls));
    ss_thread_flush();
    return NULL;
}

static void *allocate_once(void *arg) {
    void **out = arg;
    *out = ss_malloc(ss_payload(cls));
    return NULL;
}

int main(void) {
    pthread_t thread;
    pthread_create(&thread, NULL, fill_and_exit, NULL);
    pthread_join(thread, NULL); /* its full slabs are abandoned now */
    for (int round = 0; round < 4; round++) {
        void *block = NULL;
        pthread_create(&thread, NULL, allocate_once, &block);
        pthread_join(thread, NULL);
        EXPECT(block != NULL);
        ss_free(block);
    }
    for (int i = 0; i < kept_count; i++) ss_free(kept[i]);
    return unit_done("adopt " SS_LAYOUT_NAME);
}
