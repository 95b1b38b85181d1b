/*
 * The world of the `axnet` command's interop tests (test_cli_tap,
 * test_cli_serve_tap): a namespace of the test's own, a scratch directory
 * and a persistent TAP with Linux's side addressed and up, which each
 * `axnet CMD --tap NAME ...` run opens and leaves; background processes
 * stopped and everything removed at close.
 */
#ifndef AXN_TEST_CLI_NS_H
#define AXN_TEST_CLI_NS_H

#include <stddef.h>

#include "netns.h"

#define AXN_CLI_NS_PATH_LEN 256

struct axn_cli_ns {
    struct axn_netns ns;
    char dir[AXN_CLI_NS_PATH_LEN]; /* /tmp/axn-<tag>-XXXXXX */
};

/* Namespace `tag`, scratch dir, TAP `tap` with Linux at `linux_ip`/24.
 * 0 or -1 (what was made is undone by axn_cli_ns_close). */
int axn_cli_ns_open(struct axn_cli_ns *c, const char *tag, const char *tap, const char *linux_ip);

/* Stops pids[0 .. n) that are > 0 (waiting up to wait_ms each), deletes
 * the namespace and the scratch dir. */
void axn_cli_ns_close(struct axn_cli_ns *c, const long *pids, size_t n, int wait_ms);

/* A shell command (printf-style) in the namespace; output in out. */
int axn_cli_ns_sh(const struct axn_cli_ns *c, char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* As axn_cli_ns_sh, and the command, its exit status and its output are
 * printed: the test's log. */
int axn_cli_ns_shlog(const struct axn_cli_ns *c, char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* `TOOL ARGS TAIL` in the namespace (ARGS printf-style; TAIL a redirection
 * such as "2>&1 </dev/null", or ""), logged as "$ axnet ARGS TAIL".
 * Output in out; returns the exit status. */
int axn_cli_ns_tool(const struct axn_cli_ns *c, char *out, size_t cap, const char *tool,
                    const char *tail, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
