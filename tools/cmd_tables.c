/*
 * `axnet ifconfig`, `route`, `arp` and `stats`: the control plane of the
 * stack this process just brought up (after --dhcp, say), as aligned
 * tables or, with --json, one JSON object (cli_table.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/dhcp.h"
#include "axnet/netctl.h"
#include "axnet/port_posix.h"
#include "axnet/resolver.h"
#include "axnet/snmp.h"
#include "cli_cmds.h"
#include "cli_table.h"
#include "runner.h"

#define MAX_TABLES  8
#define LIST_MAX    32
#define ROUTES_MAX  64
#define ARP_MAX     128
#define PROC_TEXT   16384 /* a /proc/net/snmp or netstat text */
#define IP_TEXT     16
#define FLAGS_TEXT  64
#define PROC_LINE   4096
#define PROC_TOKENS 128

typedef int (*build_fn)(struct axn_stack *st, struct cli_table *t[], size_t *n);

int axn_cmd_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    return 0;
}

static const char *ip_text(axn_ip4_t ip, char buf[IP_TEXT])
{
    return axn_runner_ip4_str(ip, buf, IP_TEXT);
}

static void mac_text(const struct axn_mac *m, char *buf, size_t cap)
{
    snprintf(buf, cap, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2], m->b[3], m->b[4],
             m->b[5]);
}

static struct cli_table *new_table(struct cli_table *t[], size_t *n, const char *key,
                                   const char *title, const char *const cols[])
{
    if (*n >= MAX_TABLES)
        return NULL;
    t[*n] = cli_table_new(key, title, cols);
    return t[*n] ? t[(*n)++] : NULL;
}

/* ---- ifconfig ------------------------------------------------------------------ */

static void flags_text(uint32_t f, char *buf, size_t cap)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{AXN_IFF_UP, "UP"},
                 {AXN_IFF_BROADCAST, "BROADCAST"},
                 {AXN_IFF_LOOPBACK, "LOOPBACK"},
                 {AXN_IFF_RUNNING, "RUNNING"},
                 {AXN_IFF_MULTICAST, "MULTICAST"}};
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(f & names[i].bit))
            continue;
        const size_t used = strlen(buf);
        snprintf(buf + used, cap - used, "%s%s", used ? "," : "", names[i].name);
    }
}

static void iface_row(struct cli_table *t, const struct axn_iface_info *it)
{
    char text[FLAGS_TEXT], ip[IP_TEXT];
    cli_table_set(t, 0, "%u", (unsigned)it->ifindex);
    cli_table_set(t, 1, "%s", it->name);
    flags_text(it->flags, text, sizeof(text));
    cli_table_set(t, 2, "%s", text);
    cli_table_set(t, 3, "%u", (unsigned)it->mtu);
    if (it->has_mac) {
        mac_text(&it->mac, text, sizeof(text));
        cli_table_set(t, 4, "%s", text);
    }
    if (it->has_ipv4) {
        cli_table_set(t, 5, "%s", ip_text(it->addr, ip));
        cli_table_set(t, 6, "%u", (unsigned)it->prefix_len);
    }
    if (it->gateway)
        cli_table_set(t, 7, "%s", ip_text(it->gateway, ip));
    cli_table_set(t, 8, "%u", (unsigned)it->metric);
}

static int build_ifconfig(struct axn_stack *st, struct cli_table *t[], size_t *n)
{
    static const char *const cols[] = {"#ifindex", "name",        "flags",   "#mtu",    "mac",
                                       "addr",     "#prefix_len", "gateway", "#metric", NULL};
    struct axn_iface_info ifs[LIST_MAX];
    struct cli_table *tab = new_table(t, n, "interfaces", NULL, cols);
    if (!tab)
        return -1;
    size_t cnt = axn_ctl_interfaces(st, ifs, LIST_MAX);
    cnt = cnt < LIST_MAX ? cnt : LIST_MAX;
    for (size_t i = 0; i < cnt && cli_table_row(tab); i++)
        iface_row(tab, &ifs[i]);
    return 0;
}

/* ---- route --------------------------------------------------------------------- */

