/*
 * Hostile frames against a whole stack with sockets open (spec §6, §8, §9,
 * §12): driver -> Ethernet adapter -> router -> IPv4 input (reassembly,
 * ICMP, errors to sockets) -> UDP, raw and ping sockets -> axn_recvmsg, and
 * back out through axn_sendto -> IPv4 output -> ARP -> driver.
 *
 * One stack per input, on port/none (single thread, counted locks, its own
 * arena), caller-polled in virtual time with one device on a scripted
 * driver that swallows what it is given to send. eth0 is 192.0.2.10/24.
 * Before any input: UDP port 7; a UDP socket on CONN_PORT connected to
 * 192.0.2.1:9 with IP_RECVERR, IP_PKTINFO and IP_RECVTOS; an SO_REUSEPORT
 * pair on port 53; a raw IPPROTO_ICMP socket with an ICMP_FILTER; a raw
 * socket for protocol 253; an IPPROTO_RAW socket; an ICMP ping socket with
 * identifier PING_IDENT. The connected and ping sockets send one datagram
 * each to the peer (ARP waits for it); frames can make them send again.
 *
 * The input is frames separated by fuzz_stack.h's separator (fuzz_eth_rx's framing, so
 * its corpus seeds this one). Each frame is fed as it is and again sent to
 * our MAC. Its last byte picks how far virtual time then moves (up to past
 * the reassembly timeout, so ARP and reassembly timers run; the stack is
 * polled at every deadline on the way), the byte before it (CTL_*) how
 * the sockets are drained with axn_recvmsg(MSG_DONTWAIT): receive room
 * (whole datagram or small), control room (full or small), MSG_PEEK first
 * or not, whether what came in is sent back with axn_sendto(MSG_DONTWAIT);
 * and whether the frame's IP packet goes out on the IPPROTO_RAW socket and
 * the connected and ping sockets send again.
 *
 * Trapped: any crash or sanitizer report; a driver-contract breach or a
 * transmitted frame that is short or not from our MAC; TX counters that
 * differ from what the driver transmitted; a broken lock rule; a receive
 * that returns more than fits or writes past the room it was given (guard
 * bytes), a msg_controllen or msg_namelen that grows, a control message
 * chain that does not fit in what msg_controllen says, unknown msg_flags;
 * an errno outside the Linux set each call may return; any stack, link,
 * IP, ICMP or UDP counter that goes down; a packet the router refuses as
 * malformed (out_malformed); and, once every socket is closed and the stack destroyed, a
 * block left in the arena.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/port_none.h"
#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "axnet/stack.h"
#include "lib/byteorder.h"
#include "support/fuzz_check.h"
#include "support/fuzz_stack.h"
#include "wire/ethernet.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

/* ---- Constants ------------------------------------------------------------------------ */

#define ARENA_BYTES (8u * 1024u * 1024u)
#define PREFIX      24u
#define OUR_ADDR    AXN_IP4(192, 0, 2, 10)
#define PEER_ADDR   AXN_IP4(192, 0, 2, 1)
#define PEER_PORT   9u      /* discard */
#define ECHO_PORT   7u      /* echo */
#define DNS_PORT    53u     /* the SO_REUSEPORT pair */
#define CONN_PORT   40000u  /* the connected socket's own port (seeds quote it) */
#define PING_IDENT  0x1234u /* the ping socket's identifier (its bound "port") */
#define PROTO_EXP   253     /* RFC 3692 experimentation */
/* ICMP types the raw ICMP socket filters out (bit n: type n). */
#define ICMP_TYPE_TIMESTAMP       13u
#define ICMP_TYPE_TIMESTAMP_REPLY 14u
#define RAW_ICMP_FILTER                                                                            \
    ((1u << ICMP_TYPE_TIMESTAMP) | (1u << ICMP_TYPE_TIMESTAMP_REPLY) | (1u << AXN_ICMP4_ECHO_REPLY))

#define T_START AXN_SEC(1)
/* Late enough that every ARP retry, failure and aging timer has run, and
 * every reassembly has timed out. */
#define T_LATE                                                                                     \
    (AXN_MSEC(AXN_ARP_REQUEST_RETRY_MS) * (AXN_ARP_MAX_REQUESTS + 1u) +                            \
     AXN_MSEC(AXN_ARP_PENDING_MAX_AGE_MS) + AXN_MSEC(AXN_IP4_REASM_TIMEOUT_MS))
#define MAX_POLLS 64u /* polls at deadlines within one time step */

