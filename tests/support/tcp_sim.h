/*
 * TCP between whole stacks on the simulated wire (sim_stacks.h), segment-
 * exact: every port's driver is wrapped so that each frame a stack
 * transmits is decoded (Ethernet, IPv4, TCP) into a `struct tcp_seg` at the
 * virtual instant it was sent, and may be dropped there by a rule (the next
 * N segments of a port matching some flags, or everything a port sends).
 * Also: crafted segments injected into a stack with a correct checksum,
 * non-blocking socket helpers (listen, connect, accept, a connected pair),
 * the state of a socket read through TCP_INFO, and "run until a condition
 * or a deadline" in virtual time. One tcp_sim at a time per process.
 * TCP_SIM_DUMP=1 in the environment prints every test's capture at destroy.
 */
#ifndef AXN_TEST_TCP_SIM_H
#define AXN_TEST_TCP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/snmp.h"
#include "axnet/socket.h"
#include "axnet/tcp.h"
#include "eth_tx_hook.h"
#include "sim_stacks.h"
#include "wire/tcp.h"

#define TCP_SIM_MAX_SEGS  8192u /* segments recorded; later ones are counted only */
#define TCP_SIM_QUOTE_MAX 68u   /* IPv4 header (options included) + 8 bytes: an ICMP quote */
#define TCP_SIM_ANY       (-1)  /* any port (node) in a match */
#define TCP_SIM_INFO_LEN  256u  /* room for struct tcp_info, larger than Linux's */

/* Two nodes on a /24, A on port 0 (node 0), B on port 1 (node 1). */
#define TCP_SIM_A       AXN_IP4(192, 0, 2, 10)
#define TCP_SIM_B       AXN_IP4(192, 0, 2, 20)
#define TCP_SIM_PREFIX  24u
#define TCP_SIM_NODE_A  0
#define TCP_SIM_NODE_B  1
#define TCP_SIM_T0      AXN_SEC(1)
#define TCP_SIM_DELAY   50u /* µs per hop */
#define TCP_SIM_IFINDEX AXN_IFINDEX_FIRST_ETH
#define TCP_SIM_ETH_MTU 1500u
#define TCP_SIM_MSS     (TCP_SIM_ETH_MTU - 40u) /* 1460 */
/* Payload of a full segment: the MSS less the timestamps option every
 * segment carries once negotiated (RFC 7323 3.2, RFC 6691; on by default). */
#define TCP_SIM_TS_OPT_LEN 12u
#define TCP_SIM_SEG_DATA   (TCP_SIM_MSS - TCP_SIM_TS_OPT_LEN) /* 1448 */
#define TCP_SIM_BACKLOG    16

/* One TCP segment as a stack transmitted it. */
struct tcp_seg {
    axn_time_t at; /* virtual time of the transmit */
    int from;      /* sending port (= node index in the two-node world) */
    bool dropped;  /* a drop rule took it off the wire */
    axn_ip4_t src, dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint16_t flags;
    uint16_t window;
    bool has_mss;
    uint16_t mss;
    struct axn_tcp_opts opts; /* every option as parsed (WS, TS, SACK) */
    bool df;
    uint32_t len;                     /* payload bytes */
    uint8_t first;                    /* first payload byte (0 when none) */
    uint8_t quote[TCP_SIM_QUOTE_MAX]; /* IPv4 header + 8 TCP bytes, for ICMP */
    size_t quote_len;
};

/* Drops the next `count` TCP segments sent from `port` whose flags (PSH
 * ignored) equal `flags`; TCP_SIM_ANY_FLAGS matches any. */
#define TCP_SIM_ANY_FLAGS 0xffffu

struct tcp_sim_rule {
    int port;
    uint16_t flags;
    unsigned skip; /* matching segments let through first */
    unsigned count;
};

#define TCP_SIM_MAX_RULES 4u
#define TCP_SIM_MAX_KEPT  16u /* sockets a test's fixture closes for it */

struct tcp_sim;

/* The wrapped driver of one port (eth_tx_hook.h). */
struct tcp_sim_port {
    struct tcp_sim *t;
    int port;
    struct eth_tx_hook hook;
};

struct tcp_sim {
    struct sim_stacks sim;
    struct tcp_sim_port ports[SIM_STACKS_MAX_PORTS];
    struct tcp_seg seg[TCP_SIM_MAX_SEGS];
    size_t n_seg;      /* recorded */
    size_t n_total;    /* transmitted, recorded or not */
    size_t cursor;     /* next segment tcp_sim_next looks at */
    size_t n_bad_csum; /* TCP segments transmitted with a wrong checksum */
    struct tcp_sim_rule rules[TCP_SIM_MAX_RULES];
    bool silenced[SIM_STACKS_MAX_PORTS];       /* every frame the port sends is dropped */
    struct axn_socket *kept[TCP_SIM_MAX_KEPT]; /* closed by tcp_sim_teardown */
};

/* A world of two stacks, A and B (TCP_SIM_*), with ARP warmed both ways
 * (so the first TCP segment leaves at once), the capture empty. */
