/* crash.c — on SIGSEGV, SIGBUS, SIGABRT and SIGILL: write what the rings
 * hold and a crash record, with async-signal-safe calls only, then let the
 * signal do what it would have done. */
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include "trace.h"

bool _ssp_writer_try_lock(int spins);
bool _ssp_write_frame(uint16_t kind, uint32_t thread, const void *payload, size_t length);

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL};
static struct sigaction previous[sizeof crash_signals / sizeof *crash_signals];

static void on_crash(int signal, siginfo_t *info, void *context) {
    if (!atomic_exchange(&_ssp.crashed, 1) && _ssp.fd >= 0) {
        bool locked = _ssp_writer_try_lock(200); /* the exporter finishes its frame first */
        uint64_t flushed = _ssp_flush_rings(true);
        struct ssp_crash_record crash = {0};
        crash.signal = (uint32_t)signal;
        crash.thread = _ssp_thread.ring ? _ssp_thread.ring->thread : 0;
        crash.fault_address = (uint64_t)(uintptr_t)info->si_addr;
        crash.pc = (uint64_t)((ucontext_t *)context)->uc_mcontext.gregs[REG_RIP];
        crash.timestamp = _ssp_now_ns();
        crash.events_flushed = flushed;
        crash.call_pc = (uint64_t)(uintptr_t)_ssp_thread.call_pc;
        _ssp_write_frame(SSP_FRAME_CRASH, crash.thread, &crash, sizeof crash);
        atomic_store(&_ssp_active, 0);
        (void)locked;
    }
    /* the previous disposition, and the signal again as it came */
    for (size_t i = 0; i < sizeof crash_signals / sizeof *crash_signals; i++)
        if (crash_signals[i] == signal) sigaction(signal, &previous[i], NULL);
    if (signal == SIGABRT || info->si_code <= 0) raise(signal);
    /* a fault re-executes the instruction on return and faults again, now without us */
}

void _ssp_install_crash_handlers(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_crash;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof crash_signals / sizeof *crash_signals; i++)
        sigaction(crash_signals[i], &action, &previous[i]);
}
