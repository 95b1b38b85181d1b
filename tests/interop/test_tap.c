/*
 * The TAP driver against the Linux kernel.
 *
 * Each test creates a TAP from this process, moves it into a namespace of
 * its own (the fd stays ours), gives the Linux side 192.0.2.1/24 there and
 * talks to it as 192.0.2.2 through the driver ops: Linux's ARP request
 * must arrive byte for byte, our ARP reply must land in its neighbour table,
 * and in offload mode the virtio_net_hdr must map both ways. Frames are
 * recorded with the pcap writer and the capture is checked with tshark.
 * Last, a threaded stack on a TAP (tests/support/tap_stack.h) answers
 * Linux's ping fast: the fd IRQ wakes its RX worker, not the idle poll.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axnet/errno.h"
#include "axnet/hosted/pcap.h"
#include "axnet/hosted/tap.h"
#include "axnet/port_posix.h"
#include "cmd.h"
#include "netns.h"
#include "tap_stack.h"

/* ---- Addresses (TEST-NET-1, inside the test's namespace only) ----------- */

#define LINUX_IP_STR  "192.0.2.1"
#define OUR_IP_STR    "192.0.2.2"
#define PREFIX_LEN    24
#define DISCARD_PORT  9
#define OUR_UDP_PORT  40000
#define TRIGGER_TEXT  "x\n" /* what `echo x` sends */
#define PROBE_PAYLOAD "axnet"

static const uint8_t linux_ip[4] = {192, 0, 2, 1};
static const uint8_t our_ip[4] = {192, 0, 2, 2};
static const struct axn_mac broadcast_mac = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct axn_mac zero_mac = {{0}};
static const struct axn_mac fixed_mac = {{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30}};

/* ---- Frame layout ------------------------------------------------------- */

#define ETH_OFF_DST   0
#define ETH_OFF_SRC   6
#define ETH_OFF_TYPE  12
#define ETH_HLEN      14
#define ETHERTYPE_IP  0x0800
#define ETHERTYPE_ARP 0x0806

#define ARP_OFF_HTYPE   14
#define ARP_OFF_PTYPE   16
#define ARP_OFF_HLEN    18
#define ARP_OFF_PLEN    19
#define ARP_OFF_OP      20
#define ARP_OFF_SHA     22
#define ARP_OFF_SPA     28
#define ARP_OFF_THA     32
#define ARP_OFF_TPA     38
#define ARP_FRAME_LEN   42
#define ARP_HTYPE_ETHER 1
#define ARP_OP_REQUEST  1
#define ARP_OP_REPLY    2
#define IP4_ADDR_LEN    4

#define IP_OFF        14
#define IP_OFF_TOTLEN 16
#define IP_OFF_ID     18
#define IP_OFF_FRAG   20
#define IP_OFF_TTL    22
#define IP_OFF_PROTO  23
#define IP_OFF_CSUM   24
#define IP_OFF_SRC    26
#define IP_OFF_DST    30
#define IP_HLEN       20
#define IP_VER_IHL    0x45
#define IP_FLAG_DF    0x4000
#define IP_TTL        64
#define IP_ID         0x1234
#define IPPROTO_ICMP_ 1
#define IPPROTO_UDP_  17

#define UDP_OFF         34
#define UDP_OFF_SPORT   34
#define UDP_OFF_DPORT   36
#define UDP_OFF_LEN     38
#define UDP_OFF_CSUM    40
#define UDP_OFF_PAYLOAD 42
#define UDP_HLEN        8
#define UDP_CSUM_OFFSET 6 /* checksum field within the UDP header */

#define ICMP_OFF_TYPE       34
#define ICMP_OFF_CODE       35
#define ICMP_OFF_QUOTE      42 /* the offending IPv4 header starts here */
#define ICMP_DEST_UNREACH   3
#define ICMP_PORT_UNREACH   3
#define QUOTE_OFF_IP_DST    (ICMP_OFF_QUOTE + IP_OFF_DST - IP_OFF)
#define QUOTE_OFF_UDP       (ICMP_OFF_QUOTE + IP_HLEN)
#define QUOTE_OFF_UDP_SPORT QUOTE_OFF_UDP
#define QUOTE_OFF_UDP_DPORT (QUOTE_OFF_UDP + 2)

/* ---- Limits ------------------------------------------------------------- */

#define WAIT_MS           3000 /* longest wait for one expected frame */
#define FRAME_CAP         2048 /* frames these tests expect are far smaller */
#define OUT_LEN           4096
#define MAC_STR_LEN       18
#define TSHARK_TIMEOUT_MS 30000
#define PID_MODULUS       10000000u
#define SEQ_MODULUS       100u
#define SMALL_MTU         1280
#define BIG_MTU           2000
#define BIG_DATAGRAM      1800 /* fits BIG_MTU, not the driver's 1500 */
#define MSEC_PER_SEC      1000
#define NSEC_PER_MSEC     1000000L
#define USEC_PER_SEC_     1000000ull
#define NSEC_PER_USEC     1000
#define MAC_GROUP_BIT     0x01
#define MAC_LOCAL_BIT     0x02
#define BYTE_BITS         8
#define WORD_MASK         0xffffu
#define TAP_OFFLOAD_CAPS                                                                           \
    (AXN_DRV_CAP_TX_CSUM | AXN_DRV_CAP_TSO4 | AXN_DRV_CAP_TSO6 | AXN_DRV_CAP_RX_CSUM |             \
     AXN_DRV_CAP_LRO)

