/*
 * The whole stack on a TAP device against the Linux kernel: ARP (ETH-11,
 * ETH-12, RFC 5227 announcements) and the interface counters (RT-37/38).
 *
 * Each test creates a namespace, a TAP moved into it with Linux at
 * 192.0.2.1/24 (IPv6 off, so Linux sends nothing unasked), and a stack in
 * caller-polled mode (port/posix, real time) configured as 192.0.2.2/24 on
 * that TAP through axn_stack_init_network (tests/support/tap_stack.h).
 * Every frame the stack sends or receives is recorded in
 * $AXN_BUILD_DIR/test_stack_arp_<test>.pcap, which is read back byte by
 * byte, checked by tshark, and left for a human to open. Linux is made to
 * talk to us with bash's /dev/udp and listens on a UDP socket the test
 * opens inside the namespace; what it learned is read back with
 * `ip neigh` and its interface counters in sysfs.
 *
 * Each exchange is written down as a script (direction and length of every
 * frame, in order): the capture must hold exactly those frames, and both
 * our counters and Linux's must add up to exactly those lengths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "axnet/errno.h"
#include "axnet/hosted/pcap.h"
#include "axnet/netctl.h"
#include "axnet/port_posix.h"
#include "axnet/stack.h"
#include "cmd.h"
#include "tshark.h"
#include "core/stack_impl.h"
#include "netns.h"
#include "tap_stack.h"
#include "wire/checksum.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

/* ---- Addresses (TEST-NET-1, inside the test's namespace only) ----------- */

#define LINUX_IP     AXN_TAP_LINUX_IP
#define OUR_IP       AXN_TAP_OUR_IP
#define NEW_IP       AXN_IP4(192, 0, 2, 3) /* the address we move to */
#define OUR_IP_STR   AXN_TAP_OUR_IP_STR
#define PREFIX_LEN   AXN_TAP_PREFIX_LEN
#define OUR_IFNAME   AXN_TAP_OUR_IFNAME
#define DISCARD_PORT 9     /* Linux sends here; nothing needs to listen */
#define LISTEN_PORT  40001 /* Linux's receiver socket in the namespace */
#define OUR_PORT     40000
#define LINUX_TEXT   "axnet\n" /* what `echo axnet` sends us */
#define OUR_TEXT     "axnet"   /* what we send Linux */

static const uint8_t linux_ip_bytes[4] = {192, 0, 2, 1};
static const uint8_t our_ip_bytes[4] = {192, 0, 2, 2};
static const uint8_t new_ip_bytes[4] = {192, 0, 2, 3};
static const struct axn_mac broadcast_mac = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct axn_mac zero_mac = {{0}};

/* ---- Frame layout (checked by offset, independently of src/wire) -------- */

#define ETH_OFF_DST      0
#define ETH_OFF_SRC      6
#define ETH_OFF_TYPE     12
#define ETH_HLEN         14
#define ETHERTYPE_IP     0x0800
#define ETHERTYPE_ARP    0x0806
#define ARP_OFF_HTYPE    14
#define ARP_OFF_PTYPE    16
#define ARP_OFF_HLEN     18
#define ARP_OFF_PLEN     19
#define ARP_OFF_OP       20
#define ARP_OFF_SHA      22
#define ARP_OFF_SPA      28
#define ARP_OFF_THA      32
#define ARP_OFF_TPA      38
#define ARP_FRAME_LEN    42 /* what Linux sends on a TAP: not padded */
#define ARP_HTYPE_ETHER  1
#define ARP_OP_REQUEST   1
#define ARP_OP_REPLY     2
#define IP4_ADDR_LEN     4
#define IP_OFF           14
#define IP_OFF_PROTO     23
#define IP_OFF_SRC       26
#define IP_OFF_DST       30
#define IP_HLEN          20
#define IP_DEFAULT_TTL   64 /* Linux's IPDEFTTL */
#define IPPROTO_UDP_     17
#define UDP_OFF_DPORT    36
#define UDP_OFF_LEN      38
#define UDP_OFF_PAYLOAD  42
#define UDP_HLEN         8
#define PADDED_LEN       AXN_ETH_ZLEN /* every frame we send in these tests */
#define LINUX_TEXT_LEN   (sizeof(LINUX_TEXT) - 1)
#define OUR_TEXT_LEN     (sizeof(OUR_TEXT) - 1)
#define OUR_UDP_PKT_LEN  (IP_HLEN + UDP_HLEN + OUR_TEXT_LEN)
#define OUR_UDP_WIRE_LEN (ETH_HLEN + OUR_UDP_PKT_LEN) /* before padding */

