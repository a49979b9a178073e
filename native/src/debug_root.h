/* debug_root.h — the shape of slabscope_debug_root (see debug_root.c). */
#ifndef SS_DEBUG_ROOT_H
#define SS_DEBUG_ROOT_H
#include <stdint.h>

#define SLABSCOPE_DEBUG_ROOT_MAGIC 0x534c4142u /* "SLAB" */
#define SLABSCOPE_DEBUG_ROOT_VERSION 2u

struct slabscope_debug_root {
    uint32_t magic;
    uint32_t version;
    const char *layout_name;
    uint32_t superslab_shift, slab_shift;
    uint32_t registry_l1_bits, registry_l2_bits;
    const void *registry_l1;  /* uint8_t *[1 << l1_bits]: leaf per top index, or NULL */
    const void *superslabs;   /* struct ss_superslab **: head of the list of every superslab */
    const void *threads;      /* struct ss_tcache **: head of the list of live thread caches */
    const void *abandoned;    /* struct ss_slab *[8]: abandoned slabs per class */
    const void *global;       /* struct ss_global * */
    /* the trace build's struct ssp_runtime * (its pid and every ring), NULL in the others: a debugger
     * reads the events not yet sent to the viewer, so a stopped heap and its trace can be compared */
    const void *trace_runtime;
};
#endif