struct frame {
    uint8_t data[FRAME_CAP];
    size_t len;
    struct axn_offload offload;
};

struct fixture {
    struct axn_netns ns;
    struct axn_tap *tap;
    struct axn_eth_driver drv;
    struct axn_pcap *pcap;
    char ifname[IFNAMSIZ];
    char pcap_path[PATH_MAX];
    struct axn_mac ours;
    struct axn_mac linux_mac;
    struct frame got;
};

static struct fixture fx;
static unsigned tap_seq;

/* ---- Byte helpers --------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> BYTE_BITS);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << BYTE_BITS) | p[1]);
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t acc)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        acc += get16(p + i);
    if (len & 1)
        acc += (uint32_t)p[len - 1] << BYTE_BITS;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc > WORD_MASK)
        acc = (acc & WORD_MASK) + (acc >> (2 * BYTE_BITS));
    return (uint16_t)acc;
}

/* One's-complement sum of the IPv4 pseudo-header of a UDP datagram. */
static uint32_t udp_pseudo_sum(const uint8_t *frame, uint16_t udp_len)
{
    uint32_t acc = sum16(frame + IP_OFF_SRC, 2 * IP4_ADDR_LEN, 0);

    return acc + IPPROTO_UDP_ + udp_len;
}

static void mac_str(const struct axn_mac *mac, char *buf)
{
    snprintf(buf, MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac->b[0], mac->b[1], mac->b[2],
             mac->b[3], mac->b[4], mac->b[5]);
}

static axn_time_t wall_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (axn_time_t)ts.tv_sec * USEC_PER_SEC_ + (axn_time_t)ts.tv_nsec / NSEC_PER_USEC;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * MSEC_PER_SEC + ts.tv_nsec / NSEC_PER_MSEC;
}

/* ---- Frame builders ----------------------------------------------------- */

static void put_eth(uint8_t *f, const struct axn_mac *dst, const struct axn_mac *src, uint16_t type)
{
    memcpy(f + ETH_OFF_DST, dst->b, AXN_MAC_LEN);
    memcpy(f + ETH_OFF_SRC, src->b, AXN_MAC_LEN);
    put16(f + ETH_OFF_TYPE, type);
}

struct arp_fields {
    uint16_t op;
    const struct axn_mac *eth_dst;
    const struct axn_mac *sha;
    const uint8_t *spa;
    const struct axn_mac *tha;
    const uint8_t *tpa;
};

static size_t build_arp(uint8_t *f, const struct arp_fields *a)
{
    put_eth(f, a->eth_dst, a->sha, ETHERTYPE_ARP);
    put16(f + ARP_OFF_HTYPE, ARP_HTYPE_ETHER);
    put16(f + ARP_OFF_PTYPE, ETHERTYPE_IP);
    f[ARP_OFF_HLEN] = AXN_MAC_LEN;
    f[ARP_OFF_PLEN] = IP4_ADDR_LEN;
    put16(f + ARP_OFF_OP, a->op);
    memcpy(f + ARP_OFF_SHA, a->sha->b, AXN_MAC_LEN);
    memcpy(f + ARP_OFF_SPA, a->spa, IP4_ADDR_LEN);
    memcpy(f + ARP_OFF_THA, a->tha->b, AXN_MAC_LEN);
    memcpy(f + ARP_OFF_TPA, a->tpa, IP4_ADDR_LEN);
    return ARP_FRAME_LEN;
}

static void put_ip4(uint8_t *f, uint16_t payload_len, uint8_t proto)
{
    f[IP_OFF] = IP_VER_IHL;
    put16(f + IP_OFF_TOTLEN, (uint16_t)(IP_HLEN + payload_len));
    put16(f + IP_OFF_ID, IP_ID);
    put16(f + IP_OFF_FRAG, IP_FLAG_DF);
    f[IP_OFF_TTL] = IP_TTL;
    f[IP_OFF_PROTO] = proto;
    memcpy(f + IP_OFF_SRC, our_ip, IP4_ADDR_LEN);
    memcpy(f + IP_OFF_DST, linux_ip, IP4_ADDR_LEN);
    put16(f + IP_OFF_CSUM, (uint16_t)~fold(sum16(f + IP_OFF, IP_HLEN, 0)));
}

/*
 * A UDP datagram from us to Linux's discard port whose checksum is left to
 * the device: the field holds the folded pseudo-header sum, as NEEDS_CSUM
 * requires, and `ofl` says where it is.
 */
