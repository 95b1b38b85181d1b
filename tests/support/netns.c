/*
 * Namespace helpers for interop tests (see netns.h). Everything goes
 * through `ip netns`, so the namespaces are the same ones a developer sees
 * and can inspect with `ip netns exec` while a test is stopped.
 */
#include "netns.h"

#include "cmd.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NETNS_PREFIX   "axn-"
#define NETNS_RUN_DIR  "/run/netns"
#define TUN_PATH       "/dev/net/tun"
#define SBIN_DIRS      "/usr/sbin:/sbin"
#define NETNS_TAG_MAX  12   /* keeps the longest name inside AXN_NETNS_NAME_LEN */
#define NETNS_CMD_MAX  2048 /* longest command axn_netns_run formats */
#define NETNS_PATH_MAX 128
#define PATH_ENV_MAX   4096

/* Test-process bookkeeping so exit can delete what a failed test left. */
static char live_names[AXN_NETNS_MAX_LIVE][AXN_NETNS_NAME_LEN];
static unsigned next_seq;
static bool exit_hook_set;
static bool swept;

static int ip_run(const char *const argv[])
{
    int status = axn_cmd_run(argv, NULL, 0, AXN_CMD_TIMEOUT_MS);

    if (status < 0)
        return status;
    return status == 0 ? 0 : -EIO;
}

static void ip_netns_delete(const char *name)
{
    const char *argv[] = {"ip", "netns", "delete", name, NULL};

    ip_run(argv);
}

static void delete_all_live(void)
{
    for (size_t i = 0; i < AXN_NETNS_MAX_LIVE; i++) {
        if (live_names[i][0]) {
            ip_netns_delete(live_names[i]);
            live_names[i][0] = '\0';
        }
    }
}

static int remember(const char *name)
{
    for (size_t i = 0; i < AXN_NETNS_MAX_LIVE; i++) {
        if (!live_names[i][0]) {
            snprintf(live_names[i], sizeof(live_names[i]), "%s", name);
            return 0;
        }
    }
    return -ENOSPC;
}

static void forget(const char *name)
{
    for (size_t i = 0; i < AXN_NETNS_MAX_LIVE; i++)
        if (strcmp(live_names[i], name) == 0)
            live_names[i][0] = '\0';
}

