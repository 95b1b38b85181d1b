/*
 * For `axnet` commands whose work is one long call into a module that has
 * no stop hook (an iperf3 test, an HTTP download): after SIGINT or SIGTERM
 * (axn_runner_stopping) a call still running a grace period later is cut
 * short by exiting the process with status 1 and one line on stderr. A TAP
 * the runner created goes with the process (it is not persistent).
 */
#ifndef AXN_TOOLS_CLI_INTERRUPT_H
#define AXN_TOOLS_CLI_INTERRUPT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct axn_cli_interrupt {
    const char *prog; /* the prefix of the "interrupted" line */
    atomic_bool over;
    bool watching;
    pthread_t thread;
};

/* Before the long call. */
void axn_cli_interrupt_arm(struct axn_cli_interrupt *w, const char *prog);
/* After it returned: the watcher ends. */
void axn_cli_interrupt_disarm(struct axn_cli_interrupt *w);

#endif /* AXN_TOOLS_CLI_INTERRUPT_H */