static size_t build_partial_udp(uint8_t *f, struct axn_offload *ofl)
{
    size_t payload = strlen(PROBE_PAYLOAD);
    uint16_t udp_len = (uint16_t)(UDP_HLEN + payload);

    memset(f, 0, UDP_OFF_PAYLOAD);
    put_eth(f, &fx.linux_mac, &fx.ours, ETHERTYPE_IP);
    put_ip4(f, udp_len, IPPROTO_UDP_);
    put16(f + UDP_OFF_SPORT, OUR_UDP_PORT);
    put16(f + UDP_OFF_DPORT, DISCARD_PORT);
    put16(f + UDP_OFF_LEN, udp_len);
    memcpy(f + UDP_OFF_PAYLOAD, PROBE_PAYLOAD, payload);
    put16(f + UDP_OFF_CSUM, fold(udp_pseudo_sum(f, udp_len)));
    memset(ofl, 0, sizeof(*ofl));
    ofl->flags = AXN_OFL_NEEDS_CSUM;
    ofl->csum_start = UDP_OFF;
    ofl->csum_offset = UDP_CSUM_OFFSET;
    return UDP_OFF_PAYLOAD + payload;
}

/* ---- Frame predicates ---------------------------------------------------- */

typedef bool (*frame_pred)(const uint8_t *f, size_t len);

static bool is_arp(const uint8_t *f, size_t len)
{
    return len >= ETH_HLEN && get16(f + ETH_OFF_TYPE) == ETHERTYPE_ARP;
}

static bool is_ip4_proto(const uint8_t *f, size_t len, uint8_t proto)
{
    return len >= UDP_OFF_PAYLOAD && get16(f + ETH_OFF_TYPE) == ETHERTYPE_IP &&
           f[IP_OFF_PROTO] == proto;
}

static bool is_udp4(const uint8_t *f, size_t len)
{
    return is_ip4_proto(f, len, IPPROTO_UDP_);
}

static bool is_icmp4(const uint8_t *f, size_t len)
{
    return is_ip4_proto(f, len, IPPROTO_ICMP_);
}

/* ---- Driver I/O through the ops table ------------------------------------ */

static void record(const uint8_t *data, size_t len)
{
    if (fx.pcap)
        assert_int_equal(axn_pcap_write(fx.pcap, wall_us(), data, len), 0);
}

static int wait_readable(long long deadline)
{
    struct pollfd pfd = {.fd = axn_tap_fd(fx.tap), .events = POLLIN};
    long long left = deadline - now_ms();

    if (left <= 0)
        return -ETIMEDOUT;
    poll(&pfd, 1, (int)left);
    return 0;
}

static void keep_frame(const struct axn_rx_buf *rx)
{
    fx.got.len = rx->len < FRAME_CAP ? rx->len : FRAME_CAP;
    memcpy(fx.got.data, rx->data, fx.got.len);
    fx.got.offload = rx->offload;
}

/* Receives until a frame matching `want` arrives (kept in fx.got) or
 * WAIT_MS pass. Every frame received is recorded, matching or not. */
static int wait_frame(frame_pred want)
{
    long long deadline = now_ms() + WAIT_MS;

    for (;;) {
        struct axn_rx_buf rx;
        int err = fx.drv.ops->receive(fx.drv.drv, &rx);
        bool hit;

        if (err == -AXN_EAGAIN) {
            if (wait_readable(deadline) != 0)
                return -ETIMEDOUT;
            continue;
        }
        if (err)
            return err;
        record(rx.data, rx.len);
        hit = want(rx.data, rx.len);
        if (hit)
            keep_frame(&rx);
        assert_int_equal(fx.drv.ops->recycle_rx(fx.drv.drv, &rx), 0);
        if (hit)
            return 0;
    }
}

static int send_frame(const uint8_t *frame, size_t len, const struct axn_offload *ofl)
{
    struct axn_tx_buf tx;
    int err = fx.drv.ops->alloc_tx(fx.drv.drv, len, &tx);

    if (err)
        return err;
    memcpy(tx.data, frame, len);
    if (ofl)
        tx.offload = *ofl;
    record(frame, len);
    return fx.drv.ops->transmit(fx.drv.drv, &tx);
}

/* ---- Fixtures --------------------------------------------------------------- */

static int netns_sh(const char *cmd)
{
    return axn_netns_run(&fx.ns, NULL, 0, "%s", cmd);
}

static int give_linux_side_an_address(void)
{
    char cmd[OUT_LEN];

    /* IPv6 off first: its router and listener messages would otherwise come
     * at random moments between the frames a test expects. */
    snprintf(cmd, sizeof(cmd),
             "f=/proc/sys/net/ipv6/conf/%s/disable_ipv6; { [ ! -e $f ] || echo 1 >$f; } && "
             "ip addr add %s/%d dev %s && ip link set dev %s up",
             fx.ifname, LINUX_IP_STR, PREFIX_LEN, fx.ifname, fx.ifname);
    return netns_sh(cmd);
}

static int teardown(void **state)
{
    (void)state;
    axn_pcap_close(fx.pcap);
    axn_tap_close(fx.tap);
    axn_netns_delete(&fx.ns);
    memset(&fx, 0, sizeof(fx));
    return 0;
}

