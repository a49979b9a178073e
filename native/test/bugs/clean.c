/* clean.c — every entry point across tiny, mid and large sizes, used correctly: no finding. */
#include "bug.h"
#include <malloc.h>
int main(void) {
    static void *blocks[3000];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 3000; i++) {
            size_t size = (size_t)(i * 37 % 2000) + (i % 97 == 0 ? 300000 : 0);
            blocks[i] = i % 3 ? malloc(size) : calloc(1, size);
            memset(blocks[i], i, size);
        }
        for (int i = 0; i < 3000; i += 2) blocks[i] = realloc(blocks[i], (size_t)(i % 500) + 1);
        for (int i = 0; i < 3000; i++) free(blocks[i]);
    }
    void *aligned = NULL;
    if (posix_memalign(&aligned, 256, 1000)) return 1;
    free(aligned);
    free(aligned_alloc(64, 128));
    free(memalign(4096, 10));
    char *kept = malloc(100);
    printf("usable %d\n", malloc_usable_size(kept) >= 100);
    free(kept);
    return 0;
}
