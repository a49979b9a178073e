/* exporter.c — the one thread that drains every ring into frames, and the
 * final flush at exit. The same flush runs in a crash handler, so it uses
 * only async-signal-safe calls (writev, sendmsg) and no allocation. */
#include <errno.h>
#include <string.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "trace.h"

static pthread_t exporter;
/* On the thread that holds the writer, or ends the stream: a signal handler that exits
 * there must not wait for the thread it interrupted. */
static __thread bool writer_held_here, ending_here;

/* A viewer that took nothing for SLABSCOPE_STALL_MS is given up: the program must not
 * hang on it (at exit, in a crash, or in lossless mode), and says so. */
static bool viewer_stalled(uint64_t *waiting_since) {
    if (atomic_load(&_ssp.viewer_given_up)) return true;
    uint64_t now = _ssp_now_ns();
    if (!*waiting_since) *waiting_since = now;
    if (!_ssp.options.stall_ns || now - *waiting_since < _ssp.options.stall_ns) return false;
    if (atomic_exchange(&_ssp.viewer_given_up, 1)) return true;
    /* the message by hand: this may run in the crash handler, where snprintf may not */
    char text[160] = "slabscope: the viewer has read nothing for ";
    size_t length = strlen(text);
    char digits[24];
    int n = 0;
    for (uint64_t ms = _ssp.options.stall_ns / 1000000u; n == 0 || ms; ms /= 10) digits[n++] = (char)('0' + ms % 10);
    while (n) text[length++] = digits[--n];
    static const char rest[] = " ms (SLABSCOPE_STALL_MS); tracing stops, the program goes on\n";
    memcpy(text + length, rest, sizeof rest - 1);
    ssize_t ignored = write(2, text, length + sizeof rest - 1);
    (void)ignored;
    return true;
}

