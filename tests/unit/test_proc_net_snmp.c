/*
 * The /proc/net/snmp text (src/ctl/proc_net_snmp.c) after a known exchange,
 * compared byte for byte: names, order and spacing are Linux 6.18's (as
 * `cat /proc/net/snmp` prints them), the values what the exchange must
 * have counted.
 *
 * The stack is real (lo and eth0 192.0.2.10/24 on a mock driver, caller-
 * polled); the test plays the peer 192.0.2.1: an ARP request (so we know
 * its MAC), a UDP datagram to a bound socket, which the test reads, and
 * one to a port nobody has, answered with ICMP port unreachable. Linux
 * would add "IcmpMsg: OutType3 / IcmpMsg: 1" for that answer; axnet does
 * not print the section (it keeps no counter per ICMP type).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "core/stack_impl.h"
#include "mock_driver.h"
#include "test_platform.h"
#include "wire/checksum.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"
#include "wire/udp.h"

#define OUR_ADDR    AXN_IP4(192, 0, 2, 10)
#define PEER_ADDR   AXN_IP4(192, 0, 2, 1)
#define PREFIX_24   24u
#define NOW         AXN_SEC(1)
#define ARP_LEN     42u
#define PEER_PORT   40000u
#define OPEN_PORT   7u /* echo: the bound socket's */
#define CLOSED_PORT 9u /* discard: nobody's */
#define PAYLOAD_LEN 5u
#define FRAME_MAX   128u
#define TEXT_MAX    2048u
#define SHORT_CAP   16u
#define IP_TTL_PEER 64u
/* Where the ICMP type and code sit in a frame we send (Ethernet header,
 * option-less IPv4 header). */
#define ICMP_TYPE_OFF     (AXN_ETH_HLEN + AXN_IPV4_HDR_MIN)
#define ICMP_CODE_OFF     (ICMP_TYPE_OFF + 1)
#define ICMP_DEST_UNREACH 3u
#define ICMP_PORT_UNREACH 3u

static const struct axn_mac our_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
static const struct axn_mac peer_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

/* The peer asks who has 192.0.2.10, as Linux puts it on a TAP. */
static const uint8_t arp_request[ARP_LEN] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* to everyone */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* from the peer */
    0x08, 0x06,                         /* ARP */
    0x00, 0x01, 0x08, 0x00, 6,    4,    /* Ethernet, IPv4 */
    0x00, 0x01,                         /* request */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* sender MAC */
    192,  0,    2,    1,                /* sender IP */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* target MAC: unknown */
    192,  0,    2,    10,               /* target IP: ours */
};

/* What the exchange leaves: two datagrams in, both delivered; one read
 * (InDatagrams counts at read), one to a closed port (NoPorts) answered by
 * one ICMP destination unreachable (OutRequests, OutTransmits, OutMsgs,
 * OutDestUnreachs). */
static const char expected[] =
    "Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos "
    "InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs "
    "ReasmFails FragOKs FragFails FragCreates OutTransmits\n"
    "Ip: 2 64 2 0 0 0 0 0 2 1 0 0 0 0 0 0 0 0 0 1\n"
    "Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs "
    "InRedirects InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps "
    "OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutTimeExcds "
    "OutParmProbs OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps "
    "OutTimestampReps OutAddrMasks OutAddrMaskReps\n"
    "Icmp: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0\n"
    "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets "
    "CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
    "Tcp: 1 200 120000 -1 0 0 0 0 0 0 0 0 0 0 0\n"
    "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors "
    "IgnoredMulti MemErrors\n"
    "Udp: 1 1 0 0 0 0 0 0 0\n"
    "UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors "
    "IgnoredMulti MemErrors\n"
    "UdpLite: 0 0 0 0 0 0 0 0 0\n";

/* A fresh stack has counted nothing. */
static const char expected_fresh_ip_values[] = "Ip: 2 64 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

static struct {
    struct mock_driver mock;
    struct axn_stack *st;
} T;

static int setup(void **state)
{
    (void)state;
    memset(&T, 0, sizeof(T));
    mock_driver_init(&T.mock, &our_mac);
    if (axn_stack_create(axn_test_platform(), &T.st) != 0)
        return -1;
    struct axn_iface_config ic;
    memset(&ic, 0, sizeof(ic));
    ic.match = AXN_MATCH_ORDER;
    ic.ipv4_mode = AXN_IPV4_STATIC;
    ic.addr = OUR_ADDR;
    ic.prefix_len = PREFIX_24;
    struct axn_net_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ifaces = &ic;
    cfg.n_ifaces = 1;
    const struct axn_eth_driver *drv[] = {&T.mock.drv};
    return axn_stack_init_network(T.st, drv, 1, &cfg, NOW);
}

