/* unit_layout.c — the layout module: classes, strides, BASE/USER, header, next offsets. */
#include "unit.h"
#include "internal.h"

int main(void) {
    for (unsigned cls = 0; cls < SS_NUM_CLASSES; cls++) {
        EXPECT_EQ(ss_class_block(cls), 8u << cls);
        EXPECT(ss_payload(cls) >= sizeof(void *) - (SS_PREFIX ? 0 : 1));
        EXPECT_EQ(ss_stride(cls) % (SS_USER_ALIGN > 1 ? 16 : 1), 0);
        /* the link fits inside the block */
        EXPECT(ss_next_offset(cls) + sizeof(void *) <= ss_stride(cls));
        /* classes map back: the largest payload of a class lands in it */
        EXPECT_EQ(ss_class_of_size(ss_payload(cls)), cls);
        if (cls > 0) EXPECT_EQ(ss_class_of_size(ss_payload(cls - 1) + 1), cls);
        EXPECT_EQ(ss_header_class(ss_header_encode(cls)), (int)cls);
        int exact = 1; /* the reciprocal slot index equals the division for every offset */
        for (size_t offset = 0; offset < SS_SLAB_SIZE; offset++)
            exact &= ss_slot_index(cls, offset) == offset / ss_stride(cls);
        EXPECT(exact);
        if (ss_class_has_check_word(cls)) { /* the word has room beside the link and the header, aligned */
            size_t word = SS_CHECK_WORD_OFFSET, link = ss_next_offset(cls);
            EXPECT(word + 8 <= ss_stride(cls));
            EXPECT(word + 8 <= link || link + sizeof(void *) <= word);
            EXPECT(SS_HEADER_OFFSET < word || SS_HEADER_OFFSET >= word + 8);
            EXPECT_EQ((ss_stride(cls) | word) % 8, 0);
        }
    }
    /* the classes without a word are the ones with no room for it */
    EXPECT(!ss_class_has_check_word(0) == (SS_CHECK_WORD_OFFSET + 8 > ss_stride(0)));
    EXPECT_EQ(ss_class_of_size(0), 0);
    EXPECT_EQ(ss_class_of_size(SS_TINY_MAX), 7);
    EXPECT_EQ(ss_header_class(SS_TAG_MID), -1);
    EXPECT_EQ(ss_header_class(SS_TAG_LARGE), -1);
    EXPECT_EQ(ss_header_class(0x00), -1);

    char block[64 + 16] __attribute__((aligned(16)));
    void *base = block;
    void *user = ss_user_from_base(base);
    EXPECT_EQ((char *)user - (char *)base, SS_USER_OFFSET);
    EXPECT(ss_base_from_user(user) == base);
    ss_header_write(base, 3);
    EXPECT_EQ(ss_tag_before_user(user), 0xA3);
    ss_next_write(3, base, (void *)0x1234567);
    EXPECT(ss_next_read(3, base) == (void *)0x1234567);
#if defined(SS_LAYOUT_HAKMEM)
    EXPECT_EQ(SS_USER_OFFSET, 1);
    EXPECT_EQ(ss_next_offset(0), 0);
    EXPECT_EQ(ss_next_offset(7), 0);
    for (unsigned cls = 1; cls <= 6; cls++) EXPECT_EQ(ss_next_offset(cls), 1);
    EXPECT(ss_next_covers_header(0) && ss_next_covers_header(7) && !ss_next_covers_header(3));
    EXPECT_EQ(ss_tag_before_user(user), 0xA3); /* offset 1 leaves the header alone */
    EXPECT_EQ(ss_class_of_size(7), 0);
    EXPECT_EQ(ss_class_of_size(8), 1);
    EXPECT_EQ(SS_TINY_MAX, 1023);
#else
    EXPECT_EQ(SS_USER_OFFSET, 16);
    EXPECT_EQ(((uintptr_t)user) % 16, 0);
    for (unsigned cls = 0; cls < SS_NUM_CLASSES; cls++) {
        EXPECT_EQ(ss_next_offset(cls), 16);
        EXPECT(!ss_next_covers_header(cls));
    }
    EXPECT_EQ(ss_class_of_size(8), 0);
    EXPECT_EQ(ss_class_of_size(9), 1);
    EXPECT_EQ(SS_TINY_MAX, 1024);
    ss_check_word_write(base, (void *)0x1234567, 42);
    EXPECT(ss_check_word_ok(base, (void *)0x1234567, 42));
    EXPECT(!ss_check_word_ok(base, (void *)0x1234568, 42));
#endif
    return unit_done("layout " SS_LAYOUT_NAME);
}
