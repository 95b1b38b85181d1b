/*
 * DHCP client, DHCP server and DNS resolver of the stack against Linux
 * programs over a TAP (issue 7 "Interop" acceptance; spec §13):
 *   - dnsmasq as DHCP and DNS server: the stack's DHCP client learns an
 *     address in dnsmasq's range, the default route and the DNS server
 *     (RFC 2131), and axn_resolve gets A and AAAA answers for a name of
 *     dnsmasq's hosts file and NXDOMAIN for a name it does not serve;
 *     dnsmasq's log shows DISCOVER/OFFER/REQUEST/ACK and, when the stack
 *     stops, RELEASE for our MAC;
 *   - the same with a T1 of a few seconds: a renewal (RFC 2131 4.4.5) is a
 *     second REQUEST/ACK pair in dnsmasq's log and an extended lease;
 *   - the stack's DHCP server leasing to busybox udhcpc, and udhcpc's
 *     DHCPRELEASE taking the lease out of the server's table.
 *
 * Everything runs in a namespace the test creates (tests/support/
 * tap_stack.h: Linux at 192.0.2.1/24 on the TAP); dnsmasq and udhcpc run in
 * it, are stopped by pid and their files live in a temporary directory
 * removed at the end. Every frame the stack sees is recorded in
 * $AXN_BUILD_DIR/test_dhcp_dns_tap_<case>.pcap and read back by tshark.
 * A case whose Linux program is missing is skipped, saying which.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "axnet/dhcp.h"
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/resolver.h"
#include "axnet/stack.h"
#include "cmd.h"
#include "netns.h"
#include "tap_stack.h"
#include "tshark.h"

/* ---- Addresses (TEST-NET-1 and the IPv6 documentation prefix) ----------- */

#define LINUX_IP      AXN_TAP_LINUX_IP
#define LINUX_IP_STR  AXN_TAP_LINUX_IP_STR
#define RANGE_FIRST   AXN_IP4(192, 0, 2, 50)
#define RANGE_LAST    AXN_IP4(192, 0, 2, 99)
#define RANGE_STR     "192.0.2.50,192.0.2.99,255.255.255.0"
#define WEB_NAME      "web.axnet.test"
#define WEB_A         AXN_IP4(192, 0, 2, 10)
#define WEB_A_STR     "192.0.2.10"
#define WEB_AAAA_STR  "2001:db8::10"
#define MISSING_NAME  "nowhere.axnet.test"
#define LOCAL_DOMAIN  "axnet.test"
#define HOSTS_TTL     300 /* seconds, so that our cache keeps the answers */
#define POOL_FIRST    AXN_IP4(192, 0, 2, 100)
#define POOL_LAST     AXN_IP4(192, 0, 2, 110)
#define OUR_IP        AXN_TAP_OUR_IP
#define PREFIX_LEN    AXN_TAP_PREFIX_LEN
#define NETMASK       AXN_IP4(255, 255, 255, 0)
#define IP6_LEN       16
#define WEB_AAAA_LAST 0x10 /* 2001:db8::10 */
#define DOC6_PREFIX_0 0x20 /* 2001:0db8:: */
#define DOC6_PREFIX_1 0x01
#define DOC6_PREFIX_2 0x0d
#define DOC6_PREFIX_3 0xb8
#define IP4_TEXT_LEN  16
#define MAC_TEXT_LEN  18

/* ---- Times ------------------------------------------------------------------ */

/* dnsmasq's shortest lease is 2 minutes; T1 and T2 are sent explicitly. */
#define LEASE_SECS      120
#define LEASE_STR       "2m"
#define SHORT_T1_SECS   4
#define SHORT_T2_SECS   100
#define BOUND_WAIT_S    15 /* DISCOVER to BOUND, dnsmasq's ping check included */
#define RENEW_SLACK_S   8  /* after T1, for the REQUEST/ACK to happen */
#define RESOLVE_TIMEOUT AXN_SEC(5)
#define READY_WAIT_MS   5000  /* dnsmasq up */
#define LOG_WAIT_MS     3000  /* a line to reach dnsmasq's log */
#define STOP_WAIT_MS    2000  /* SIGTERM to gone */
#define UDHCPC_WAIT_MS  10000 /* udhcpc's 5 DISCOVERs 1 s apart, and more */
#define POLL_MS         50
#define NSEC_PER_MSEC   1000000L
#define MSEC_PER_SEC    1000

/* ---- Limits ------------------------------------------------------------------- */

#define OUT_LEN     4096
#define LOG_MAX     (256 * 1024)
#define NEEDLE_LEN  128
#define MAX_LEASES  16
#define MAX_ROUTES  8
#define MAX_IFACES  4
#define MAX_DNS     4
#define UDHCPC_ARGS "-f -n -t 5 -T 1"
#define DECIMAL     10