static const char *ifname_of(struct axn_stack *st, uint32_t ifindex, struct axn_iface_info *buf)
{
    return axn_ctl_interface_by_index(st, ifindex, buf) == 0 ? buf->name : "?";
}

static int build_route(struct axn_stack *st, struct cli_table *t[], size_t *n)
{
    static const char *const cols[] = {"destination", "#prefix_len", "gateway", "dev",
                                       "source",      "#metric",     NULL};
    struct axn_route_info *r = calloc(ROUTES_MAX, sizeof(*r));
    struct cli_table *tab = new_table(t, n, "routes", NULL, cols);
    char ip[IP_TEXT];
    struct axn_iface_info it;
    if (!r || !tab) {
        free(r);
        return -1;
    }
    size_t cnt = axn_ctl_routes(st, r, ROUTES_MAX);
    cnt = cnt < ROUTES_MAX ? cnt : ROUTES_MAX;
    for (size_t i = 0; i < cnt && cli_table_row(tab); i++) {
        cli_table_set(tab, 0, "%s", ip_text(r[i].prefix, ip));
        cli_table_set(tab, 1, "%u", (unsigned)r[i].prefix_len);
        if (r[i].has_via)
            cli_table_set(tab, 2, "%s", ip_text(r[i].via, ip));
        cli_table_set(tab, 3, "%s", ifname_of(st, r[i].ifindex, &it));
        cli_table_set(tab, 4, "%s", ip_text(r[i].source, ip));
        cli_table_set(tab, 5, "%u", (unsigned)r[i].metric);
    }
    free(r);
    return 0;
}

/* ---- arp ----------------------------------------------------------------------- */

static int build_arp(struct axn_stack *st, struct cli_table *t[], size_t *n)
{
    static const char *const cols[] = {"address", "mac", "flags", "dev", NULL};
    struct axn_arp_entry *e = calloc(ARP_MAX, sizeof(*e));
    struct cli_table *tab = new_table(t, n, "arp", NULL, cols);
    char text[FLAGS_TEXT], ip[IP_TEXT];
    if (!e || !tab) {
        free(e);
        return -1;
    }
    size_t cnt = axn_ctl_arp_entries(st, e, ARP_MAX, axn_port_posix_now());
    cnt = cnt < ARP_MAX ? cnt : ARP_MAX;
    for (size_t i = 0; i < cnt && cli_table_row(tab); i++) {
        cli_table_set(tab, 0, "%s", ip_text(e[i].ip, ip));
        mac_text(&e[i].mac, text, sizeof(text));
        cli_table_set(tab, 1, "%s", text);
        cli_table_set(tab, 2, "%s", (e[i].flags & AXN_ATF_COM) ? "complete" : "incomplete");
        cli_table_set(tab, 3, "%s", e[i].dev);
    }
    free(e);
    return 0;
}

/* ---- stats --------------------------------------------------------------------- */

static int build_links(struct axn_stack *st, struct cli_table *t[], size_t *n)
{
    static const char *const cols[] = {"#ifindex",    "name",        "#rx_packets", "#tx_packets",
                                       "#rx_bytes",   "#tx_bytes",   "#rx_errors",  "#tx_errors",
                                       "#rx_dropped", "#tx_dropped", NULL};
    struct axn_link_stats_entry e[LIST_MAX];
    struct cli_table *tab = new_table(t, n, "links", "links", cols);
    if (!tab)
        return -1;
    size_t cnt = axn_ctl_link_stats_all(st, e, LIST_MAX);
    cnt = cnt < LIST_MAX ? cnt : LIST_MAX;
    for (size_t i = 0; i < cnt && cli_table_row(tab); i++) {
        const struct axn_link_stats *s = &e[i].stats;
        const uint64_t v[] = {s->rx_packets, s->tx_packets, s->rx_bytes,   s->tx_bytes,
                              s->rx_errors,  s->tx_errors,  s->rx_dropped, s->tx_dropped};
        cli_table_set(tab, 0, "%u", (unsigned)e[i].ifindex);
        cli_table_set(tab, 1, "%s", e[i].name);
        for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
            cli_table_set(tab, 2 + k, "%llu", (unsigned long long)v[k]);
    }
    return 0;
}