/* True if [s, end) is a non-empty run of digits. */
static bool all_digits(const char *s, const char *end)
{
    if (s >= end)
        return false;
    for (; s < end; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* Finds the pid in a name of ours ("axn-<tag>-<pid>-<seq>"); 0 if none. */
static pid_t owner_of(const char *name)
{
    const char *seq_dash = strrchr(name, '-');
    const char *pid_dash;

    if (strncmp(name, NETNS_PREFIX, strlen(NETNS_PREFIX)) != 0 || !seq_dash)
        return 0;
    if (!all_digits(seq_dash + 1, name + strlen(name)))
        return 0;
    for (pid_dash = seq_dash - 1; pid_dash > name && *pid_dash != '-'; pid_dash--)
        ;
    if (*pid_dash != '-' || !all_digits(pid_dash + 1, seq_dash))
        return 0;
    return (pid_t)strtol(pid_dash + 1, NULL, 10);
}

static bool owner_is_gone(pid_t pid)
{
    return pid > 0 && pid != getpid() && kill(pid, 0) < 0 && errno == ESRCH;
}

void axn_netns_sweep_stale(void)
{
    DIR *dir = opendir(NETNS_RUN_DIR);
    struct dirent *de;

    if (!dir)
        return;
    while ((de = readdir(dir)) != NULL)
        if (owner_is_gone(owner_of(de->d_name)))
            ip_netns_delete(de->d_name);
    closedir(dir);
}

static void ensure_sbin_in_path(void)
{
    const char *path = getenv("PATH");
    char buf[PATH_ENV_MAX];

    if (path && strstr(path, "/usr/sbin") && strstr(path, "/sbin"))
        return;
    snprintf(buf, sizeof(buf), "%s%s%s", path ? path : "", path ? ":" : "", SBIN_DIRS);
    setenv("PATH", buf, 1);
}

static void skip(const char *why, const char *what)
{
    fprintf(stderr, "SKIP: %s%s\n", why, what);
    exit(AXN_TEST_SKIP);
}

/* Root is not enough in some containers (no CAP_SYS_ADMIN, /run/netns
 * read-only): try one namespace, so such a machine skips with the reason
 * instead of failing every interop test. */
static void probe_namespaces(void)
{
    char name[AXN_NETNS_NAME_LEN];
    const char *add[] = {"ip", "netns", "add", name, NULL};

    snprintf(name, sizeof(name), NETNS_PREFIX "probe-%ld", (long)getpid());
    if (ip_run(add) != 0)
        skip("cannot create network namespaces (`ip netns add` failed)", "");
    ip_netns_delete(name);
}

void axn_netns_require(const char *const tools[])
{
    ensure_sbin_in_path();
    if (geteuid() != 0)
        skip("namespaces need root", "");
    if (access(TUN_PATH, R_OK | W_OK) != 0)
        skip("no ", TUN_PATH);
    if (!axn_cmd_exists("ip"))
        skip("program not found: ", "ip");
    for (size_t i = 0; tools && tools[i]; i++)
        if (!axn_cmd_exists(tools[i]))
            skip("program not found: ", tools[i]);
    probe_namespaces();
}

static int add_namespace(const char *name)
{
    const char *add[] = {"ip", "netns", "add", name, NULL};
    const char *lo_up[] = {"ip", "-n", name, "link", "set", "lo", "up", NULL};
    int err = ip_run(add);

    if (err)
        return err;
    err = remember(name);
    if (!err)
        err = ip_run(lo_up);
    if (err) {
        forget(name);
        ip_netns_delete(name);
    }
    return err;
}

int axn_netns_create(struct axn_netns *ns, const char *tag)
{
    ns->name[0] = '\0';
    if (!swept) {
        axn_netns_sweep_stale();
        swept = true;
    }
    if (!exit_hook_set) {
        if (atexit(delete_all_live) != 0)
            return -ENOMEM;
        exit_hook_set = true;
    }
    snprintf(ns->name, sizeof(ns->name), NETNS_PREFIX "%.*s-%ld-%u", NETNS_TAG_MAX, tag,
             (long)getpid(), next_seq++);
    if (add_namespace(ns->name) != 0) {
        ns->name[0] = '\0';
        return -EIO;
    }
    return 0;
}

int axn_netns_run(const struct axn_netns *ns, char *out, size_t outlen, const char *fmt, ...)
{
    char cmd[NETNS_CMD_MAX];
    const char *argv[] = {"ip", "netns", "exec", ns->name, "sh", "-c", cmd, NULL};
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(cmd))
        return -E2BIG;
    return axn_cmd_run(argv, out, outlen, AXN_CMD_TIMEOUT_MS);
}

int axn_netns_move_link(const struct axn_netns *ns, const char *ifname)
{
    const char *argv[] = {"ip", "link", "set", "dev", ifname, "netns", ns->name, NULL};

    return ip_run(argv);
}

int axn_netns_enter(const struct axn_netns *ns, int *saved)
{
    char path[NETNS_PATH_MAX];
    int target;
    int err = 0;

    snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", ns->name);
    *saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (*saved < 0)
        return -errno;
    target = open(path, O_RDONLY | O_CLOEXEC);
    if (target < 0 || setns(target, CLONE_NEWNET) < 0)
        err = -errno;
    if (target >= 0)
        close(target);
    if (err) {
        close(*saved);
        *saved = -1;
    }
    return err;
}

int axn_netns_leave(int saved)
{
    int err = setns(saved, CLONE_NEWNET) < 0 ? -errno : 0;

    close(saved);
    return err;
}

void axn_netns_delete(struct axn_netns *ns)
{
    if (!ns->name[0])
        return;
    ip_netns_delete(ns->name);
    forget(ns->name);
    ns->name[0] = '\0';
}