static const struct axn_tap_stack_config dhcp_cfg = {.ns_tag = "sdhc",
                                                     .tap_prefix = "axd",
                                                     .pcap_prefix = "test_dhcp_dns_tap",
                                                     .threaded = true,
                                                     .ipv4_dhcp = true};
static const struct axn_tap_stack_config static_cfg = {
    .ns_tag = "sdhs", .tap_prefix = "axd", .pcap_prefix = "test_dhcp_dns_tap", .threaded = true};
static const struct axn_tap_stack_config static_dns_cfg = {.ns_tag = "sdns",
                                                           .tap_prefix = "axd",
                                                           .pcap_prefix = "test_dhcp_dns_tap",
                                                           .threaded = true,
                                                           .static_dns = AXN_TAP_LINUX_IP};

struct fixture {
    struct axn_tap_stack ts;
    char dir[PATH_MAX]; /* temporary files of dnsmasq / udhcpc */
    long dnsmasq_pid;
    long udhcpc_pid;
    long long start_ms;          /* when the stack started */
    char mac_text[MAC_TEXT_LEN]; /* our MAC as dnsmasq logs it */
};

static struct fixture fx;

/* ---- Small helpers ------------------------------------------------------------ */

static void ip4_text(axn_ip4_t a, char *buf)
{
    snprintf(buf, IP4_TEXT_LEN, "%u.%u.%u.%u", (unsigned)(a >> 24) & 0xffu,
             (unsigned)(a >> 16) & 0xffu, (unsigned)(a >> 8) & 0xffu, (unsigned)a & 0xffu);
}

static void mac_text(const struct axn_mac *m, char *buf)
{
    snprintf(buf, MAC_TEXT_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2], m->b[3],
             m->b[4], m->b[5]);
}

static void nap_ms(long ms)
{
    const struct timespec t = {.tv_sec = ms / MSEC_PER_SEC,
                               .tv_nsec = (ms % MSEC_PER_SEC) * NSEC_PER_MSEC};
    nanosleep(&t, NULL);
}

static void path_in_dir(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", fx.dir, name);
}

