/*
 * The `axnet` runner (runner.h): flags -> one threaded stack on TAPs.
 * The steps are examples/tap_node.c's (platform, drivers, stack,
 * init_network, start), for any number of TAPs and with DHCP.
 */
#include "runner.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axnet/dhcp.h"
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/port_posix.h"

#define MAX_PREFIX       32
#define DECIMAL          10
#define PCAP_FULL_FRAMES 0
#define NSEC_PER_USEC    1000
#define MAC_BYTES        6
#define SYSFS_PATH_MAX   64
#define DEFAULT_LOG      AXN_LOG_WARN
#define SYSFS_TEXT       32
#define HEX              16
#define LINUX_IFF_UP     0x1
/* How long a TAP's Linux side may take to become operational. */
#define LINK_WAIT_MS  3000
#define LINK_POLL_MS  20
#define NSEC_PER_MSEC 1000000L

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

bool axn_runner_stopping(void)
{
    return stop_requested != 0;
}

struct axn_stack *axn_runner_stack(struct axn_runner *r)
{
    return r->st;
}

void axn_runner_print_flags(void)
{
    printf("runner options (per interface ones apply to the last --tap):\n"
           "  --tap NAME         open or create TAP NAME (repeat for more interfaces)\n"
           "  --ip ADDR/PREFIX   static IPv4 address\n"
           "  --gw ADDR          default gateway\n"
           "  --dns ADDR         DNS server (repeatable)\n"
           "  --dhcp             get the address by DHCP (waits up to 10 s for a lease)\n"
           "  --mac MAC          our station MAC (default: random, locally administered)\n"
           "  --mtu N            IP MTU of the interface\n"
           "  --pcap FILE        record the interface's frames in FILE\n"
           "  -v, -vv            stack log lines at INFO, DEBUG (stderr)\n"
           "  --json             table commands print JSON\n");
    axn_runner_sim_print_flags();
}

/* ---- Small parsers ------------------------------------------------------------ */

bool axn_runner_parse_uint(const char *s, unsigned long *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    *out = strtoul(s, &end, DECIMAL);
    return errno == 0 && *end == '\0';
}

bool axn_runner_parse_seconds(const char *s, axn_time_t *out)
{
    char *end;
    if (!s || ((*s < '0' || *s > '9') && *s != '.'))
        return false;
    errno = 0;
    const double v = strtod(s, &end);
    if (errno || *end != '\0' || !isfinite(v) || v < 0)
        return false;
    *out = (axn_time_t)(v * (double)AXN_USEC_PER_SEC);
    return true;
}

