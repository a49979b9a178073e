/* exec_target MODE — a traced program that replaces itself while a second thread
 * keeps the exporter busy. Modes:
 *   exec   COUNT mallocs on the main thread, then execv of itself as `child`
 *   child  a few mallocs, then a normal exit (the image the exec started)
 *   fail   COUNT mallocs, an execl of a path that does not exist (it must fail with
 *          ENOENT), COUNT more mallocs, a normal exit
 *   vfork  COUNT mallocs, a vfork child that execs /bin/true, COUNT more, a normal exit
 * Prints `main_mallocs=N` (the main thread's mallocs before the exec or its end). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { COUNT = 20000, CHURN = 100000 };
static atomic_int stop;

/* Allocates without pause (up to CHURN times): events keep flowing while main execs. */
static void *churn(void *arg) {
    (void)arg;
    for (int i = 0; i < CHURN && !atomic_load(&stop); i++) free(malloc(1000));
    return NULL;
}

static long mallocs(long count) {
    for (long i = 0; i < count; i++) free(malloc(16 + (size_t)(i % 200)));
    return count;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "child")) {
        printf("child main_mallocs=%ld\n", mallocs(100));
        return 0;
    }
    pthread_t thread;
    pthread_create(&thread, NULL, churn, NULL);
    long done = mallocs(COUNT);
    if (!strcmp(mode, "exec")) {
        printf("main_mallocs=%ld\n", done);
        fflush(stdout);
        char *child_argv[] = {argv[0], "child", NULL};
        execv("/proc/self/exe", child_argv);
        perror("exec_target: execv");
        return 1;
    }
    if (!strcmp(mode, "fail")) {
        int result = execl("/nonexistent/exec_target", "exec_target", (char *)NULL);
        printf("exec returned %d errno=%s\n", result, errno == ENOENT ? "ENOENT" : strerror(errno));
        done += mallocs(COUNT);
    } else if (!strcmp(mode, "vfork")) {
        pid_t child = vfork();
        if (child == 0) {
            execl("/bin/true", "true", (char *)NULL);
            _exit(127);
        }
        int status = 0;
        waitpid(child, &status, 0);
        printf("vfork child status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        done += mallocs(COUNT);
    } else {
        fprintf(stderr, "usage: exec_target exec|child|fail|vfork\n");
        return 2;
    }
    atomic_store(&stop, 1);
    pthread_join(thread, NULL);
    printf("main_mallocs=%ld\n", done);
    return 0;
}
