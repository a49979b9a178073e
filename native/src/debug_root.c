/* debug_root.c — slabscope_debug_root: where a debugger starts to walk every
 * superslab, slab and thread cache by reading memory alone (no calls into a
 * stopped process). Field offsets of everything it leads to are in layout.json. */
#include "internal.h"
#include "debug_root.h"
#if SS_TRACE
#include "../trace/trace.h"
#endif

SS_API const struct slabscope_debug_root slabscope_debug_root = {
    .magic = SLABSCOPE_DEBUG_ROOT_MAGIC,
    .version = SLABSCOPE_DEBUG_ROOT_VERSION,
    .layout_name = SS_LAYOUT_NAME,
    .superslab_shift = SS_SUPERSLAB_SHIFT,
    .slab_shift = SS_SLAB_SHIFT,
    .registry_l1_bits = SS_REG_L1_BITS,
    .registry_l2_bits = SS_REG_L2_BITS,
    .registry_l1 = (const void *)_ss_registry_l1,
    .superslabs = (const void *)&_ss_g.superslabs,
    .threads = (const void *)&_ss_g.threads,
    .abandoned = (const void *)_ss_g.abandoned,
    .global = (const void *)&_ss_g,
#if SS_TRACE
    .trace_runtime = (const void *)&_ssp,
#else
    .trace_runtime = NULL,
#endif
};
