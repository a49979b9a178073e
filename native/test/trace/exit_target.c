/* exit_target MODE — a traced program that leaves without exit(), while a second thread
 * keeps the exporter busy (its blocks are 1000 bytes; the main thread's smaller). Each
 * mode makes COUNT malloc/free pairs on the main thread (MAIN_LAST and VFORK twice
 * that), then:
 *   _exit        _exit(0)
 *   _Exit        _Exit(3)
 *   exit_group   syscall(SYS_exit_group, 4)
 *   quick_exit   quick_exit(5), whose handler makes one more pair
 *   main_last    the second thread makes COUNT pairs and ends, then the main thread
 *                pthread_exits, the last of the program's threads (exit status 0)
 *   worker_last  the main thread pthread_exits first; the second thread makes COUNT
 *                pairs a little later and ends last
 *   vfork        a vfork child that calls _exit(7) at once; then COUNT more pairs, _exit(0)
 *   segv         a write through a null pointer, whose SIGSEGV handler (the program's, in
 *                place of the trace runtime's) calls _exit(9)
 * Prints `main_mallocs=N` first (the main thread's pairs). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { COUNT = 20000, CHURN = 100000 };
static atomic_int stop;

static long pairs(long count) {
    for (long i = 0; i < count; i++) free(malloc(16 + (size_t)(i % 200)));
    return count;
}

/* Allocates without pause (up to CHURN times): events keep flowing while main leaves. */
static void *churn(void *arg) {
    (void)arg;
    for (int i = 0; i < CHURN && !atomic_load(&stop); i++) free(malloc(1000));
    return NULL;
}

static void *worker(void *arg) {
    if (arg) { /* after main has gone */
        struct timespec pause = {0, 100000000};
        nanosleep(&pause, NULL);
    }
    pairs(COUNT);
    return NULL;
}

static void say_mallocs(long count) {
    char line[64];
    int length = snprintf(line, sizeof line, "main_mallocs=%ld\n", count);
    ssize_t ignored = write(1, line, (size_t)length); /* unbuffered: none of these ways out flushes stdio */
    (void)ignored;
}

static void one_more_pair(void) { free(malloc(48)); }

static void exit_on_fault(int signal) {
    (void)signal;
    _exit(9);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    pthread_t thread;
    if (!strcmp(mode, "main_last") || !strcmp(mode, "worker_last")) {
        bool worker_last = !strcmp(mode, "worker_last");
        pthread_create(&thread, NULL, worker, worker_last ? (void *)1 : NULL);
        if (!worker_last) pthread_join(thread, NULL);
        say_mallocs(pairs(COUNT));
        pthread_exit(NULL);
    }
    pthread_create(&thread, NULL, churn, NULL);
    long done = pairs(COUNT);
    if (!strcmp(mode, "vfork")) {
        pid_t child = vfork();
        if (child == 0) _exit(7);
        int status = 0;
        waitpid(child, &status, 0);
        done += pairs(COUNT);
        say_mallocs(done);
        char line[48];
        int length = snprintf(line, sizeof line, "vfork child status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        ssize_t ignored = write(1, line, (size_t)length);
        (void)ignored;
        _exit(0);
    }
    say_mallocs(done);
    if (!strcmp(mode, "_exit")) _exit(0);
    if (!strcmp(mode, "_Exit")) _Exit(3);
    if (!strcmp(mode, "exit_group")) syscall(SYS_exit_group, 4);
    if (!strcmp(mode, "segv")) {
        signal(SIGSEGV, exit_on_fault);
        *(volatile int *)(uintptr_t)argc = 0; /* argc is 2: no page there */
    }
    if (!strcmp(mode, "quick_exit")) {
        at_quick_exit(one_more_pair);
        quick_exit(5);
    }
    fprintf(stderr, "usage: exit_target _exit|_Exit|exit_group|quick_exit|main_last|worker_last|vfork|segv\n");
    return 2;
}
