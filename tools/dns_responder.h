/*
 * A scriptable DNS server for tests and the demo (`axnet demo` answers the
 * client's lookups with it; tests/ links it into its support library): it
 * runs on an axnet stack (any: a sim node, a threaded stack) through the
 * stack's own socket API, a UDP socket and a TCP listener on port 53, and
 * answers from a small zone table like a recursive server would: the CNAME
 * chain of the question name is followed inside the table (unless
 * `no_chase`) and put in the answer with the final name's records of the
 * asked type. A name the table does not hold gets NXDOMAIN; a name without
 * records of the type gets NOERROR with no answer (NODATA). An answer
 * larger than 512 bytes goes out over UDP truncated (TC, header and
 * question only, RFC 2181 9), and whole over TCP (RFC 7766, two-byte
 * length prefix).
 *
 * Knobs, to play a broken or hostile network:
 *   drop_next   the next N queries (UDP or TCP) get no answer;
 *   rcode       answer everything with this rcode (-1: off);
 *   tc_udp      every UDP answer is truncated, so the client must use TCP;
 *   delay       UDP answers leave this much later (dns_responder_next);
 *   no_chase    answer only the first CNAME link of a chain;
 *   neg_ttl     put an SOA in the authority section of negative answers
 *               (NXDOMAIN, NODATA) with this TTL and twice it as MINIMUM,
 *               so the client may cache them (RFC 2308 5); 0: none;
 *   spoof/spoof_next  before each of the next N UDP answers, send a bad
 *               copy: wrong id, from another port, for another question,
 *               or from another responder's address (`spoof_via`).
 * Counters and the last UDP query (bytes, source) let a test check the
 * client's ids and ports.
 *
 * DNS_RESPONDER_TRACE=1 in the environment prints one line per query
 * (responder, time, id, name, type) to stderr.
 *
 * Caller-driven: dns_responder_poll() reads and answers whatever arrived
 * (call it after every step of the simulation); it never blocks. Uses
 * libc (a hosted tool), not the core's freestanding rules.
 */
#ifndef AXN_TOOLS_DNS_RESPONDER_H
#define AXN_TOOLS_DNS_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/socket.h"
#include "axnet/stack.h"
#include "axnet/types.h"

#define DNS_RESPONDER_MAX_RECORDS 64u
#define DNS_RESPONDER_NAME_MAX    128u
#define DNS_RESPONDER_MAX_CONNS   4u
#define DNS_RESPONDER_MAX_DELAYED 8u
#define DNS_RESPONDER_UDP_MAX     512u
#define DNS_RESPONDER_MSG_MAX     8192u /* largest answer it builds */
#define DNS_RESPONDER_SPOOF_PORT  5353u /* where DNS_SPOOF_PORT copies come from */

enum dns_spoof {
    DNS_SPOOF_NONE = 0,
    DNS_SPOOF_ID,       /* the answer with the id's bits flipped */
    DNS_SPOOF_PORT,     /* the answer from DNS_RESPONDER_SPOOF_PORT */
    DNS_SPOOF_QUESTION, /* right id, another question name */
    DNS_SPOOF_SOURCE,   /* the answer from spoof_via's address, port 53 */
};

struct dns_zone_rr {
    char name[DNS_RESPONDER_NAME_MAX];
    uint16_t type; /* A, AAAA or CNAME */
    uint32_t ttl;
    axn_ip4_t a;
    struct axn_ip6 aaaa;
    char target[DNS_RESPONDER_NAME_MAX]; /* CNAME */
};

struct dns_responder_conn {
    struct axn_socket *s;
    uint8_t buf[DNS_RESPONDER_MSG_MAX];
    size_t have;
};

struct dns_responder_delayed {
    axn_time_t at;
    uint8_t msg[DNS_RESPONDER_UDP_MAX];
    size_t len;
    struct axn_sockaddr_in to;
};

struct dns_responder {
    struct axn_stack *st;
    axn_ip4_t addr;
    struct axn_socket *udp, *alt_udp, *listener;
    struct dns_responder_conn conn[DNS_RESPONDER_MAX_CONNS];
    struct dns_zone_rr zone[DNS_RESPONDER_MAX_RECORDS];
    size_t n_zone;
    /* Knobs (set them directly). */
    unsigned drop_next;
    int rcode;
    bool tc_udp;
    axn_time_t delay;
    bool no_chase;
    uint32_t neg_ttl;
    enum dns_spoof spoof;
    unsigned spoof_next;
    struct dns_responder *spoof_via;
    /* What it saw and did. */
    unsigned udp_queries, tcp_queries, answers_udp, answers_tcp, tcp_accepts, dropped;
    uint8_t last_query[DNS_RESPONDER_UDP_MAX];
    size_t last_len;
    struct axn_sockaddr_in last_from;
    struct dns_responder_delayed delayed[DNS_RESPONDER_MAX_DELAYED];
    size_t n_delayed;
};

/* Opens the sockets on `st` (which has the address `addr`). 0 or an errno. */
int dns_responder_start(struct dns_responder *r, struct axn_stack *st, axn_ip4_t addr);
/* Closes every socket. */
void dns_responder_stop(struct dns_responder *r);

/* Zone records; -AXN_ENOSPC when the table is full. */
int dns_responder_add_a(struct dns_responder *r, const char *name, axn_ip4_t a, uint32_t ttl);
int dns_responder_add_aaaa(struct dns_responder *r, const char *name, const struct axn_ip6 *a,
                           uint32_t ttl);
int dns_responder_add_cname(struct dns_responder *r, const char *name, const char *target,
                            uint32_t ttl);

/* Answers what arrived (UDP and TCP) and sends the delayed answers due. */
void dns_responder_poll(struct dns_responder *r, axn_time_t now);
/* When the next delayed answer is due (AXN_TIME_NEVER: none). */
axn_time_t dns_responder_next(const struct dns_responder *r);

#endif /* AXN_TOOLS_DNS_RESPONDER_H */
