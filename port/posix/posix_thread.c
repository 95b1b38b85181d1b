/* port/posix workers: named pthreads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "posix_internal.h"

struct posix_thread {
    pthread_t tid;
    axn_worker_fn fn;
    void *arg;
    char name[AXN_PORT_POSIX_NAME_MAX + 1];
};

/* Names itself first, so the name is in place before any work runs. */
static void *trampoline(void *p)
{
    struct posix_thread *t = p;
    if (t->name[0])
        pthread_setname_np(pthread_self(), t->name);
    t->fn(t->arg);
    return NULL;
}

static int thread_start(void *ctx, const char *name, axn_worker_fn fn, void *arg, void **out)
{
    (void)ctx;
    if (!fn || !out)
        return -AXN_EINVAL;
    struct posix_thread *t = calloc(1, sizeof *t);
    if (!t)
        return -AXN_ENOMEM;
    t->fn = fn;
    t->arg = arg;
    if (name) /* Linux keeps 15 characters; longer names are cut. */
        memcpy(t->name, name, strnlen(name, AXN_PORT_POSIX_NAME_MAX));
    int rc = pthread_create(&t->tid, NULL, trampoline, t);
    if (rc) {
        free(t);
        return axn_posix_err(rc);
    }
    *out = t;
    return 0;
}

static int thread_join(void *ctx, void *thread)
{
    (void)ctx;
    struct posix_thread *t = thread;
    if (!t)
        return -AXN_EINVAL;
    int rc = pthread_join(t->tid, NULL);
    free(t);
    return rc ? axn_posix_err(rc) : 0;
}

void axn_posix_install_threads(struct axn_platform *plat)
{
    plat->thread_start = thread_start;
    plat->thread_join = thread_join;
}
