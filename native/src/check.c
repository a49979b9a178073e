#define SS_FILE_ID 7
/* check.c — the one place that turns any pointer into its block (or says it
 * is not one), and the report a check failure writes. Reports are built by
 * hand and written with write(2): a finding must not allocate. */
#include <stdlib.h>
#include <unistd.h>
#include "internal.h"
#include "check_fast.h"

/* The tiny half of _ss_resolve: ptr is known to lie in a tiny superslab. */
static inline __attribute__((always_inline)) void resolve_tiny(const void *ptr, struct ss_loc *loc) {
    unsigned index = ss_slab_index_of(ptr);
    if (index < SS_FIRST_BLOCK_SLAB) return; /* superslab metadata: never a block */
    struct ss_slab *slab = &ss_superslab_of(ptr)->slabs[index];
    loc->slab = slab;
    int cls = ss_slab_class(slab);
    if (cls < 0) {
        loc->kind = SS_PTR_UNBOUND_SLAB;
        return;
    }
    size_t offset = (size_t)((const char *)ptr - ss_slab_start(slab));
    size_t stride = ss_stride((unsigned)cls);
    uint32_t slot = ss_slot_index((unsigned)cls, offset);
    size_t within = offset - (size_t)slot * stride;
    loc->cls = (unsigned)cls;
    loc->slot = slot;
    if (slot >= slab->carved) return; /* never handed out */
    loc->base = ss_slab_start(slab) + (size_t)slot * stride;
    if (within == SS_USER_OFFSET) loc->kind = SS_PTR_USER;
    else if (within == 0) loc->kind = SS_PTR_BASE;
    else loc->kind = SS_PTR_INTERIOR;
}

void _ss_resolve(const void *ptr, struct ss_loc *loc) {
    loc->kind = SS_PTR_FOREIGN;
    loc->slab = NULL;
    loc->cls = 0;
    loc->slot = 0;
    loc->base = NULL;
    switch (ss_registry_kind(ptr)) {
    case SS_REGION_MID:
        loc->kind = SS_PTR_MID;
        return;
    case SS_REGION_NONE:
        if (_ss_large_owns(ptr)) loc->kind = SS_PTR_LARGE;
        return;
    default:
        resolve_tiny(ptr, loc);
    }
}

/* ---- report: `slabscope: <kind> ptr=0x.. class=N thread=T pc=0x.. -- sentence` ---- */
struct line {
    char text[512];
    size_t len;
};
static void put(struct line *line, const char *text) {
    while (*text && line->len < sizeof line->text - 1) line->text[line->len++] = *text++;
}
static void put_hex(struct line *line, uintptr_t value) {
    char digits[2 + 16];
    int n = 0;
    do digits[n++] = "0123456789abcdef"[value & 15]; while ((value >>= 4) && n < 16);
    put(line, "0x");
    while (n--) {
        char one[2] = {digits[n], 0};
        put(line, one);
    }
}
static void put_int(struct line *line, long long value) {
    char digits[24];
    int n = 0;
    unsigned long long magnitude = value < 0 ? 0ull - (unsigned long long)value : (unsigned long long)value;
    do digits[n++] = (char)('0' + magnitude % 10); while ((magnitude /= 10) && n < 23);
    if (value < 0) put(line, "-");
    while (n--) {
        char one[2] = {digits[n], 0};
        put(line, one);
    }
}

static bool report_only(void) {
    const char *mode = getenv("SLABSCOPE_ON_ERROR");
    return mode && mode[0] == 'r'; /* "report" */
}

/* A check kind travels as its enum (the wire's check code); its name is said only here. */
static const char *const check_names[SSP_CHECK_COUNT] = {
    [SSP_CHECK_NONE] = "", [SSP_CHECK_DOUBLE_FREE] = "double-free", [SSP_CHECK_BASE_AS_USER] = "base-as-user",
    [SSP_CHECK_INTERIOR_FREE] = "interior-free", [SSP_CHECK_FOREIGN_FREE] = "foreign-free",
    [SSP_CHECK_HEADER_CORRUPT] = "header-corrupt", [SSP_CHECK_NEXT_CORRUPT] = "next-corrupt",
    [SSP_CHECK_SENTINEL_LEAK] = "sentinel-leak", [SSP_CHECK_USER_AS_BASE] = "user-as-base",
    [SSP_CHECK_NEXT_OUT_OF_SLAB] = "next-out-of-slab",
};

