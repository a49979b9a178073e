/* trace.h — what the trace runtime's files share (rings, options, output). */
#ifndef SSP_TRACE_H
#define SSP_TRACE_H

#include <stdbool.h>
#include "slabscope_probe.h"

#define SSP_LOST_MARK 0xFFFFu /* a ring entry that stands for dropped events: value = count, base = first seq */

/* Frame kinds (PROTOCOL.md §2). */
enum { SSP_FRAME_EVENTS = 1, SSP_FRAME_LOST = 2, SSP_FRAME_CRASH = 3, SSP_FRAME_SLAB_BYTES = 4, SSP_FRAME_END = 5, SSP_FRAME_SYNC = 6,
       SSP_FRAME_EXEC = 7 };
#define SSP_FRAME_FLAG_SNAPSHOT 1u

struct ssp_frame_header {
    uint16_t kind;
    uint16_t flags;
    uint32_t length;
    uint32_t thread;
    uint32_t count;
    uint64_t first_seq;
};
_Static_assert(sizeof(struct ssp_frame_header) == 24, "frame header is 24 bytes");

struct ssp_lost_record {
    uint64_t count, first_seq, last_seq, timestamp;
};
struct ssp_crash_record {
    uint32_t signal, thread;
    uint64_t fault_address, pc, timestamp, events_flushed;
    uint64_t call_pc; /* the public call in progress on the crashing thread, 0 when none */
};

/* The end frame's record (PROTOCOL §5): how the process ended. */
enum { SSP_END_FINISH = 0, SSP_END_UNDERSCORE_EXIT = 1, SSP_END_LAST_THREAD = 2, SSP_END_EXIT_GROUP = 3,
       SSP_END_QUICK_EXIT = 4 };
struct ssp_end_record {
    int32_t status; /* the exit status; 0 for SSP_END_FINISH, which does not know it */
    uint32_t cause;
};

struct ssp_options {
    bool lossless;
    uint32_t ring_events; /* power of two */
    uint32_t stack_depth;
    uint64_t stall_ns;    /* a viewer that reads nothing for this long is given up (0: never) */
};

struct ssp_runtime {
    /* on cache lines of its own: the exporter writes `writer` every round, and a
     * producer's event must not pay for it through a neighbour it reads */
    _Alignas(64) struct ssp_options options;
    const struct ssp_config *config;
    int fd;                           /* the socket or file; -1 when not tracing */
    int pid;                          /* the process that opened it: a vfork child shares all this, and is not it */
    bool fd_is_socket;                /* sends use MSG_NOSIGNAL: a viewer that left must not kill us */
    _Atomic(struct ssp_ring *) rings; /* every ring ever made (rings are never freed) */
    _Atomic uint32_t next_thread;
    _Atomic int writer;               /* held while a frame is being written */
    _Atomic int stop;
    _Atomic int crashed;
    _Atomic int paused;    /* the viewer asked to pause: nothing is produced until it resumes */
    _Atomic int viewer_given_up; /* it read nothing for SLABSCOPE_STALL_MS: every write fails at once */
};
extern struct ssp_runtime _ssp;

uint64_t _ssp_now_ns(void);
bool _ssp_write_all(int fd, const void *bytes, size_t length);
/* Exporter: writes what each ring holds; returns events written. Caller holds `writer`. */
uint64_t _ssp_flush_rings(bool signal_context);
/* On the exporter thread only: sends its own full ring (a snapshot it takes) and says so; false elsewhere. */
bool _ssp_flush_own_ring(struct ssp_ring *ring);
int _ssp_open_output(void);
bool _ssp_write_handshake(int fd);
void _ssp_install_crash_handlers(void);
int _ssp_start_exporter(void);
/* Around an exec (exec.c): everything delivered and an exec frame written, the writer held
 * so no frame starts that the exec would cut; returns whether it is held. After an exec
 * that failed, _ssp_exec_failed lets the stream go on. */
bool _ssp_exec_begin(void);
void _ssp_exec_failed(bool held);
extern const int _ssp_exec_interposed;
/* Ends the stream as the process leaves: every event delivered, then the end frame (exporter.c). */
void _ssp_end_stream(struct ssp_end_record end);
/* exit.c: finds the functions its wrappers call (ssp_start calls it, so a static link of
 * the runtime brings the wrappers too); how the process is leaving, for ssp_finish */
void _ssp_exit_watch(void);
struct ssp_end_record _ssp_exit_noted(void);
/* For the exporter: whether it is the last live thread, and then the exit the C library would make. */
bool _ssp_exit_only_exporter_left(void);
_Noreturn void _ssp_exit_last_thread(void);

#endif
