/*
 * The DNS stub resolver's private contract (include/axnet/resolver.h is the
 * public one). One concern per file:
 *   dns_query.c    the non-blocking state machine: servers, sockets, ids,
 *                  retries, deadlines, the result;
 *   dns_answer.c   reading one answer: which question it answers, the
 *                  CNAME chain, the addresses, what its rcode means;
 *   dns_tcp.c      RFC 7766 fallback after a truncated UDP answer;
 *   dns_resolve.c  the blocking axn_resolve, stats and flush;
 *   dns_cache.c    the bounded per-stack answer cache.
 *
 * Locking: the resolver runs in the caller's thread and never holds the
 * core lock (the socket calls take it). The cache and the counters in
 * struct axn_svc are guarded by svc->dns_lock, a leaf spin lock taken only
 * around copies: no socket call and no allocation under it.
 */
#ifndef AXN_SVC_DNS_RESOLVER_H
#define AXN_SVC_DNS_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/resolver.h"
#include "axnet/socket.h"
#include "svc/svc.h"
#include "wire/dns.h"

/* A (and AAAA for AF_UNSPEC): at most two questions per query. */
#define AXN_DNS_MAX_QUESTIONS 2

/* Servers one query may try (the registry's size bounds it). */
#define AXN_DNS_MAX_SERVERS AXN_MAX_DNS_ENTRIES

/* Wire form of a name: RFC 1035 2.3.4. */
#define AXN_DNS_WIRE_NAME_MAX AXN_DNS_MAX_NAME_LEN

/* Room for one question we emit: header, name, type and class. */
#define AXN_DNS_QUERY_MAX (AXN_DNS_HDR_LEN + AXN_DNS_WIRE_NAME_MAX + 4)

/* The RFC 7766 8 length prefix of a DNS message over TCP. */
#define AXN_DNS_TCP_PREFIX 2

/* One question of a query (A or AAAA). */
struct axn_dns_q {
    uint16_t qtype;
    uint16_t id;                      /* random per send target (RFC 5452 9.2) */
    bool answered;                    /* no longer outstanding */
    bool need_tcp;                    /* a TC answer: ask again over TCP */
    bool tcp_sent;                    /* written on the current TCP connection */
    bool from_cache;                  /* answered from the cache at start */
    uint8_t links;                    /* CNAME links followed so far, restarts included */
    char name[AXN_DNS_NAME_TEXT_MAX]; /* asked now (moves along the chain) */
    char canonical[AXN_DNS_NAME_TEXT_MAX];
    struct axn_dns_addr addrs[AXN_DNS_MAX_ADDRS];
    size_t n_addrs;
    uint32_t ttl;     /* min over the records used */
    uint32_t neg_ttl; /* no data: how long to remember it (RFC 2308 5) */
};

enum axn_dns_tcp_state {
    AXN_DNS_TCP_IDLE = 0,
    AXN_DNS_TCP_CONNECTING,
    AXN_DNS_TCP_OPEN,
};

struct axn_dns_lookup {
    struct axn_stack *st;
    struct axn_svc *svc;
    const struct axn_platform *plat;
    int family;
    bool no_cache;
    int rc; /* -AXN_EINPROGRESS until it ends */
    axn_time_t deadline;
    /* Routable servers in registry order, and where we are among them. */
    axn_ip4_t servers[AXN_DNS_MAX_SERVERS];
    bool failed[AXN_DNS_MAX_SERVERS]; /* answered SERVFAIL & co. */
    size_t n_servers;
    size_t cur;
    unsigned tries;          /* sends to servers[cur] so far */
    axn_time_t try_deadline; /* when the current try gives up */
    struct axn_socket *udp;
    struct axn_dns_q q[AXN_DNS_MAX_QUESTIONS];
    size_t n_q;
    char key[AXN_DNS_NAME_TEXT_MAX]; /* the name asked by the caller, for the cache */
    struct axn_dns_result res;
    axn_ip4_t answered_by;
    /* TCP fallback (dns_tcp.c). */
    enum axn_dns_tcp_state tcp_state;
    struct axn_socket *tcp;
    uint8_t tcp_len[AXN_DNS_TCP_PREFIX];
    size_t tcp_have; /* bytes of the current answer read (prefix included) */
    uint8_t *tcp_buf;
    size_t tcp_cap;
    /* Scratch. */
    uint8_t rx[AXN_DNS_UDP_MAX_LEN];
    struct axn_dns_msg msg;
};

/* ---- Counters (dns_resolve.c) ------------------------------------------------------------ */

/* Adds `n` to the counter `field` of svc->dns_stats under the lock. */
void axn_dns_count(struct axn_svc *svc, uint64_t *field, uint64_t n);

/* ---- Answers (dns_answer.c) -------------------------------------------------------------- */

