/* trace_glue.c — starts the trace runtime in the trace build: the layout
 * description goes into the handshake; the stream ends cleanly at exit. */
#include "internal.h"

#if SS_TRACE
__thread const void *_ss_trace_frame __attribute__((tls_model("initial-exec")));
__thread int _ss_trace_carved __attribute__((tls_model("initial-exec")));
extern const char _ss_layout_json[]; /* generated from layout.json by the Makefile */

void _ss_trace_snapshot(void);
const void *_ss_trace_slab_span(uint64_t address, size_t *length);
static const struct ssp_config trace_config = {SS_LAYOUT_NAME, _ss_layout_json, _ss_trace_snapshot,
                                               _ss_trace_slab_span};

__attribute__((constructor)) static void trace_start(void) { ssp_start(&trace_config); }
/* A preloaded library's destructor runs after the program's own: late frees are traced too. */
__attribute__((destructor)) static void trace_stop(void) { ssp_finish(); }
#endif