/* Splits a line into space-separated words (in place). */
static size_t split_words(char *line, char *words[], size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *w = strtok_r(line, " ", &save); w && n < max;
         w = strtok_r(NULL, " ", &save))
        words[n++] = w;
    return n;
}

/* The /proc/net/snmp layout: "Ip: Forwarding DefaultTTL ...\nIp: 1 64 ...\n",
 * a line of names then a line of values per group; one row per counter. */
static void add_proc_pairs(struct cli_table *tab, char *text)
{
    char *save = NULL;
    for (char *names = strtok_r(text, "\n", &save); names; names = strtok_r(NULL, "\n", &save)) {
        char *values = strtok_r(NULL, "\n", &save);
        char *nw[PROC_TOKENS], *vw[PROC_TOKENS];
        if (!values)
            return;
        const size_t nn = split_words(names, nw, PROC_TOKENS);
        const size_t nv = split_words(values, vw, PROC_TOKENS);
        for (size_t i = 1; i < nn && i < nv && cli_table_row(tab); i++) {
            cli_table_set(tab, 0, "%.*s", (int)strcspn(nw[0], ":"), nw[0]);
            cli_table_set(tab, 1, "%s", nw[i]);
            cli_table_set(tab, 2, "%s", vw[i]);
        }
    }
}

static int build_snmp(struct axn_stack *st, struct cli_table *t[], size_t *n)
{
    static const char *const cols[] = {"group", "counter", "#value", NULL};
    char *text = malloc(PROC_TEXT);
    struct cli_table *tab = new_table(t, n, "snmp", "protocol counters", cols);
    if (!text || !tab) {
        free(text);
        return -1;
    }
    axn_ctl_format_proc_net_snmp(st, text, PROC_TEXT);
    add_proc_pairs(tab, text);
    axn_ctl_format_proc_net_netstat(st, text, PROC_TEXT);
    add_proc_pairs(tab, text);
    free(text);
    return 0;
}

