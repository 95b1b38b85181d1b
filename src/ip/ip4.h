/*
 * The IPv4 layer (RFC 791, RFC 1122 3.2): input validation and local
 * delivery, reassembly, output with source selection, IP ID and
 * fragmentation, and the dispatch to ICMP and to registered transports.
 *
 * One per stack (core/stack_impl.h), installed as the stack's protocol
 * hooks. Every function here runs with the core lock held: the hooks
 * already do; anything else (tests, the socket layer) takes it first.
 *
 * Files: ip4.c (lifecycle, registration, hooks), ip4_input.c,
 * ip4_addr.c (what a destination is to us), ip4_output.c, ip4_id.c,
 * ip4_pmtu.c (path MTU discovery),
 * icmp4.c / icmp4_error.c / icmp4_rate.c (icmp4.h), ip_snmp.c.
 */
#ifndef AXN_IP_IP4_H
#define AXN_IP_IP4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/platform.h"
#include "axnet/snmp.h"
#include "dev/netdev.h"
#include "ip/icmp4_rate.h"
#include "ip/ip4_id.h"
#include "ip/ip4_pmtu.h"
#include "ip/ip4_reasm.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"

struct axn_ctl;
struct axn_router;
struct axn_tx_acct;

/* IP protocol numbers (IANA; Linux IPPROTO_*). */
#define AXN_IPPROTO_ICMP 1

/* How a received datagram was addressed. */
enum axn_ip4_cast {
    AXN_IP4_UNICAST = 0,   /* one of our addresses (any interface: weak host) */
    AXN_IP4_BROADCAST = 1, /* 255.255.255.255 or an interface's subnet broadcast */
    AXN_IP4_MULTICAST = 2, /* a group we are in (224.0.0.1 only, until IGMP) */
};

/* A datagram delivered to a transport, whole (reassembled if it came in
 * fragments); valid only during the call. */
struct axn_ip4_rx {
    const struct axn_ipv4 *hdr; /* parsed header; hdr->payload is the transport's */
    const uint8_t *pkt;         /* the datagram, header included */
    size_t len;                 /* its Total Length */
    uint32_t ifindex;           /* ingress interface */
    enum axn_ip4_cast cast;
    /* AXN_OFL_CSUM_VALID: the device vouched for every checksum of the
     * frame (verified, or a host's partially summed frame: virtio
     * NEEDS_CSUM), so the transport need not verify its own. 0 after
     * reassembly. */
    uint8_t offload;
};

typedef void (*axn_ip4_proto_fn)(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now);

/* A received ICMP error about a datagram we sent (RFC 792, RFC 1122
 * 3.2.2: "MUST be passed to the transport layer"). */
struct axn_icmp4_err {
    uint8_t type;
    uint8_t code;
    /* Next-hop MTU for "fragmentation needed" (RFC 1191), the pointer for
     * a parameter problem, 0 otherwise. */
    uint32_t info;
    axn_ip4_t reporter; /* who sent the ICMP error */
    uint32_t ifindex;   /* where it came in */
    /* The quoted datagram: its IP header, then at least 8 bytes. */
    const uint8_t *quote;
    size_t quote_len;
    axn_ip4_t orig_src;
    axn_ip4_t orig_dst;
    uint8_t orig_protocol;
    const uint8_t *orig_l4; /* the quoted transport header (ports) */
    size_t orig_l4_len;
};

typedef void (*axn_ip4_err_fn)(void *ctx, const struct axn_icmp4_err *err, axn_time_t now);

/* A transport's timers (TCP retransmission, delayed ACK, ...), run by
 * the IPv4 layer's poll hook: runs what is due at `now` and returns the
 * transport's next deadline (AXN_TIME_NEVER: none). */
typedef axn_time_t (*axn_ip4_timer_fn)(void *ctx, axn_time_t now);

/* A received echo reply (for ICMP datagram sockets, later). */
typedef void (*axn_icmp4_echo_fn)(void *ctx, const struct axn_ip4_rx *rx,
                                  const struct axn_icmp4 *echo, axn_time_t now);

