/* stats.c — counters of the whole allocator, and what build this is. */
#include "internal.h"

uint64_t _ss_mid_bytes_mapped(void);
uint64_t _ss_large_live(void);

SS_API void ss_stats_get(struct ss_stats *out) {
    ss_lock(&_ss_g.lock);
    out->superslabs_mapped = _ss_g.superslabs_mapped;
    out->superslabs_total = _ss_g.superslabs_total;
    out->slabs_bound = _ss_g.slabs_bound;
    out->threads_live = _ss_g.threads_live;
    ss_unlock(&_ss_g.lock);
    out->mid_bytes_mapped = _ss_mid_bytes_mapped();
    out->large_live = _ss_large_live();
    out->findings = atomic_load_explicit(&_ss_g.findings, memory_order_relaxed);
}

SS_API const char *ss_layout_name(void) { return SS_LAYOUT_NAME; }

SS_API const char *ss_build_mode(void) { return SS_TRACE ? "trace" : SS_CHECK ? "check" : "release"; }
