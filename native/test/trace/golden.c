/* golden.c — uses the trace runtime alone (libslabscope_trace.a, no allocator)
 * and emits one known event of every kind, so a decoder can check each field. */
#include <stdio.h>
#include "slabscope_probe.h"

#define GOLDEN_STAMP_EVENTS 100u

static const struct ssp_config config = {"golden", "{\"golden\": true, \"classes\": []}", NULL};

int main(void) {
    if (!ssp_start(&config)) {
        fprintf(stderr, "golden: tracing did not start\n");
        return 1;
    }
    for (unsigned kind = 1; kind < SSP_KIND_COUNT; kind++)
        ssp_emit((uint16_t)kind, (uint8_t)(kind % 8), (uint8_t)(kind % 7), kind * 1000 + 1,
                 (uintptr_t)0x1000 * kind, (uint64_t)kind * 7, (const void *)(uintptr_t)(0xabc000 + kind));
    ssp_emit(SSP_FREE, SSP_NO_CLASS, SSP_FREE_FOREIGN, 0, 0, 0xffffffffffffffffull, NULL);
    /* then local events (route 1) that may share a clock reading, every 13th one stamped now (route 0) */
    for (unsigned i = 0; i < GOLDEN_STAMP_EVENTS; i++) {
        if (i % 13 == 0) ssp_emit(SSP_CACHE_PUSH, 1, 0, 0, 0x2000, i, NULL);
        else ssp_emit_local(SSP_CACHE_PUSH, 1, 1, 0, 0x2000, i, NULL);
    }
    ssp_finish();
    printf("golden: %u events\n", SSP_KIND_COUNT);
    return 0;
}