void tcp_sim_create(struct tcp_sim *t);
/* Like tcp_sim_create without nodes or warm-up, for a custom world. */
void tcp_sim_create_world(struct tcp_sim *t, const struct sim_stacks_config *cfg);
/* tcp_sim_create's wire with node A only: node B and the warm-up are the
 * caller's (a B with other routes). */
void tcp_sim_create_a(struct tcp_sim *t);
/* Both ways a UDP datagram, so every node's ARP cache has the other. */
void tcp_sim_warm_arp(struct tcp_sim *t);
void tcp_sim_destroy(struct tcp_sim *t);

struct axn_stack *tcp_sim_st(struct tcp_sim *t, int node);
axn_time_t tcp_sim_now(const struct tcp_sim *t);

/* ---- A test's fixture ------------------------------------------------------------------- */

/* cmocka fixtures over the tcp_sim `*state` points to, for
 *   cmocka_unit_test_prestate_setup_teardown(test, tcp_sim_setup, tcp_sim_teardown, &T):
 * setup creates the world (tcp_sim_create); teardown closes every socket
 * kept (tcp_sim_keep), destroys the world, asserts that no segment went
 * out with a bad checksum, and fails (-1) if an allocation leaked. */
int tcp_sim_setup(void **state);
#define TCP_SIM_TEST(test, sim)                                                                    \
    cmocka_unit_test_prestate_setup_teardown(test, tcp_sim_setup, tcp_sim_teardown, sim)
int tcp_sim_teardown(void **state);
/* Keeps s for the teardown to close; returns s. */
struct axn_socket *tcp_sim_keep(struct tcp_sim *t, struct axn_socket *s);
/* Closes kept socket s now (the teardown forgets it) and polls every stack. */
void tcp_sim_close_kept(struct tcp_sim *t, struct axn_socket *s);
/* tcp_sim_pair with the listener, client and server kept. */
void tcp_sim_pair_kept(struct tcp_sim *t, uint16_t port, struct axn_socket **client,
                       struct axn_socket **server);
/* tcp_sim_pair_kept, then the capture cursor past the handshake, so the
 * next expectation looks at what comes after it. */
void tcp_sim_pair_fresh(struct tcp_sim *t, uint16_t port, struct axn_socket **client,
                        struct axn_socket **server);
/* shutdown(SHUT_WR) on s (asserted to succeed), then every stack polled. */
void tcp_sim_shut_wr(struct tcp_sim *t, struct axn_socket *s);

/* ---- Capture ---------------------------------------------------------------------------- */

/* Forgets every recorded segment. */
void tcp_sim_clear(struct tcp_sim *t);
/* The next recorded segment past the cursor sent by `from` (or
 * TCP_SIM_ANY) with exactly `flags` (PSH ignored; TCP_SIM_ANY_FLAGS: any),
 * dropped ones included; the cursor moves past it. NULL if none. */
const struct tcp_seg *tcp_sim_next(struct tcp_sim *t, int from, uint16_t flags);
/* tcp_sim_next that must find one. */
const struct tcp_seg *tcp_sim_expect(struct tcp_sim *t, int from, uint16_t flags);
/* Segments recorded from `from` with `flags` (as tcp_sim_next), from
 * index `since` on, cursor untouched. */
size_t tcp_sim_count(const struct tcp_sim *t, int from, uint16_t flags, size_t since);
/* Segments recorded from `from` carrying the RST bit, from `since`. */
size_t tcp_sim_count_rst(const struct tcp_sim *t, int from, size_t since);
/* Payload bytes recorded from `from` that were not dropped, from `since`. */
uint64_t tcp_sim_payload_bytes(const struct tcp_sim *t, int from, size_t since);
/* Prints the capture (a failing test's context). */
void tcp_sim_dump(const struct tcp_sim *t);

/* ---- Drops ------------------------------------------------------------------------------ */

void tcp_sim_drop(struct tcp_sim *t, int port, uint16_t flags, unsigned count);
/* Lets `skip` matching segments through, then drops `count`. Every rule
 * sees every segment, so rules for the 2nd and the 5th data segment can
 * stand side by side. */
void tcp_sim_drop_nth(struct tcp_sim *t, int port, uint16_t flags, unsigned skip, unsigned count);
void tcp_sim_silence(struct tcp_sim *t, int port, bool on);

/* ---- Injection -------------------------------------------------------------------------- */

/* Emits `seg` (checksum over src/dst) and hands it to node's IPv4 input. */
void tcp_sim_inject(struct tcp_sim *t, int node, axn_ip4_t src, axn_ip4_t dst,
                    const struct axn_tcp *seg);
/* A segment from `from`'s view of a recorded one: src/dst swapped, as the
 * peer of `s` would write it; seq/ack/flags as given, no payload. */
struct axn_tcp tcp_sim_reply(const struct tcp_seg *s, uint32_t seq, uint32_t ack, uint16_t flags);
/* A segment as a made-up peer writes it for tcp_sim_inject: no payload,
 * window TCP_SIM_FULL_WINDOW (unscaled), the MSS option when `mss` is not 0. */
#define TCP_SIM_FULL_WINDOW 65535u
struct axn_tcp tcp_sim_seg(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                           uint16_t flags, uint16_t mss);