static int teardown(void **state)
{
    (void)state;
    axn_stack_destroy(T.st);
    if (T.mock.contract_violations != 0)
        return -1;
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* ---- The peer's frames ----------------------------------------------------------------- */

/* Ethernet + IPv4 + UDP from the peer to us, checksums right. */
static size_t udp_frame(uint8_t *frame, uint16_t dport)
{
    static const uint8_t payload[PAYLOAD_LEN] = {'h', 'e', 'l', 'l', 'o'};
    uint8_t udp[AXN_UDP_HDR_LEN + PAYLOAD_LEN];
    const struct axn_udp u = {.src_port = PEER_PORT,
                              .dst_port = dport,
                              .payload = payload,
                              .payload_len = sizeof(payload)};
    const uint32_t pseudo =
        axn_csum_pseudo_v4(PEER_ADDR, OUR_ADDR, AXN_IPPROTO_UDP, (uint16_t)sizeof(udp));
    assert_int_equal(axn_udp_emit(&u, udp, sizeof(udp), pseudo, 0), (int)sizeof(udp));
    uint8_t ip[FRAME_MAX];
    const struct axn_ipv4 h = {.ttl = IP_TTL_PEER,
                               .protocol = AXN_IPPROTO_UDP,
                               .src = PEER_ADDR,
                               .dst = OUR_ADDR,
                               .payload = udp,
                               .payload_len = sizeof(udp)};
    const int ip_len = axn_ipv4_emit(&h, ip, sizeof(ip));
    assert_true(ip_len > 0);
    const struct axn_eth e = {.dst = our_mac,
                              .src = peer_mac,
                              .ethertype = AXN_ETHERTYPE_IPV4,
                              .payload = ip,
                              .payload_len = (size_t)ip_len};
    const int n = axn_eth_emit(&e, frame, FRAME_MAX, AXN_ETH_EMIT_PAD);
    assert_true(n > 0);
    return (size_t)n;
}

static void push_udp(uint16_t dport)
{
    uint8_t frame[FRAME_MAX];
    const size_t n = udp_frame(frame, dport);
    assert_int_equal(mock_driver_push_rx(&T.mock, frame, n), 0);
}

static void poll_a_while(void)
{
    for (int i = 0; i < 4; i++)
        axn_stack_poll(T.st, NOW);
}

static struct axn_socket *bound_socket(uint16_t port)
{
    struct axn_socket *s;
    assert_int_equal(axn_socket(T.st, AXN_AF_INET, AXN_SOCK_DGRAM, 0, &s), 0);
    struct axn_sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AXN_AF_INET;
    sa.sin_port = (uint16_t)((port >> 8) | (port << 8)); /* network order */
    assert_int_equal(axn_bind(s, (const struct axn_sockaddr *)&sa, sizeof(sa)), 0);
    return s;
}

/* ---- Tests --------------------------------------------------------------------------------- */

static void proc_net_snmp_after_udp_in_and_port_unreachable_out(void **state)
{
    (void)state;
    struct axn_socket *s = bound_socket(OPEN_PORT);
    assert_int_equal(mock_driver_push_rx(&T.mock, arp_request, sizeof(arp_request)), 0);
    push_udp(OPEN_PORT);
    push_udp(CLOSED_PORT);
    poll_a_while();
    uint8_t got[PAYLOAD_LEN + 1];
    assert_int_equal(axn_recv(s, got, sizeof(got), AXN_MSG_DONTWAIT), PAYLOAD_LEN);
    assert_memory_equal(got, "hello", PAYLOAD_LEN);
    /* The answer really left: the last frame is the port unreachable. */
    assert_true(T.mock.tx_count > 0);
    const struct mock_frame *last = &T.mock.tx[T.mock.tx_count - 1];
    assert_int_equal(last->data[ICMP_TYPE_OFF], ICMP_DEST_UNREACH);
    assert_int_equal(last->data[ICMP_CODE_OFF], ICMP_PORT_UNREACH);

    char text[TEXT_MAX];
    const size_t n = axn_ctl_format_proc_net_snmp(T.st, text, sizeof(text));
    assert_int_equal(n, sizeof(expected) - 1);
    assert_string_equal(text, expected);
    assert_int_equal(axn_close(s), 0);
}

/* snprintf semantics: a short buffer holds a terminated prefix and the
 * whole length is still reported. */
static void proc_net_snmp_short_buffer_is_a_prefix(void **state)
{
    (void)state;
    char full[TEXT_MAX];
    const size_t n = axn_ctl_format_proc_net_snmp(T.st, full, sizeof(full));
    char small[SHORT_CAP];
    assert_int_equal(axn_ctl_format_proc_net_snmp(T.st, small, sizeof(small)), n);
    assert_int_equal(strlen(small), SHORT_CAP - 1);
    assert_memory_equal(small, full, SHORT_CAP - 1);
    const char *second = strchr(full, '\n') + 1;
    assert_memory_equal(second, expected_fresh_ip_values, strlen(expected_fresh_ip_values));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(proc_net_snmp_after_udp_in_and_port_unreachable_out, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(proc_net_snmp_short_buffer_is_a_prefix, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
