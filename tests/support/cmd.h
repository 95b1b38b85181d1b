/*
 * Running host commands from tests: bounded in time, stdout captured, exit
 * status returned. Used by the namespace helpers (netns.h) and by tests that
 * check results with Linux tools (tshark, ip).
 */
#ifndef AXN_TEST_CMD_H
#define AXN_TEST_CMD_H

#include <stdbool.h>
#include <stddef.h>

/* How long a command may run unless the caller says otherwise. */
#define AXN_CMD_TIMEOUT_MS 10000

/*
 * Runs argv[0] (looked up in PATH) with argv, stdin from /dev/null and
 * stderr inherited (it lands in the test log). Up to outlen - 1 bytes of
 * stdout are stored NUL-terminated in `out` (may be NULL when outlen is 0);
 * the rest is read and discarded so the child never blocks on a full pipe.
 * Returns the exit status (0..255), 128 + signal number if the child was
 * killed, or a negative errno: -ETIMEDOUT after killing a child that ran
 * longer than `timeout_ms`, -ENOENT if the program does not exist.
 */
int axn_cmd_run(const char *const argv[], char *out, size_t outlen, int timeout_ms);

/* Runs `sh -c script` the same way. */
int axn_cmd_sh(const char *script, char *out, size_t outlen);

/* True if `prog` is an executable file somewhere in PATH. */
bool axn_cmd_exists(const char *prog);

/*
 * Ends a process the test started in the background (e.g. with `cmd &
 * echo $!` through axn_netns_run), which is not the test's child: SIGTERM,
 * then up to `timeout_ms` for it to be gone (exited, or a zombie its new
 * parent has not reaped), then SIGKILL. Returns 0, or -ESRCH if it was
 * already gone. A pid <= 0 is ignored (-ESRCH).
 */
int axn_cmd_stop_pid(long pid, int timeout_ms);

#endif /* AXN_TEST_CMD_H */