/* The whole file (at most LOG_MAX bytes) into a malloc'd string, or NULL. */
static char *read_text(const char *name)
{
    char path[PATH_MAX];
    path_in_dir(path, sizeof(path), name);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = malloc(LOG_MAX + 1);
    size_t n = buf ? fread(buf, 1, LOG_MAX, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static void write_text(const char *name, const char *text, mode_t mode)
{
    char path[PATH_MAX];
    path_in_dir(path, sizeof(path), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* Lines of `text` holding all of a, b and c (b and c may be NULL). */
static int count_lines(const char *text, const char *a, const char *b, const char *c)
{
    int n = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char one[OUT_LEN];
        snprintf(one, sizeof(one), "%.*s", (int)len, line);
        if (strstr(one, a) && (!b || strstr(one, b)) && (!c || strstr(one, c)))
            n++;
        line = end ? end + 1 : NULL;
    }
    return n;
}

/* Waits up to `ms` for the log `name` to hold at least `want` lines with
 * a, b and c; returns how many it holds. */
static int wait_log_lines(const char *name, int want, const char *a, const char *b, const char *c,
                          long ms)
{
    int n = 0;
    for (long waited = 0;; waited += POLL_MS) {
        char *text = read_text(name);
        n = text ? count_lines(text, a, b, c) : 0;
        free(text);
        if (n >= want || waited >= ms)
            return n;
        nap_ms(POLL_MS);
    }
}

/* The dnsmasq log, printed when a check of it fails. */
static void dump_log(const char *name)
{
    char *text = read_text(name);
    print_error("---- %s ----\n%s\n---- end ----\n", name, text ? text : "(none)");
    free(text);
}

/* Frames of the stack's capture matching a tshark display filter
 * (printf-style); asserts tshark ran. */
static int pcap_count(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int pcap_count(const char *fmt, ...)
{
    char filter[OUT_LEN];
    char out[OUT_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(filter, sizeof(filter), fmt, ap);
    va_end(ap);
    const char *argv[] = {"tshark", "-r", fx.ts.pcap_path, "-Y", filter, "-T",
                          "fields", "-e", "frame.number",  NULL};
    assert_int_equal(axn_cmd_run(argv, out, sizeof(out), AXN_CMD_TIMEOUT_MS), 0);
    int n = 0;
    for (const char *p = out; *p; p++)
        n += *p == '\n';
    return n;
}

static void skip_without(const char *prog)
{
    if (!axn_cmd_exists(prog)) {
        print_message("SKIP: %s is not installed (Debian package %s)\n", prog,
                      strcmp(prog, "dnsmasq") == 0 ? "dnsmasq-base" : "udhcpc");
        skip();
    }
}

/* ---- Fixture ---------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/axn-dhcp-XXXXXX");
    return mkdtemp(fx.dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    axn_tap_stack_stop(&fx.ts); /* its DHCPRELEASE reaches a live dnsmasq */
    axn_cmd_stop_pid(fx.dnsmasq_pid, STOP_WAIT_MS);
    axn_cmd_stop_pid(fx.udhcpc_pid, STOP_WAIT_MS);
    axn_tap_stack_cleanup(&fx.ts);
    if (fx.dir[0]) {
        const char *argv[] = {"rm", "-rf", fx.dir, NULL};
        axn_cmd_run(argv, NULL, 0, AXN_CMD_TIMEOUT_MS);
    }
    memset(&fx, 0, sizeof(fx));
    return 0;
}

/* ---- dnsmasq ------------------------------------------------------------------------ */

/* dnsmasq in the foreground in the namespace (its pid from $!: it writes
 * no pid file without daemonising), DHCP and DNS on the TAP only, names
 * from our hosts file, NXDOMAIN for the rest of LOCAL_DOMAIN (--local).
 * Hosts-file answers carry HOSTS_TTL (dnsmasq's default is 0: uncacheable).
 * --user=root: it keeps the right to write its log in our 0700 directory.
 * `t1` 0: dnsmasq's default T1/T2. */
static void start_dnsmasq(unsigned t1, unsigned t2)
{
    char opts[OUT_LEN] = "";
    char out[OUT_LEN];
    if (t1)
        snprintf(opts, sizeof(opts), "--dhcp-option=option:T1,%u --dhcp-option=option:T2,%u", t1,
                 t2);
    write_text("hosts", WEB_A_STR " " WEB_NAME "\n" WEB_AAAA_STR " " WEB_NAME "\n", 0644);
    const int rc = axn_netns_run(
        &fx.ts.ns, out, sizeof(out),
        "dnsmasq --no-daemon --conf-file=/dev/null --user=root --interface=%s "
        "--bind-interfaces --except-interface=lo --dhcp-range=%s,%s "
        "--dhcp-option=option:router,%s --dhcp-option=option:dns-server,%s %s "
        "--no-resolv --no-hosts --addn-hosts=%s/hosts --local=/%s/ --local-ttl=%d --log-dhcp "
        "--log-queries "
        "--log-facility=%s/dnsmasq.log "
        "--dhcp-leasefile=%s/dnsmasq.leases >%s/dnsmasq.out 2>&1 </dev/null & echo $!",
        fx.ts.ifname, RANGE_STR, LEASE_STR, LINUX_IP_STR, LINUX_IP_STR, opts, fx.dir, LOCAL_DOMAIN,
        HOSTS_TTL, fx.dir, fx.dir, fx.dir);
    assert_int_equal(rc, 0);
    fx.dnsmasq_pid = strtol(out, NULL, DECIMAL);
    assert_true(fx.dnsmasq_pid > 0);
    /* Its last start-up line: the hosts file read, sockets bound before. */
    if (wait_log_lines("dnsmasq.log", 1, "read ", "/hosts", NULL, READY_WAIT_MS) != 1) {
        dump_log("dnsmasq.out");
        fail_msg("dnsmasq did not start");
    }
}

/* The namespace, dnsmasq on Linux's side, then our stack (as its DHCP
 * client or, with static_dns_cfg, a static host using it for DNS). */
static void boot_against_dnsmasq(const struct axn_tap_stack_config *cfg, const char *what,
                                 unsigned t1, unsigned t2)
{
    assert_int_equal(axn_tap_stack_open_link(&fx.ts, cfg), 0);
    start_dnsmasq(t1, t2);
    fx.start_ms = axn_tap_stack_now_ms();
    assert_int_equal(axn_tap_stack_start(&fx.ts, cfg, what), 0);
    mac_text(&fx.ts.ours, fx.mac_text);
}

static uint32_t eth0_index(void)
{
    struct axn_iface_info ii;
    assert_int_equal(axn_ctl_interface_by_name(fx.ts.st, AXN_TAP_OUR_IFNAME, &ii), 0);
    return ii.ifindex;
}

/* Bound within BOUND_WAIT_S; the client's view of the lease. */
static void wait_bound(struct axn_dhcp_lease_info *li)
{
    const int rc = axn_dhcp_wait_bound(fx.ts.st, AXN_SEC(BOUND_WAIT_S));
    print_message("DHCP: bound %lld ms after the stack started (rc %d)\n",
                  axn_tap_stack_now_ms() - fx.start_ms, rc);
    if (rc != 0) {
        dump_log("dnsmasq.log");
        fail_msg("no lease from dnsmasq in %d s: %d", BOUND_WAIT_S, rc);
    }
    assert_int_equal(axn_dhcp_client_info(fx.ts.st, eth0_index(), li), 0);
    assert_int_equal(li->state, AXN_DHCPC_BOUND);
    assert_true(li->has_lease);
}

/* The lease is what dnsmasq was told to give. */
static void assert_lease_from_dnsmasq(const struct axn_dhcp_lease_info *li)
{
    assert_in_range(li->addr, RANGE_FIRST, RANGE_LAST);
    assert_int_equal(li->prefix_len, PREFIX_LEN);
    assert_int_equal(li->router, LINUX_IP);
    assert_int_equal(li->server, LINUX_IP);
    assert_int_equal(li->n_dns, 1);
    assert_int_equal(li->dns[0], LINUX_IP);
    assert_int_equal(li->lease_secs, LEASE_SECS);
    assert_true(li->obtained > 0 && li->t1 > li->obtained && li->t2 > li->t1);
    assert_true(li->expires > li->t2);
    assert_int_equal(li->stats.acks, 1);
}

/* The commit reached the control plane: address, default route, DNS. */
static void assert_committed(const struct axn_dhcp_lease_info *li)
{
    struct axn_iface_info ii;
    assert_int_equal(axn_ctl_interface_by_name(fx.ts.st, AXN_TAP_OUR_IFNAME, &ii), 0);
    assert_true(ii.has_ipv4);
    assert_int_equal(ii.addr, li->addr);
    assert_int_equal(ii.prefix_len, PREFIX_LEN);

    struct axn_route_info r[MAX_ROUTES];
    assert_int_equal(axn_ctl_default_routes(fx.ts.st, r, MAX_ROUTES), 1);
    assert_true(r[0].has_via);
    assert_int_equal(r[0].via, LINUX_IP);
    assert_int_equal(r[0].ifindex, ii.ifindex);

    axn_ip4_t dns[MAX_DNS];
    assert_int_equal(axn_ctl_dns_servers(fx.ts.st, dns, MAX_DNS), 1);
    assert_int_equal(dns[0], LINUX_IP);
    assert_true(axn_dhcp_configured(fx.ts.st));
}

/* dnsmasq logged the four messages of a lease for our MAC. */
static void assert_dnsmasq_saw_lease(axn_ip4_t addr)
{
    char ip[IP4_TEXT_LEN];
    char disc[NEEDLE_LEN];
    char offer[NEEDLE_LEN];
    char req[NEEDLE_LEN];
    char ack[NEEDLE_LEN];
    ip4_text(addr, ip);
    snprintf(disc, sizeof(disc), "DHCPDISCOVER(%s)", fx.ts.ifname);
    snprintf(offer, sizeof(offer), "DHCPOFFER(%s) %s", fx.ts.ifname, ip);
    snprintf(req, sizeof(req), "DHCPREQUEST(%s) %s", fx.ts.ifname, ip);
    snprintf(ack, sizeof(ack), "DHCPACK(%s) %s", fx.ts.ifname, ip);
    const char *log = "dnsmasq.log";
    if (wait_log_lines(log, 1, disc, fx.mac_text, NULL, LOG_WAIT_MS) < 1 ||
        wait_log_lines(log, 1, offer, fx.mac_text, NULL, LOG_WAIT_MS) < 1 ||
        wait_log_lines(log, 1, req, fx.mac_text, NULL, LOG_WAIT_MS) < 1 ||
        wait_log_lines(log, 1, ack, fx.mac_text, NULL, LOG_WAIT_MS) < 1) {
        dump_log(log);
        fail_msg("dnsmasq's log lacks DISCOVER/OFFER/REQUEST/ACK of %s for %s", ip, fx.mac_text);
    }
}

/* Stopping the stack releases the lease (RFC 2131 4.4.6): dnsmasq logs it. */
static void assert_release_on_stop(axn_ip4_t addr)
{
    char ip[IP4_TEXT_LEN];
    char rel[NEEDLE_LEN];
    ip4_text(addr, ip);
    snprintf(rel, sizeof(rel), "DHCPRELEASE(%s) %s", fx.ts.ifname, ip);
    axn_tap_stack_stop(&fx.ts);
    if (wait_log_lines("dnsmasq.log", 1, rel, fx.mac_text, NULL, LOG_WAIT_MS) != 1) {
        dump_log("dnsmasq.log");
        fail_msg("no DHCPRELEASE of %s from %s when the stack stopped (%d in the capture)", ip,
                 fx.mac_text, pcap_count("dhcp.option.dhcp == 7"));
    }
    nap_ms(POLL_MS);
    print_message("dnsmasq logged %d DHCPRELEASE\n",
                  wait_log_lines("dnsmasq.log", 2, rel, fx.mac_text, NULL, 0));
    /* One RELEASE frame, unicast to the server from the lease. */
    const int releases = pcap_count("dhcp.option.dhcp == 7");
    if (releases != 1)
        fail_msg("%d DHCPRELEASE frames on the wire, want 1 (the same IP packet sent twice: "
                 "two threads servicing one TX queue at axn_stack_destroy?)",
                 releases);
    assert_int_equal(pcap_count("dhcp.option.dhcp == 7 && ip.src == %s && ip.dst == %s && "
                                "dhcp.ip.client == %s",
                                ip, LINUX_IP_STR, ip),
                     1);
}

/* On the wire (the capture is complete: the stack stopped): DISCOVERs
 * broadcast, the offered address ARP-probed AXN_DHCP_PROBE_NUM times and
 * announced (RFC 5227 2.1.1, 2.3) before it was used. */
static void assert_wire_boot(axn_ip4_t addr)
{
    char ip[IP4_TEXT_LEN];
    ip4_text(addr, ip);
    assert_true(pcap_count("dhcp.option.dhcp == 1 && eth.src == %s", fx.mac_text) >= 1);
    assert_int_equal(pcap_count("dhcp.option.dhcp == 1 && eth.dst != ff:ff:ff:ff:ff:ff"), 0);
    assert_int_equal(pcap_count("arp.src.proto_ipv4 == 0.0.0.0 && arp.dst.proto_ipv4 == %s && "
                                "eth.src == %s",
                                ip, fx.mac_text),
                     AXN_DHCP_PROBE_NUM);
    assert_true(pcap_count("arp.src.proto_ipv4 == %s && arp.dst.proto_ipv4 == %s && eth.src == %s",
                           ip, ip, fx.mac_text) >= 1);
}

/* ---- Resolver ------------------------------------------------------------------------ */

static int resolve(const char *name, int family, struct axn_dns_result *res)
{
    const struct axn_dns_options opt = {.family = family, .timeout = RESOLVE_TIMEOUT};
    memset(res, 0, sizeof(*res));
    return axn_resolve(fx.ts.st, name, &opt, res);
}

static void assert_resolves_web(void)
{
    struct axn_dns_result res;
    assert_int_equal(resolve(WEB_NAME, AXN_AF_INET, &res), 0);
    assert_int_equal(res.n_addrs, 1);
    assert_int_equal(res.addrs[0].family, AXN_AF_INET);
    assert_int_equal(res.addrs[0].a4, WEB_A);
    assert_int_equal(res.server, LINUX_IP);
    assert_false(res.from_cache);
    /* Asked again: from our cache (HOSTS_TTL), dnsmasq not asked. */
    assert_int_equal(resolve(WEB_NAME, AXN_AF_INET, &res), 0);
    assert_true(res.from_cache);
    assert_int_equal(res.addrs[0].a4, WEB_A);

    const uint8_t want6[IP6_LEN] = {DOC6_PREFIX_0, DOC6_PREFIX_1, DOC6_PREFIX_2, DOC6_PREFIX_3,
                                    [IP6_LEN - 1] = WEB_AAAA_LAST};
    assert_int_equal(resolve(WEB_NAME, AXN_AF_INET6, &res), 0);
    assert_int_equal(res.n_addrs, 1);
    assert_int_equal(res.addrs[0].family, AXN_AF_INET6);
    assert_memory_equal(res.addrs[0].a6.b, want6, IP6_LEN);

    /* dnsmasq is authoritative for LOCAL_DOMAIN (--local): NXDOMAIN. */
    assert_int_equal(resolve(MISSING_NAME, AXN_AF_INET, &res), -AXN_ENXIO);

    struct axn_dns_stats ds;
    axn_dns_get_stats(fx.ts.st, &ds);
    assert_int_equal(ds.queries, 4);
    assert_int_equal(ds.resolved, 3); /* the cache hit included */
    assert_int_equal(ds.nxdomain, 1);
    assert_int_equal(ds.cache_hits, 1);
    assert_int_equal(ds.sent_udp, 3);
    assert_int_equal(ds.retries + ds.timeouts + ds.rx_ignored, 0);
    char query[NEEDLE_LEN];
    snprintf(query, sizeof(query), "query[A] %s ", WEB_NAME);
    assert_int_equal(wait_log_lines("dnsmasq.log", 1, query, NULL, NULL, LOG_WAIT_MS), 1);
    snprintf(query, sizeof(query), "query[AAAA] %s", WEB_NAME);
    assert_int_equal(wait_log_lines("dnsmasq.log", 1, query, NULL, NULL, LOG_WAIT_MS), 1);
}

/* ---- Tests: the stack as dnsmasq's client ------------------------------------------ */

/* The resolver alone (a static address, dnsmasq as its configured DNS
 * server): A, AAAA and NXDOMAIN from dnsmasq's hosts file. */
static void dnsmasq_answers_our_resolver(void **state)
{
    (void)state;
    skip_without("dnsmasq");
    boot_against_dnsmasq(&static_dns_cfg, "dnsmasq_dns", 0, 0);
    assert_resolves_web();
    axn_tap_stack_stop(&fx.ts);
    axn_tshark_assert_clean(fx.ts.pcap_path, AXN_TSHARK_ANY_FRAMES);
}

/* Address, route and DNS server learnt from dnsmasq; names resolved by it. */
static void dnsmasq_leases_and_resolves(void **state)
{
    (void)state;
    skip_without("dnsmasq");
    boot_against_dnsmasq(&dhcp_cfg, "dnsmasq_boot", 0, 0);
    struct axn_dhcp_lease_info li;
    wait_bound(&li);
    assert_lease_from_dnsmasq(&li);
    assert_committed(&li);
    assert_dnsmasq_saw_lease(li.addr);
    assert_resolves_web();
    assert_release_on_stop(li.addr);
    assert_wire_boot(li.addr);
    axn_tshark_assert_clean(fx.ts.pcap_path, AXN_TSHARK_ANY_FRAMES);
}

/* Polls the client until it counts a renewal, or T1 + RENEW_SLACK_S. */
static void wait_renewal(struct axn_dhcp_lease_info *now)
{
    const long long t0 = axn_tap_stack_now_ms();
    for (;;) {
        assert_int_equal(axn_dhcp_client_info(fx.ts.st, eth0_index(), now), 0);
        if (now->stats.renewals >= 1 ||
            axn_tap_stack_now_ms() - t0 > (SHORT_T1_SECS + RENEW_SLACK_S) * MSEC_PER_SEC)
            break;
        nap_ms(POLL_MS);
    }
    print_message("DHCP: renewed %lld ms after bound\n", axn_tap_stack_now_ms() - t0);
}

/* dnsmasq logged a second REQUEST/ACK pair for our MAC and address. */
static void assert_dnsmasq_saw_renewal(const char *ip)
{
    char req[NEEDLE_LEN];
    char ack[NEEDLE_LEN];
    snprintf(req, sizeof(req), "DHCPREQUEST(%s) %s", fx.ts.ifname, ip);
    snprintf(ack, sizeof(ack), "DHCPACK(%s) %s", fx.ts.ifname, ip);
    if (wait_log_lines("dnsmasq.log", 2, req, fx.mac_text, NULL, LOG_WAIT_MS) != 2 ||
        wait_log_lines("dnsmasq.log", 2, ack, fx.mac_text, NULL, LOG_WAIT_MS) != 2) {
        dump_log("dnsmasq.log");
        fail_msg("dnsmasq's log lacks the renewal's REQUEST/ACK of %s", ip);
    }
}

/* RENEWING on the wire (RFC 2131 4.3.2, table 4): one REQUEST unicast from
 * the lease to the server, ciaddr set, neither requested address nor
 * server id. */
static void assert_wire_renewal(const char *ip)
{
    assert_int_equal(pcap_count("dhcp.option.dhcp == 3 && ip.src == %s && ip.dst == %s && "
                                "dhcp.ip.client == %s",
                                ip, LINUX_IP_STR, ip),
                     1);
    assert_int_equal(pcap_count("dhcp.option.dhcp == 3 && ip.src == %s && "
                                "(dhcp.option.requested_ip_address || dhcp.option.dhcp_server_id)",
                                ip),
                     0);
}

/* T1 of SHORT_T1_SECS: the lease is renewed (RENEWING, unicast REQUEST to
 * dnsmasq, ACK) with the same address and a later end. */
static void dnsmasq_renews_at_t1(void **state)
{
    (void)state;
    skip_without("dnsmasq");
    boot_against_dnsmasq(&dhcp_cfg, "dnsmasq_renew", SHORT_T1_SECS, SHORT_T2_SECS);
    struct axn_dhcp_lease_info first;
    wait_bound(&first);
    assert_lease_from_dnsmasq(&first);
    /* dnsmasq sent our T1 and T2 (options 58 and 59) and the client took them. */
    assert_true(first.t1 - first.obtained <= AXN_SEC(SHORT_T1_SECS));
    assert_true(first.t2 - first.obtained <= AXN_SEC(SHORT_T2_SECS));

    struct axn_dhcp_lease_info now;
    wait_renewal(&now);
    assert_int_equal(now.stats.renewals, 1);
    assert_int_equal(now.state, AXN_DHCPC_BOUND);
    assert_int_equal(now.addr, first.addr);
    assert_true(now.obtained > first.obtained);
    assert_true(now.expires > first.expires);
    assert_int_equal(now.stats.acks, 2);
    assert_int_equal(now.stats.discovers, first.stats.discovers);
    char ip[IP4_TEXT_LEN];
    ip4_text(first.addr, ip);
    assert_dnsmasq_saw_renewal(ip);
    assert_committed(&now);

    assert_release_on_stop(first.addr);
    assert_wire_boot(first.addr);
    assert_wire_renewal(ip);
    axn_tshark_assert_clean(fx.ts.pcap_path, AXN_TSHARK_ANY_FRAMES);
}

/* ---- Tests: our server, busybox udhcpc as the client -------------------------------- */

/* udhcpc's script: one line per event with what it was given, and the
 * address configured on the interface as a real client does (udhcpc's
 * renew and release go from it, and the server's unicast ACK to it). */
#define UDHCPC_SCRIPT                                                                              \
    "#!/bin/sh\n"                                                                                  \
    "d=$(dirname \"$0\")\n"                                                                        \
    "echo \"$1 ip=$ip subnet=$subnet router=$router dns=$dns lease=$lease "                        \
    "serverid=$serverid\" >>$d/udhcpc.events\n"                                                    \
    "case $1 in\n"                                                                                 \
    "bound|renew) ip addr replace $ip/$mask dev $interface && echo $ip/$mask >$d/addr ;;\n"        \
    "deconfig) [ ! -s $d/addr ] || ip addr del $(cat $d/addr) dev $interface; rm -f $d/addr "      \
    ";;\n"                                                                                         \
    "esac\n"

static void start_our_server(void)
{
    const struct axn_dhcp_server_config sc = {.ifindex = eth0_index(),
                                              .pool_first = POOL_FIRST,
                                              .pool_last = POOL_LAST,
                                              .netmask = NETMASK,
                                              .router = OUR_IP,
                                              .dns = {OUR_IP},
                                              .n_dns = 1};
    assert_int_equal(axn_dhcp_server_start(fx.ts.st, &sc), 0);
}

/* udhcpc in the background in the namespace (it stays after the lease:
 * no -q, so that signals can make it renew and release). */
static void start_udhcpc(void)
{
    char out[OUT_LEN];
    const int rc = axn_netns_run(&fx.ts.ns, out, sizeof(out),
                                 "udhcpc -i %s %s -s %s/script >%s/udhcpc.out 2>&1 </dev/null & "
                                 "echo $!",
                                 fx.ts.ifname, UDHCPC_ARGS, fx.dir, fx.dir);
    assert_int_equal(rc, 0);
    fx.udhcpc_pid = strtol(out, NULL, DECIMAL);
    assert_true(fx.udhcpc_pid > 0);
}

/* Waits for udhcpc's script to have recorded `n` events named `event`. */
static void wait_udhcpc_event(const char *event, int n)
{
    char needle[NEEDLE_LEN];
    snprintf(needle, sizeof(needle), "%s ip=", event);
    if (wait_log_lines("udhcpc.events", n, needle, NULL, NULL, UDHCPC_WAIT_MS) < n) {
        dump_log("udhcpc.out");
        dump_log("udhcpc.events");
        fail_msg("udhcpc: no \"%s\" event (%d wanted)", event, n);
    }
}

/* The address of the last "bound" event udhcpc's script recorded. */
static axn_ip4_t udhcpc_bound_ip(char *line, size_t len)
{
    char *text = read_text("udhcpc.events");
    assert_non_null(text);
    const char *last = NULL;
    for (const char *p = strstr(text, "bound "); p; p = strstr(p + 1, "bound "))
        if (p == text || p[-1] == '\n')
            last = p;
    unsigned a[4] = {0};
    const char *ipat = last ? strstr(last, "ip=") : NULL;
    if (!ipat || sscanf(ipat, "ip=%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]) != 4) {
        print_error("udhcpc events:\n%s\n", text);
        free(text);
        fail_msg("udhcpc recorded no bound event");
    }
    snprintf(line, len, "%.*s", (int)strcspn(last, "\n"), last);
    free(text);
    return AXN_IP4(a[0], a[1], a[2], a[3]);
}

/* Our server's acknowledged leases for `mac`; the address of the last. */
static int acked_leases_of(const struct axn_mac *mac, axn_ip4_t *addr)
{
    struct axn_dhcp_server_lease l[MAX_LEASES];
    const long n = axn_dhcp_server_leases(fx.ts.st, eth0_index(), l, MAX_LEASES);
    int found = 0;
    assert_true(n >= 0 && n <= MAX_LEASES);
    for (long i = 0; i < n; i++) {
        if (memcmp(l[i].mac.b, mac->b, AXN_MAC_LEN) == 0 && !l[i].offered_only && !l[i].declined) {
            *addr = l[i].addr;
            found++;
        }
    }
    return found;
}

/* One signal to udhcpc (SIGUSR1 renew, SIGUSR2 release). */
static void signal_udhcpc(const char *sig)
{
    assert_int_equal(axn_netns_run(&fx.ts.ns, NULL, 0, "kill -%s %ld", sig, fx.udhcpc_pid), 0);
}

/* Waits for our server's counter `which` to reach `n`; its stats. */
static void wait_server_stat(size_t offset, uint64_t n, struct axn_dhcp_server_stats *ss)
{
    for (int waited = 0;; waited += POLL_MS) {
        assert_int_equal(axn_dhcp_server_stats(fx.ts.st, eth0_index(), ss), 0);
        uint64_t v;
        memcpy(&v, (const char *)ss + offset, sizeof(v));
        if (v >= n || waited >= UDHCPC_WAIT_MS)
            return;
        nap_ms(POLL_MS);
    }
}

/* What udhcpc's "bound" event recorded is our pool and options. */
static axn_ip4_t assert_udhcpc_bound(void)
{
    char line[OUT_LEN];
    const axn_ip4_t ip = udhcpc_bound_ip(line, sizeof(line));
    print_message("udhcpc: %s\n", line);
    assert_in_range(ip, POOL_FIRST, POOL_LAST);
    assert_non_null(strstr(line, "subnet=255.255.255.0 "));
    assert_non_null(strstr(line, "router=" AXN_TAP_OUR_IP_STR " "));
    assert_non_null(strstr(line, "dns=" AXN_TAP_OUR_IP_STR " "));
    assert_non_null(strstr(line, "serverid=" AXN_TAP_OUR_IP_STR));
    char lease[NEEDLE_LEN];
    snprintf(lease, sizeof(lease), "lease=%u ", (unsigned)AXN_DHCPS_LEASE_SECS);
    assert_non_null(strstr(line, lease));
    return ip;
}

/* udhcpc gets an address of our pool with our router, DNS and lease time;
 * our server holds the lease for the TAP's MAC; udhcpc renews it (SIGUSR1)
 * and releases it (SIGUSR2), which takes it out of our table. */
static void our_server_leases_to_udhcpc(void **state)
{
    (void)state;
    skip_without("udhcpc");
    assert_int_equal(axn_tap_stack_setup(&fx.ts, &static_cfg, "udhcpc"), 0);
    write_text("script", UDHCPC_SCRIPT, 0755);
    struct axn_mac linux_mac;
    assert_int_equal(axn_tap_stack_linux_mac(&fx.ts, &linux_mac), 0);
    start_our_server();

    const long long t0 = axn_tap_stack_now_ms();
    start_udhcpc();
    wait_udhcpc_event("bound", 1);
    print_message("DHCP server: udhcpc bound in %lld ms\n", axn_tap_stack_now_ms() - t0);
    const axn_ip4_t ip = assert_udhcpc_bound();
    axn_ip4_t held = 0;
    assert_int_equal(acked_leases_of(&linux_mac, &held), 1);
    assert_int_equal(held, ip);

    struct axn_dhcp_server_stats ss;
    signal_udhcpc("USR1"); /* renew: a unicast REQUEST (RFC 2131 4.3.2) */
    wait_udhcpc_event("renew", 1);
    wait_server_stat(offsetof(struct axn_dhcp_server_stats, acks), 2, &ss);
    assert_int_equal(ss.acks, 2);
    assert_int_equal(acked_leases_of(&linux_mac, &held), 1);
    assert_int_equal(held, ip);

    signal_udhcpc("USR2"); /* release (RFC 2131 4.4.6) */
    wait_server_stat(offsetof(struct axn_dhcp_server_stats, releases), 1, &ss);
    assert_int_equal(ss.releases, 1);
    assert_int_equal(ss.naks, 0);
    assert_int_equal(ss.discovers, 1);
    assert_int_equal(acked_leases_of(&linux_mac, &held), 0);
    axn_cmd_stop_pid(fx.udhcpc_pid, STOP_WAIT_MS);
    fx.udhcpc_pid = 0;
    axn_tap_stack_stop(&fx.ts);
    axn_tshark_assert_clean(fx.ts.pcap_path, AXN_TSHARK_ANY_FRAMES);
}

int main(void)
{
    static const char *const tools[] = {"rm", "dirname", NULL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(dnsmasq_answers_our_resolver, setup, teardown),
        cmocka_unit_test_setup_teardown(dnsmasq_leases_and_resolves, setup, teardown),
        cmocka_unit_test_setup_teardown(dnsmasq_renews_at_t1, setup, teardown),
        cmocka_unit_test_setup_teardown(our_server_leases_to_udhcpc, setup, teardown),
    };

    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
