/*
 * tap_node: a complete axnet program, as short as it can be.
 *
 *   tap_node TAPNAME ADDR/PREFIX [GATEWAY] [--seconds N] [--every N] [--pcap FILE]
 *
 * It puts one axnet stack on a Linux TAP device with a static IPv4 address
 * and runs it until SIGINT or SIGTERM (or for N seconds), printing the
 * stack's interfaces, routes, ARP table and counters every N seconds
 * (--every, default 5; 0 prints only at the end) and once more on exit.
 * With --pcap it records every frame the stack sees for Wireshark.
 *
 * What the stack does today is the Ethernet layer: it answers ARP for its
 * address, learns who asked, and counts every frame. IP packets arrive and
 * are counted as dropped until the protocol core lands. So `arping` and
 * `ping` from Linux resolve our MAC; ping itself gets no answer yet.
 *
 * The steps below are the ones a kernel takes too; docs/porting.md walks
 * through them and says what a kernel does differently at each:
 *   1. a platform (here port/posix; a kernel fills struct axn_platform),
 *   2. a NIC driver (here the hosted TAP driver; a kernel fills
 *      struct axn_eth_driver), optionally wrapped by a pcap recorder,
 *   3. a stack with one statically configured interface,
 *   4. threaded mode: the stack's own workers run it,
 *   5. queries of the control plane while it runs,
 *   6. teardown in the reverse order.
 *
 * Error codes from axnet are negative Linux errno values, so strerror()
 * names them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axnet/errno.h"
#include "axnet/hosted/pcap.h"
#include "axnet/hosted/tap.h"
#include "axnet/netctl.h"
#include "axnet/port_posix.h"
#include "axnet/stack.h"

#define IFNAME             "eth0" /* the stack's name for the TAP interface */
#define DEFAULT_EVERY_S    5
#define MAX_PREFIX         32 /* longest IPv4 prefix */
#define LIST_MAX           AXN_MAX_DEVICES
#define ROUTES_MAX         32
#define TEXT_MAX           4096 /* /proc/net/arp and /proc/net/dev texts */
#define EXIT_USAGE         2
#define NSEC_PER_USEC      1000
#define STRTOUL_BASE       10
#define PCAP_FULL_FRAMES   0 /* snaplen 0: keep whole frames */
#define MAC_STR_LEN        18
#define STOP_NEVER         0 /* --seconds 0: run until a signal */
#define REPORT_ONLY_AT_END 0

struct options {
    const char *tap_name;
    struct in_addr addr;
    unsigned prefix_len;
    struct in_addr gateway; /* 0.0.0.0: no default route */
    unsigned long seconds;  /* STOP_NEVER or how long to run */
    unsigned long every;    /* seconds between reports */
    const char *pcap_path;  /* NULL: no capture */
};

/* ---- Small helpers --------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: tap_node TAPNAME ADDR/PREFIX [GATEWAY] [--seconds N] [--every N] "
                    "[--pcap FILE]\n"
                    "  e.g. tap_node axn0 192.0.2.2/24 --pcap axn0.pcap\n");
}

/* axnet addresses are host byte order (axnet/types.h); Linux's are not. */
static axn_ip4_t to_axn(struct in_addr a)
{
    return ntohl(a.s_addr);
}

static const char *ip_str(axn_ip4_t ip, char buf[INET_ADDRSTRLEN])
{
    const struct in_addr a = {.s_addr = htonl(ip)};
    return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void mac_str(const struct axn_mac *m, char buf[MAC_STR_LEN])
{
    snprintf(buf, MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2], m->b[3],
             m->b[4], m->b[5]);
}

static int fail(const char *what, int err)
{
    fprintf(stderr, "tap_node: %s: %s\n", what, strerror(-err));
    return EXIT_FAILURE;
}

/* Capture timestamps in wall-clock time, so Wireshark shows real dates. */
static axn_time_t wall_clock_us(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (axn_time_t)ts.tv_sec * AXN_USEC_PER_SEC + (axn_time_t)ts.tv_nsec / NSEC_PER_USEC;
}

