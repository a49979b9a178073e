/* api.c — the whole malloc API as a preloaded program sees it: every entry
 * point, alignment, errno, overflow, fork, and frees after a thread's cache
 * was returned (from another key's destructor). Exits non-zero on the first
 * broken promise and says which. Run under LD_PRELOAD of each build. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define PROMISE(cond)                                                                  \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            failures++;                                                                \
            fprintf(stderr, "api.c:%d: broken: %s\n", __LINE__, #cond);                \
        }                                                                              \
    } while (0)

static size_t natural_align; /* 16 in the aligned layout; the hakmem layout promises none */

static void check_block(void *user, size_t size, size_t align) {
    PROMISE(user != NULL);
    if (!user) return;
    if (align > 1) PROMISE((uintptr_t)user % align == 0);
    PROMISE(malloc_usable_size(user) >= size);
    memset(user, 0x5a, size);
}

static void sizes_and_realloc(void) {
    static const size_t sizes[] = {0, 1, 7, 8, 9, 15, 16, 17, 100, 512, 1000, 1023, 1024, 1025, 4096, 70000,
                                   262000, 262144, 300000, 5 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        char *user = malloc(sizes[i]);
        check_block(user, sizes[i], natural_align);
        for (size_t j = 0; j < sizeof sizes / sizeof *sizes; j++) {
            size_t keep = sizes[i] < sizes[j] ? sizes[i] : sizes[j];
            char *copy = malloc(sizes[i] + 1);
            memcpy(copy, user, sizes[i]);
            char *moved = realloc(user, sizes[j] ? sizes[j] : 1);
            PROMISE(moved != NULL);
            PROMISE(memcmp(moved, copy, keep) == 0);
            free(copy);
            user = realloc(moved, sizes[i] ? sizes[i] : 1);
            memset(user, 0x5a, sizes[i]);
        }
        free(user);
    }
    void *gone = realloc(malloc(10), 0); /* glibc: frees, returns NULL */
    PROMISE(gone == NULL);
    char *fresh = realloc(NULL, 50);
    check_block(fresh, 50, natural_align);
    free(fresh);
    free(NULL);
}

static void zeroing_and_overflow(void) {
    for (size_t n = 1; n < 1 << 21; n = n * 3 + 1) {
        unsigned char *user = calloc(n, 1);
        size_t nonzero = 0;
        for (size_t i = 0; i < n; i++) nonzero += user[i] != 0;
        PROMISE(nonzero == 0);
        memset(user, 0xff, n);
        free(user);
    }
    volatile size_t half = SIZE_MAX / 2, huge = SIZE_MAX - 4096; /* volatile: the compiler must not fold these */
    errno = 0;
    PROMISE(calloc(half, 3) == NULL && errno == ENOMEM);
    errno = 0;
    PROMISE(reallocarray(NULL, half, 3) == NULL && errno == ENOMEM);
    void *array = reallocarray(NULL, 10, 10);
    check_block(array, 100, natural_align);
    free(array);
    errno = 0;
    PROMISE(malloc(huge) == NULL && errno == ENOMEM);
}

static void alignment(void) {
    for (size_t align = sizeof(void *); align <= (1 << 16); align *= 2) {
        for (size_t size = 1; size < 300000; size = size * 7 + 3) {
            void *user = NULL;
            PROMISE(posix_memalign(&user, align, size) == 0);
            check_block(user, size, align);
            free(user);
            user = aligned_alloc(align, size);
            check_block(user, size, align);
            free(user);
            user = memalign(align, size);
            check_block(user, size, align);
            free(user);
        }
    }
    void *user = NULL;
    PROMISE(posix_memalign(&user, 24, 10) == EINVAL);
    PROMISE(posix_memalign(&user, 2, 10) == EINVAL);
    user = valloc(100);
    check_block(user, 100, 4096);
    free(user);
    user = pvalloc(5000);
    check_block(user, 8192, 4096);
    free(user);
}

static void errno_kept(void) {
    void *blocks[3] = {malloc(10), malloc(5000), malloc(1 << 20)};
    for (int i = 0; i < 3; i++) {
        errno = EDOM;
        free(blocks[i]);
        PROMISE(errno == EDOM);
    }
}

/* A key whose destructor frees after the allocator's own destructor may have run. */
static pthread_key_t late_key;
static void late_free(void *user) {
    memset(user, 1, 64);
    free(user);
    void *again = malloc(80); /* and allocating then still works */
    PROMISE(again != NULL);
    free(again);
}
static void *thread_body(void *arg) {
    void **shared = arg;
    for (int i = 0; i < 1000; i++) shared[i] = malloc(24 + i % 900);
    pthread_setspecific(late_key, malloc(64));
    return NULL;
}
static void threads_exit_then_free(void) {
    pthread_key_create(&late_key, late_free);
    static void *shared[8][1000];
    for (int round = 0; round < 3; round++) {
        pthread_t threads[8];
        for (int t = 0; t < 8; t++) pthread_create(&threads[t], NULL, thread_body, shared[t]);
        for (int t = 0; t < 8; t++) pthread_join(threads[t], NULL);
        for (int t = 0; t < 8; t++)
            for (int i = 0; i < 1000; i++) free(shared[t][i]); /* the allocating thread is gone */
    }
}

static void fork_safety(void) {
    void *before = malloc(100);
    for (int i = 0; i < 20; i++) {
        pid_t child = fork();
        if (child == 0) {
            free(before); /* the parent's block, in the child */
            void *blocks[1000];
            for (int j = 0; j < 1000; j++) blocks[j] = malloc(j + 1);
            for (int j = 0; j < 1000; j++) free(blocks[j]);
            _exit(0);
        }
        int status = 0;
        waitpid(child, &status, 0);
        PROMISE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    free(before);
}

/* fork while other threads allocate: the atfork handlers keep the locks sane */
static volatile int stop_churn;
static void *churn(void *arg) {
    (void)arg;
    while (!stop_churn) {
        void *blocks[64];
        for (int i = 0; i < 64; i++) blocks[i] = malloc((size_t)(i * 97) % 6000 + 1);
        for (int i = 0; i < 64; i++) free(blocks[i]);
    }
    return NULL;
}
static void fork_under_load(void) {
    pthread_t threads[2];
    for (int t = 0; t < 2; t++) pthread_create(&threads[t], NULL, churn, NULL);
    for (int i = 0; i < 50; i++) {
        pid_t child = fork();
        if (child == 0) {
            void *user = malloc(3000);
            free(user);
            user = malloc(40);
            free(user);
            _exit(0);
        }
        int status = 0;
        waitpid(child, &status, 0);
        PROMISE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    stop_churn = 1;
    for (int t = 0; t < 2; t++) pthread_join(threads[t], NULL);
}

int main(void) {
    const char *(*layout_name)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "ss_layout_name");
    if (!layout_name) {
        fprintf(stderr, "api: the allocator is not preloaded\n");
        return 2;
    }
    natural_align = strcmp(layout_name(), "aligned") == 0 ? 16 : 1;
    sizes_and_realloc();
    zeroing_and_overflow();
    alignment();
    errno_kept();
    threads_exit_then_free();
    fork_safety();
    fork_under_load();
    printf("api (%s layout): %s\n", layout_name(), failures ? "FAILED" : "all promises kept");
    return failures ? 1 : 0;
}
