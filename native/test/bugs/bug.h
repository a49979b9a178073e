/* bug.h — what the buggy programs need to know of the layout they run on:
 * they are plain programs; the allocator is preloaded and says its layout. */
#ifndef BUG_H
#define BUG_H
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* USER - BASE of the preloaded allocator's layout. */
static inline size_t user_offset(void) {
    const char *(*layout)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "ss_layout_name");
    if (!layout) {
        fputs("not running on the Slabscope allocator\n", stdout);
        exit(3);
    }
    return strcmp(layout(), "hakmem") == 0 ? 1 : 16;
}
#endif