/* What one message meant for the query. */
enum axn_dns_verdict {
    AXN_DNS_V_IGNORED = 0, /* not ours: counted in rx_ignored */
    AXN_DNS_V_DONE,        /* a question got its answer (maybe no data) */
    AXN_DNS_V_RESTART,     /* a CNAME chain ended without data: ask its end */
    AXN_DNS_V_TRUNCATED,   /* TC set: ask again over TCP */
    AXN_DNS_V_NXDOMAIN,
    AXN_DNS_V_SERVER_FAIL, /* SERVFAIL, REFUSED, FORMERR, NOTIMP, ... */
    AXN_DNS_V_LOOP,        /* a CNAME chain longer than AXN_DNS_MAX_CNAME */
};

/* Reads msg[0 .. len) received from the current server. `tcp`: it came
 * over TCP (a TC bit there is a broken server). Fills the question it
 * answers; *which is its index. */
enum axn_dns_verdict axn_dns_answer_read(struct axn_dns_lookup *q, const uint8_t *msg, size_t len,
                                         bool tcp, size_t *which);

/* ---- The state machine (dns_query.c) ----------------------------------------------------- */

/* Emits question `i` with its id into buf; the length or a negative errno. */
int axn_dns_question_emit(const struct axn_dns_lookup *q, size_t i, uint8_t *buf, size_t cap);
/* Acts on a verdict; true when the query ended. */
bool axn_dns_apply(struct axn_dns_lookup *q, enum axn_dns_verdict v, size_t which, axn_time_t now);
/* The current server failed (or its TCP did): on to the next one. */
void axn_dns_next_server(struct axn_dns_lookup *q, axn_time_t now);
/* The poll events the blocking form waits for on axn_dns_query_socket(). */
unsigned axn_dns_query_interest(const struct axn_dns_lookup *q);
/* Adds one to the counter `field` of the query's svc (axn_dns_count). */
void axn_dns_count_one(struct axn_dns_lookup *q, uint64_t *field);
/* Ends the query with `rc`, counting it in `counter`. */
void axn_dns_fail(struct axn_dns_lookup *q, int rc, uint64_t *counter);
/* Every question answered: caches them, gathers the result, ends. */
void axn_dns_finish(struct axn_dns_lookup *q, axn_time_t now);
/* True when every question has its answer. */
bool axn_dns_all_answered(const struct axn_dns_lookup *q);

/* ---- The UDP side (dns_udp.c) ------------------------------------------------------------ */

/* Closes the current server's UDP socket, if any. */
void axn_dns_udp_close(struct axn_dns_lookup *q);
/* RFC 5452 9.2: a fresh unpredictable id for question `i`. */
void axn_dns_new_id(struct axn_dns_lookup *q, size_t i);
/* Sends question `i` on the UDP socket (a failed send is left to the retry). */
void axn_dns_udp_send(struct axn_dns_lookup *q, size_t i);
/* One try: sends every open question, arms the per-server timer. */
void axn_dns_udp_send_all(struct axn_dns_lookup *q, axn_time_t now);
/* Starts on servers[cur]: socket, new ids, first try; 0 or a negative errno. */
int axn_dns_udp_begin(struct axn_dns_lookup *q, axn_time_t now);
/* Reads every datagram waiting; true when the query ended. */
bool axn_dns_udp_drain(struct axn_dns_lookup *q, axn_time_t now);

/* ---- TCP fallback (dns_tcp.c) ------------------------------------------------------------ */

/* Opens a connection to the current server for the questions marked
 * need_tcp; 0 or a negative errno (the server then counts as failed). */
int axn_dns_tcp_start(struct axn_dns_lookup *q);
/* Moves the connection on; returns true when the query ended. */
bool axn_dns_tcp_step(struct axn_dns_lookup *q, axn_time_t now);
/* Closes the connection and frees its buffer. */
void axn_dns_tcp_stop(struct axn_dns_lookup *q);

/* ---- Cache (dns_cache.c) ----------------------------------------------------------------- */

struct axn_dns_cached {
    struct axn_dns_addr addrs[AXN_DNS_MAX_ADDRS]; /* ttl: seconds left */
    size_t n_addrs;
    char canonical[AXN_DNS_NAME_TEXT_MAX];
    int neg; /* 0, or a negative answer: -AXN_ENODATA, -AXN_ENXIO */
};

/* `key` is the normalised name (axn_dns_normalise). True and *out on a
 * live entry. */
bool axn_dns_cache_get(struct axn_svc *svc, const char *key, uint16_t qtype, axn_time_t now,
                       struct axn_dns_cached *out);
/* Stores an answer for `ttl` seconds (capped; 0 stores nothing). `neg`:
 * 0 for addresses, or the negative answer (-AXN_ENODATA, -AXN_ENXIO),
 * capped by AXN_DNS_NEG_CACHE_MAX_TTL. */
void axn_dns_cache_put(struct axn_svc *svc, const char *key, uint16_t qtype,
                       const struct axn_dns_q *answer, uint32_t ttl, int neg, axn_time_t now);
void axn_dns_cache_clear(struct axn_svc *svc);
/* Live entries now (under the lock). */
size_t axn_dns_cache_count(struct axn_svc *svc, axn_time_t now);

/* Lower-case ASCII copy of `name` without one trailing dot; false when it
 * does not fit `cap`. */
bool axn_dns_normalise(const char *name, char *out, size_t cap);

#endif /* AXN_SVC_DNS_RESOLVER_H */
