/* The `axnet` command's interop world (cli_ns.h). */
#include "cli_ns.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#define CMD_LEN (AXN_CLI_NS_PATH_LEN * 8)

/* Formats the command into cmd[CMD_LEN], runs it in the namespace, and
 * logs it (prefixed by `log_as`) unless log_as is NULL. */
static int ns_vrun(const struct axn_cli_ns *c, char *out, size_t cap, const char *log_as,
                   const char *fmt, va_list ap)
{
    char cmd[CMD_LEN];
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    const int rc = axn_netns_run(&c->ns, out, cap, "%s", cmd);
    if (log_as)
        printf("$ %s%s  -> %d\n%s", log_as, cmd, rc, out ? out : "");
    return rc;
}

int axn_cli_ns_sh(const struct axn_cli_ns *c, char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int rc = ns_vrun(c, out, cap, NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int axn_cli_ns_shlog(const struct axn_cli_ns *c, char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int rc = ns_vrun(c, out, cap, "", fmt, ap);
    va_end(ap);
    return rc;
}

int axn_cli_ns_tool(const struct axn_cli_ns *c, char *out, size_t cap, const char *tool,
                    const char *tail, const char *fmt, ...)
{
    char args[CMD_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    const int rc = axn_netns_run(&c->ns, out, cap, "%s %s %s", tool, args, tail);
    printf("$ axnet %s %s  -> %d\n%s", args, tail, rc, out ? out : "");
    return rc;
}

int axn_cli_ns_open(struct axn_cli_ns *c, const char *tag, const char *tap, const char *linux_ip)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->dir, sizeof(c->dir), "/tmp/axn-%s-XXXXXX", tag);
    if (!mkdtemp(c->dir)) {
        c->dir[0] = '\0';
        return -1;
    }
    if (axn_netns_create(&c->ns, tag) != 0)
        return -1;
    return axn_cli_ns_sh(c, NULL, 0,
                         "ip tuntap add dev %s mode tap && ip addr add %s/24 dev %s && "
                         "ip link set %s up",
                         tap, linux_ip, tap, tap) == 0
               ? 0
               : -1;
}

void axn_cli_ns_close(struct axn_cli_ns *c, const long *pids, size_t n, int wait_ms)
{
    for (size_t i = 0; i < n; i++)
        if (pids[i] > 0)
            axn_cmd_stop_pid(pids[i], wait_ms);
    axn_netns_delete(&c->ns);
    if (c->dir[0] != '\0') {
        char cmd[CMD_LEN];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
        axn_cmd_sh(cmd, NULL, 0);
    }
}
