/* unit.h — a minimal harness for the allocator's C unit tests: EXPECT records
 * a failure with file:line and carries on; the program's exit status says. */
#ifndef SS_UNIT_H
#define SS_UNIT_H
#include <stdio.h>
#include <stdlib.h>

static int unit_failures, unit_checks;
#define EXPECT(cond)                                                                           \
    do {                                                                                       \
        unit_checks++;                                                                         \
        if (!(cond)) {                                                                         \
            unit_failures++;                                                                   \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);                \
        }                                                                                      \
    } while (0)
#define EXPECT_EQ(a, b)                                                                        \
    do {                                                                                       \
        unit_checks++;                                                                         \
        long long unit_a = (long long)(a), unit_b = (long long)(b);                            \
        if (unit_a != unit_b) {                                                                \
            unit_failures++;                                                                   \
            fprintf(stderr, "%s:%d: expected %s == %s, got %lld and %lld\n", __FILE__, __LINE__, \
                    #a, #b, unit_a, unit_b);                                                   \
        }                                                                                      \
    } while (0)
static int unit_done(const char *name) {
    printf("%s: %s %d checks, %d failed\n", name, unit_failures ? "FAIL" : "ok", unit_checks, unit_failures);
    return unit_failures ? 1 : 0;
}
#endif