/* ---- Time ------------------------------------------------------------------------------- */

typedef bool (*tcp_sim_cond_fn)(void *ctx);
/* Event by event until cond(ctx) holds (checked after every poll) or
 * virtual time would pass `deadline`; returns whether cond held. Time
 * stays at the event where it did. */
bool tcp_sim_run_until(struct tcp_sim *t, tcp_sim_cond_fn cond, void *ctx, axn_time_t deadline);
/* Runs `span` of virtual time (sim_stacks_settle). */
void tcp_sim_run(struct tcp_sim *t, axn_time_t span);
/* Runs until a segment from `from` with `flags` is recorded past the
 * cursor, at most `span`; returns it (cursor moved past) or NULL. */
const struct tcp_seg *tcp_sim_run_to_seg(struct tcp_sim *t, int from, uint16_t flags,
                                         axn_time_t span);

/* ---- Sockets ---------------------------------------------------------------------------- */

/* A non-blocking SOCK_STREAM socket on node. */
struct axn_socket *tcp_sim_socket(struct tcp_sim *t, int node);
/* A listening socket on node's address:port. */
struct axn_socket *tcp_sim_listen(struct tcp_sim *t, int node, uint16_t port, int backlog);
/* A socket on node whose non-blocking connect to dst:port returned
 * -EINPROGRESS. */
struct axn_socket *tcp_sim_connect(struct tcp_sim *t, int node, axn_ip4_t dst, uint16_t port);
/* accept(SOCK_NONBLOCK): the socket, or NULL (with *err the result). */
struct axn_socket *tcp_sim_accept(struct axn_socket *listener, int *err);
/* A listener on B:port, a client on A connected to it, the accepted
 * server socket, all ESTABLISHED; the capture holds the handshake. */
void tcp_sim_pair(struct tcp_sim *t, uint16_t port, struct axn_socket **listener,
                  struct axn_socket **client, struct axn_socket **server);
/* For tcp_sim_run_until: accept() on `l` until a connection comes (`got`). */
struct tcp_sim_accept_wait {
    struct axn_socket *l, *got;
};
bool tcp_sim_accepted(void *ctx);
/* For tcp_sim_run_until: reads `s` into buf until `want` bytes are in (`got`). */
struct tcp_sim_read_wait {
    struct axn_socket *s;
    uint8_t *buf;
    size_t want, got;
};
bool tcp_sim_read_all(void *ctx);
/* node's stack-wide TCP settings (axn_tcp_get_settings), asserted to succeed. */
struct axn_tcp_settings tcp_sim_settings(struct tcp_sim *t, int node);
/* Sets them (axn_tcp_set_settings), asserted to succeed. */
void tcp_sim_set_settings(struct tcp_sim *t, int node, const struct axn_tcp_settings *s);
/* node's loss counters: TCPFastRetrans, TCPTimeouts and RetransSegs are
 * exactly these. */
void tcp_sim_assert_loss(struct tcp_sim *t, int node, uint64_t fast_retrans, uint64_t timeouts,
                         uint64_t retrans_segs);
/* tcpi_state of `s` (TCP_INFO), an enum axn_tcp_state value. */
int tcp_sim_state(struct axn_socket *s);
/* getsockopt(SOL_SOCKET, SO_ERROR): 0 or a positive errno. */
int tcp_sim_so_error(struct axn_socket *s);
int tcp_sim_setopt_int(struct axn_socket *s, int level, int name, int v);
/* Local port of a bound socket (host order). */
uint16_t tcp_sim_local_port(struct axn_socket *s);
/* Connections node's TCP layer holds (listeners, children, orphans and
 * TIME-WAIT included), read under the core lock. */
size_t tcp_sim_conns(struct tcp_sim *t, int node);
/* The engine's view, for tests of its memory and bookkeeping (tcp/tcp.h):
 * node's TCP layer, and its connection from local port `lport` to remote
 * port `rport` (listeners excluded), or NULL. Single-threaded tests only:
 * the pointers are used without the core lock. */
struct axn_tcp_layer;
struct axn_tcp_conn;
struct axn_tcp_layer *tcp_sim_layer(struct tcp_sim *t, int node);
struct axn_tcp_conn *tcp_sim_conn(struct tcp_sim *t, int node, uint16_t lport, uint16_t rport);
/* Copies node's TCP counters (axn_tcp_snmp); either may be NULL. */
void tcp_sim_snmp(struct tcp_sim *t, int node, struct axn_snmp_tcp *tcp,
                  struct axn_snmp_tcp_ext *ext);
/* Writes len bytes of the pattern starting at stream offset `off`. */
void tcp_sim_pattern(uint8_t *buf, size_t len, uint64_t off);
/* Whether buf holds the pattern from stream offset `off`. */
bool tcp_sim_pattern_ok(const uint8_t *buf, size_t len, uint64_t off);
/* Reads what is available (MSG_DONTWAIT) into buf, at most len: count or -errno. */
long tcp_sim_read(struct axn_socket *s, uint8_t *buf, size_t len);

#endif /* AXN_TEST_TCP_SIM_H */