static int open_tap(bool vnet_hdr)
{
    struct axn_tap_config cfg = {.name = fx.ifname, .vnet_hdr = vnet_hdr, .unpersist = true};
    int err;

    /* Linux pids have at most 7 digits (pid_max <= 2^22): "axtPPPPPPP-SS". */
    snprintf(fx.ifname, sizeof(fx.ifname), "axt%u-%u", (unsigned)getpid() % PID_MODULUS,
             tap_seq++ % SEQ_MODULUS);
    err = axn_tap_open(&fx.tap, &cfg);
    if (err)
        return err;
    axn_tap_driver(fx.tap, &fx.drv);
    axn_tap_mac(fx.tap, &fx.ours);
    return axn_tap_peer_mac(fx.tap, &fx.linux_mac);
}

static int setup_tap(void **state, bool vnet_hdr, bool with_address)
{
    int err;

    (void)state;
    memset(&fx, 0, sizeof(fx));
    err = axn_netns_create(&fx.ns, "tap");
    if (!err)
        err = open_tap(vnet_hdr);
    if (!err)
        err = axn_netns_move_link(&fx.ns, fx.ifname);
    if (!err && with_address)
        err = give_linux_side_an_address();
    if (err) {
        fprintf(stderr, "setup failed: %d\n", err);
        teardown(state);
    }
    return err ? -1 : 0;
}

static int setup_plain(void **state)
{
    return setup_tap(state, false, true);
}

static int setup_vnet(void **state)
{
    return setup_tap(state, true, true);
}

static int setup_plain_down(void **state)
{
    return setup_tap(state, false, false);
}

static int setup_vnet_down(void **state)
{
    return setup_tap(state, true, false);
}

/* ---- Capture checks ---------------------------------------------------------- */

