/* The watcher of cli_interrupt.h. */
#include "cli_interrupt.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli_cmds.h"
#include "runner.h"

#define WATCH_SLICE_NS    100000000L /* 0.1 s */
#define STOP_GRACE_SLICES 20         /* 2 s for the call to end by itself */

static void watch_sleep(void)
{
    const struct timespec slice = {.tv_sec = 0, .tv_nsec = WATCH_SLICE_NS};
    nanosleep(&slice, NULL);
}

static void *watch(void *arg)
{
    struct axn_cli_interrupt *w = arg;
    while (!atomic_load(&w->over) && !axn_runner_stopping())
        watch_sleep();
    for (int i = 0; i < STOP_GRACE_SLICES && !atomic_load(&w->over); i++)
        watch_sleep();
    if (!atomic_load(&w->over)) {
        fprintf(stderr, "%s: interrupted\n", w->prog);
        _exit(AXN_EXIT_FAIL);
    }
    return NULL;
}

void axn_cli_interrupt_arm(struct axn_cli_interrupt *w, const char *prog)
{
    w->prog = prog;
    atomic_store(&w->over, false);
    /* Without the thread the command still works; only Ctrl-C waits longer. */
    w->watching = pthread_create(&w->thread, NULL, watch, w) == 0;
}

void axn_cli_interrupt_disarm(struct axn_cli_interrupt *w)
{
    atomic_store(&w->over, true);
    if (w->watching)
        pthread_join(w->thread, NULL);
    w->watching = false;
}