/* Writes the iovecs whole (a socket or a file may take part of them per call). */
static bool write_all_iov(int fd, struct iovec *iov, int count) {
    uint64_t waiting_since = 0;
    while (count) {
        struct msghdr message = {.msg_iov = iov, .msg_iovlen = (size_t)count};
        ssize_t wrote = _ssp.fd_is_socket ? sendmsg(fd, &message, MSG_NOSIGNAL) : writev(fd, iov, count);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) { /* the send timeout (transport.c) */
            if (viewer_stalled(&waiting_since)) return false;
            continue;
        }
        if (wrote <= 0) return false;
        waiting_since = 0;
        size_t left = (size_t)wrote;
        while (count && left >= iov->iov_len) { /* the pieces written whole */
            left -= iov->iov_len;
            iov++;
            count--;
        }
        if (count) { /* and part of the next */
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return true;
}

bool _ssp_write_all(int fd, const void *bytes, size_t length) {
    struct iovec iov = {(void *)bytes, length};
    return write_all_iov(fd, &iov, 1);
}

/* The viewer went away or the disk is full: tracing stops, the program goes on. */
static void output_failed(void) {
    atomic_store(&_ssp_active, 0);
}

/* One frame, header and payload (in up to two pieces) in one call. */
static bool write_frame(uint16_t kind, uint32_t thread, uint32_t count, uint64_t first_seq, const void *payload,
                        size_t length, const void *payload2, size_t length2) {
    struct ssp_frame_header header = {kind, 0, (uint32_t)(length + length2), thread, count, first_seq};
    struct iovec iov[3] = {{&header, sizeof header}, {(void *)payload, length}, {(void *)payload2, length2}};
    return write_all_iov(_ssp.fd, iov, length2 ? 3 : length ? 2 : 1);
}

/* Events per frame at most: a viewer decodes a frame once it has all of it. */
enum { FRAME_EVENTS = 2048 };

/* Writes the entries of one ring stamped at or before `horizon` (ns) as
 * event frames and lost frames. Ring slots are wire-ready: a frame's payload is
 * the ring's own memory, sent without a copy. */
static uint64_t flush_ring(struct ssp_ring *ring, uint64_t horizon) {
    uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
    if (horizon != UINT64_MAX) { /* a thread's stamps only grow: the first past the horizon, by bisection */
        uint64_t low = tail, high = head;
        while (low < high) {
            uint64_t middle = low + (high - low) / 2;
            if (ring->events[middle & ring->mask].timestamp <= horizon) low = middle + 1;
            else high = middle;
        }
        head = low;
    }
    uint64_t written = 0;
    while (tail != head) {
        /* a run of plain events, stopping at a lost mark, the ring's wrap or a full frame */
        uint64_t run = tail;
        while (run != head && run - tail < FRAME_EVENTS && ring->events[run & ring->mask].kind != SSP_LOST_MARK &&
               (run == tail || (run & ring->mask) != 0))
            run++;
        bool wrote;
        if (run == tail) { /* a lost mark */
            struct ssp_event *mark = &ring->events[tail & ring->mask];
            struct ssp_lost_record lost = {mark->value, mark->base, mark->base + mark->value - 1, mark->timestamp};
            wrote = write_frame(SSP_FRAME_LOST, ring->thread, 1, mark->base, &lost, sizeof lost, NULL, 0);
            run = tail + 1;
        } else {
            struct ssp_event *first = &ring->events[tail & ring->mask];
            size_t count = (size_t)(run - tail);
            wrote = write_frame(SSP_FRAME_EVENTS, ring->thread, (uint32_t)count, first->seq, first,
                                count * sizeof *first, NULL, 0);
            if (wrote) written += count;
        }
        if (!wrote) {
            output_failed();
            return written;
        }
        tail = run;
        atomic_store_explicit(&ring->tail, tail, memory_order_release);
    }
    return written;
}

/* A finished thread's ring, once drained, can serve a new thread. */
static void release_if_drained(struct ssp_ring *ring) {
    if (atomic_load_explicit(&ring->closed, memory_order_acquire) == 1 &&
        atomic_load(&ring->tail) == atomic_load(&ring->head))
        atomic_store_explicit(&ring->closed, 2, memory_order_release);
}

uint64_t _ssp_flush_rings(bool signal_context) {
    uint64_t written = 0;
    if (_ssp.fd < 0) return 0;
    for (struct ssp_ring *ring = atomic_load(&_ssp.rings); ring; ring = ring->next) {
        if (!atomic_load_explicit(&_ssp_active, memory_order_relaxed) && !signal_context) break;
        written += flush_ring(ring, UINT64_MAX);
        release_if_drained(ring);
    }
    return written;
}

static void writer_lock(void);
static void writer_unlock(void);

/* A lossless ring waits for the exporter to drain it; the exporter's own ring (the events of a
 * snapshot it takes) would wait for ever, so it sends them itself. No sync frame: the other rings'
 * older events may still be unsent, and a viewer merges by time only up to a sync. */
bool _ssp_flush_own_ring(struct ssp_ring *ring) {
    if (!pthread_equal(pthread_self(), exporter)) return false;
    bool held = writer_held_here;
    if (!held) writer_lock();
    flush_ring(ring, UINT64_MAX);
    if (!held) writer_unlock();
    return true;
}

static void writer_lock(void) {
    int expected = 0;
    while (!atomic_compare_exchange_weak(&_ssp.writer, &expected, 1)) {
        expected = 0;
        sched_yield();
    }
    writer_held_here = true;
}
static void writer_unlock(void) {
    writer_held_here = false;
    atomic_store(&_ssp.writer, 0);
}

/* The snapshot runs on the exporter thread, whose own events are otherwise off. */
static void take_snapshot(void) {
    if (!_ssp.config || !_ssp.config->snapshot) return;
    _ssp_thread.busy = 0;
    _ssp.config->snapshot();
    _ssp_thread.busy = 1;
}

static void send_slab_bytes(uint64_t address) {
    size_t length = 0;
    const void *start = _ssp.config && _ssp.config->slab_span ? _ssp.config->slab_span(address, &length) : NULL;
    uint64_t start_address = (uint64_t)(uintptr_t)start;
    writer_lock();
    if (!write_frame(SSP_FRAME_SLAB_BYTES, 0, start ? 1 : 0, address, &start_address, sizeof start_address,
                     start, start ? length : 0))
        output_failed();
    writer_unlock();
}

/* Commands the viewer sent, 16 bytes each; a partial one waits for the rest. */
static void read_commands(void) {
    static unsigned char pending[16];
    static size_t have;
    for (;;) {
        ssize_t got = recv(_ssp.fd, pending + have, sizeof pending - have, MSG_DONTWAIT);
        if (got == 0) { /* the viewer closed its end: nothing more to send to */
            output_failed();
            return;
        }
        if (got < 0) return;
        have += (size_t)got;
        if (have < sizeof pending) continue;
        have = 0;
        uint32_t command;
        uint64_t argument;
        memcpy(&command, pending, 4);
        memcpy(&argument, pending + 8, 8);
        switch (command) {
        case SSP_CMD_PAUSE:
            atomic_store(&_ssp.paused, 1);
            atomic_store(&_ssp_active, 0);
            break;
        case SSP_CMD_RESUME:
            if (atomic_exchange(&_ssp.paused, 0)) {
                atomic_store(&_ssp_active, 1);
                take_snapshot(); /* what changed while paused */
            }
            break;
        case SSP_CMD_SNAPSHOT:
            take_snapshot();
            break;
        case SSP_CMD_SLAB_BYTES:
            send_slab_bytes(argument);
            break;
        default:
            break; /* unknown commands are ignored, as the protocol says */
        }
    }
}

/* Flushes the rings in rounds that end at one time horizon for all of them,
 * each followed by a sync frame at the horizon (PROTOCOL §2): a viewer merging
 * the threads by time then waits for at most one round. The horizon is the
 * earliest time any ring reaches within ROUND events, so no ring sends much
 * more than ROUND events per round. */
enum { ROUND = 16384, MAX_ROUNDS = 16 };
static uint64_t flush_in_rounds(void) {
    uint64_t total = 0;
    for (int round = 0; round < MAX_ROUNDS && atomic_load_explicit(&_ssp_active, memory_order_relaxed); round++) {
        uint64_t horizon = UINT64_MAX, written = 0;
        for (struct ssp_ring *ring = atomic_load(&_ssp.rings); ring; ring = ring->next) {
            uint64_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
            uint64_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
            if (tail == head) continue;
            uint64_t last = tail + (head - tail < ROUND ? head - tail : ROUND) - 1;
            if (ring->events[last & ring->mask].timestamp < horizon) horizon = ring->events[last & ring->mask].timestamp;
        }
        if (horizon == UINT64_MAX) break;
        for (struct ssp_ring *ring = atomic_load(&_ssp.rings); ring; ring = ring->next) {
            written += flush_ring(ring, horizon);
            release_if_drained(ring);
        }
        total += written;
        if (atomic_load_explicit(&_ssp_active, memory_order_relaxed))
            write_frame(SSP_FRAME_SYNC, 0, 0, horizon + 1, NULL, 0, NULL, 0);
    }
    return total;
}

static void *exporter_main(void *arg) {
    (void)arg;
    _ssp_thread.busy = 1; /* the exporter's own allocations are not traced */
    /* the program's signals go to the program's threads: a handler run here (one that execs,
     * say) would wait for the writer this thread may hold; faults of its own still arrive */
    static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    sigset_t blocked;
    sigfillset(&blocked);
    for (size_t i = 0; i < sizeof faults / sizeof *faults; i++) sigdelset(&blocked, faults[i]);
    pthread_sigmask(SIG_BLOCK, &blocked, NULL);
    struct timespec idle = {0, 200000};
    uint64_t idle_rounds = 0;
    /* ssp_start turns tracing on once this thread exists */
    while (!atomic_load(&_ssp_active) && !atomic_load(&_ssp.stop)) nanosleep(&idle, NULL);
    while (!atomic_load(&_ssp.stop) && (atomic_load(&_ssp_active) || atomic_load(&_ssp.paused))) {
        if (_ssp.fd_is_socket) read_commands();
        writer_lock();
        uint64_t written = flush_in_rounds();
        writer_unlock();
        if (written) continue;
        /* every 64 idle rounds (13 ms or more): did the program's last thread end? */
        if (++idle_rounds % 64 == 0 && _ssp_exit_only_exporter_left()) {
            _ssp_thread.busy = 0; /* the frees of exit handlers and destructors are the program's */
            _ssp_exit_last_thread();
        }
        nanosleep(&idle, NULL);
    }
    return NULL;
}

int _ssp_start_exporter(void) { return pthread_create(&exporter, NULL, exporter_main, NULL); }

void ssp_finish(void) { _ssp_end_stream(_ssp_exit_noted()); }

void _ssp_end_stream(struct ssp_end_record end) {
    /* a forked child stopped tracing; a vfork child shares our memory and socket but is not us;
     * after a crash its record ends the stream, and the crash handler keeps the writer */
    if (_ssp.fd < 0 || getpid() != _ssp.pid || atomic_load(&_ssp.crashed)) return;
    if (atomic_exchange(&_ssp.stop, 1)) {
        /* another thread is ending it (exit and _exit at once): the process leaves after its last frame */
        struct timespec pause = {0, 1000000};
        for (int waited = 0; !ending_here && _ssp.fd >= 0 && waited < 2000; waited++) nanosleep(&pause, NULL);
        return;
    }
    ending_here = true;
    if (!pthread_equal(pthread_self(), exporter)) pthread_join(exporter, NULL);
    if (writer_held_here) return; /* a handler exiting amid a frame of this thread's: adding to it would garble it */
    writer_lock();
    /* drain first: closing this thread's ring may need room for its last lost record */
    while (atomic_load(&_ssp_active) && flush_in_rounds()) continue;
    ssp_thread_exit();
    while (atomic_load(&_ssp_active) && flush_in_rounds()) continue;
    if (atomic_load(&_ssp_active) || atomic_load(&_ssp.paused)) {
        struct ssp_ring *ring = _ssp_thread.ring;
        write_frame(SSP_FRAME_END, ring ? ring->thread : 0, 1, 0, &end, sizeof end, NULL, 0);
    }
    atomic_store(&_ssp_active, 0);
    close(_ssp.fd);
    _ssp.fd = -1;
    writer_unlock();
}

bool _ssp_exec_begin(void) {
    /* a forked child stopped tracing; a vfork child shares our memory and socket but is not us */
    if (_ssp.fd < 0 || atomic_load(&_ssp.stop) || getpid() != _ssp.pid) return false;
    writer_lock(); /* the frame being written, if any, ends first */
    if (atomic_load(&_ssp_active)) _ssp_flush_rings(false);
    if (atomic_load(&_ssp_active) || atomic_load(&_ssp.paused)) {
        struct ssp_ring *ring = _ssp_thread.ring;
        if (!write_frame(SSP_FRAME_EXEC, ring ? ring->thread : 0, 0, _ssp_now_ns(), NULL, 0, NULL, 0)) output_failed();
    }
    return true;
}

void _ssp_exec_failed(bool held) {
    if (held) writer_unlock();
}

/* For the crash handler: frames already being written finish first, if they can. */
bool _ssp_writer_try_lock(int spins) {
    for (int i = 0; i < spins; i++) {
        int expected = 0;
        if (atomic_compare_exchange_weak(&_ssp.writer, &expected, 1)) return writer_held_here = true;
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    return false;
}
bool _ssp_write_frame(uint16_t kind, uint32_t thread, const void *payload, size_t length) {
    return write_frame(kind, thread, 1, 0, payload, length, NULL, 0);
}