static void open_capture(const char *what)
{
    const char *dir = getenv("AXN_BUILD_DIR");

    snprintf(fx.pcap_path, sizeof(fx.pcap_path), "%s/test_tap_%s.pcap", dir ? dir : "/tmp", what);
    assert_int_equal(axn_pcap_open(&fx.pcap, fx.pcap_path, 0), 0);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static bool is_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

/* Closes the capture and has tshark read it back: one summary line per
 * frame, nothing malformed, no expert item at warning level or above. */
static void assert_capture_clean(void)
{
    const char *list[] = {"tshark", "-r", fx.pcap_path, NULL};
    const char *expert[] = {"tshark", "-r", fx.pcap_path, "-q", "-z", "expert,warn", NULL};
    uint64_t frames = axn_pcap_count(fx.pcap);
    static char out[OUT_LEN];

    axn_pcap_close(fx.pcap);
    fx.pcap = NULL;
    /* Without tshark the frames were still checked byte by byte; only the
     * second opinion on the capture is lost, so say so instead of failing. */
    if (!axn_cmd_exists("tshark")) {
        fprintf(stderr, "NOTE: tshark not in PATH, %s not checked\n", fx.pcap_path);
        return;
    }
    assert_int_equal(axn_cmd_run(list, out, sizeof(out), TSHARK_TIMEOUT_MS), 0);
    assert_int_equal(count_lines(out), frames);
    assert_null(strstr(out, "Malformed"));
    assert_int_equal(axn_cmd_run(expert, out, sizeof(out), TSHARK_TIMEOUT_MS), 0);
    /* Filtered to warnings and errors, tshark prints nothing at all unless
     * it found one ("Errors (1)", "Warns (2)" and a table). */
    if (!is_blank(out))
        fail_msg("tshark expert items in %s:\n%s", fx.pcap_path, out);
}

/* ---- The ARP exchange, shared by the plain and offload cases -------------- */

/* Makes Linux send a UDP datagram to 192.0.2.2; not knowing its MAC, Linux
 * first broadcasts an ARP request and queues the datagram. */
static void make_linux_send_to_us(void)
{
    char cmd[OUT_LEN];

    snprintf(cmd, sizeof(cmd), "bash -c 'echo x >/dev/udp/%s/%d'", OUR_IP_STR, DISCARD_PORT);
    assert_int_equal(netns_sh(cmd), 0);
}

static void assert_got_linux_arp_request(void)
{
    const struct arp_fields req = {.op = ARP_OP_REQUEST,
                                   .eth_dst = &broadcast_mac,
                                   .sha = &fx.linux_mac,
                                   .spa = linux_ip,
                                   .tha = &zero_mac,
                                   .tpa = our_ip};
    const struct axn_offload no_offload = {0};
    uint8_t want[ARP_FRAME_LEN];

    build_arp(want, &req);
    assert_int_equal(wait_frame(is_arp), 0);
    assert_int_equal(fx.got.len, ARP_FRAME_LEN);
    assert_memory_equal(fx.got.data, want, ARP_FRAME_LEN);
    assert_memory_equal(&fx.got.offload, &no_offload, sizeof(no_offload));
}

static void send_arp_reply(void)
{
    const struct arp_fields rep = {.op = ARP_OP_REPLY,
                                   .eth_dst = &fx.linux_mac,
                                   .sha = &fx.ours,
                                   .spa = our_ip,
                                   .tha = &fx.linux_mac,
                                   .tpa = linux_ip};
    uint8_t frame[ARP_FRAME_LEN];

    build_arp(frame, &rep);
    assert_int_equal(send_frame(frame, sizeof(frame), NULL), 0);
}

static void assert_linux_neighbour_is_our_mac(void)
{
    char out[OUT_LEN];
    char want[OUT_LEN];
    char mac[MAC_STR_LEN];

    mac_str(&fx.ours, mac);
    snprintf(want, sizeof(want), "lladdr %s ", mac);
    assert_int_equal(
        axn_netns_run(&fx.ns, out, sizeof(out), "ip neigh show %s dev %s", OUR_IP_STR, fx.ifname),
        0);
    if (!strstr(out, want))
        fail_msg("neighbour entry \"%s\" lacks \"%s\"", out, want);
}

/* The datagram Linux queued behind ARP, now sent to the MAC it learned. */
static void assert_got_queued_udp(void)
{
    size_t text = strlen(TRIGGER_TEXT);

    assert_int_equal(wait_frame(is_udp4), 0);
    assert_int_equal(fx.got.len, UDP_OFF_PAYLOAD + text);
    assert_memory_equal(fx.got.data + ETH_OFF_DST, fx.ours.b, AXN_MAC_LEN);
    assert_memory_equal(fx.got.data + ETH_OFF_SRC, fx.linux_mac.b, AXN_MAC_LEN);
    assert_memory_equal(fx.got.data + IP_OFF_SRC, linux_ip, IP4_ADDR_LEN);
    assert_memory_equal(fx.got.data + IP_OFF_DST, our_ip, IP4_ADDR_LEN);
    assert_int_equal(get16(fx.got.data + UDP_OFF_DPORT), DISCARD_PORT);
    assert_int_equal(get16(fx.got.data + UDP_OFF_LEN), UDP_HLEN + text);
    assert_memory_equal(fx.got.data + UDP_OFF_PAYLOAD, TRIGGER_TEXT, text);
}

/* ---- Tests: plain mode ------------------------------------------------------ */

static void plain_tap_receives_arp_request_and_linux_learns_our_reply(void **state)
{
    uint16_t udp_len;

    (void)state;
    open_capture("plain");
    make_linux_send_to_us();
    assert_got_linux_arp_request();
    send_arp_reply();
    assert_got_queued_udp();
    /* Without offloads Linux finished the checksum: the sum verifies. */
    udp_len = get16(fx.got.data + UDP_OFF_LEN);
    assert_int_equal(
        fold(sum16(fx.got.data + UDP_OFF, udp_len, udp_pseudo_sum(fx.got.data, udp_len))),
        WORD_MASK);
    assert_int_equal(fx.got.offload.flags, 0);
    assert_linux_neighbour_is_our_mac();
    assert_capture_clean();
}

/* The IRQ line is the fd (port_posix.h); the handler moves out once and
 * reports RX_READY only while enabled. */
static void assert_irq_is_the_fd(void)
{
    struct axn_irq_handler h = {0}, again = {0};

    assert_int_equal(fx.drv.ops->irq_id(fx.drv.drv), axn_port_posix_fd_irq(axn_tap_fd(fx.tap)));
    assert_int_equal(fx.drv.ops->take_irq_handler(fx.drv.drv, &h), 0);
    assert_int_equal(fx.drv.ops->take_irq_handler(fx.drv.drv, &again), -AXN_ENOENT);
    assert_int_equal(h.handle(h.arg), AXN_IRQ_SPURIOUS);
    fx.drv.ops->enable_irq(fx.drv.drv);
    assert_int_equal(h.handle(h.arg), AXN_IRQ_RX_READY);
    fx.drv.ops->disable_irq(fx.drv.drv);
    assert_int_equal(h.handle(h.arg), AXN_IRQ_SPURIOUS);
    assert_int_equal(axn_tap_irq_count(fx.tap), 1);
}

static void plain_tap_declares_no_offloads_and_its_fd_as_irq(void **state)
{
    char name[IFNAMSIZ];
    struct axn_mac mac;

    (void)state;
    assert_ptr_equal(fx.drv.drv, fx.tap);
    assert_int_equal(fx.drv.caps, 0);
    assert_int_equal(fx.drv.gso_max_size, 0);
    assert_int_equal(fx.drv.mtu, AXN_ETH_MTU);
    assert_irq_is_the_fd();
    snprintf(name, sizeof(name), "%s", fx.drv.ops->name(fx.drv.drv));
    assert_string_equal(name, fx.ifname);
    assert_string_equal(axn_tap_name(fx.tap), fx.ifname);
    fx.drv.ops->mac_address(fx.drv.drv, &mac);
    assert_memory_equal(mac.b, fx.ours.b, AXN_MAC_LEN);
    /* Random default: unicast and locally administered. */
    assert_int_equal(fx.ours.b[0] & (MAC_GROUP_BIT | MAC_LOCAL_BIT), MAC_LOCAL_BIT);
    assert_memory_not_equal(fx.ours.b, fx.linux_mac.b, AXN_MAC_LEN);
}

static void plain_tap_lends_one_buffer_each_way_at_a_time(void **state)
{
    size_t frame_max = AXN_ETH_MTU + AXN_ETH_HLEN;
    struct axn_rx_buf rx = {0};
    struct axn_tx_buf tx;
    struct axn_tx_buf second;
    struct axn_offload csum = {.flags = AXN_OFL_NEEDS_CSUM};

    (void)state;
    /* Link down: Linux sends nothing, so there is nothing to receive. */
    assert_int_equal(fx.drv.ops->receive(fx.drv.drv, &rx), -AXN_EAGAIN);
    assert_int_equal(fx.drv.ops->recycle_rx(fx.drv.drv, &rx), -AXN_EINVAL);
    assert_int_equal(fx.drv.ops->recycle_tx(fx.drv.drv), 0);
    assert_int_equal(fx.drv.ops->alloc_tx(fx.drv.drv, 0, &tx), -AXN_EINVAL);
    assert_int_equal(fx.drv.ops->alloc_tx(fx.drv.drv, frame_max + 1, &tx), -AXN_EINVAL);
    assert_int_equal(fx.drv.ops->alloc_tx(fx.drv.drv, frame_max, &tx), 0);
    assert_non_null(tx.data);
    assert_int_equal(tx.len, frame_max);
    assert_int_equal(fx.drv.ops->alloc_tx(fx.drv.drv, ARP_FRAME_LEN, &second), -AXN_EAGAIN);
    fx.drv.ops->abort_tx(fx.drv.drv, &tx);
    assert_int_equal(fx.drv.ops->alloc_tx(fx.drv.drv, ARP_FRAME_LEN, &tx), 0);
    second = tx;
    second.data = tx.data + 1;
    assert_int_equal(fx.drv.ops->transmit(fx.drv.drv, &second), -AXN_EINVAL);
    /* Offload metadata without offload mode is refused, and the buffer
     * still goes back to the driver. */
    memset(tx.data, 0, ARP_FRAME_LEN);
    tx.offload = csum;
    assert_int_equal(fx.drv.ops->transmit(fx.drv.drv, &tx), -AXN_EOPNOTSUPP);
    assert_int_equal(fx.drv.ops->alloc_tx(fx.drv.drv, ARP_FRAME_LEN, &tx), 0);
    memset(tx.data, 0, ARP_FRAME_LEN);
    /* Linux refuses frames on an interface that is down. */
    assert_int_equal(fx.drv.ops->transmit(fx.drv.drv, &tx), -AXN_EIO);
    assert_int_equal(fx.drv.ops->alloc_tx(fx.drv.drv, ARP_FRAME_LEN, &tx), 0);
    fx.drv.ops->abort_tx(fx.drv.drv, &tx);
}

static void link_helpers_set_mtu_and_up_from_inside_the_namespace(void **state)
{
    char out[OUT_LEN];
    char mac[MAC_STR_LEN];
    char want[OUT_LEN];
    int saved = -1;
    int up;
    int mtu;
    int too_big;

    (void)state;
    assert_int_equal(axn_netns_enter(&fx.ns, &saved), 0);
    mtu = axn_tap_set_mtu(fx.tap, SMALL_MTU);
    too_big = axn_tap_set_mtu(fx.tap, AXN_ETH_MTU + 1);
    up = axn_tap_set_up(fx.tap);
    assert_int_equal(axn_netns_leave(saved), 0);
    assert_int_equal(mtu, 0);
    assert_int_equal(too_big, -AXN_EINVAL);
    assert_int_equal(up, 0);
    assert_int_equal(axn_netns_run(&fx.ns, out, sizeof(out), "ip -o link show dev %s", fx.ifname),
                     0);
    snprintf(want, sizeof(want), "mtu %d ", SMALL_MTU);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, ",UP,"));
    mac_str(&fx.linux_mac, mac);
    snprintf(want, sizeof(want), "link/ether %s ", mac);
    assert_non_null(strstr(out, want));
}

