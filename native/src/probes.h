/* probes.h — where the allocator tells the trace runtime what it does. In the
 * trace build each SS_PROBE is an ssp_emit; in release and check builds nothing. */
#ifndef SS_PROBES_H
#define SS_PROBES_H

#include "config.h"
#include "slabscope_probe.h" /* the event, route and check kinds every build names */

/* Files that carry probes, by internal site file id (site id = file id << 16 | line). */
#define SS_SITE_FILES                                                                         \
    {"", "native/src/malloc.c", "native/src/free.c", "native/src/tiny.h", "native/src/slab.c",  \
     "native/src/remote.c", "native/src/superslab.c", "native/src/check.c", "native/src/tcache.c", \
     "native/src/mid.c", "native/src/large.c", "native/src/realloc.c", "native/src/internal.h",   \
     "native/src/snapshot.c", "native/src/layout.h"}
#ifndef SS_FILE_ID
#define SS_FILE_ID 0
#endif
/* The internal site id of the line it is written on. */
#define SS_SITE_HERE (((uint32_t)SS_FILE_ID << 16) | __LINE__)

#if SS_TRACE
/* The caller's pc of the public call in progress, for events deep inside: the runtime keeps it. */
#define _ss_trace_pc (_ssp_thread.call_pc)
extern __thread const void *_ss_trace_frame __attribute__((tls_model("initial-exec")));
#define SS_TRACE_ENTER(pc) (_ss_trace_pc = (pc), _ss_trace_frame = __builtin_frame_address(0))
/* The stack bounds a walk needs, learnt before the event: the allocations that costs are the
 * program's (traced as such), and the call in progress keeps its pc and frame. */
static inline void ss_trace_prepare_stack(void) {
    const void *pc = _ss_trace_pc, *frame = _ss_trace_frame;
    ssp_prepare_stack();
    _ss_trace_pc = pc;
    _ss_trace_frame = frame;
}
/* An alloc or free event, followed by its deeper stack when SLABSCOPE_STACK_DEPTH > 1;
 * `emit` is ssp_emit, or ssp_emit_local for an operation on this thread's own cache only. */
#define SS_PROBE_OP_WITH(emit, site, kind, cls, route, base, value)                              \
    do {                                                                                         \
        if (ss_unlikely(_ssp_stack_depth > 1)) ss_trace_prepare_stack();                         \
        emit((uint16_t)(kind), (uint8_t)(cls), (uint8_t)(route), (site), (uintptr_t)(base),     \
             (uint64_t)(uintptr_t)(value), _ss_trace_pc);                                        \
        if (ss_unlikely(_ssp_stack_depth > 1)) ssp_emit_stack(_ss_trace_frame);                  \
    } while (0)
#define SS_PROBE_OP(kind, cls, route, base, value) SS_PROBE_OP_WITH(ssp_emit, SS_SITE_HERE, kind, cls, route, base, value)
/* an alloc or free event that names another line of the allocator as its site */
#define SS_PROBE_OP_AT(site, kind, cls, route, base, value) SS_PROBE_OP_WITH(ssp_emit, site, kind, cls, route, base, value)
#define SS_PROBE(kind, cls, route, base, value)                                                       \
    ssp_emit((uint16_t)(kind), (uint8_t)(cls), (uint8_t)(route), ((uint32_t)SS_FILE_ID << 16) | __LINE__, \
             (uintptr_t)(base), (uint64_t)(uintptr_t)(value), _ss_trace_pc)
/* Pointer-level detail (cache and slab push/pop, next read/write, header
 * writes): only with SLABSCOPE_EVENTS=all. SS_PROBE_IN names the file itself,
 * for probes in headers. */
#define SS_PROBE_DETAIL(kind, cls, route, base, value) \
    do {                                               \
        if (ssp_detail()) SS_PROBE(kind, cls, route, base, value); \
    } while (0)
#define SS_PROBE_IN(file_id, kind, cls, route, base, value)                                              \
    do {                                                                                                 \
        if (ssp_detail())                                                                                \
            ssp_emit((uint16_t)(kind), (uint8_t)(cls), (uint8_t)(route),                                 \
                     ((uint32_t)(file_id) << 16) | __LINE__, (uintptr_t)(base), (uint64_t)(uintptr_t)(value), \
                     _ss_trace_pc);                                                                      \
    } while (0)
/* A next-pointer write (layout.h must be included): route = the link's offset
 * from BASE, site = the layout line that chose that offset (PROTOCOL §3). */
#define SS_PROBE_LINK_WRITE(cls, base, next)                                                         \
    do {                                                                                             \
        if (ssp_detail()) {                                                                          \
            uint32_t link_site;                                                                      \
            unsigned link_offset = (unsigned)ss_next_offset_at((cls), &link_site);                   \
            ssp_emit(SSP_NEXT_WRITE, (uint8_t)(cls), (uint8_t)link_offset, link_site, (uintptr_t)(base), \
                     (uint64_t)(uintptr_t)(next), _ss_trace_pc);                                     \
        }                                                                                            \
    } while (0)
extern __thread int _ss_trace_carved __attribute__((tls_model("initial-exec")));
#else
#define SS_TRACE_ENTER(pc) ((void)0)
#define SS_PROBE(kind, cls, route, base, value) ((void)0)
#define SS_PROBE_OP_WITH(emit, site, kind, cls, route, base, value) ((void)0)
#define SS_PROBE_OP(kind, cls, route, base, value) ((void)0)
#define SS_PROBE_OP_AT(site, kind, cls, route, base, value) ((void)0)
#define SS_PROBE_DETAIL(kind, cls, route, base, value) ((void)0)
#define SS_PROBE_IN(file_id, kind, cls, route, base, value) ((void)0)
#define SS_PROBE_LINK_WRITE(cls, base, next) ((void)0)
#endif

#endif