struct axn_ip4_handler {
    uint8_t protocol;
    axn_ip4_proto_fn input;
    void *input_ctx;
    axn_ip4_err_fn err;
    void *err_ctx;
    axn_ip4_timer_fn timer;
    void *timer_ctx;
};

struct axn_ip4 {
    const struct axn_platform *plat;
    struct axn_ctl *ctl;
    struct axn_router *router;
    struct axn_ip4_reasm reasm;
    struct axn_ip4_id ids;
    struct axn_icmp4_rate rate;
    struct axn_ip4_pmtu pmtu; /* learned path MTUs (ip4_pmtu.c) */
    struct axn_ip4_handler handlers[AXN_IP4_MAX_PROTO_HANDLERS];
    size_t n_handlers;
    axn_icmp4_echo_fn echo_reply;
    void *echo_reply_ctx;
    /* Linux net.ipv4.icmp_echo_ignore_broadcasts; starts at the config.h
     * default. */
    bool echo_ignore_broadcasts;
    /* Counters; the Reasm* ones live in reasm.stats and the router's
     * no-route drops in the router, summed by axn_ip4_snmp. */
    struct axn_snmp_ip stats;
    struct axn_snmp_icmp icmp;
    /* One datagram being built (AXN_IPV4_TOTAL_MAX bytes) and one
     * fragment (AXN_PKT_SLOT_SIZE): the core lock serialises their use. */
    uint8_t *tx_buf;
    uint8_t *frag_buf;
    /* Raw sockets' tap (axn_ip4_set_raw_tap), NULL when none. */
    bool (*raw_tap)(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now);
    void *raw_tap_ctx;
    /* The services' tap (axn_ip4_set_svc_tap): sees every whole UDP
     * datagram before the destination check, NULL when none. */
    bool (*svc_tap)(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now);
    void *svc_tap_ctx;
};

/* ---- Lifecycle and registration (ip4.c) ------------------------------------ */

/* 0, -AXN_ENOMEM, or the platform's random() error (the IP ID key). */
int axn_ip4_create(const struct axn_platform *plat, struct axn_ctl *ctl, struct axn_router *router,
                   struct axn_ip4 **out);
/* Frees everything, datagrams in reassembly included. NULL is ignored. */
void axn_ip4_destroy(struct axn_ip4 *ip);

/* Delivers datagrams of `protocol` to fn (NULL: unregister). ICMP is the
 * layer's own: -AXN_EINVAL. -AXN_ENOSPC when the table is full. */
int axn_ip4_set_proto_handler(struct axn_ip4 *ip, uint8_t protocol, axn_ip4_proto_fn fn, void *ctx);
/* Hands received ICMP errors quoting a `protocol` datagram to fn (NULL:
 * unregister); ICMP's own (errors about our echo requests) too.
 * -AXN_ENOSPC when the table is full. */
int axn_ip4_set_err_handler(struct axn_ip4 *ip, uint8_t protocol, axn_ip4_err_fn fn, void *ctx);
/* Runs fn from every poll of the layer (NULL: unregister); -AXN_ENOSPC
 * when the table is full. */
int axn_ip4_set_timer_handler(struct axn_ip4 *ip, uint8_t protocol, axn_ip4_timer_fn fn, void *ctx);
void axn_ip4_set_echo_reply_handler(struct axn_ip4 *ip, axn_icmp4_echo_fn fn, void *ctx);
/* The entry for `protocol`, or NULL. */
const struct axn_ip4_handler *axn_ip4_handler_for(const struct axn_ip4 *ip, uint8_t protocol);

/* Protocol hooks (core/proto_hooks.h shapes); ctx is the struct axn_ip4. */
void axn_ip4_input(void *ctx, const uint8_t *pkt, size_t len, const struct axn_rx_meta *meta,
                   axn_time_t now);
/* Expires reassemblies (Time Exceeded for those whose first fragment
 * came) and runs the transports' timers; returns the next deadline. */
axn_time_t axn_ip4_poll(void *ctx, axn_time_t now);

/* Copies the counters, reassembly and router parts summed in. */
void axn_ip4_snmp(const struct axn_ip4 *ip, struct axn_snmp *out);

/* ---- Addresses (ip4_addr.c) --------------------------------------------------- */