void _ss_report_at(uint32_t site, enum ssp_check kind, const void *ptr, int cls, const void *pc, uint64_t failed, const char *sentence) {
#if SS_TRACE
    if (pc) _ss_trace_pc = pc; /* checks inside allocator code pass none: the public call's stays */
    ssp_emit(SSP_CHECK_FAIL, cls < 0 ? SSP_NO_CLASS : (uint8_t)cls, 0, site, (uintptr_t)ptr, (uint64_t)kind | (failed << 8), _ss_trace_pc);
#else
    (void)site, (void)failed;
#endif
    struct line line = {.len = 0};
    put(&line, "slabscope: ");
    put(&line, (unsigned)kind < SSP_CHECK_COUNT ? check_names[kind] : "check");
    put(&line, " ptr=");
    put_hex(&line, (uintptr_t)ptr);
    put(&line, " class=");
    put_int(&line, cls);
    /* a thread that has only freed so far has no id yet: it gets the one its set-up will keep
     * (not a whole set-up here, as a report may come with the global lock held) */
    if (_ss_tc.id == 0) _ss_tc.id = _ss_thread_id_new();
    put(&line, " thread=");
    put_int(&line, _ss_tc.id == SS_DEAD_THREAD_ID ? -1 : (long long)_ss_tc.id);
    put(&line, " pc=");
    put_hex(&line, (uintptr_t)pc);
    put(&line, " -- ");
    put(&line, sentence);
    line.text[line.len++] = '\n';
    ssize_t ignored = write(2, line.text, line.len);
    (void)ignored;
    atomic_fetch_add_explicit(&_ss_g.findings, 1, memory_order_relaxed);
    if (!report_only()) abort();
}

/* Is `next` a link a free block of class `cls` may hold? Reports and returns
 * false if not. same_slab: the link must stay inside this slab (slab freelists). */
bool _ss_check_link(unsigned cls, void *base, void *next, const struct ss_slab *same_slab, const void *pc) {
#if SS_CHECK
    /* a remote chain's live marks are not settled until the drain settles them */
    bool remote_chain = (uintptr_t)same_slab & 1;
    same_slab = (const struct ss_slab *)((uintptr_t)same_slab & ~(uintptr_t)1);
    if (ss_fast_link_in(cls, base, next, same_slab, !remote_chain)) return true; /* the common case, shown cheaply */
    if ((uintptr_t)next == SLABSCOPE_REMOTE_SENTINEL) {
        _ss_report(SSP_CHECK_SENTINEL_LEAK, ss_user_from_base(base), (int)cls, pc,
                   "a freelist link holds the remote-queue sentinel: it escaped the remote queue");
        return false;
    }
    struct ss_loc loc = {.kind = SS_PTR_FOREIGN};
    if (next && ss_superslab_of(next) == ss_superslab_of(base)) resolve_tiny(next, &loc); /* base's superslab is ours: no registry walk */
    else if (next) _ss_resolve(next, &loc);
    /* a link to a block of the same class in another slab says more than the check word can */
    bool is_block = next && loc.kind == SS_PTR_BASE && loc.base == next && loc.cls == cls;
    if (is_block && same_slab && loc.slab != same_slab) {
        _ss_report_value(SSP_CHECK_NEXT_OUT_OF_SLAB, ss_user_from_base(base), (int)cls, pc, (uintptr_t)next,
                         "the next pointer of a slab freelist leaves its slab");
        return false;
    }
    if (ss_class_has_check_word(cls) && !ss_check_word_ok(base, next, _ss_g.check_key)) {
        _ss_report_value(SSP_CHECK_NEXT_CORRUPT, ss_user_from_base(base), (int)cls, pc, (uintptr_t)next,
                   "a free block was written after free: its next pointer and its check word no longer agree");
        return false;
    }
    if (!next) return true;
    const char *why = NULL;
    if (loc.kind != SS_PTR_BASE || loc.base != next) why = "the next pointer of a free block is not the start of a block";
    else if (loc.cls != cls) why = "the next pointer of a free block points into a slab of another class";
    else if (!remote_chain && !ss_class_has_check_word(cls) && ss_block_live(loc.slab, cls, loc.slot, next))
        why = "the next pointer of a free block points at a block in use";
    if (why) {
        _ss_report_value(SSP_CHECK_NEXT_CORRUPT, ss_user_from_base(base), (int)cls, pc, (uintptr_t)next, why);
        return false;
    }
    return true;
#else
    (void)cls, (void)base, (void)next, (void)same_slab, (void)pc;
    return true;
#endif
}