/* Linux's datagram to us, as it arrives (Linux does not pad on a TAP). */
#define LINUX_UDP_FRAME_LEN (ETH_HLEN + IP_HLEN + UDP_HLEN + LINUX_TEXT_LEN)

/* Our ICMP port unreachable about it: IP and ICMP headers, then the
 * whole of Linux's datagram quoted (it is far below Linux's 576 bytes). */
#define ICMP_HLEN                  8
#define IPPROTO_ICMP_              1
#define ICMP_OFF                   (IP_OFF + IP_HLEN)
#define ICMP_OFF_QUOTE             (ICMP_OFF + ICMP_HLEN)
#define ICMP_TYPE_DEST_UNREACH     3
#define ICMP_CODE_PORT_UNREACH     3
#define LINUX_UDP_PKT_LEN          (LINUX_UDP_FRAME_LEN - ETH_HLEN)
#define OUR_PORT_UNREACH_FRAME_LEN (ETH_HLEN + IP_HLEN + ICMP_HLEN + LINUX_UDP_PKT_LEN)

/* ---- pcap file layout (classic libpcap; the writer uses little-endian) -- */

#define PCAP_MAGIC_USEC   0xa1b2c3d4u
#define PCAP_FILE_HDR_LEN 24
#define PCAP_OFF_LINKTYPE 20
#define PCAP_REC_HDR_LEN  16
#define PCAP_REC_OFF_INCL 8
#define PCAP_REC_OFF_ORIG 12
#define LINKTYPE_ETHERNET 1
#define PCAP_MAX_BYTES    65536 /* these captures hold a handful of frames */
#define PCAP_MAX_FRAMES   64

/* ---- Limits and units ----------------------------------------------------- */

#define BYTE_BITS    8
#define MAC_STR_LEN  18
#define OUT_LEN      4096
#define ARP_LIST_MAX 8
#define WAIT_MS      3000 /* longest wait for one expected event */
#define SETTLE_MS    200  /* time given to frames nobody expects to show up */
#define PKT_CAP      256

/* ---- Scripts: the frames of one exchange, in capture order ---------------- */

enum dir { TX, RX };

