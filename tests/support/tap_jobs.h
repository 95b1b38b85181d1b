/*
 * Linux's tools as background jobs of a TAP test: each runs in a network
 * namespace with its stdout in <dir>/<name>.out, its stderr in
 * <name>.err and, once it ends, its exit status in <name>.rc, which the
 * test polls. The scratch directory lives in the build tree
 * (AXN_BUILD_DIR, /tmp without one) and is shared with the tools: stream
 * files for them to send, sha256sum output for the test to check.
 */
#ifndef AXN_TEST_TAP_JOBS_H
#define AXN_TEST_TAP_JOBS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netns.h"

struct tap_jobs {
    const struct axn_netns *ns; /* where the jobs run; a test may move it */
    char dir[PATH_MAX];         /* scratch files shared with the jobs */
};

/* Creates <build dir>/<prefix>_<what>_<pid> for jobs run in `ns`;
 * 0, or -1 (printed) if the directory cannot be made. */
int tap_jobs_init(struct tap_jobs *j, const struct axn_netns *ns, const char *prefix,
                  const char *what);

/* Removes the scratch directory, if any. */
void tap_jobs_cleanup(struct tap_jobs *j);

/* <dir>/<name> into `out`; fails the test if it does not fit. */
void tap_jobs_path(const struct tap_jobs *j, char *out, size_t len, const char *name);

void tap_jobs_sleep_ms(long ms);

/* Runs `cmd` in the namespace in the background (see above). */
void tap_jobs_start(const struct tap_jobs *j, const char *name, const char *cmd);

/* Scratch file `name` NUL-terminated into `buf`; false if it does not exist. */
bool tap_jobs_read(const struct tap_jobs *j, const char *name, char *buf, size_t len);

/* The job's exit status once it has one (its stderr printed if not 0);
 * fails the test after `timeout_s`, printing its stderr. */
int tap_jobs_wait(const struct tap_jobs *j, const char *name, int timeout_s);

/* A Linux TCP listener on `port` exists in the namespace (within ~10 s). */
void tap_jobs_wait_listening(const struct tap_jobs *j, int port);

/* Stream `seed`'s first `len` bytes (tcp_stream.h) as scratch file `name`
 * for Linux's tools to send. */
void tap_jobs_write_stream(const struct tap_jobs *j, const char *name, uint64_t seed, uint64_t len);

/* The first 64 characters of scratch file `name` (sha256sum's output)
 * equal the digest of stream `seed`'s first `len` bytes. */
void tap_jobs_assert_sum(const struct tap_jobs *j, const char *name, uint64_t seed, uint64_t len);

#endif /* AXN_TEST_TAP_JOBS_H */
