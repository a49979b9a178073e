/* check_fast.h — the check build's verdicts for the common case, inline.
 *
 * Most frees are of a live block of a slab the freeing thread owns, and most
 * cached links point into the same slab; these say "fine" for those cases with
 * the same tests check.c makes, and say "not sure" for everything else, which
 * then takes the full check (check.c) that resolves the pointer and names what
 * is wrong. They never report: a finding is always check.c's. */
#ifndef SS_CHECK_FAST_H
#define SS_CHECK_FAST_H

#include "internal.h"

#if SS_CHECK
/* Is `user` the USER pointer of a live tiny block with an intact header? Fills
 * *loc when it is; false means "take the full check", not "bad". */
static inline __attribute__((always_inline)) bool ss_fast_live(void *user, struct ss_loc *loc) {
    if (ss_unlikely(ss_registry_kind(user) != SS_REGION_TINY)) return false;
    struct ss_slab *slab = ss_slab_of_base(ss_base_from_user(user));
    unsigned cls = (unsigned)ss_slab_class(slab);
    /* unbound (or the metadata slab) is -1; an unsigned test that also tells the compiler cls < 8 */
    if (ss_unlikely(cls >= SS_NUM_CLASSES)) return false;
    uint32_t slot = ss_slot_of(cls, user);
    if (ss_unlikely(ss_offset_in_block(cls, (uintptr_t)user & (SS_SLAB_SIZE - 1)) != SS_USER_OFFSET))
        return false;
    /* a slot not yet carved holds no block (and no word to go by; a set live bit would say it was) */
    if (ss_class_has_check_word(cls) &&
        ss_unlikely(slot >= atomic_load_explicit(&slab->carved, memory_order_relaxed)))
        return false;
    if (ss_unlikely(!ss_block_live(slab, cls, slot, ss_base_from_user(user)))) return false;
    /* the slot check above puts the header inside the block: safe to read */
    if (ss_unlikely(ss_tag_before_user(user) != ss_header_encode(cls))) return false;
    loc->kind = SS_PTR_USER;
    loc->slab = slab;
    loc->cls = cls;
    loc->slot = slot;
    loc->base = ss_base_from_user(user);
    return true;
}

/* The test behind ss_fast_link, for every list: `same_slab` (when not NULL) is the slab the
 * link must stay in; `settled`: false on a remote chain, whose live marks the drain has not
 * settled yet (they are not tested). Where the class has a check word, next's own word is
 * tested when next is taken (a matching word says it is free, and its link intact), so its
 * liveness is not asked here: a word that fails is then blamed on the block that holds it. */
static inline __attribute__((always_inline)) bool ss_fast_link_in(unsigned cls, void *base, void *next,
                                                                  const struct ss_slab *same_slab, bool settled) {
    if (ss_class_has_check_word(cls) && ss_unlikely(!ss_check_word_ok(base, next, _ss_g.check_key))) return false;
    if (!next) return true;
    const struct ss_slab *slab = ss_slab_of_base(next); /* arithmetic only: nothing read yet */
    if (same_slab) {
        if (slab != same_slab) return false; /* and when it is, its superslab is ours */
    } else if (ss_unlikely(ss_registry_kind(next) != SS_REGION_TINY)) {
        /* the registry says whether next's superslab is ours before its metadata is read;
         * asked every time, as a link into another superslab is common once blocks move
         * between threads, and a branch on "same superslab?" would be a coin toss */
        return false;
    }
    /* the metadata slab serves no class: the class test rules it out */
    if (ss_unlikely(ss_slab_class(slab) != (int)cls)) return false;
    uint32_t slot = ss_slot_of(cls, next);
    return ss_offset_in_block(cls, (uintptr_t)next & (SS_SLAB_SIZE - 1)) == 0 &&
           slot < atomic_load_explicit(&slab->carved, memory_order_relaxed) && (!settled || ss_class_has_check_word(cls) || !ss_block_live(slab, cls, slot, next));
}

/* Is `next`, the link of the cached free block `base` of class cls, a link
 * _ss_check_link would accept, shown cheaply? True for NULL and for a free
 * block of one of our slabs that serves the same class. */
static inline __attribute__((always_inline)) bool ss_fast_link(unsigned cls, void *base, void *next) {
    /* A matching check word says the link is the value ss_link wrote (a changed link, or a
     * link and word moved to another block, fail it), and a cache link is only ever written
     * as NULL or as a block that passed the free or refill checks: nothing is left to test
     * but the sentinel, the one value ss_link writes that is no block. Slab freelists and
     * remote chains (walked on slow paths) keep the full test. */
    if (ss_class_has_check_word(cls))
        return ss_check_word_ok(base, next, _ss_g.check_key) && (uintptr_t)next != SLABSCOPE_REMOTE_SENTINEL;
    return ss_fast_link_in(cls, base, next, NULL, true);
}
#endif

#endif
