/* discard_reader SOCKET — a viewer that reads a trace stream and throws it
 * away, counting events and the events lost records say were dropped; prints
 * `events=N lost=L bytes=M seconds=S` at end of stream. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    int server = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    unlink(argv[1]);
    if (bind(server, (struct sockaddr *)&address, sizeof address) || listen(server, 1)) return 1;
    printf("listening\n");
    fflush(stdout);
    int fd = accept(server, NULL, NULL);
    static unsigned char buffer[1 << 16];
    uint64_t bytes = 0, events = 0, lost = 0, skip = 0;
    size_t have = 0;
    double start = 0;
    int in_handshake = 1;
    for (;;) {
        ssize_t got = read(fd, buffer + have, sizeof buffer - have);
        if (got <= 0) break;
        if (!start) start = now();
        bytes += (uint64_t)got;
        have += (size_t)got;
        size_t at = 0;
        for (;;) {
            if (skip) { /* payload bytes stream past without being kept */
                size_t n = have - at < skip ? have - at : (size_t)skip;
                at += n;
                skip -= n;
                if (skip) break;
            }
            if (in_handshake) {
                if (have - at < 16) break;
                uint32_t length;
                memcpy(&length, buffer + at + 12, 4);
                skip = length;
                in_handshake = 0;
                continue;
            }
            if (have - at < 24) break;
            uint16_t kind;
            uint32_t length, count;
            memcpy(&kind, buffer + at, 2);
            memcpy(&length, buffer + at + 4, 4);
            memcpy(&count, buffer + at + 12, 4);
            if (kind == 2 && length >= 8) { /* a lost record: its first field is the count */
                if (have - at < 24 + 8) break;
                uint64_t dropped;
                memcpy(&dropped, buffer + at + 24, 8);
                lost += dropped;
            }
            if (kind == 1) events += count;
            at += 24;
            skip = length;
        }
        memmove(buffer, buffer + at, have - at);
        have -= at;
    }
    printf("events=%llu lost=%llu bytes=%llu seconds=%.6f\n", (unsigned long long)events, (unsigned long long)lost,
           (unsigned long long)bytes,
           start ? now() - start : 0.0);
    return 0;
}