static const char *dhcp_state_name(enum axn_dhcp_client_state s)
{
    static const char *const names[] = {"stopped", "init",     "selecting", "requesting", "probing",
                                        "bound",   "renewing", "rebinding", "init-reboot"};
    return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void dhcp_row(struct cli_table *tab, const char *ifname, const struct axn_dhcp_lease_info *l,
                     axn_time_t now)
{
    char ip[IP_TEXT];
    cli_table_set(tab, 0, "%s", ifname);
    cli_table_set(tab, 1, "%s", dhcp_state_name(l->state));
    if (l->has_lease) {
        cli_table_set(tab, 2, "%s", ip_text(l->addr, ip));
        cli_table_set(tab, 3, "%u", (unsigned)l->prefix_len);
        cli_table_set(tab, 4, "%s", ip_text(l->router, ip));
        cli_table_set(tab, 5, "%s", ip_text(l->server, ip));
        if (l->n_dns)
            cli_table_set(tab, 6, "%s", ip_text(l->dns[0], ip));
        cli_table_set(tab, 7, "%u", (unsigned)l->lease_secs);
        cli_table_set(
            tab, 8, "%llu",
            (unsigned long long)(l->expires > now ? (l->expires - now) / AXN_USEC_PER_SEC : 0));
    }
    cli_table_set(tab, 9, "%llu", (unsigned long long)l->stats.discovers);
    cli_table_set(tab, 10, "%llu", (unsigned long long)l->stats.requests);
    cli_table_set(tab, 11, "%llu", (unsigned long long)l->stats.acks);
}

static int build_dhcp(struct axn_stack *st, struct cli_table *t[], size_t *n)
{
    static const char *const cols[] = {
        "iface",       "state",       "addr",       "#prefix_len", "router", "server", "dns",
        "#lease_secs", "#expires_in", "#discovers", "#requests",   "#acks",  NULL};
    struct axn_iface_info ifs[LIST_MAX];
    struct axn_dhcp_lease_info l;
    struct cli_table *tab = new_table(t, n, "dhcp", "DHCP clients", cols);
    if (!tab)
        return -1;
    size_t cnt = axn_ctl_interfaces(st, ifs, LIST_MAX);
    cnt = cnt < LIST_MAX ? cnt : LIST_MAX;
    for (size_t i = 0; i < cnt; i++)
        if (axn_dhcp_client_info(st, ifs[i].ifindex, &l) == 0 && cli_table_row(tab))
            dhcp_row(tab, ifs[i].name, &l, axn_port_posix_now());
    return 0;
}

static void counter_row(struct cli_table *tab, const char *name, uint64_t v)
{
    if (!cli_table_row(tab))
        return;
    cli_table_set(tab, 0, "%s", name);
    cli_table_set(tab, 1, "%llu", (unsigned long long)v);
}

static int build_dns(struct axn_stack *st, struct cli_table *t[], size_t *n)
{
    static const char *const cols[] = {"counter", "#value", NULL};
    struct axn_dns_stats s;
    struct cli_table *tab = new_table(t, n, "dns", "DNS resolver", cols);
    if (!tab)
        return -1;
    axn_dns_get_stats(st, &s);
    const struct {
        const char *name;
        uint64_t v;
    } rows[] = {{"queries", s.queries},
                {"cache_hits", s.cache_hits},
                {"cache_misses", s.cache_misses},
                {"sent_udp", s.sent_udp},
                {"sent_tcp", s.sent_tcp},
                {"retries", s.retries},
                {"truncated", s.truncated},
                {"rx_ignored", s.rx_ignored},
                {"resolved", s.resolved},
                {"nxdomain", s.nxdomain},
                {"nodata", s.nodata},
                {"server_failures", s.server_failures},
                {"timeouts", s.timeouts},
                {"cname_followed", s.cname_followed},
                {"cache_entries", s.cache_entries}};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        counter_row(tab, rows[i].name, rows[i].v);
    return 0;
}

static int build_stats(struct axn_stack *st, struct cli_table *t[], size_t *n)
{
    if (build_links(st, t, n) || build_snmp(st, t, n) || build_dhcp(st, t, n) ||
        build_dns(st, t, n))
        return -1;
    return 0;
}

/* ---- The commands -------------------------------------------------------------- */

static void table_usage(const char *cmd, const char *what, FILE *to)
{
    fprintf(to,
            "usage: axnet %s --tap NAME [runner options] [--json]\n\n"
            "Brings a stack up on the TAP(s) and prints %s, as aligned columns or\n"
            "(--json) one JSON object.\n\n",
            cmd, what);
    if (to == stdout)
        axn_runner_print_flags();
}

static int table_command(int argc, char **argv, const char *cmd, const char *what, build_fn build)
{
    struct axn_runner r;
    char prog[FLAGS_TEXT];
    snprintf(prog, sizeof(prog), "axnet %s", cmd);
    if (axn_cmd_wants_help(argc, argv)) {
        table_usage(cmd, what, stdout);
        return 0;
    }
    if (axn_runner_parse(&r, prog, &argc, argv) != 0)
        return AXN_EXIT_USAGE;
    if (argc != 1) {
        fprintf(stderr, "%s: unexpected argument '%s' (try --help)\n", prog, argv[1]);
        return AXN_EXIT_USAGE;
    }
    if (axn_runner_start(&r) != 0)
        return AXN_EXIT_FAIL;
    struct cli_table *t[MAX_TABLES];
    size_t n = 0;
    const int rc = build(axn_runner_stack(&r), t, &n);
    if (rc == 0)
        cli_tables_print(t, n, r.json, stdout);
    else
        fprintf(stderr, "%s: out of memory\n", prog);
    for (size_t i = 0; i < n; i++)
        cli_table_free(t[i]);
    axn_runner_stop(&r);
    return rc == 0 ? 0 : AXN_EXIT_FAIL;
}

int axn_cmd_ifconfig(int argc, char **argv)
{
    return table_command(argc, argv, "ifconfig", "its interfaces", build_ifconfig);
}

int axn_cmd_route(int argc, char **argv)
{
    return table_command(argc, argv, "route", "its IPv4 routing table", build_route);
}

int axn_cmd_arp(int argc, char **argv)
{
    return table_command(argc, argv, "arp", "its ARP table", build_arp);
}

int axn_cmd_stats(int argc, char **argv)
{
    return table_command(argc, argv, "stats",
                         "per-link counters, the SNMP and netstat counters, the DHCP\n"
                         "leases and the DNS resolver's counters",
                         build_stats);
}
