/* socket_ceiling SOCKET SECONDS — the transport's peer in bench:trace: a sender
 * that does nothing but write event frames (PROTOCOL.md §2, full frames of
 * zeroed 48-byte events, from memory that stays in cache) to a reader on a Unix
 * socket for SECONDS. What the reader then counts per second is the most any
 * traced program could deliver through that socket on this machine. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include "bench_common.h"
#include "trace.h" /* the wire's frame header, kinds and event record */

enum { FRAME_EVENTS = 2048, HANDSHAKE_BYTES = 64 };

static int write_all(int fd, struct iovec *iov, int count) {
    while (count) {
        ssize_t wrote = writev(fd, iov, count);
        if (wrote <= 0) return 0;
        for (size_t left = (size_t)wrote; count && left;) {
            size_t part = left < iov->iov_len ? left : iov->iov_len;
            iov->iov_base = (char *)iov->iov_base + part;
            iov->iov_len -= part;
            left -= part;
            if (!iov->iov_len) iov++, count--;
        }
    }
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: socket_ceiling SOCKET SECONDS\n");
        return 2;
    }
    double seconds = atof(argv[2]);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strncpy(address.sun_path, argv[1], sizeof address.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&address, sizeof address)) {
        perror("socket_ceiling: connect");
        return 1;
    }
    /* a handshake with no strings: magic, wire version, header size, total length */
    unsigned char handshake[HANDSHAKE_BYTES] = "SLABSCP";
    uint16_t version = SSP_WIRE_VERSION, header_size = HANDSHAKE_BYTES;
    uint32_t total = HANDSHAKE_BYTES;
    memcpy(handshake + 8, &version, 2);
    memcpy(handshake + 10, &header_size, 2);
    memcpy(handshake + 12, &total, 4);
    struct iovec first = {handshake, sizeof handshake};
    if (!write_all(fd, &first, 1)) return 1;
    static struct ssp_event events[FRAME_EVENTS];
    uint64_t sequence = 0;
    double start = bench_seconds();
    for (unsigned frames = 0;; frames++) {
        if (frames % 64 == 0 && bench_seconds() - start >= seconds) break;
        struct ssp_frame_header header = {SSP_FRAME_EVENTS, 0, sizeof events, 1, FRAME_EVENTS, sequence};
        struct iovec iov[2] = {{&header, sizeof header}, {events, sizeof events}};
        if (!write_all(fd, iov, 2)) return 1;
        sequence += FRAME_EVENTS;
    }
    struct ssp_frame_header end = {SSP_FRAME_END, 0, 0, 0, 0, 0};
    struct iovec last = {&end, sizeof end};
    return write_all(fd, &last, 1) ? 0 : 1;
}