static void plain_tap_consumes_frame_longer_than_its_mtu_as_eio(void **state)
{
    char cmd[OUT_LEN];
    char mac[MAC_STR_LEN];
    struct axn_rx_buf rx;

    (void)state;
    /* Linux may send frames up to BIG_MTU; the driver was opened for 1500. */
    mac_str(&fx.ours, mac);
    snprintf(cmd, sizeof(cmd),
             "ip link set dev %s mtu %d && ip neigh replace %s lladdr %s dev %s nud permanent && "
             "bash -c 'head -c %d /dev/zero >/dev/udp/%s/%d'",
             fx.ifname, BIG_MTU, OUR_IP_STR, mac, fx.ifname, BIG_DATAGRAM, OUR_IP_STR,
             DISCARD_PORT);
    assert_int_equal(netns_sh(cmd), 0);
    assert_int_equal(wait_readable(now_ms() + WAIT_MS), 0);
    assert_int_equal(fx.drv.ops->receive(fx.drv.drv, &rx), -AXN_EIO);
    /* The frame is gone, nothing is lent, and the driver carries on. */
    assert_int_equal(fx.drv.ops->receive(fx.drv.drv, &rx), -AXN_EAGAIN);
    make_linux_send_to_us();
    assert_int_equal(wait_frame(is_udp4), 0);
    assert_int_equal(fx.got.len, UDP_OFF_PAYLOAD + strlen(TRIGGER_TEXT));
}

/* ---- Tests: offload mode (IFF_VNET_HDR) ---------------------------------- */