/* Receive side: room offered, guard bytes behind it, drain bound. */
#define RECV_ROOM      AXN_IPV4_TOTAL_MAX /* a whole reassembled datagram: echoes fragment */
#define RECV_SMALL     12u                /* cuts most datagrams: MSG_TRUNC */
#define CTRL_ROOM      256u               /* every control message at once */
#define CTRL_SMALL     20u                /* less than one: MSG_CTRUNC */
#define GUARD_LEN      64u
#define GUARD_BYTE     0xa5u
#define NAME_GUARD     0xcdu
#define MAX_DRAIN      32u /* receives per socket per frame */
#define SEND_SCRATCH   FUZZ_FRAME_MAX
#define ICMP_TYPE_OFF  0u
#define ICMP_CODE_OFF  1u
#define RECV_OK_FLAGS  (AXN_MSG_TRUNC | AXN_MSG_CTRUNC | AXN_MSG_ERRQUEUE)
#define CONN_DGRAM_LEN 16u /* what the connected socket sends at start */

/* The control byte (the byte before a frame's last). */
#define CTL_SMALL_RECV 0x01u
#define CTL_SMALL_CTRL 0x02u
#define CTL_ECHO       0x04u
#define CTL_PEEK       0x08u
#define CTL_HDRINCL    0x10u /* send the frame's IP packet on the IPPROTO_RAW socket */
#define CTL_CONN_SEND  0x20u /* the connected and ping sockets send again */

/* Time steps, picked by a frame's last byte. */
static const axn_time_t time_steps[] = {
    0,
    AXN_MSEC(1),
    AXN_MSEC(10),
    AXN_MSEC(100),
    AXN_MSEC(AXN_ARP_REQUEST_RETRY_MS),
    AXN_MSEC(AXN_ARP_PENDING_MAX_AGE_MS),
    AXN_MSEC(AXN_IP4_REASM_TIMEOUT_MS) / 2,
    AXN_MSEC(AXN_IP4_REASM_TIMEOUT_MS) + AXN_MSEC(1),
};

/* ---- Errnos each call may return (Linux udp(7), raw(7), icmp(7), ip(7)) ---------------- */

/* What an ICMP error or a local unreachable report turns into. */
#define ICMP_ERRNOS                                                                                \
    AXN_ENETUNREACH, AXN_EHOSTUNREACH, AXN_ENOPROTOOPT, AXN_ECONNREFUSED, AXN_EMSGSIZE,            \
        AXN_EOPNOTSUPP, AXN_EHOSTDOWN, AXN_ENONET, AXN_EPROTO, AXN_EACCES, AXN_ETIMEDOUT

static const int recv_errnos[] = {AXN_EAGAIN, ICMP_ERRNOS};

static const int send_errnos[] = {
    AXN_EAGAIN,   AXN_ENOBUFS,      AXN_ENOMEM,       AXN_EMSGSIZE,      AXN_EINVAL,
    AXN_EPERM,    AXN_EDESTADDRREQ, AXN_EAFNOSUPPORT, AXN_EADDRNOTAVAIL, AXN_EISCONN,
    AXN_ENOTCONN, AXN_ENETDOWN,     ICMP_ERRNOS,
};

