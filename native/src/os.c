/* os.c — memory from the kernel: plain and aligned anonymous mappings. */
#include <sys/mman.h>
#include "internal.h"

void *_ss_os_map(size_t size) {
    void *ptr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return ptr == MAP_FAILED ? NULL : ptr;
}

/* Maps size + align and trims both ends, so the result is `align`-aligned. */
void *_ss_os_map_aligned(size_t size, size_t align) {
    size_t span = size + align;
    char *raw = _ss_os_map(span);
    if (!raw) return NULL;
    char *start = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    if (start > raw) munmap(raw, (size_t)(start - raw));
    char *end = start + size, *raw_end = raw + span;
    if (raw_end > end) munmap(end, (size_t)(raw_end - end));
    return start;
}

void _ss_os_unmap(void *ptr, size_t size) { munmap(ptr, size); }
