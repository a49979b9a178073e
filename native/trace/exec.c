/* exec.c — a program that replaces itself (execve, and every function built on
 * it) would cut its stream wherever the exporter was: inside a frame, with events
 * still in the rings. These wrappers deliver everything and write an exec frame
 * first (PROTOCOL §2), holding the writer through the exec so no frame starts
 * that it would cut; when the exec fails the stream goes on. glibc's exec
 * functions call execve internally, not through the symbol, so each is wrapped. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>
#include "trace.h"

#define SSP_EXPORT __attribute__((visibility("default")))

/* Referenced by ssp_start, so that a static link of the runtime brings these wrappers. */
const int _ssp_exec_interposed = 1;

/* The function a wrapper stands in front of (the C library's), found once. */
static void *next_function(void **slot, const char *name) {
    void *function = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!function) {
        function = dlsym(RTLD_NEXT, name);
        __atomic_store_n(slot, function, __ATOMIC_RELEASE);
    }
    if (!function) errno = ENOSYS;
    return function;
}

/* Calls `call` between the stream's exec frame and, should the exec fail, its going on;
 * errno is the exec's. */
#define AROUND_EXEC(call)                    \
    do {                                     \
        bool held = _ssp_exec_begin();       \
        int result = (call);                 \
        int saved_errno = errno;             \
        _ssp_exec_failed(held);              \
        errno = saved_errno;                 \
        return result;                       \
    } while (0)

typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*execv_fn)(const char *, char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
typedef int (*execveat_fn)(int, const char *, char *const[], char *const[], int);

static void *real_execve, *real_execv, *real_execvp, *real_execvpe, *real_fexecve, *real_execveat;

SSP_EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
    execve_fn next = (execve_fn)next_function(&real_execve, "execve");
    if (!next) return -1;
    AROUND_EXEC(next(path, argv, envp));
}

SSP_EXPORT int execv(const char *path, char *const argv[]) {
    execv_fn next = (execv_fn)next_function(&real_execv, "execv");
    if (!next) return -1;
    AROUND_EXEC(next(path, argv));
}

SSP_EXPORT int execvp(const char *file, char *const argv[]) {
    execv_fn next = (execv_fn)next_function(&real_execvp, "execvp");
    if (!next) return -1;
    AROUND_EXEC(next(file, argv));
}

SSP_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
    execve_fn next = (execve_fn)next_function(&real_execvpe, "execvpe");
    if (!next) return -1;
    AROUND_EXEC(next(file, argv, envp));
}

SSP_EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
    fexecve_fn next = (fexecve_fn)next_function(&real_fexecve, "fexecve");
    if (!next) return -1;
    AROUND_EXEC(next(fd, argv, envp));
}

SSP_EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags) {
    execveat_fn next = (execveat_fn)next_function(&real_execveat, "execveat");
    if (!next) return -1;
    AROUND_EXEC(next(dirfd, path, argv, envp, flags));
}

/* The execl family: the arguments from arg0 up to the NULL, gathered into an argv on the
 * stack, then the execv function that does the same; execle's environment follows the NULL. */
enum exec_list { LIST_PATH, LIST_SEARCH, LIST_ENVIRONMENT };
static int exec_list(enum exec_list kind, const char *target, const char *arg, va_list args) {
    va_list scan;
    va_copy(scan, args);
    size_t count = 1;
    while (va_arg(scan, char *)) count++;
    va_end(scan);
    char *argv[count + 1];
    argv[0] = (char *)arg;
    for (size_t i = 1; i <= count; i++) argv[i] = va_arg(args, char *); /* argv[count]: the NULL */
    if (kind == LIST_ENVIRONMENT) return execve(target, argv, va_arg(args, char *const *));
    return kind == LIST_SEARCH ? execvp(target, argv) : execv(target, argv);
}

SSP_EXPORT int execl(const char *path, const char *arg, ...) {
    va_list args;
    va_start(args, arg);
    int result = exec_list(LIST_PATH, path, arg, args);
    va_end(args);
    return result;
}

SSP_EXPORT int execlp(const char *file, const char *arg, ...) {
    va_list args;
    va_start(args, arg);
    int result = exec_list(LIST_SEARCH, file, arg, args);
    va_end(args);
    return result;
}

SSP_EXPORT int execle(const char *path, const char *arg, ...) {
    va_list args;
    va_start(args, arg);
    int result = exec_list(LIST_ENVIRONMENT, path, arg, args);
    va_end(args);
    return result;
}
