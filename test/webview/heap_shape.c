/* heap_shape.c — a heap of several superslabs for the map's label tests: one
 * superslab filled with 1000-byte blocks, then classes of 200, 100 and 24 bytes
 * side by side, a third of the 200s freed and a run of 24s freed whole. */
#include <stdlib.h>

enum { BIG = 1984, MID = 8000, SMALL = 20000, TINY = 60000 };
static void *big[BIG], *mid[MID], *small[SMALL], *tiny[TINY];

int main(void) {
    for (int i = 0; i < BIG; i++) big[i] = malloc(1000);
    for (int i = 0; i < MID; i++) mid[i] = malloc(200);
    for (int i = 0; i < SMALL; i++) small[i] = malloc(100);
    for (int i = 0; i < TINY; i++) tiny[i] = malloc(24);
    for (int i = 0; i < MID; i += 3) free(mid[i]);
    for (int i = TINY / 2; i < TINY; i++) free(tiny[i]);
    return 0;
}
