/* config.h — build-time switches and the geometry every other file shares. */
#ifndef SS_CONFIG_H
#define SS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#if defined(SS_LAYOUT_HAKMEM) == defined(SS_LAYOUT_ALIGNED)
#error "define exactly one of SS_LAYOUT_HAKMEM, SS_LAYOUT_ALIGNED"
#endif
#ifndef SS_CHECK
#define SS_CHECK 0
#endif
#ifndef SS_TRACE /* the trace build: checks plus the pointer trace */
#define SS_TRACE 0
#endif
#if SS_TRACE && !SS_CHECK
#error "the trace build includes the checks: define SS_CHECK=1"
#endif
#ifndef SS_OVERRIDE /* 1: export malloc/free/...; 0: only the ss_* API */
#define SS_OVERRIDE 1
#endif

/* The seeds' historical bugs, one switch each (make INJECT=name); all off by default. */
#ifndef SS_INJECT_USER_PTR_SLAB_INDEX
#define SS_INJECT_USER_PTR_SLAB_INDEX 0 /* Phase E1: a USER pointer where the slab code wants BASE */
#endif
#ifndef SS_INJECT_C0_NEXT_OFFSET_1
#define SS_INJECT_C0_NEXT_OFFSET_1 0 /* Phase E3-FINAL: C0's next pointer at offset 1 */
#endif
#ifndef SS_INJECT_REMOTE_SENTINEL_LEAK
#define SS_INJECT_REMOTE_SENTINEL_LEAK 0 /* the remote drain forgets to rewrite the sentinel */
#endif
#ifndef SS_INJECT_PAGE_BOUNDARY_HEADER_READ
#define SS_INJECT_PAGE_BOUNDARY_HEADER_READ 0 /* Phase 7-1.2: header read across a page boundary */
#endif
#ifndef SS_INJECT_REGISTRY_IN_FAST_PATH
#define SS_INJECT_REGISTRY_IN_FAST_PATH 0 /* Phase E2: a registry lookup on every free */
#endif
#ifndef SS_INJECT_SLL_NO_USED_DECREMENT
#define SS_INJECT_SLL_NO_USED_DECREMENT 0 /* Phase 9: the drain never decrements used */
#endif

#define SS_API __attribute__((visibility("default")))
#define ss_likely(x) __builtin_expect(!!(x), 1)
#define ss_unlikely(x) __builtin_expect(!!(x), 0)
#define ss_noinline __attribute__((noinline))
#define ss_cold __attribute__((cold, noinline))

/* Geometry: 2 MiB superslabs of 32 slabs of 64 KiB. Slab 0 holds the
 * superslab's own metadata, so 31 slabs serve blocks. */
#define SS_SUPERSLAB_SHIFT 21
#define SS_SUPERSLAB_SIZE ((size_t)1 << SS_SUPERSLAB_SHIFT)
#define SS_SLAB_SHIFT 16
#define SS_SLAB_SIZE ((size_t)1 << SS_SLAB_SHIFT)
#define SS_SLABS_PER_SUPERSLAB (SS_SUPERSLAB_SIZE / SS_SLAB_SIZE)
#define SS_FIRST_BLOCK_SLAB 1
#define SS_PAGE_SIZE 4096u

#define SS_NUM_CLASSES 8
#define SS_MAX_BLOCKS_PER_SLAB (SS_SLAB_SIZE / 8)

#endif