bool axn_runner_parse_ip4(const char *s, axn_ip4_t *out)
{
    struct in_addr a;
    if (!s || inet_pton(AF_INET, s, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

const char *axn_runner_ip4_str(axn_ip4_t ip, char *buf, size_t cap)
{
    const struct in_addr a = {.s_addr = htonl(ip)};
    if (!inet_ntop(AF_INET, &a, buf, (socklen_t)cap))
        snprintf(buf, cap, "?");
    return buf;
}

static bool parse_cidr(const char *s, struct axn_runner_iface *it)
{
    char addr[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    unsigned long prefix;
    if (!slash || (size_t)(slash - s) >= sizeof(addr))
        return false;
    memcpy(addr, s, (size_t)(slash - s));
    addr[slash - s] = '\0';
    if (!axn_runner_parse_ip4(addr, &it->addr) || !axn_runner_parse_uint(slash + 1, &prefix) ||
        prefix == 0 || prefix > MAX_PREFIX)
        return false;
    it->prefix_len = (uint8_t)prefix;
    it->static_ip = true;
    return true;
}

static bool parse_mac(const char *s, struct axn_mac *m)
{
    unsigned b[MAC_BYTES];
    char extra;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) !=
        MAC_BYTES)
        return false;
    for (int i = 0; i < MAC_BYTES; i++)
        m->b[i] = (uint8_t)b[i];
    return true;
}

/* ---- Flags -------------------------------------------------------------------- */

static int bad(const struct axn_runner *r, const char *flag, const char *value)
{
    fprintf(stderr, "%s: bad value for %s: '%s'\n", r->prog, flag, value ? value : "(missing)");
    return -1;
}

/* The interface per-interface flags apply to: the last --tap's, or the
 * first one before any --tap. */
static struct axn_runner_iface *current(struct axn_runner *r)
{
    if (r->n_ifaces == 0)
        r->n_ifaces = 1;
    return &r->ifaces[r->n_ifaces - 1];
}

static int add_tap(struct axn_runner *r, const char *name)
{
    if (!name)
        return bad(r, "--tap", name);
    if (r->n_ifaces == 1 && !r->ifaces[0].tap_name) {
        r->ifaces[0].tap_name = name; /* flags given before the first --tap */
        return 0;
    }
    if (r->n_ifaces >= AXN_RUNNER_MAX_TAPS) {
        fprintf(stderr, "%s: at most %d --tap\n", r->prog, AXN_RUNNER_MAX_TAPS);
        return -1;
    }
    r->ifaces[r->n_ifaces++].tap_name = name;
    return 0;
}

/* A per-interface flag with a value. */
static int iface_flag(struct axn_runner *r, const char *flag, const char *v)
{
    struct axn_runner_iface *it = current(r);
    unsigned long n;
    if (!v)
        return bad(r, flag, v);
    if (!strcmp(flag, "--ip"))
        return parse_cidr(v, it) ? 0 : bad(r, flag, v);
    if (!strcmp(flag, "--gw"))
        return axn_runner_parse_ip4(v, &it->gateway) ? 0 : bad(r, flag, v);
    if (!strcmp(flag, "--dns")) {
        if (it->n_dns >= AXN_IFACE_MAX_DNS || !axn_runner_parse_ip4(v, &it->dns[it->n_dns]))
            return bad(r, flag, v);
        it->n_dns++;
        return 0;
    }
    if (!strcmp(flag, "--mac")) {
        it->has_mac = parse_mac(v, &it->mac);
        return it->has_mac ? 0 : bad(r, flag, v);
    }
    if (!strcmp(flag, "--mtu")) {
        if (!axn_runner_parse_uint(v, &n) || n == 0 || n > UINT16_MAX)
            return bad(r, flag, v);
        it->mtu = (uint16_t)n;
        return 0;
    }
    it->pcap_path = v; /* --pcap */
    return 0;
}

static bool is_iface_flag(const char *a)
{
    static const char *const flags[] = {"--ip", "--gw", "--dns", "--mac", "--mtu", "--pcap"};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (!strcmp(a, flags[i]))
            return true;
    return false;
}

/* Returns 1 if argv[*i] was one of ours (consumed, *i moved past its
 * value), 0 if not, -1 on a bad value. */
static int take_flag(struct axn_runner *r, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    int rc = 0;
    if (!strcmp(a, "--tap")) {
        rc = add_tap(r, v);
        (*i)++;
    } else if (is_iface_flag(a)) {
        rc = iface_flag(r, a, v);
        (*i)++;
    } else if (!strcmp(a, "--dhcp")) {
        current(r)->dhcp = true;
    } else if (!strcmp(a, "-v")) {
        r->log_level = AXN_LOG_INFO;
    } else if (!strcmp(a, "-vv")) {
        r->log_level = AXN_LOG_DEBUG;
    } else if (!strcmp(a, "--json")) {
        r->json = true;
    } else if ((rc = axn_runner_sim_flag(r, argc, argv, i)) != 0) {
        return rc;
    } else {
        return 0;
    }
    return rc < 0 ? -1 : 1;
}

static int check_ifaces(struct axn_runner *r)
{
    const int sim = axn_runner_sim_check(r);
    if (sim != 0)
        return sim < 0 ? -1 : 0;
    for (size_t i = 0; i < r->n_ifaces; i++) {
        const struct axn_runner_iface *it = &r->ifaces[i];
        if (!it->tap_name) {
            fprintf(stderr, "%s: interface options given without --tap NAME\n", r->prog);
            return -1;
        }
        if (it->dhcp && it->static_ip) {
            fprintf(stderr, "%s: %s: --ip and --dhcp exclude each other\n", r->prog, it->tap_name);
            return -1;
        }
    }
    return 0;
}

int axn_runner_parse(struct axn_runner *r, const char *prog, int *argc, char **argv)
{
    memset(r, 0, sizeof(*r));
    r->prog = prog;
    r->log_level = DEFAULT_LOG;
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const int rc = take_flag(r, *argc, argv, &i);
        if (rc < 0)
            return -1;
        if (rc == 0)
            argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    return check_ifaces(r);
}

/* ---- Bringing the stack up ---------------------------------------------------- */

static int fail(const struct axn_runner *r, const char *what, int err)
{
    fprintf(stderr, "%s: %s: %s\n", r->prog, what, strerror(err < 0 ? -err : err));
    return -1;
}

/* Capture timestamps in wall-clock time, so Wireshark shows real dates. */
static axn_time_t wall_clock_us(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (axn_time_t)ts.tv_sec * AXN_USEC_PER_SEC + (axn_time_t)ts.tv_nsec / NSEC_PER_USEC;
}

static bool link_exists(const char *name)
{
    char path[SYSFS_PATH_MAX];
    snprintf(path, sizeof(path), "/sys/class/net/%s", name);
    return access(path, F_OK) == 0;
}

static bool read_sysfs(const char *name, const char *attr, char *buf, size_t cap)
{
    char path[SYSFS_PATH_MAX];
    snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    const bool ok = fgets(buf, (int)cap, f) != NULL;
    fclose(f);
    return ok;
}

/*
 * Once we hold the TAP, Linux sees its carrier come up, but it transmits
 * nothing on it (its ARP replies included) until its link watcher has run,
 * which can take up to a second. A command that sent at once (one UDP
 * datagram, say) would wait for our ARP retry, or give up first. So wait
 * until Linux calls the link operational, when the Linux side is up at all.
 */
static void wait_linux_side(const struct axn_runner_iface *it)
{
    char text[SYSFS_TEXT];
    if (!it->tap_name || !read_sysfs(it->tap_name, "flags", text, sizeof(text)) ||
        !(strtoul(text, NULL, HEX) & LINUX_IFF_UP))
        return;
    const struct timespec nap = {.tv_nsec = LINK_POLL_MS * NSEC_PER_MSEC};
    for (int waited = 0; waited < LINK_WAIT_MS; waited += LINK_POLL_MS) {
        if (read_sysfs(it->tap_name, "operstate", text, sizeof(text)) && !strncmp(text, "up", 2))
            return;
        nanosleep(&nap, NULL);
    }
}

static int open_tap(struct axn_runner *r, struct axn_runner_iface *it)
{
    const struct axn_tap_config cfg = {
        .name = it->tap_name, .mac = it->has_mac ? &it->mac : NULL, .mtu = it->mtu};
    it->created = !link_exists(it->tap_name);
    int err = axn_tap_open(&it->tap, &cfg);
    if (err)
        return fail(r, it->tap_name, err);
    axn_tap_driver(it->tap, &it->tap_drv);
    /* Nobody configured a TAP we just made: at least let frames through. */
    if (it->created && (err = axn_tap_set_up(it->tap)) != 0)
        return fail(r, "bringing the TAP up", err);
    return 0;
}

/* The TAP (or the --sim wire's port) and, with --pcap, the recorder in
 * front of it. */
static int open_nic(struct axn_runner *r, struct axn_runner_iface *it,
                    const struct axn_eth_driver **drv)
{
    int err;
    if (r->sim.on)
        axn_runner_sim_driver(r, &it->tap_drv);
    else if (open_tap(r, it) != 0)
        return -1;
    *drv = &it->tap_drv;
    if (!it->pcap_path)
        return 0;
    err = axn_pcap_open(&it->pcap, it->pcap_path, PCAP_FULL_FRAMES);
    if (err)
        return fail(r, it->pcap_path, err);
    err =
        axn_pcap_tap_wrap(&it->recorder, &it->tap_drv, it->pcap, wall_clock_us, NULL, &it->rec_drv);
    if (err)
        return fail(r, "pcap recorder", err);
    *drv = &it->rec_drv;
    return 0;
}

static void iface_config(struct axn_runner_iface *it, size_t i, struct axn_iface_config *ic)
{
    memset(ic, 0, sizeof(*ic));
    snprintf(it->ifname, sizeof(it->ifname), "eth%zu", i);
    memcpy(ic->name, it->ifname, sizeof(ic->name));
    ic->match = AXN_MATCH_ORDER;
    ic->match_order = (uint32_t)i;
    /* Without --ip the interface comes up with no address; a --dhcp one
     * gets its client only after axn_stack_start (start_dhcp_clients). */
    ic->ipv4_mode = it->static_ip ? AXN_IPV4_STATIC : AXN_IPV4_NONE;
    ic->addr = it->addr;
    ic->prefix_len = it->prefix_len;
    ic->gateway = it->gateway;
    memcpy(ic->dns, it->dns, sizeof(ic->dns));
    ic->n_dns = it->n_dns;
}

/* The --dhcp interfaces' clients, started once the stack runs: were they
 * in the configuration, axn_stack_start would wait its own 2 s for a lease
 * (DHCP-14) and warn "DHCP bootstrap timed out" whenever the server is
 * slower (dnsmasq probes an address before offering it), although
 * wait_dhcp then waits 10 s and the lease comes. */
static int start_dhcp_clients(struct axn_runner *r)
{
    for (size_t i = 0; i < r->n_ifaces; i++) {
        struct axn_iface_info info;
        if (!r->ifaces[i].dhcp)
            continue;
        int err = axn_ctl_interface_by_name(r->st, r->ifaces[i].ifname, &info);
        if (!err)
            err = axn_dhcp_client_start(r->st, info.ifindex);
        if (err)
            return fail(r, "axn_dhcp_client_start", err);
    }
    return 0;
}

static int bring_up(struct axn_runner *r)
{
    const struct axn_eth_driver *drivers[AXN_RUNNER_MAX_TAPS];
    struct axn_iface_config ic[AXN_RUNNER_MAX_TAPS];
    for (size_t i = 0; i < r->n_ifaces; i++) {
        if (open_nic(r, &r->ifaces[i], &drivers[i]) != 0)
            return -1;
        iface_config(&r->ifaces[i], i, &ic[i]);
    }
    for (size_t i = 0; i < r->n_ifaces; i++)
        wait_linux_side(&r->ifaces[i]);
    int err = axn_stack_create(&r->plat, &r->st);
    if (err)
        return fail(r, "axn_stack_create", err);
    const struct axn_net_config cfg = {.ifaces = ic, .n_ifaces = r->n_ifaces};
    err = axn_stack_init_network(r->st, drivers, r->n_ifaces, &cfg, axn_port_posix_now());
    if (err)
        return fail(r, "axn_stack_init_network", err);
    err = axn_stack_start(r->st);
    if (err)
        return fail(r, "axn_stack_start", err);
    return start_dhcp_clients(r);
}

/* "eth0: DHCP lease 192.0.2.50/24 router ... dns ... for 3600 s from ..." */
static void print_lease(const struct axn_runner *r, const struct axn_runner_iface *it)
{
    struct axn_iface_info info;
    struct axn_dhcp_lease_info l;
    char a[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], srv[INET_ADDRSTRLEN], dns[INET_ADDRSTRLEN];
    if (axn_ctl_interface_by_name(r->st, it->ifname, &info) != 0 ||
        axn_dhcp_client_info(r->st, info.ifindex, &l) != 0 || !l.has_lease)
        return;
    fprintf(stderr, "%s: %s: DHCP lease %s/%u router %s dns %s for %u s from %s\n", r->prog,
            it->ifname, axn_runner_ip4_str(l.addr, a, sizeof(a)), (unsigned)l.prefix_len,
            axn_runner_ip4_str(l.router, gw, sizeof(gw)),
            l.n_dns ? axn_runner_ip4_str(l.dns[0], dns, sizeof(dns)) : "-", (unsigned)l.lease_secs,
            axn_runner_ip4_str(l.server, srv, sizeof(srv)));
}

static int wait_dhcp(struct axn_runner *r)
{
    bool any = false;
    for (size_t i = 0; i < r->n_ifaces; i++)
        any |= r->ifaces[i].dhcp;
    if (!any)
        return 0;
    const int err = axn_dhcp_wait_bound(r->st, AXN_RUNNER_DHCP_WAIT);
    if (err == -AXN_ETIMEDOUT) {
        fprintf(stderr, "%s: no DHCP lease within %llu s\n", r->prog,
                (unsigned long long)(AXN_RUNNER_DHCP_WAIT / AXN_USEC_PER_SEC));
        return -1;
    }
    if (err)
        return fail(r, "waiting for DHCP", err);
    for (size_t i = 0; i < r->n_ifaces; i++)
        if (r->ifaces[i].dhcp)
            print_lease(r, &r->ifaces[i]);
    return 0;
}

static int catch_signals(const struct axn_runner *r)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal; /* no SA_RESTART: a blocking read returns */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return fail(r, "sigaction", errno);
    /* A peer closing on `nc` must not kill us mid-write of stdout. */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int axn_runner_start(struct axn_runner *r)
{
    if (r->n_ifaces == 0) {
        fprintf(stderr, "%s: no interface: give --tap NAME or --sim (see --help)\n", r->prog);
        return -1;
    }
    if (catch_signals(r) != 0)
        return -1;
    int err = axn_port_posix_init(&r->plat, r->log_level);
    if (err)
        return fail(r, "axn_port_posix_init", err);
    if ((r->sim.on && axn_runner_sim_start(r) != 0) || bring_up(r) != 0 || wait_dhcp(r) != 0) {
        axn_runner_stop(r);
        return -1;
    }
    return 0;
}

void axn_runner_stop(struct axn_runner *r)
{
    /* The stack first: it stops its workers, releases DHCP leases and
     * lets go of the drivers; then what it was using. */
    axn_stack_destroy(r->st);
    r->st = NULL;
    for (size_t i = 0; i < r->n_ifaces; i++) {
        struct axn_runner_iface *it = &r->ifaces[i];
        axn_pcap_tap_free(it->recorder);
        axn_pcap_close(it->pcap);
        axn_tap_close(it->tap); /* one we created is not persistent: it goes */
        it->recorder = NULL;
        it->pcap = NULL;
        it->tap = NULL;
    }
    axn_runner_sim_stop(r); /* after the stack: it used the wire */
}
