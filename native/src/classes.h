/* classes.h — request size to size class (C0..C7) for the tiny path. */
#ifndef SS_CLASSES_H
#define SS_CLASSES_H

#include "layout.h"

/* Smallest class whose payload holds `size` bytes; size <= SS_TINY_MAX. */
static inline unsigned ss_class_of_size(size_t size) {
    /* need = block bytes the request takes: payload plus what the layout
     * keeps inside the block before USER (1 in hakmem, 0 in aligned). */
#if SS_USER_OFFSET > SS_PREFIX
    size_t below = size + (SS_USER_OFFSET - SS_PREFIX - 1); /* need - 1 */
#else
    size_t below = size - (size != 0); /* need - 1, but 0 for a request of 0 bytes */
#endif
    /* the class is the bit length of need - 1, less 3; the | 7 puts every need <= 8 in C0
     * without a branch */
    return (unsigned)(64 - __builtin_clzll((unsigned long long)(below | 7))) - 3;
}

/* Blocks of a class that fit in one slab. */
static inline uint32_t ss_slab_capacity(unsigned cls) {
    return (uint32_t)(SS_SLAB_SIZE / ss_stride(cls));
}

/* Thread-cache capacity and refill batch per class. */
static inline uint32_t ss_cache_cap(unsigned cls) {
    static const uint16_t cap[SS_NUM_CLASSES] = {1024, 1024, 1024, 512, 512, 512, 256, 256};
    return cap[cls];
}
static inline uint32_t ss_refill_batch(unsigned cls) {
    static const uint16_t batch[SS_NUM_CLASSES] = {128, 128, 128, 64, 64, 64, 32, 32};
    return batch[cls];
}

#endif