/* What `dst`, received on `ifindex`, is to us. */
enum axn_ip4_dst_kind {
    AXN_IP4_DST_LOCAL = 0,
    AXN_IP4_DST_BROADCAST = 1,
    AXN_IP4_DST_MULTICAST = 2,
    AXN_IP4_DST_OTHER = 3, /* someone else's: a host does not forward */
};

enum axn_ip4_dst_kind axn_ip4_classify_dst(struct axn_ip4 *ip, axn_ip4_t dst, uint32_t ifindex);
/* True if `a` is a subnet-directed broadcast of some interface. */
bool axn_ip4_is_any_subnet_broadcast(struct axn_ip4 *ip, axn_ip4_t a);
/* The address of `ifindex`: 0 and true, or false when it has none. */
bool axn_ip4_iface_addr(struct axn_ip4 *ip, uint32_t ifindex, axn_ip4_t *addr);
/* The IP MTU of `ifindex` (never above what the router's slots carry),
 * or AXN_ETH_MTU when the interface is unknown. */
size_t axn_ip4_iface_mtu(struct axn_ip4 *ip, uint32_t ifindex);

/* ---- Output (ip4_output.c) ---------------------------------------------------- */

/* How a datagram treats Don't Fragment and the path MTU (tx->df; ip(7)
 * IP_MTU_DISCOVER through axn_ip4_df_mode). 0 and 1 keep a bool's sense. */
enum axn_ip4_df {
    AXN_IP4_DF_DONT = 0,  /* never DF; fragmented to the path MTU */
    AXN_IP4_DF_DO = 1,    /* always DF: too big is -AXN_EMSGSIZE */
    AXN_IP4_DF_WANT = 2,  /* DF when it fits the path MTU and the path is not locked */
    AXN_IP4_DF_PROBE = 3, /* always DF, up to the interface MTU (cache ignored) */
    AXN_IP4_DF_IFACE = 4, /* never DF; fragmented to the interface MTU */
};

/* What a transport asks of one datagram. */
struct axn_ip4_tx {
    axn_ip4_t src; /* 0: the route's source */
    axn_ip4_t dst;
    uint8_t protocol;
    uint8_t tos;
    uint8_t ttl;      /* 0: AXN_IP4_DEFAULT_TTL */
    uint8_t df;       /* enum axn_ip4_df */
    uint32_t ifindex; /* SO_BINDTODEVICE; 0: any */
    /* The sending socket's account (Linux skb_set_owner_w), charged while
     * a device TX queue holds the datagram; NULL: none. */
    struct axn_tx_acct *acct;
    /* TCP segmentation offload (TSO/GSO): a TCP segment whose payload is
     * larger than the path allows, to be cut into `gso_size`-byte
     * segments by the device (AXN_DRV_CAP_TSO4) or by software; 0: a
     * plain datagram. */
    uint16_t gso_size;
};

/* Where a datagram to tx->dst would leave (for pseudo-header checksums
 * before output): the source, the interface and its MTU. */
struct axn_ip4_path {
    axn_ip4_t src;
    uint32_t ifindex;
    size_t mtu;
    bool local; /* to one of our own addresses: looped through lo's queue */
    /* The largest IP packet the egress device segments itself (TSO4);
     * 0: none, segments above the MTU are cut by software GSO. */
    uint32_t gso_max;
};

/* 0, or -AXN_ENETUNREACH (no route: counted OutNoRoutes). */
int axn_ip4_route(struct axn_ip4 *ip, const struct axn_ip4_tx *tx, axn_time_t now,
                  struct axn_ip4_path *out);

/* The largest IP packet the egress towards tx->dst segments itself
 * (TSO4), or 0: no TSO device, a local or broadcast destination, no
 * route. For TCP's send size goal (Linux sk_gso_max_size). */
uint32_t axn_ip4_tso_max(struct axn_ip4 *ip, const struct axn_ip4_tx *tx);

/* Where a transport may build its payload in place: the output buffer
 * past the header; *cap receives the room. Valid until the next output. */
uint8_t *axn_ip4_tx_payload(struct axn_ip4 *ip, size_t *cap);