static void vnet_tap_strips_header_and_maps_linux_partial_udp_checksum(void **state)
{
    uint16_t udp_len;

    (void)state;
    open_capture("vnet");
    make_linux_send_to_us();
    /* Same bytes as without the header, and a zero header maps to zero. */
    assert_got_linux_arp_request();
    send_arp_reply();
    assert_got_queued_udp();
    /* With TUN_F_CSUM Linux leaves the UDP checksum to us: the field holds
     * only the pseudo-header sum and the header says where it goes. */
    udp_len = get16(fx.got.data + UDP_OFF_LEN);
    assert_int_equal(fx.got.offload.flags, AXN_OFL_NEEDS_CSUM);
    assert_int_equal(fx.got.offload.gso_type, AXN_GSO_NONE);
    assert_int_equal(fx.got.offload.csum_start, UDP_OFF);
    assert_int_equal(fx.got.offload.csum_offset, UDP_CSUM_OFFSET);
    assert_int_equal(get16(fx.got.data + UDP_OFF_CSUM), fold(udp_pseudo_sum(fx.got.data, udp_len)));
    assert_linux_neighbour_is_our_mac();
    assert_capture_clean();
}

static void vnet_tap_sends_partial_checksum_udp_that_linux_accepts(void **state)
{
    char cmd[OUT_LEN];
    char mac[MAC_STR_LEN];
    struct axn_offload ofl;
    uint8_t frame[FRAME_CAP];
    size_t len;

    (void)state;
    open_capture("vnet_tx");
    mac_str(&fx.ours, mac);
    snprintf(cmd, sizeof(cmd), "ip neigh replace %s lladdr %s dev %s nud permanent", OUR_IP_STR,
             mac, fx.ifname);
    assert_int_equal(netns_sh(cmd), 0);
    len = build_partial_udp(frame, &ofl);
    assert_int_equal(send_frame(frame, len, &ofl), 0);
    /* Linux took the datagram (a wrong checksum would have been dropped
     * silently) and, finding no socket on port 9, says so. */
    assert_int_equal(wait_frame(is_icmp4), 0);
    assert_memory_equal(fx.got.data + ETH_OFF_DST, fx.ours.b, AXN_MAC_LEN);
    assert_int_equal(fx.got.data[ICMP_OFF_TYPE], ICMP_DEST_UNREACH);
    assert_int_equal(fx.got.data[ICMP_OFF_CODE], ICMP_PORT_UNREACH);
    assert_memory_equal(fx.got.data + QUOTE_OFF_IP_DST, linux_ip, IP4_ADDR_LEN);
    assert_int_equal(get16(fx.got.data + QUOTE_OFF_UDP_SPORT), OUR_UDP_PORT);
    assert_int_equal(get16(fx.got.data + QUOTE_OFF_UDP_DPORT), DISCARD_PORT);
    assert_capture_clean();
}

static void vnet_tap_declares_offloads_and_64k_buffers(void **state)
{
    size_t frame_max = AXN_GSO_MAX_SIZE + AXN_ETH_HLEN;
    struct axn_offload gso_no_csum = {.gso_type = AXN_GSO_TCPV4, .gso_size = 1};
    struct axn_tx_buf tx;

    (void)state;
    assert_int_equal(fx.drv.caps, TAP_OFFLOAD_CAPS);
    assert_int_equal(fx.drv.gso_max_size, AXN_GSO_MAX_SIZE);
    assert_int_equal(fx.drv.ops->alloc_tx(fx.drv.drv, frame_max + 1, &tx), -AXN_EINVAL);
    assert_int_equal(fx.drv.ops->alloc_tx(fx.drv.drv, frame_max, &tx), 0);
    memset(tx.data, 0, frame_max);
    tx.offload = gso_no_csum;
    assert_int_equal(fx.drv.ops->transmit(fx.drv.drv, &tx), -AXN_EINVAL);
    assert_int_equal(fx.drv.ops->alloc_tx(fx.drv.drv, frame_max, &tx), 0);
    fx.drv.ops->abort_tx(fx.drv.drv, &tx);
}

/* ---- Tests: opening ---------------------------------------------------------- */

static void open_uses_given_mac_and_rejects_overlong_name(void **state)
{
    struct axn_tap_config cfg = {.mac = &fixed_mac, .unpersist = true};
    struct axn_tap *tap = NULL;
    struct axn_eth_driver drv;
    struct axn_mac mac;

    (void)state;
    assert_int_equal(axn_tap_open(&tap, &cfg), 0);
    axn_tap_driver(tap, &drv);
    drv.ops->mac_address(drv.drv, &mac);
    axn_tap_close(tap);
    assert_memory_equal(mac.b, fixed_mac.b, AXN_MAC_LEN);
    cfg.name = "axn-name-longer-than-ifnamsiz";
    assert_int_equal(axn_tap_open(&tap, &cfg), -AXN_EINVAL);
    assert_null(tap);
}

