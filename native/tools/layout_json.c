/* layout_json.c — prints the layout description (layout.json) of one build:
 * every offset and size the viewer or a debugger reads, from the C definitions
 * themselves (offsetof, sizeof), so it can never disagree with them. */
#include <stddef.h>
#include <stdio.h>
#include "internal.h"
#include "debug_root.h"
#include "../trace/trace.h"

#define FIELD(type, field, last) \
    printf("        \"%s\": {\"offset\": %zu, \"size\": %zu}%s\n", #field, offsetof(type, field), \
           sizeof(((type *)0)->field), last ? "" : ",")

int main(void) {
    printf("{\n  \"format\": \"slabscope-layout\",\n  \"version\": 1,\n");
    printf("  \"layout\": \"%s\",\n", SS_LAYOUT_NAME);
    printf("  \"userOffset\": %u,\n  \"headerOffset\": %u,\n  \"prefix\": %u,\n  \"userAlign\": %u,\n",
           SS_USER_OFFSET, SS_HEADER_OFFSET, SS_PREFIX, SS_USER_ALIGN);
    /* the check build's check word: at this offset from BASE in the classes from checkWordMinClass up */
    printf("  \"checkWordOffset\": %u,\n  \"checkWordMinClass\": %u,\n", SS_CHECK_WORD_OFFSET, SS_CHECK_WORD_MIN_CLASS);
    printf("  \"headerMagic\": %u,\n  \"headerMagicMask\": %u,\n  \"headerClassMask\": %u,\n", SS_HEADER_MAGIC,
           SS_HEADER_MAGIC_MASK, SS_HEADER_CLASS_MASK);
    printf("  \"tagMid\": %u,\n  \"tagMidFree\": %u,\n  \"tagLarge\": %u,\n", SS_TAG_MID, SS_TAG_MID_FREE,
           SS_TAG_LARGE);
    printf("  \"remoteSentinel\": \"0x%llx\",\n", (unsigned long long)SLABSCOPE_REMOTE_SENTINEL);
    printf("  \"superslabSize\": %zu,\n  \"slabSize\": %zu,\n  \"slabsPerSuperslab\": %zu,\n"
           "  \"firstBlockSlab\": %u,\n  \"pageSize\": %u,\n  \"tinyMax\": %zu,\n  \"midMax\": %zu,\n",
           SS_SUPERSLAB_SIZE, SS_SLAB_SIZE, SS_SLABS_PER_SUPERSLAB, SS_FIRST_BLOCK_SLAB, SS_PAGE_SIZE,
           SS_TINY_MAX, SS_MID_MAX);
    printf("  \"registry\": {\"l1Bits\": %u, \"l2Bits\": %u, \"regionShift\": %u, "
           "\"kinds\": {\"none\": %u, \"tiny\": %u, \"mid\": %u}},\n",
           SS_REG_L1_BITS, SS_REG_L2_BITS, SS_SUPERSLAB_SHIFT, SS_REGION_NONE, SS_REGION_TINY, SS_REGION_MID);
    /* next-read and next-write events carry the link's offset from BASE in their route byte */
    printf("  \"linkOffsets\": true,\n");
    static const char *const site_files[] = SS_SITE_FILES;
    printf("  \"siteFiles\": [");
    for (size_t i = 0; i < sizeof site_files / sizeof *site_files; i++)
        printf("%s\"%s\"", i ? ", " : "", site_files[i]);
    printf("],\n");
    printf("  \"classes\": [\n");
    for (unsigned cls = 0; cls < SS_NUM_CLASSES; cls++)
        printf("    {\"class\": %u, \"block\": %zu, \"stride\": %zu, \"payload\": %zu, \"nextOffset\": %zu, "
               "\"capacity\": %u, \"cacheCap\": %u, \"refillBatch\": %u}%s\n",
               cls, ss_class_block(cls), ss_stride(cls), ss_payload(cls), ss_next_offset(cls),
               ss_slab_capacity(cls), ss_cache_cap(cls), ss_refill_batch(cls), cls + 1 < SS_NUM_CLASSES ? "," : "");
    printf("  ],\n  \"structs\": {\n");
    printf("    \"ss_slab\": {\"size\": %zu, \"fields\": {\n", sizeof(struct ss_slab));
    FIELD(struct ss_slab, freelist, 0);
    FIELD(struct ss_slab, used, 0);
    FIELD(struct ss_slab, carved, 0);
    FIELD(struct ss_slab, capacity, 0);
    FIELD(struct ss_slab, cls, 0);
    FIELD(struct ss_slab, index, 0);
    FIELD(struct ss_slab, abandoned, 0);
    FIELD(struct ss_slab, owner, 0);
    FIELD(struct ss_slab, remote_head, 0);
    FIELD(struct ss_slab, next, 0);
    FIELD(struct ss_slab, prev, 1);
    printf("    }},\n    \"ss_superslab\": {\"size\": %zu, \"fields\": {\n", sizeof(struct ss_superslab));
    FIELD(struct ss_superslab, magic, 0);
    FIELD(struct ss_superslab, next_all, 0);
    FIELD(struct ss_superslab, prev_all, 0);
    FIELD(struct ss_superslab, bound_mask, 0);
    FIELD(struct ss_superslab, slabs, 1);
    printf("    }, \"magic\": \"0x%llx\"},\n", (unsigned long long)SS_SUPERSLAB_MAGIC);
    printf("    \"ss_tcache\": {\"size\": %zu, \"fields\": {\n", sizeof(struct ss_tcache));
    FIELD(struct ss_tcache, head, 0);
    FIELD(struct ss_tcache, count, 0);
    FIELD(struct ss_tcache, cap, 0);
    FIELD(struct ss_tcache, id, 0);
    FIELD(struct ss_tcache, state, 0);
    FIELD(struct ss_tcache, slabs, 0);
    FIELD(struct ss_tcache, next_thread, 0);
    FIELD(struct ss_tcache, prev_thread, 1);
    /* a debugger reads the check build's key to tell a free block (its word matches its link) from one in use */
    printf("    }},\n    \"ss_global\": {\"size\": %zu, \"fields\": {\n", sizeof(struct ss_global));
    FIELD(struct ss_global, superslabs, 0);
    FIELD(struct ss_global, threads, 0);
    FIELD(struct ss_global, check_key, 0);
    FIELD(struct ss_global, check_claim_mul, 1);
    printf("    }},\n    \"ss_bighdr\": {\"size\": %zu, \"fields\": {\n", sizeof(struct ss_bighdr));
    FIELD(struct ss_bighdr, length, 0);
    FIELD(struct ss_bighdr, back, 0);
    FIELD(struct ss_bighdr, mid_class, 0);
    FIELD(struct ss_bighdr, tag, 1);
    printf("    }},\n    \"slabscope_debug_root\": {\"size\": %zu, \"magic\": %u, \"version\": %u, \"fields\": {\n",
           sizeof(struct slabscope_debug_root), SLABSCOPE_DEBUG_ROOT_MAGIC, SLABSCOPE_DEBUG_ROOT_VERSION);
    FIELD(struct slabscope_debug_root, magic, 0);
    FIELD(struct slabscope_debug_root, version, 0);
    FIELD(struct slabscope_debug_root, layout_name, 0);
    FIELD(struct slabscope_debug_root, superslab_shift, 0);
    FIELD(struct slabscope_debug_root, slab_shift, 0);
    FIELD(struct slabscope_debug_root, registry_l1_bits, 0);
    FIELD(struct slabscope_debug_root, registry_l2_bits, 0);
    FIELD(struct slabscope_debug_root, registry_l1, 0);
    FIELD(struct slabscope_debug_root, superslabs, 0);
    FIELD(struct slabscope_debug_root, threads, 0);
    FIELD(struct slabscope_debug_root, abandoned, 0);
    FIELD(struct slabscope_debug_root, global, 0);
    FIELD(struct slabscope_debug_root, trace_runtime, 1);
    /* the trace build's runtime and rings: the events a stopped process has not yet sent are read from them */
    printf("    }},\n    \"ssp_runtime\": {\"size\": %zu, \"fields\": {\n", sizeof(struct ssp_runtime));
    FIELD(struct ssp_runtime, pid, 0);
    FIELD(struct ssp_runtime, rings, 1);
    printf("    }},\n    \"ssp_ring\": {\"size\": %zu, \"fields\": {\n", sizeof(struct ssp_ring));
    FIELD(struct ssp_ring, head, 0);
    FIELD(struct ssp_ring, mask, 0);
    FIELD(struct ssp_ring, seq_ahead, 0);
    FIELD(struct ssp_ring, events, 0);
    FIELD(struct ssp_ring, thread, 0);
    FIELD(struct ssp_ring, closed, 0);
    FIELD(struct ssp_ring, tail, 0);
    FIELD(struct ssp_ring, next, 1);
    printf("    }}\n  }\n}\n");
    return 0;
}
