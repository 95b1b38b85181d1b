/*
 * Network namespaces for interop tests.
 *
 * Every test that puts traffic on a Linux interface does it inside a
 * namespace it created here, never in the host's own. Names are unique per
 * process ("axn-<tag>-<pid>-<seq>"); each namespace is deleted by
 * axn_netns_delete, and any the test forgot are deleted at exit. A crash
 * that skips exit handlers is cleaned up by the next axn_netns_create,
 * which removes the namespaces of processes that no longer exist.
 *
 * Typical use:
 *
 *     axn_netns_require((const char *[]){"bash", NULL});   // or exit 77
 *     axn_netns_create(&ns, "tap");
 *     axn_netns_move_link(&ns, "axt1234");
 *     axn_netns_run(&ns, out, sizeof(out), "ip addr add %s dev %s", ...);
 *     axn_netns_delete(&ns);
 */
#ifndef AXN_TEST_NETNS_H
#define AXN_TEST_NETNS_H

#include <stddef.h>

/* Exit status that ctest reports as "skipped" (SKIP_RETURN_CODE). */
#define AXN_TEST_SKIP 77

/* Room for "axn-" + tag + "-" + pid + "-" + sequence + NUL. */
#define AXN_NETNS_NAME_LEN 40

/* Most namespaces one process may have alive at once. */
#define AXN_NETNS_MAX_LIVE 16

struct axn_netns {
    char name[AXN_NETNS_NAME_LEN]; /* "" once deleted */
};

/*
 * Exits with AXN_TEST_SKIP, saying why on stderr, unless the process is
 * root, /dev/net/tun exists and `ip` and every program named in `tools`
 * (NULL-terminated; the array may be NULL) are in PATH. Adds /usr/sbin and
 * /sbin to PATH first, where `ip` lives.
 */
void axn_netns_require(const char *const tools[]);

/* Creates a fresh namespace with `lo` up. `tag` (shortened to fit) says
 * which test made it. Returns 0 or a negative errno. */
int axn_netns_create(struct axn_netns *ns, const char *tag);

/*
 * Runs `sh -c COMMAND` inside the namespace, COMMAND formatted printf-style.
 * Stdout (add 2>&1 for stderr) goes to `out` as in axn_cmd_run. Returns the
 * command's exit status, or a negative errno if it could not run.
 */
int axn_netns_run(const struct axn_netns *ns, char *out, size_t outlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Moves interface `ifname` of the caller's namespace into `ns`. */
int axn_netns_move_link(const struct axn_netns *ns, const char *ifname);

/*
 * Moves the calling thread into `ns`, so sockets and interface ioctls it
 * makes act there. `*saved` receives a handle on the previous namespace for
 * axn_netns_leave. Returns 0 or a negative errno.
 */
int axn_netns_enter(const struct axn_netns *ns, int *saved);
int axn_netns_leave(int saved);

/* Deletes every "axn-<tag>-<pid>-<seq>" namespace whose process no longer
 * exists (a test that crashed before its exit handlers). Run once by the
 * first axn_netns_create of a process; callable on its own. */
void axn_netns_sweep_stale(void);

/* Deletes the namespace (its interfaces go with it or back to the host,
 * as the kernel decides per type). Idempotent. */
void axn_netns_delete(struct axn_netns *ns);

#endif /* AXN_TEST_NETNS_H */