static void check_errno(long r, const int *known, size_t n)
{
    if (r >= 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (r == -(long)known[i])
            return;
    CHECK(0);
}

static _Alignas(64) unsigned char arena[ARENA_BYTES];

/* ---- Counters: every one only grows -------------------------------------------------------- */

struct counters {
    struct axn_stack_stats stack;
    struct axn_link_stats eth, lo;
    struct axn_snmp snmp;
    struct axn_snmp_udp udp;
};

_Static_assert(sizeof(struct counters) % sizeof(uint64_t) == 0, "counters are uint64_t");

static void read_counters(struct axn_stack *st, uint32_t ifindex, struct counters *c)
{
    memset(c, 0, sizeof(*c));
    axn_ctl_stack_stats(st, &c->stack);
    CHECK(axn_ctl_link_stats(st, ifindex, &c->eth) == 0);
    CHECK(axn_ctl_link_stats(st, AXN_IFINDEX_LOOPBACK, &c->lo) == 0);
    axn_ctl_snmp(st, &c->snmp);
    axn_udp_snmp(st, &c->udp);
}

/* Monotonic, and TX is exactly what the driver transmitted (RT-38). */
static void check_counters(struct axn_stack *st, uint32_t ifindex, struct counters *prev)
{
    struct counters cur;
    read_counters(st, ifindex, &cur);
    uint64_t a[sizeof(cur) / sizeof(uint64_t)], b[sizeof(cur) / sizeof(uint64_t)];
    memcpy(a, prev, sizeof(a));
    memcpy(b, &cur, sizeof(b));
    for (size_t i = 0; i < N_OF(a); i++)
        CHECK(b[i] >= a[i]);
    CHECK(cur.eth.tx_packets == fuzz_drv_state.tx_frames &&
          cur.eth.tx_bytes == fuzz_drv_state.tx_bytes);
    CHECK(cur.stack.out_malformed == 0); /* nothing the router refuses as a core bug */
    *prev = cur;
}

/* ---- Sockets ------------------------------------------------------------------------------ */

enum sock_id {
    S_ECHO,
    S_CONN,
    S_DNS_A,
    S_DNS_B,
    S_RAW_ICMP,
    S_RAW_EXP,
    S_RAW_RAW,
    S_PING,
    N_SOCKS,
};

static struct axn_socket *socks[N_SOCKS];

static struct axn_sockaddr_in sin_of(axn_ip4_t addr, uint16_t port)
{
    struct axn_sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AXN_AF_INET;
    axn_put_be16((uint8_t *)&sin.sin_port, port);
    axn_put_be32((uint8_t *)&sin.sin_addr.s_addr, addr);
    return sin;
}

static void set_int(struct axn_socket *s, int level, int name, int v)
{
    CHECK(axn_setsockopt(s, level, name, &v, sizeof(v)) == 0);
}

static void bind_any(struct axn_socket *s, uint16_t port)
{
    const struct axn_sockaddr_in sin = sin_of(AXN_INADDR_ANY, port);
    CHECK(axn_bind(s, (const struct axn_sockaddr *)&sin, sizeof(sin)) == 0);
}

static struct axn_socket *open_sock(struct axn_stack *st, int type, int proto)
{
    struct axn_socket *s;
    CHECK(axn_socket(st, AXN_AF_INET, type, proto, &s) == 0);
    return s;
}

/* A datagram from the connected socket to its peer (ARP for the peer, a
 * source port a quoted ICMP error can name), and an echo request from
 * the ping socket to the peer. */
static void conn_send(void)
{
    uint8_t msg[CONN_DGRAM_LEN];
    memset(msg, 0, sizeof(msg));
    long r = axn_send(socks[S_CONN], msg, sizeof(msg), AXN_MSG_DONTWAIT);
    check_errno(r, send_errnos, N_OF(send_errnos));
    CHECK(r < 0 || r == (long)sizeof(msg));
    msg[ICMP_TYPE_OFF] = AXN_ICMP4_ECHO_REQUEST;
    const struct axn_sockaddr_in peer = sin_of(PEER_ADDR, 0);
    r = axn_sendto(socks[S_PING], msg, sizeof(msg), AXN_MSG_DONTWAIT,
                   (const struct axn_sockaddr *)&peer, sizeof(peer));
    check_errno(r, send_errnos, N_OF(send_errnos));
    CHECK(r < 0 || r == (long)sizeof(msg));
}

static void open_sockets(struct axn_stack *st)
{
    socks[S_ECHO] = open_sock(st, AXN_SOCK_DGRAM, AXN_IPPROTO_UDP);
    set_int(socks[S_ECHO], AXN_SOL_IP, AXN_IP_RECVTTL, 1);
    bind_any(socks[S_ECHO], ECHO_PORT);

    socks[S_CONN] = open_sock(st, AXN_SOCK_DGRAM, AXN_IPPROTO_UDP);
    set_int(socks[S_CONN], AXN_SOL_IP, AXN_IP_RECVERR, 1);
    set_int(socks[S_CONN], AXN_SOL_IP, AXN_IP_PKTINFO, 1);
    set_int(socks[S_CONN], AXN_SOL_IP, AXN_IP_RECVTOS, 1);
    bind_any(socks[S_CONN], CONN_PORT);
    const struct axn_sockaddr_in peer = sin_of(PEER_ADDR, PEER_PORT);
    CHECK(axn_connect(socks[S_CONN], (const struct axn_sockaddr *)&peer, sizeof(peer)) == 0);

    for (size_t i = S_DNS_A; i <= S_DNS_B; i++) {
        socks[i] = open_sock(st, AXN_SOCK_DGRAM, AXN_IPPROTO_UDP);
        set_int(socks[i], AXN_SOL_SOCKET, AXN_SO_REUSEPORT, 1);
        set_int(socks[i], AXN_SOL_IP, AXN_IP_PKTINFO, 1);
        bind_any(socks[i], DNS_PORT);
    }

    socks[S_RAW_ICMP] = open_sock(st, AXN_SOCK_RAW, AXN_IPPROTO_ICMP);
    const struct axn_icmp_filter filt = {.data = RAW_ICMP_FILTER};
    CHECK(axn_setsockopt(socks[S_RAW_ICMP], AXN_SOL_RAW, AXN_ICMP_FILTER, &filt, sizeof(filt)) ==
          0);
    socks[S_RAW_EXP] = open_sock(st, AXN_SOCK_RAW, PROTO_EXP);
    set_int(socks[S_RAW_EXP], AXN_SOL_IP, AXN_IP_PKTINFO, 1);
    socks[S_RAW_RAW] = open_sock(st, AXN_SOCK_RAW, AXN_IPPROTO_RAW);
    socks[S_PING] = open_sock(st, AXN_SOCK_DGRAM, AXN_IPPROTO_ICMP);
    set_int(socks[S_PING], AXN_SOL_IP, AXN_IP_RECVTTL, 1);
    bind_any(socks[S_PING], PING_IDENT);
}

static void close_sockets(void)
{
    for (size_t i = 0; i < N_SOCKS; i++) {
        CHECK(axn_close(socks[i]) == 0);
        socks[i] = NULL;
    }
}

/* The control message chain lies inside what msg_controllen says. */
static void check_cmsgs(const uint8_t *ctrl, size_t len)
{
    size_t off = 0;
    while (off + sizeof(struct axn_cmsghdr) <= len) {
        struct axn_cmsghdr c;
        memcpy(&c, ctrl + off, sizeof(c));
        CHECK(c.cmsg_len >= AXN_CMSG_LEN(0));
        CHECK(c.cmsg_len <= len - off);
        CHECK(c.cmsg_level == AXN_SOL_IP || c.cmsg_level == AXN_SOL_SOCKET);
        off += AXN_CMSG_ALIGN(c.cmsg_len);
    }
}

/* Sends `buf` back where it came from; the ping socket needs it to be an
 * echo request. */
static void echo_back(size_t id, uint8_t *buf, size_t len, const struct axn_sockaddr_storage *from,
                      axn_socklen_t fromlen)
{
    if (id == S_PING && len > ICMP_CODE_OFF) {
        buf[ICMP_TYPE_OFF] = AXN_ICMP4_ECHO_REQUEST;
        buf[ICMP_CODE_OFF] = 0;
    }
    const long r = axn_sendto(socks[id], buf, len, AXN_MSG_DONTWAIT,
                              (const struct axn_sockaddr *)from, fromlen);
    check_errno(r, send_errnos, N_OF(send_errnos));
    CHECK(r < 0 || (size_t)r == len);
}

/* One receive; false when the socket had nothing (or only an error). */
static bool recv_one(size_t id, uint8_t ctl, int flags)
{
    static uint8_t buf[RECV_ROOM + GUARD_LEN];
    static uint8_t ctrl[CTRL_ROOM + GUARD_LEN];
    struct axn_sockaddr_storage from;
    const size_t room = (ctl & CTL_SMALL_RECV) ? RECV_SMALL : RECV_ROOM;
    const size_t croom = (ctl & CTL_SMALL_CTRL) ? CTRL_SMALL : CTRL_ROOM;
    memset(buf + room, GUARD_BYTE, GUARD_LEN);
    memset(ctrl, GUARD_BYTE, sizeof(ctrl));
    memset(&from, NAME_GUARD, sizeof(from));
    struct axn_iovec iov = {.iov_base = buf, .iov_len = room};
    struct axn_msghdr msg = {
        .msg_name = &from,
        .msg_namelen = sizeof(from),
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = ctrl,
        .msg_controllen = croom,
    };
    const long r = axn_recvmsg(socks[id], &msg, AXN_MSG_DONTWAIT | flags);
    check_errno(r, recv_errnos, N_OF(recv_errnos));
    for (size_t i = room; i < room + GUARD_LEN; i++)
        CHECK(buf[i] == GUARD_BYTE);
    for (size_t i = croom; i < sizeof(ctrl); i++)
        CHECK(ctrl[i] == GUARD_BYTE);
    CHECK(msg.msg_controllen <= croom);
    CHECK(msg.msg_namelen <= sizeof(from));
    if (r < 0)
        return r != -AXN_EAGAIN; /* a pending error was taken: try again */
    CHECK((size_t)r <= room);
    CHECK((msg.msg_flags & ~RECV_OK_FLAGS) == 0);
    check_cmsgs(ctrl, msg.msg_controllen);
    if (msg.msg_namelen > 0)
        CHECK(from.ss_family == AXN_AF_INET);
    if ((ctl & CTL_ECHO) && !(flags & AXN_MSG_PEEK))
        echo_back(id, buf, (size_t)r, &from, msg.msg_namelen);
    return true;
}

static void drain(uint8_t ctl)
{
    for (size_t id = 0; id < N_SOCKS; id++) {
        if (ctl & CTL_PEEK)
            (void)recv_one(id, ctl, AXN_MSG_PEEK);
        for (size_t k = 0; k < MAX_DRAIN && recv_one(id, ctl, 0); k++)
            continue;
    }
    /* IP_RECVERR: ip(7) error queue reads, always empty here. */
    (void)recv_one(S_CONN, ctl, AXN_MSG_ERRQUEUE);
}

static uint64_t out_malformed(struct axn_stack *st)
{
    struct axn_stack_stats ss;
    axn_ctl_stack_stats(st, &ss);
    return ss.out_malformed;
}

/* The frame's IP packet sent to the peer on the IPPROTO_RAW socket
 * (IP_HDRINCL implied): user-written headers through the TX path. */
static void send_hdrincl(struct axn_stack *st, const uint8_t *frame, size_t len)
{
    if (len <= AXN_ETH_HLEN)
        return;
    static uint8_t pkt[SEND_SCRATCH];
    const size_t n = len - AXN_ETH_HLEN < sizeof(pkt) ? len - AXN_ETH_HLEN : sizeof(pkt);
    memcpy(pkt, frame + AXN_ETH_HLEN, n);
    const struct axn_sockaddr_in to = sin_of(PEER_ADDR, 0);
    const uint64_t before = out_malformed(st);
    const long r = axn_sendto(socks[S_RAW_RAW], pkt, n, AXN_MSG_DONTWAIT,
                              (const struct axn_sockaddr *)&to, sizeof(to));
    check_errno(r, send_errnos, N_OF(send_errnos));
    CHECK(r < 0 || (size_t)r == n);
    /* A send never makes the router see a malformed packet: raw_output
     * refuses a user header it could not route (IP_HDRINCL). */
    CHECK(out_malformed(st) == before);
}

/* ---- The run ------------------------------------------------------------------------------ */

/* Polls at every deadline up to now + step, then at now + step. */
static void advance(struct axn_stack *st, axn_time_t step)
{
    fuzz_advance(st, step, MAX_POLLS, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *frames[FUZZ_MAX_FRAMES];
    size_t lens[FUZZ_MAX_FRAMES];
    const size_t n = fuzz_split_frames(data, size, frames, lens);

    struct axn_stack *st = fuzz_stack_start(arena, sizeof(arena), T_START);
    const uint32_t ifindex = fuzz_add_eth(st, OUR_ADDR, PREFIX);
    open_sockets(st);
    conn_send();
    struct counters ctr;
    read_counters(st, ifindex, &ctr);
    advance(st, 0); /* the announcement, the ARP request for the peer */
    check_counters(st, ifindex, &ctr);

    static uint8_t copy[FUZZ_FRAME_MAX];
    for (size_t i = 0; i < n; i++) {
        const size_t len = lens[i] < sizeof(copy) ? lens[i] : sizeof(copy);
        const uint8_t last = len > 0 ? frames[i][len - 1] : 0;
        const uint8_t ctl = len > 1 ? frames[i][len - 2] : 0;
        memcpy(copy, frames[i], len);
        fuzz_feed(st, copy, len);
        if (len >= AXN_ETH_ALEN) {
            memcpy(copy, frames[i], len);
            memcpy(copy, fuzz_our_mac.b, AXN_ETH_ALEN);
            fuzz_feed(st, copy, len);
        }
        check_counters(st, ifindex, &ctr);
        drain(ctl);
        if (ctl & CTL_HDRINCL)
            send_hdrincl(st, frames[i], len);
        if (ctl & CTL_CONN_SEND)
            conn_send();
        advance(st, time_steps[last % N_OF(time_steps)]);
        check_counters(st, ifindex, &ctr);
        drain(ctl);
        check_counters(st, ifindex, &ctr);
    }
    /* Timers: ARP retries and failure, aging, reassembly timeouts. */
    advance(st, T_LATE);
    drain(0);
    check_counters(st, ifindex, &ctr);

    close_sockets();
    advance(st, 0);
    check_counters(st, ifindex, &ctr);
    fuzz_stack_finish(st);
    return 0;
}