/*
 * Sends payload[0 .. len) as one datagram (fragmented to the egress MTU
 * unless tx->df) through the router. 0, or -AXN_ENETUNREACH,
 * -AXN_EMSGSIZE (DF and too big, or larger than 65535 in all),
 * -AXN_EINVAL, or the router's error (-AXN_ENOBUFS).
 */
int axn_ip4_output(struct axn_ip4 *ip, const struct axn_ip4_tx *tx, const uint8_t *payload,
                   size_t len, axn_time_t now);

/* ---- Raw sockets' tap (ip4_input.c) ------------------------------------------ */

/* raw(7), Linux raw_local_deliver: sees every locally delivered datagram
 * (reassembled) before its protocol handler, and returns true when a raw
 * socket matched it; such a datagram then earns no protocol unreachable. */
typedef bool (*axn_ip4_raw_fn)(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now);
/* Installs the tap (NULL: none). */
void axn_ip4_set_raw_tap(struct axn_ip4 *ip, axn_ip4_raw_fn fn, void *ctx);
/* DHCP (src/svc/): a client must hear OFFERs and ACKs sent to the address
 * it does not have yet (DHCP-5), so the tap sees every unfragmented UDP
 * datagram before the destination check; it returns true when it took
 * the datagram (counted as delivered). */
void axn_ip4_set_svc_tap(struct axn_ip4 *ip, axn_ip4_raw_fn fn, void *ctx);

/* ---- Locally raised errors (ip4_local_err.c) ---------------------------------- */

/*
 * The stack's `unreachable` protocol hook (core/proto_hooks.h; ctx is the
 * struct axn_ip4): a datagram we sent through `ifindex` was dropped because
 * its next hop never answered ARP. Hands the quote to the err handler of
 * the quoted protocol as an ICMP host unreachable (type 3 code 1) from
 * ourselves, as Linux's neigh_invalidate -> icmp_send does, so the sending
 * socket sees EHOSTUNREACH. A quote that is not an IPv4 header is ignored.
 */
void axn_ip4_local_unreachable(void *ctx, uint32_t ifindex, const uint8_t *quote, size_t quote_len,
                               axn_time_t now);

/* ---- ICMP errors as errno (icmp4_errno.c) -------------------------------------- */

/* Linux icmp_err_convert[]: the errno of Destination Unreachable `code`
 * and whether it is hard (fatal). False for a code outside the table. */
bool axn_icmp4_unreach_errno(uint8_t code, int *err, bool *hard);

/* ---- Path MTU discovery (ip4_pmtu.c) ------------------------------------------ */

/* RFC 1191: a received "fragmentation needed" quoting a datagram we sent
 * (its source is ours) teaches ip->pmtu the quoted destination's MTU.
 * Anything else is ignored. */
void axn_ip4_frag_needed(struct axn_ip4 *ip, const struct axn_icmp4_err *e, axn_time_t now);
/* The tx->df mode (enum axn_ip4_df) of a socket's IP_MTU_DISCOVER value. */
uint8_t axn_ip4_df_mode(uint8_t pmtudisc);
/* DO and PROBE: a datagram too big for the path is refused, not fragmented. */
bool axn_ip4_df_strict(uint8_t mode);
/*
 * Linux ip_dont_fragment / __ip_make_skb: whether a datagram of `len`
 * bytes (header included) to `dst` over a path of `path_mtu` carries DF.
 * DO, PROBE: always; WANT: when it fits and the learned MTU is not locked
 * (below AXN_IP4_PMTU_MIN); DONT, IFACE: never.
 */
bool axn_ip4_df_for(struct axn_ip4 *ip, uint8_t mode, axn_ip4_t dst, size_t len, size_t path_mtu,
                    axn_time_t now);
/* The MTU to `dst` for `mode`: min(iface_mtu, learned) (RFC 1191 section
 * 4), the interface's alone for PROBE and IFACE (Linux ip_sk_use_pmtu). */
size_t axn_ip4_path_mtu(struct axn_ip4 *ip, uint8_t mode, axn_ip4_t dst, size_t iface_mtu,
                        axn_time_t now);

#endif /* AXN_IP_IP4_H */