/* Checksum offload alone (TUN_F_CSUM): no TSO caps, MTU-sized buffers. */
static void csum_only_tap_declares_checksums_and_mtu_buffers(void **state)
{
    struct axn_tap_config cfg = {.unpersist = true, .vnet_hdr = true, .csum_only = true};
    const size_t frame_max = AXN_ETH_MTU + AXN_ETH_HLEN;
    struct axn_tap *tap = NULL;
    struct axn_eth_driver drv;
    struct axn_tx_buf tx;

    (void)state;
    assert_int_equal(axn_tap_open(&tap, &cfg), 0);
    axn_tap_driver(tap, &drv);
    assert_int_equal(drv.caps, AXN_DRV_CAP_TX_CSUM | AXN_DRV_CAP_RX_CSUM);
    assert_int_equal(drv.gso_max_size, 0);
    assert_int_equal(drv.ops->alloc_tx(drv.drv, frame_max + 1, &tx), -AXN_EINVAL);
    assert_int_equal(drv.ops->alloc_tx(drv.drv, frame_max, &tx), 0);
    drv.ops->abort_tx(drv.drv, &tx);
    axn_tap_close(tap);
}

/* ---- Tests: the IRQ wakes a threaded stack ----------------------------------- */

/* Linux pings a threaded stack. Woken only by the idle poll, a request
 * would wait half of AXN_DEVICE_IDLE_POLL_MS on average; the fd IRQ wakes
 * the RX worker as the frame lands, so the average RTT stays far below. */
#define IRQ_PING_COUNT      20
#define IRQ_PING_INTERVAL   "0.02" /* seconds; below 0.2 needs root */
#define IRQ_PING_AVG_MAX_MS (AXN_DEVICE_IDLE_POLL_MS / 4.0)
#define IRQ_PING_OUT_LEN    2048
#define IRQ_PING_RTT_FIELDS 4

static const struct axn_tap_stack_config irq_stack_cfg = {
    .ns_tag = "tapirq", .tap_prefix = "axi", .pcap_prefix = "test_tap", .threaded = true};

/* "rtt min/avg/max/mdev = 0.045/0.061/0.120/0.015 ms" (iputils ping). */
static double ping_avg_ms(const char *out)
{
    double min, avg, max, mdev;
    const char *line = strstr(out, "min/avg/max");

    assert_non_null(line);
    line = strchr(line, '=');
    assert_non_null(line);
    assert_int_equal(sscanf(line + 1, "%lf/%lf/%lf/%lf", &min, &avg, &max, &mdev),
                     IRQ_PING_RTT_FIELDS);
    return avg;
}

static void threaded_stack_answers_ping_without_waiting_for_idle_poll(void **state)
{
    static struct axn_tap_stack ts;
    char out[IRQ_PING_OUT_LEN] = {0};
    int rc;

    (void)state;
    if (!axn_cmd_exists("ping"))
        skip();
    memset(&ts, 0, sizeof(ts));
    assert_int_equal(axn_tap_stack_setup(&ts, &irq_stack_cfg, "irq_ping"), 0);
    rc = axn_netns_run(&ts.ns, out, sizeof(out), "ping -n -q -c %d -i %s -W 1 %s 2>&1",
                       IRQ_PING_COUNT, IRQ_PING_INTERVAL, AXN_TAP_OUR_IP_STR);
    const uint64_t irqs = axn_tap_irq_count(ts.tap);
    axn_tap_stack_cleanup(&ts);
    if (rc != 0)
        fprintf(stderr, "ping: %s\n", out);
    assert_int_equal(rc, 0);
    const double avg = ping_avg_ms(out);
    fprintf(stderr, "ping RTT avg %.3f ms over %d, %llu IRQs\n", avg, IRQ_PING_COUNT,
            (unsigned long long)irqs);
    assert_true(avg < IRQ_PING_AVG_MAX_MS);
    assert_true(irqs >= IRQ_PING_COUNT);
}

int main(void)
{
    static const char *const tools[] = {"bash", NULL};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(plain_tap_receives_arp_request_and_linux_learns_our_reply,
                                        setup_plain, teardown),
        cmocka_unit_test_setup_teardown(plain_tap_declares_no_offloads_and_its_fd_as_irq,
                                        setup_plain_down, teardown),
        cmocka_unit_test_setup_teardown(plain_tap_lends_one_buffer_each_way_at_a_time,
                                        setup_plain_down, teardown),
        cmocka_unit_test_setup_teardown(plain_tap_consumes_frame_longer_than_its_mtu_as_eio,
                                        setup_plain, teardown),
        cmocka_unit_test_setup_teardown(link_helpers_set_mtu_and_up_from_inside_the_namespace,
                                        setup_plain_down, teardown),
        cmocka_unit_test_setup_teardown(vnet_tap_strips_header_and_maps_linux_partial_udp_checksum,
                                        setup_vnet, teardown),
        cmocka_unit_test_setup_teardown(vnet_tap_sends_partial_checksum_udp_that_linux_accepts,
                                        setup_vnet, teardown),
        cmocka_unit_test_setup_teardown(vnet_tap_declares_offloads_and_64k_buffers, setup_vnet_down,
                                        teardown),
        cmocka_unit_test(open_uses_given_mac_and_rejects_overlong_name),
        cmocka_unit_test(csum_only_tap_declares_checksums_and_mtu_buffers),
        cmocka_unit_test(threaded_stack_answers_ping_without_waiting_for_idle_poll),
    };

    axn_netns_require(tools);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