struct step {
    enum dir dir;
    size_t len;   /* L2 length as on the TAP: what counters count */
    bool no_core; /* an IP packet the router drops: no protocol core yet */
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Every script starts with the announcement axn_stack_init_network made
 * when it set 192.0.2.2 (in the fixture's setup). */
static const struct step moved_address[] = {
    {TX, PADDED_LEN, false}, /* announcement of 192.0.2.2 */
    {TX, PADDED_LEN, false}, /* announcement of NEW_IP */
};

static const struct step linux_asks[] = {
    {TX, PADDED_LEN, false},    /* announcement of 192.0.2.2 */
    {RX, ARP_FRAME_LEN, false}, /* Linux: who has 192.0.2.2? */
    {TX, PADDED_LEN, false},    /* we: 192.0.2.2 is at <ours> */
    /* Linux's datagram to the discard port, where no socket listens: we
     * answer port unreachable (RFC 1122 3.2.2.1, RFC 792). */
    {RX, LINUX_UDP_FRAME_LEN, false},
    {TX, OUR_PORT_UNREACH_FRAME_LEN, false},
};

static const struct step we_ask[] = {
    {TX, PADDED_LEN, false},    /* announcement of 192.0.2.2 */
    {TX, PADDED_LEN, false},    /* we: who has 192.0.2.1? */
    {RX, ARP_FRAME_LEN, false}, /* Linux: 192.0.2.1 is at <linux> */
    {TX, PADDED_LEN, false},    /* the datagram that waited for it */
};

/* ---- Fixture ---------------------------------------------------------------- */

struct capture {
    uint8_t bytes[PCAP_MAX_BYTES];
    size_t n;
    const uint8_t *frame[PCAP_MAX_FRAMES];
    size_t len[PCAP_MAX_FRAMES];
};

static const struct axn_tap_stack_config tap_cfg = {
    .ns_tag = "sarp", .tap_prefix = "axs", .pcap_prefix = "test_stack_arp", .threaded = false};

struct fixture {
    struct axn_tap_stack ts; /* caller-polled; ts.ours is our MAC */
    uint32_t ifindex;
    int rx_fd; /* Linux's UDP socket on LISTEN_PORT, in the namespace */
    struct axn_mac linux_mac;
    uint8_t got[PKT_CAP]; /* what Linux's socket received */
    size_t got_len;
    struct sockaddr_in got_from;
};

static struct fixture fx;
static struct capture cap;

/* ---- Small helpers -------------------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << BYTE_BITS) | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> BYTE_BITS);
    p[1] = (uint8_t)v;
}

static uint32_t get_le32(const uint8_t *p)
{
    uint32_t v = 0;

    for (size_t i = sizeof(v); i-- > 0;)
        v = (v << BYTE_BITS) | p[i];
    return v;
}

static void mac_str(const struct axn_mac *mac, char *buf)
{
    snprintf(buf, MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac->b[0], mac->b[1], mac->b[2],
             mac->b[3], mac->b[4], mac->b[5]);
}

static int netns_sh(const char *cmd)
{
    return axn_netns_run(&fx.ts.ns, NULL, 0, "%s", cmd);
}

/* ---- Driving the stack ---------------------------------------------------- */

static struct axn_link_stats link_stats(void)
{
    struct axn_link_stats s;

    assert_int_equal(axn_ctl_link_stats(fx.ts.st, fx.ifindex, &s), 0);
    return s;
}

/* Caller-polled mode with real time (tests/support/tap_stack.h). */
static bool pump_until(axn_tap_stack_done_fn done, const void *arg, long long timeout_ms)
{
    return axn_tap_stack_pump_until(&fx.ts, done, arg, timeout_ms);
}

static bool never(const void *arg)
{
    (void)arg;
    return false;
}

/* Keeps the stack running a little after the last expected frame, so that
 * a frame nobody expected lands in the capture and counters and fails the
 * exact checks instead of going unseen. */
static void settle(void)
{
    pump_until(never, NULL, SETTLE_MS);
}

static bool capture_holds(const void *arg)
{
    return axn_pcap_count(fx.ts.pcap) >= *(const size_t *)arg;
}

static void pump_until_captured(size_t frames)
{
    if (!pump_until(capture_holds, &frames, WAIT_MS))
        fail_msg("capture holds %llu frames, want %zu",
                 (unsigned long long)axn_pcap_count(fx.ts.pcap), frames);
}

/* Hands the router an IP packet as the protocol core would: under the core
 * lock, which the poll path also takes. */
static int inject(const uint8_t *pkt, size_t len)
{
    int err;

    fx.ts.plat.mutex_lock(fx.ts.st->core_lock);
    err = axn_router_output(&fx.ts.st->router, pkt, len, axn_port_posix_now());
    fx.ts.plat.mutex_unlock(fx.ts.st->core_lock);
    return err;
}

/* UDP OUR_TEXT from 192.0.2.2:OUR_PORT to Linux's receiver. */
static size_t build_udp_to_linux(uint8_t *pkt)
{
    struct axn_udp udp = {.src_port = OUR_PORT,
                          .dst_port = LISTEN_PORT,
                          .payload = (const uint8_t *)OUR_TEXT,
                          .payload_len = OUR_TEXT_LEN};
    const uint16_t udp_len = (uint16_t)axn_udp_len(&udp);
    uint32_t pseudo = axn_csum_pseudo_v4(OUR_IP, LINUX_IP, AXN_UDP_PROTO, udp_len);
    struct axn_ipv4 ip = {.ttl = IP_DEFAULT_TTL,
                          .protocol = AXN_UDP_PROTO,
                          .src = OUR_IP,
                          .dst = LINUX_IP,
                          .payload = pkt + IP_HLEN,
                          .payload_len = udp_len};
    int n;

    assert_int_equal(axn_udp_emit(&udp, pkt + IP_HLEN, PKT_CAP - IP_HLEN, pseudo, 0), udp_len);
    n = axn_ipv4_emit(&ip, pkt, PKT_CAP);
    assert_int_equal(n, OUR_UDP_PKT_LEN);
    return (size_t)n;
}

/* ---- Linux's side ------------------------------------------------------------ */

static int bind_receiver(int fd)
{
    struct sockaddr_in sin = {
        .sin_family = AF_INET, .sin_port = htons(LISTEN_PORT), .sin_addr.s_addr = htonl(LINUX_IP)};

    return bind(fd, (const struct sockaddr *)&sin, sizeof(sin)) < 0 ? -errno : 0;
}

/* Linux's receiver: a socket made inside the namespace belongs to it for
 * good, so the test reads what Linux's own UDP layer delivered. Having a
 * listener also keeps Linux from answering with ICMP port unreachable. */
static int open_linux_receiver(void)
{
    int saved = -1;
    int err = axn_netns_enter(&fx.ts.ns, &saved);
    int left;

    if (err)
        return err;
    fx.rx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    err = fx.rx_fd < 0 ? -errno : bind_receiver(fx.rx_fd);
    left = axn_netns_leave(saved);
    return err ? err : left;
}

static bool linux_received(const void *arg)
{
    socklen_t fromlen = sizeof(fx.got_from);
    ssize_t n;

    (void)arg;
    n = recvfrom(fx.rx_fd, fx.got, sizeof(fx.got), 0, (struct sockaddr *)&fx.got_from, &fromlen);
    if (n < 0)
        return false;
    fx.got_len = (size_t)n;
    return true;
}

/* Makes Linux send a UDP datagram to 192.0.2.2; not knowing its MAC, Linux
 * first broadcasts an ARP request and queues the datagram. */
static void make_linux_send_to_us(void)
{
    char cmd[OUT_LEN];

    snprintf(cmd, sizeof(cmd), "bash -c 'echo axnet >/dev/udp/%s/%d'", OUR_IP_STR, DISCARD_PORT);
    assert_int_equal(netns_sh(cmd), 0);
}

/* ---- Fixtures ------------------------------------------------------------- */

static int teardown(void **state)
{
    (void)state;
    axn_tap_stack_stop(&fx.ts);
    if (fx.rx_fd >= 0)
        close(fx.rx_fd);
    axn_tap_stack_cleanup(&fx.ts);
    memset(&fx, 0, sizeof(fx));
    fx.rx_fd = -1;
    return 0;
}

/* The stack's interface index, for the control calls. */
static int find_our_iface(void)
{
    struct axn_iface_info info;
    int err = axn_ctl_interface_by_name(fx.ts.st, OUR_IFNAME, &info);

    if (!err)
        fx.ifindex = info.ifindex;
    return err;
}

/* Linux's side first (up, addressed, listening), so that the stack's very
 * first frame, its announcement, already reaches Linux. */
static int setup_with_capture(const char *what)
{
    int err;

    memset(&fx, 0, sizeof(fx));
    fx.rx_fd = -1;
    err = axn_tap_stack_open_link(&fx.ts, &tap_cfg);
    if (!err)
        err = axn_tap_stack_linux_mac(&fx.ts, &fx.linux_mac);
    if (!err)
        err = open_linux_receiver();
    if (!err)
        err = axn_tap_stack_start(&fx.ts, &tap_cfg, what);
    if (!err)
        err = find_our_iface();
    if (err) {
        fprintf(stderr, "setup failed: %d\n", err);
        teardown(NULL);
    }
    return err ? -1 : 0;
}

static int setup_announce(void **state)
{
    (void)state;
    return setup_with_capture("announce");
}

static int setup_linux_asks(void **state)
{
    (void)state;
    return setup_with_capture("linux_asks");
}

static int setup_we_ask(void **state)
{
    (void)state;
    return setup_with_capture("we_ask");
}

/* ---- Reading the capture back --------------------------------------------- */

static void load_capture(void)
{
    FILE *f = fopen(fx.ts.pcap_path, "rb");
    size_t off = PCAP_FILE_HDR_LEN;

    assert_non_null(f);
    cap.n = 0;
    size_t total = fread(cap.bytes, 1, sizeof(cap.bytes), f);
    fclose(f);
    assert_true(total >= PCAP_FILE_HDR_LEN && total < sizeof(cap.bytes));
    assert_int_equal(get_le32(cap.bytes), PCAP_MAGIC_USEC);
    assert_int_equal(get_le32(cap.bytes + PCAP_OFF_LINKTYPE), LINKTYPE_ETHERNET);
    while (off < total) {
        uint32_t incl;

        assert_true(off + PCAP_REC_HDR_LEN <= total && cap.n < PCAP_MAX_FRAMES);
        incl = get_le32(cap.bytes + off + PCAP_REC_OFF_INCL);
        assert_int_equal(get_le32(cap.bytes + off + PCAP_REC_OFF_ORIG), incl);
        off += PCAP_REC_HDR_LEN;
        assert_true(off + incl <= total);
        cap.frame[cap.n] = cap.bytes + off;
        cap.len[cap.n++] = incl;
        off += incl;
    }
}

/* Stops the stack (the capture is only complete once it is closed) and
 * reads the file back. */
static void finish_capture(void)
{
    axn_tap_stack_stop(&fx.ts);
    load_capture();
}

/* tshark reads the capture back cleanly (tests/support/tshark.h). */
static void assert_tshark_clean(void)
{
    axn_tshark_assert_clean(fx.ts.pcap_path, cap.n);
}

/* The capture holds exactly the script's frames: direction (by source
 * MAC), length, and zero padding on every frame we padded. */
static void assert_capture_follows(const struct step *script, size_t steps)
{
    assert_int_equal(cap.n, steps);
    for (size_t i = 0; i < steps; i++) {
        const struct axn_mac *src = script[i].dir == TX ? &fx.ts.ours : &fx.linux_mac;

        assert_int_equal(cap.len[i], script[i].len);
        assert_memory_equal(cap.frame[i] + ETH_OFF_SRC, src->b, AXN_MAC_LEN);
    }
}

/* ---- Frame checks ------------------------------------------------------------ */

struct arp_fields {
    uint16_t op;
    const struct axn_mac *eth_dst;
    const struct axn_mac *sha;
    const uint8_t *spa;
    const struct axn_mac *tha;
    const uint8_t *tpa;
};

static void build_arp(uint8_t *f, const struct arp_fields *a)
{
    memcpy(f + ETH_OFF_DST, a->eth_dst->b, AXN_MAC_LEN);
    memcpy(f + ETH_OFF_SRC, a->sha->b, AXN_MAC_LEN);
    put16(f + ETH_OFF_TYPE, ETHERTYPE_ARP);
    put16(f + ARP_OFF_HTYPE, ARP_HTYPE_ETHER);
    put16(f + ARP_OFF_PTYPE, ETHERTYPE_IP);
    f[ARP_OFF_HLEN] = AXN_MAC_LEN;
    f[ARP_OFF_PLEN] = IP4_ADDR_LEN;
    put16(f + ARP_OFF_OP, a->op);
    memcpy(f + ARP_OFF_SHA, a->sha->b, AXN_MAC_LEN);
    memcpy(f + ARP_OFF_SPA, a->spa, IP4_ADDR_LEN);
    memcpy(f + ARP_OFF_THA, a->tha->b, AXN_MAC_LEN);
    memcpy(f + ARP_OFF_TPA, a->tpa, IP4_ADDR_LEN);
}

static void assert_zero_from(size_t i, size_t from)
{
    for (size_t b = from; b < cap.len[i]; b++)
        if (cap.frame[i][b] != 0)
            fail_msg("frame %zu: padding byte %zu is 0x%02x", i, b, cap.frame[i][b]);
}

/* Frame i is exactly this ARP packet (plus zero padding if it is ours). */
static void assert_arp_frame(size_t i, const struct arp_fields *a)
{
    uint8_t want[ARP_FRAME_LEN];

    build_arp(want, a);
    assert_memory_equal(cap.frame[i], want, ARP_FRAME_LEN);
    assert_zero_from(i, ARP_FRAME_LEN);
}

/* RFC 5227 section 2.3: a broadcast request with our address as both
 * sender and target, and the target MAC zero. */
static void assert_announcement(size_t i, const uint8_t *ip)
{
    const struct arp_fields a = {.op = ARP_OP_REQUEST,
                                 .eth_dst = &broadcast_mac,
                                 .sha = &fx.ts.ours,
                                 .spa = ip,
                                 .tha = &zero_mac,
                                 .tpa = ip};

    assert_arp_frame(i, &a);
}

/* Linux's datagram as it reached us: addresses, port, payload. */
static void assert_linux_datagram(size_t i)
{
    const uint8_t *f = cap.frame[i];

    assert_memory_equal(f + ETH_OFF_DST, fx.ts.ours.b, AXN_MAC_LEN);
    assert_int_equal(get16(f + ETH_OFF_TYPE), ETHERTYPE_IP);
    assert_int_equal(f[IP_OFF_PROTO], IPPROTO_UDP_);
    assert_memory_equal(f + IP_OFF_SRC, linux_ip_bytes, IP4_ADDR_LEN);
    assert_memory_equal(f + IP_OFF_DST, our_ip_bytes, IP4_ADDR_LEN);
    assert_int_equal(get16(f + UDP_OFF_DPORT), DISCARD_PORT);
    assert_int_equal(get16(f + UDP_OFF_LEN), UDP_HLEN + LINUX_TEXT_LEN);
    assert_memory_equal(f + UDP_OFF_PAYLOAD, LINUX_TEXT, LINUX_TEXT_LEN);
}

/* Our port unreachable (frame i) about Linux's datagram (frame
 * `about`): to Linux, from the address it was sent to, quoting it whole. */
static void assert_our_port_unreachable(size_t i, size_t about)
{
    const uint8_t *f = cap.frame[i];

    assert_memory_equal(f + ETH_OFF_DST, fx.linux_mac.b, AXN_MAC_LEN);
    assert_int_equal(get16(f + ETH_OFF_TYPE), ETHERTYPE_IP);
    assert_int_equal(f[IP_OFF_PROTO], IPPROTO_ICMP_);
    assert_memory_equal(f + IP_OFF_SRC, our_ip_bytes, IP4_ADDR_LEN);
    assert_memory_equal(f + IP_OFF_DST, linux_ip_bytes, IP4_ADDR_LEN);
    assert_int_equal(f[ICMP_OFF], ICMP_TYPE_DEST_UNREACH);
    assert_int_equal(f[ICMP_OFF + 1], ICMP_CODE_PORT_UNREACH);
    assert_memory_equal(f + ICMP_OFF_QUOTE, cap.frame[about] + IP_OFF, LINUX_UDP_PKT_LEN);
}

/* Our flushed datagram: to Linux's MAC, the injected packet unchanged,
 * zero-padded to 60. */
static void assert_our_datagram(size_t i, const uint8_t *pkt)
{
    const uint8_t *f = cap.frame[i];

    assert_memory_equal(f + ETH_OFF_DST, fx.linux_mac.b, AXN_MAC_LEN);
    assert_int_equal(get16(f + ETH_OFF_TYPE), ETHERTYPE_IP);
    assert_memory_equal(f + IP_OFF, pkt, OUR_UDP_PKT_LEN);
    assert_zero_from(i, OUR_UDP_WIRE_LEN);
}

/* ---- State checks --------------------------------------------------------- */

static void stats_str(const struct axn_link_stats *s, char *buf, size_t buflen)
{
    snprintf(buf, buflen, "rx %llu/%llu B, tx %llu/%llu B, errors %llu/%llu, dropped %llu/%llu",
             (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
             (unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes,
             (unsigned long long)s->rx_errors, (unsigned long long)s->tx_errors,
             (unsigned long long)s->rx_dropped, (unsigned long long)s->tx_dropped);
}

/* All eight counters at once, so that a failure shows the whole picture. */
static void assert_stats_equal(const char *who, const struct axn_link_stats *got,
                               const struct axn_link_stats *want)
{
    char got_s[OUT_LEN];
    char want_s[OUT_LEN];

    if (memcmp(got, want, sizeof(*got)) == 0)
        return;
    stats_str(got, got_s, sizeof(got_s));
    stats_str(want, want_s, sizeof(want_s));
    fail_msg("%s counters: %s; want %s", who, got_s, want_s);
}

/* RT-38: packets and L2 bytes of every frame in the script, TX counted
 * padded; IP packets with no protocol core to take them are rx_dropped. */
static struct axn_link_stats script_stats(const struct step *script, size_t steps)
{
    struct axn_link_stats s = {0};

    for (size_t i = 0; i < steps; i++) {
        if (script[i].dir == TX) {
            s.tx_packets++;
            s.tx_bytes += script[i].len;
        } else {
            s.rx_packets++;
            s.rx_bytes += script[i].len;
        }
        s.rx_dropped += script[i].no_core;
    }
    return s;
}

/* Our counters and Linux's both add up to the script: what we sent Linux
 * received, and the other way round, frame for frame and byte for byte. */
static void assert_counters_follow(const struct step *script, size_t steps)
{
    const struct axn_link_stats want = script_stats(script, steps);
    const struct axn_link_stats linux_want = {.rx_packets = want.tx_packets,
                                              .rx_bytes = want.tx_bytes,
                                              .tx_packets = want.rx_packets,
                                              .tx_bytes = want.rx_bytes};
    const struct axn_link_stats ours = link_stats();
    struct axn_link_stats linux_side;

    assert_stats_equal("our", &ours, &want);
    axn_tap_stack_linux_link_stats(&fx.ts, &linux_side);
    assert_stats_equal("Linux's", &linux_side, &linux_want);
}

/* ETH-16: our table lists exactly Linux, with the MAC `ip link` shows. */
static void assert_we_know_linux(void)
{
    struct axn_arp_entry e[ARP_LIST_MAX];
    size_t n = axn_ctl_arp_entries(fx.ts.st, e, ARP_LIST_MAX, axn_port_posix_now());

    assert_int_equal(n, 1);
    assert_int_equal(e[0].ip, LINUX_IP);
    assert_memory_equal(e[0].mac.b, fx.linux_mac.b, AXN_MAC_LEN);
    assert_int_equal(e[0].hw_type, AXN_ARPHRD_ETHER);
    assert_int_equal(e[0].flags, AXN_ATF_COM);
    assert_string_equal(e[0].dev, OUR_IFNAME);
}

/* Linux's neighbour table maps 192.0.2.2 to our MAC in a state that means
 * "resolved" (REACHABLE, or STALE/DELAY once its timers move on). */
static void assert_linux_knows_us(void)
{
    static const char *const resolved[] = {" REACHABLE", " STALE", " DELAY"};
    char out[OUT_LEN];
    char want[OUT_LEN];
    char mac[MAC_STR_LEN];
    bool state_ok = false;

    mac_str(&fx.ts.ours, mac);
    snprintf(want, sizeof(want), "lladdr %s ", mac);
    assert_int_equal(axn_netns_run(&fx.ts.ns, out, sizeof(out), "ip neigh show %s dev %s",
                                   OUR_IP_STR, fx.ts.ifname),
                     0);
    for (size_t i = 0; i < ARRAY_LEN(resolved); i++)
        state_ok = state_ok || strstr(out, resolved[i]) != NULL;
    if (!strstr(out, want) || !state_ok)
        fail_msg("Linux's neighbour entry \"%s\" is not \"%s\" in a resolved state", out, want);
}

/* ---- Tests -------------------------------------------------------------------- */

static void stack_announces_each_address_it_is_given(void **state)
{
    (void)state;
    /* The one from init is already out; move to NEW_IP at run time. */
    assert_int_equal(
        axn_ctl_remove_ipv4(fx.ts.st, fx.ifindex, OUR_IP, PREFIX_LEN, axn_port_posix_now()), 0);
    assert_int_equal(
        axn_ctl_set_ipv4(fx.ts.st, fx.ifindex, NEW_IP, PREFIX_LEN, axn_port_posix_now()), 0);
    pump_until_captured(ARRAY_LEN(moved_address));
    settle();
    assert_counters_follow(moved_address, ARRAY_LEN(moved_address));
    /* An announcement teaches nobody anything, and nobody answers it. */
    assert_int_equal(axn_ctl_arp_entries(fx.ts.st, NULL, 0, axn_port_posix_now()), 0);
    finish_capture();
    assert_capture_follows(moved_address, ARRAY_LEN(moved_address));
    assert_announcement(0, our_ip_bytes);
    assert_announcement(1, new_ip_bytes);
    assert_tshark_clean();
}

static void linux_resolves_us_and_learns_our_mac(void **state)
{
    const struct arp_fields linux_request = {.op = ARP_OP_REQUEST,
                                             .eth_dst = &broadcast_mac,
                                             .sha = &fx.linux_mac,
                                             .spa = linux_ip_bytes,
                                             .tha = &zero_mac,
                                             .tpa = our_ip_bytes};
    const struct arp_fields our_reply = {.op = ARP_OP_REPLY,
                                         .eth_dst = &fx.linux_mac,
                                         .sha = &fx.ts.ours,
                                         .spa = our_ip_bytes,
                                         .tha = &fx.linux_mac,
                                         .tpa = linux_ip_bytes};

    (void)state;
    make_linux_send_to_us();
    pump_until_captured(ARRAY_LEN(linux_asks));
    settle();
    assert_counters_follow(linux_asks, ARRAY_LEN(linux_asks));
    assert_linux_knows_us();
    /* ETH-12 step 5: a request aimed at us teaches us its sender. */
    assert_we_know_linux();
    finish_capture();
    assert_capture_follows(linux_asks, ARRAY_LEN(linux_asks));
    assert_announcement(0, our_ip_bytes);
    assert_arp_frame(1, &linux_request);
    assert_arp_frame(2, &our_reply);
    assert_linux_datagram(3);
    assert_our_port_unreachable(4, 3);
    assert_tshark_clean();
}

static void we_resolve_linux_and_flush_the_waiting_datagram(void **state)
{
    const struct arp_fields our_request = {.op = ARP_OP_REQUEST,
                                           .eth_dst = &broadcast_mac,
                                           .sha = &fx.ts.ours,
                                           .spa = our_ip_bytes,
                                           .tha = &zero_mac,
                                           .tpa = linux_ip_bytes};
    const struct arp_fields linux_reply = {.op = ARP_OP_REPLY,
                                           .eth_dst = &fx.ts.ours,
                                           .sha = &fx.linux_mac,
                                           .spa = linux_ip_bytes,
                                           .tha = &fx.ts.ours,
                                           .tpa = our_ip_bytes};
    uint8_t pkt[PKT_CAP];
    size_t len = build_udp_to_linux(pkt);

    (void)state;
    /* Linux's MAC is unknown: the packet waits while we ask (0 = queued). */
    assert_int_equal(inject(pkt, len), 0);
    if (!pump_until(linux_received, NULL, WAIT_MS))
        fail_msg("Linux's socket on port %d received nothing", LISTEN_PORT);
    assert_int_equal(fx.got_len, OUR_TEXT_LEN);
    assert_memory_equal(fx.got, OUR_TEXT, OUR_TEXT_LEN);
    assert_int_equal(ntohl(fx.got_from.sin_addr.s_addr), OUR_IP);
    assert_int_equal(ntohs(fx.got_from.sin_port), OUR_PORT);
    settle();
    assert_counters_follow(we_ask, ARRAY_LEN(we_ask));
    assert_we_know_linux();
    /* Linux learned us from our request (RFC 826: the target updates). */
    assert_linux_knows_us();
    finish_capture();
    assert_capture_follows(we_ask, ARRAY_LEN(we_ask));
    assert_announcement(0, our_ip_bytes);
    assert_arp_frame(1, &our_request);
    assert_arp_frame(2, &linux_reply);
    assert_our_datagram(3, pkt);
    assert_tshark_clean();
}

int main(void)
{
    static const char *const tools[] = {"bash", NULL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(stack_announces_each_address_it_is_given, setup_announce,
                                        teardown),
        cmocka_unit_test_setup_teardown(linux_resolves_us_and_learns_our_mac, setup_linux_asks,
                                        teardown),
        cmocka_unit_test_setup_teardown(we_resolve_linux_and_flush_the_waiting_datagram,
                                        setup_we_ask, teardown),
    };

    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