static bool parse_number(const char *s, unsigned long *out)
{
    char *end;
    errno = 0;
    *out = strtoul(s, &end, STRTOUL_BASE);
    return errno == 0 && end != s && *end == '\0';
}

/* "192.0.2.2/24" */
static bool parse_cidr(const char *s, struct options *o)
{
    char addr[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    unsigned long prefix;
    if (!slash || (size_t)(slash - s) >= sizeof(addr))
        return false;
    memcpy(addr, s, (size_t)(slash - s));
    addr[slash - s] = '\0';
    if (inet_pton(AF_INET, addr, &o->addr) != 1 || !parse_number(slash + 1, &prefix) ||
        prefix == 0 || prefix > MAX_PREFIX)
        return false;
    o->prefix_len = (unsigned)prefix;
    return true;
}

static bool parse_args(int argc, char **argv, struct options *o)
{
    int positional = 0;
    memset(o, 0, sizeof(*o));
    o->every = DEFAULT_EVERY_S;
    for (int i = 1; i < argc; i++) {
        const bool has_value = i + 1 < argc;
        if (!strcmp(argv[i], "--seconds") && has_value) {
            if (!parse_number(argv[++i], &o->seconds))
                return false;
        } else if (!strcmp(argv[i], "--every") && has_value) {
            if (!parse_number(argv[++i], &o->every))
                return false;
        } else if (!strcmp(argv[i], "--pcap") && has_value) {
            o->pcap_path = argv[++i];
        } else if (positional == 0) {
            o->tap_name = argv[i];
            positional++;
        } else if (positional == 1) {
            if (!parse_cidr(argv[i], o))
                return false;
            positional++;
        } else if (positional == 2) {
            if (inet_pton(AF_INET, argv[i], &o->gateway) != 1)
                return false;
            positional++;
        } else {
            return false;
        }
    }
    return positional >= 2;
}

/* ---- Step 5: what the control plane reports --------------------------------- */

static const char *name_of(const struct axn_iface_info *ifs, size_t n, uint32_t ifindex)
{
    for (size_t i = 0; i < n; i++) {
        if (ifs[i].ifindex == ifindex)
            return ifs[i].name;
    }
    return "?";
}

static void print_interfaces(const struct axn_iface_info *ifs, size_t n)
{
    char ip[INET_ADDRSTRLEN];
    char mac[MAC_STR_LEN];
    printf("interfaces:\n");
    for (size_t i = 0; i < n; i++) {
        const struct axn_iface_info *it = &ifs[i];
        printf("  %u: %-6s mtu %u flags 0x%x", (unsigned)it->ifindex, it->name, (unsigned)it->mtu,
               (unsigned)it->flags);
        if (it->has_mac) {
            mac_str(&it->mac, mac);
            printf(" mac %s", mac);
        }
        if (it->has_ipv4)
            printf(" inet %s/%u", ip_str(it->addr, ip), (unsigned)it->prefix_len);
        printf("\n");
    }
}

static void print_routes(struct axn_stack *st, const struct axn_iface_info *ifs, size_t n_ifs)
{
    struct axn_route_info r[ROUTES_MAX];
    char prefix[INET_ADDRSTRLEN], via[INET_ADDRSTRLEN], src[INET_ADDRSTRLEN];
    size_t n = axn_ctl_routes(st, r, ROUTES_MAX);
    if (n > ROUTES_MAX)
        n = ROUTES_MAX; /* the count says how many exist; we print what fits */
    printf("routes:\n");
    for (size_t i = 0; i < n; i++) {
        printf("  %s/%u", ip_str(r[i].prefix, prefix), (unsigned)r[i].prefix_len);
        if (r[i].has_via)
            printf(" via %s", ip_str(r[i].via, via));
        printf(" dev %s src %s metric %u\n", name_of(ifs, n_ifs, r[i].ifindex),
               ip_str(r[i].source, src), (unsigned)r[i].metric);
    }
}

static void report(struct axn_stack *st)
{
    char text[TEXT_MAX];
    struct axn_iface_info ifs[LIST_MAX];
    size_t n = axn_ctl_interfaces(st, ifs, LIST_MAX);
    if (n > LIST_MAX)
        n = LIST_MAX;
    print_interfaces(ifs, n);
    print_routes(st, ifs, n);
    /* The same texts as Linux's /proc files, so the same tools read them. */
    axn_ctl_format_proc_net_arp(st, text, sizeof(text), axn_port_posix_now());
    printf("ARP table (/proc/net/arp):\n%s", text);
    axn_ctl_format_proc_net_dev(st, text, sizeof(text));
    printf("counters (/proc/net/dev):\n%s\n", text);
    fflush(stdout);
}

/* ---- Running until told to stop -------------------------------------------- */

/*
 * The main thread only waits: the stack runs on its own workers. SIGINT
 * and SIGTERM were blocked before the workers started (they inherit the
 * mask), so they are taken here, synchronously, by sigtimedwait: no signal
 * handler, no flag shared with one. Returns the signal, 0 at the end of
 * --seconds, or -1 if waiting failed.
 */
static int run(struct axn_stack *st, const sigset_t *stop, const struct options *o)
{
    const axn_time_t start = axn_port_posix_now();
    const axn_time_t end = o->seconds != STOP_NEVER ? start + AXN_SEC(o->seconds) : AXN_TIME_NEVER;
    axn_time_t next_report =
        o->every != REPORT_ONLY_AT_END ? start + AXN_SEC(o->every) : AXN_TIME_NEVER;
    for (;;) {
        const axn_time_t now = axn_port_posix_now();
        if (now >= end)
            return 0;
        if (now >= next_report) {
            report(st);
            next_report = now + AXN_SEC(o->every);
        }
        const axn_time_t wake = next_report < end ? next_report : end;
        /* Both "never": wait for a signal without a timeout. */
        const struct timespec *timeout = NULL;
        struct timespec ts;
        if (wake != AXN_TIME_NEVER) {
            const axn_time_t left = wake > now ? wake - now : 0;
            ts.tv_sec = (time_t)(left / AXN_USEC_PER_SEC);
            ts.tv_nsec = (long)(left % AXN_USEC_PER_SEC) * NSEC_PER_USEC;
            timeout = &ts;
        }
        const int sig = sigtimedwait(stop, NULL, timeout);
        if (sig > 0)
            return sig;
        if (errno != EAGAIN && errno != EINTR) {
            fail("sigtimedwait", -errno);
            return -1;
        }
    }
}

static const char *stop_reason(int sig)
{
    if (sig > 0)
        return strsignal(sig);
    return sig == 0 ? "time is up" : "error";
}

/* ---- Steps 1-4 and 6 ----------------------------------------------------------- */

struct node {
    struct axn_platform plat;
    struct axn_tap *tap;
    struct axn_eth_driver tap_drv; /* the TAP's driver table */
    struct axn_pcap *pcap;
    struct axn_pcap_tap *recorder;
    struct axn_eth_driver rec_drv; /* tap_drv behind the recorder */
    struct axn_stack *st;
};

/* Step 2: the NIC. The TAP's IRQ line is its fd, which the posix port's
 * registrar watches (port_posix.h), so the stack is woken when a frame
 * arrives, as a kernel NIC's IRQ would wake it. The driver must outlive
 * the stack. */
static int open_nic(struct node *nd, const struct options *o, const struct axn_eth_driver **drv)
{
    const struct axn_tap_config cfg = {.name = o->tap_name}; /* random local MAC */
    int err = axn_tap_open(&nd->tap, &cfg);
    if (err)
        return fail("axn_tap_open", err);
    axn_tap_driver(nd->tap, &nd->tap_drv);
    *drv = &nd->tap_drv;
    if (!o->pcap_path)
        return 0;
    /* The recorder is a driver wrapping a driver: the stack cannot tell. */
    err = axn_pcap_open(&nd->pcap, o->pcap_path, PCAP_FULL_FRAMES);
    if (err)
        return fail(o->pcap_path, err);
    err =
        axn_pcap_tap_wrap(&nd->recorder, &nd->tap_drv, nd->pcap, wall_clock_us, NULL, &nd->rec_drv);
    if (err)
        return fail("axn_pcap_tap_wrap", err);
    *drv = &nd->rec_drv;
    return 0;
}

/* Step 3: a stack with lo, then our interface: eth0 = the first (and only)
 * probed driver, static address, default route when a gateway is given. */
static int bring_up(struct node *nd, const struct options *o, const struct axn_eth_driver *drv)
{
    int err = axn_stack_create(&nd->plat, &nd->st);
    if (err)
        return fail("axn_stack_create", err);
    const struct axn_iface_config ic = {
        .name = IFNAME,
        .match = AXN_MATCH_ORDER,
        .match_order = 0,
        .ipv4_mode = AXN_IPV4_STATIC,
        .addr = to_axn(o->addr),
        .prefix_len = (uint8_t)o->prefix_len,
        .gateway = to_axn(o->gateway),
    };
    const struct axn_net_config cfg = {.ifaces = &ic, .n_ifaces = 1};
    const struct axn_eth_driver *const drivers[] = {drv};
    err = axn_stack_init_network(nd->st, drivers, 1, &cfg, axn_port_posix_now());
    if (err)
        return fail("axn_stack_init_network", err);
    /* Step 4: one RX and one TX worker for eth0 ("eth0-rx", "eth0-tx")
     * and the stack's poll worker ("axnet-poll"). */
    err = axn_stack_start(nd->st);
    if (err)
        return fail("axn_stack_start", err);
    return 0;
}

/* The line tests and scripts wait for: the node is up. */
static void print_up_line(struct node *nd)
{
    struct axn_iface_info it;
    char ip[INET_ADDRSTRLEN], mac[MAC_STR_LEN];
    if (axn_ctl_interface_by_name(nd->st, IFNAME, &it) != 0)
        return;
    mac_str(&it.mac, mac);
    printf("tap_node: %s up on TAP %s: %s/%u MAC %s; stop with Ctrl-C\n", IFNAME,
           axn_tap_name(nd->tap), ip_str(it.addr, ip), (unsigned)it.prefix_len, mac);
    fflush(stdout);
}

/* Step 6: the stack first (it stops its workers and lets go of the
 * driver), then what it was using. Every call accepts NULL. */
static void tear_down(struct node *nd)
{
    axn_stack_destroy(nd->st);
    axn_pcap_tap_free(nd->recorder);
    axn_pcap_close(nd->pcap);
    axn_tap_close(nd->tap);
}

int main(int argc, char **argv)
{
    struct options o;
    if (!parse_args(argc, argv, &o)) {
        usage();
        return EXIT_USAGE;
    }
    /* Line-buffered even into a pipe, so a reader sees each line at once. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Taken synchronously by run(); blocked before any worker exists. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    int err = pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if (err)
        return fail("pthread_sigmask", -err);

    /* Step 1: the platform. The stack's own log lines go to stderr. */
    struct node nd;
    memset(&nd, 0, sizeof(nd));
    err = axn_port_posix_init(&nd.plat, AXN_LOG_INFO);
    if (err)
        return fail("axn_port_posix_init", err);

    const struct axn_eth_driver *drv = NULL;
    int status = open_nic(&nd, &o, &drv);
    if (status == 0)
        status = bring_up(&nd, &o, drv);
    if (status == 0) {
        print_up_line(&nd);
        const int sig = run(nd.st, &stop, &o);
        if (sig < 0)
            status = EXIT_FAILURE;
        printf("tap_node: stopping (%s)\n", stop_reason(sig));
        report(nd.st);
    }
    tear_down(&nd);
    if (status == 0 && o.pcap_path)
        printf("tap_node: capture in %s (wireshark %s)\n", o.pcap_path, o.pcap_path);
    return status;
}
