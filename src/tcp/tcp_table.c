/*
 * Where TCP finds its connections and who holds a port (tcp.h,
 * tcp_sock.h):
 *   - the 4-tuple hash of every connection with a peer (SYN-SENT to
 *     TIME-WAIT), chained through conn->hash_next, SipHash-keyed;
 *   - the bound table: the sockets holding a local port (layer->bound, a
 *     list: part 1 expects few sockets per stack; a port-keyed hash slots
 *     in here without touching the callers), with Linux's bind conflict
 *     rules (inet_csk_bind_conflict), the listener lookup, and the
 *     ephemeral ports for bind(port 0) and connect (RFC 6056 Algorithm 4,
 *     tcp_port.c).
 * Orphans (closed sockets still finishing, TIME-WAIT) hold their port
 * through the hash: they block a bind unless it asks SO_REUSEADDR.
 */
#include "axnet/errno.h"
#include "lib/mem.h"
#include "lib/siphash.h"
#include "tcp/tcp_sock.h"

#define HASH_MASK (AXN_TCP_HASH_BUCKETS - 1u)
_Static_assert((AXN_TCP_HASH_BUCKETS & HASH_MASK) == 0, "AXN_TCP_HASH_BUCKETS: a power of two");

#define PORT_SPAN ((uint32_t)AXN_TCP_EPHEMERAL_MAX - AXN_TCP_EPHEMERAL_MIN + 1u)

/* ---- The 4-tuple hash ------------------------------------------------------------- */

static uint64_t tuple_hash(const struct axn_tcp_layer *l, axn_ip4_t laddr, uint16_t lport,
                           axn_ip4_t raddr, uint16_t rport)
{
    const uint32_t words[3] = {laddr, raddr, ((uint32_t)lport << 16) | rport};
    return axn_siphash24(l->hash_key, words, sizeof(words));
}

static struct axn_tcp_conn **bucket(struct axn_tcp_layer *l, axn_ip4_t laddr, uint16_t lport,
                                    axn_ip4_t raddr, uint16_t rport)
{
    return &l->hash[tuple_hash(l, laddr, lport, raddr, rport) & HASH_MASK];
}

void axn_tcp_hash_insert(struct axn_tcp_layer *l, struct axn_tcp_conn *c)
{
    if (c->hashed)
        return;
    struct axn_tcp_conn **b = bucket(l, c->laddr, c->lport, c->raddr, c->rport);
    c->hash_next = *b;
    *b = c;
    c->hashed = true;
}

void axn_tcp_hash_remove(struct axn_tcp_layer *l, struct axn_tcp_conn *c)
{
    if (!c->hashed)
        return;
    struct axn_tcp_conn **p = bucket(l, c->laddr, c->lport, c->raddr, c->rport);
    while (*p && *p != c)
        p = &(*p)->hash_next;
    if (*p)
        *p = c->hash_next;
    c->hash_next = NULL;
    c->hashed = false;
}

struct axn_tcp_conn *axn_tcp_lookup(struct axn_tcp_layer *l, axn_ip4_t laddr, uint16_t lport,
                                    axn_ip4_t raddr, uint16_t rport)
{
    struct axn_tcp_conn *c = *bucket(l, laddr, lport, raddr, rport);
    for (; c; c = c->hash_next) {
        if (c->laddr == laddr && c->lport == lport && c->raddr == raddr && c->rport == rport)
            return c;
    }
    return NULL;
}

/* ---- Bind conflicts (Linux inet_csk_bind_conflict, relaxed as bind) --------------- */

/* What wants the port, as the conflict rules see it. */
struct claim {
    axn_ip4_t laddr;
    uint16_t port;
    uint32_t ifindex;
    /* SO_REUSEADDR now, also when about to listen: Linux's conflict test
     * (inet_bind_conflict) reads sk->sk_reuse whatever the claimant's
     * state; only the holder's LISTEN state voids sharing (the claimant's
     * own state only disables the fastreuse shortcut). */
    bool reuseaddr;
    bool reuseport;
};

static bool addrs_overlap(axn_ip4_t a, axn_ip4_t b)
{
    return a == 0 || b == 0 || a == b;
}

static bool devs_overlap(uint32_t a, uint32_t b)
{
    return a == 0 || b == 0 || a == b;
}

static bool is_listening(const struct axn_tcp_sock *ts)
{
    return ts->conn && ts->conn->state == AXN_TCP_LISTEN;
}

/* Linux: both SO_REUSEADDR and the holder not listening; or both
 * SO_REUSEPORT (a group; axnet has no uids, so one user owns all). */
static bool sock_conflicts(const struct claim *k, const struct axn_tcp_sock *o)
{
    if (o->lport != k->port || !addrs_overlap(o->laddr, k->laddr))
        return false;
    if (!devs_overlap(o->base.opt.bound_ifindex, k->ifindex))
        return false;
    if (k->reuseaddr && o->reuseaddr && !is_listening(o))
        return false;
    return !(k->reuseport && o->reuseport);
}

/* An orphan (no socket, still hashed: FIN-WAIT, LAST-ACK, TIME-WAIT)
 * blocks the port unless the new socket asks SO_REUSEADDR. */
static bool orphan_conflicts(const struct claim *k, const struct axn_tcp_conn *c)
{
    if (c->sock || !c->hashed || c->lport != k->port)
        return false;
    return addrs_overlap(c->laddr, k->laddr) && !k->reuseaddr;
}

static bool port_conflict(struct axn_tcp_layer *l, const struct axn_tcp_sock *self,
                          const struct claim *k)
{
    for (const struct axn_tcp_sock *o = l->bound; o; o = o->bind_next) {
        if (o != self && sock_conflicts(k, o))
            return true;
    }
    for (const struct axn_tcp_conn *c = l->all; c; c = c->all_next) {
        if (orphan_conflicts(k, c))
            return true;
    }
    return false;
}

/* ---- The bound table --------------------------------------------------------------- */

static void bound_add(struct axn_tcp_sock *ts, axn_ip4_t laddr, uint16_t port)
{
    struct axn_tcp_layer *l = ts->layer;
    ts->laddr = laddr;
    ts->lport = port;
    ts->reuseaddr = ts->base.opt.reuseaddr;
    ts->reuseport = ts->base.opt.reuseport;
    ts->bind_next = l->bound;
    l->bound = ts;
    ts->bound = true;
}

void axn_tcp_port_unbind(struct axn_tcp_sock *ts)
{
    if (!ts->bound)
        return;
    struct axn_tcp_sock **p = &ts->layer->bound;
    while (*p && *p != ts)
        p = &(*p)->bind_next;
    if (*p)
        *p = ts->bind_next;
    ts->bind_next = NULL;
    ts->bound = false;
    ts->connect_port = false;
    ts->lport = 0;
}

void axn_tcp_port_inherit(struct axn_tcp_sock *ts, axn_ip4_t laddr, uint16_t port)
{
    bound_add(ts, laddr, port);
}

static struct claim claim_of(const struct axn_tcp_sock *ts, axn_ip4_t laddr, uint16_t port)
{
    const struct claim k = {.laddr = laddr,
                            .port = port,
                            .ifindex = ts->base.opt.bound_ifindex,
                            .reuseaddr = ts->base.opt.reuseaddr,
                            .reuseport = ts->base.opt.reuseport};
    return k;
}

/* Linux inet_csk_find_open_port: a random start in the range, then the
 * first port without a conflict. */
static int pick_bind_port(struct axn_tcp_sock *ts, axn_ip4_t laddr, uint16_t *port)
{
    struct axn_tcp_layer *l = ts->layer;
    uint32_t start = 0;
    if (l->plat->random(l->plat->ctx, &start, sizeof(start)))
        start = 0;
    for (uint32_t i = 0; i < PORT_SPAN; i++) {
        const uint16_t p = (uint16_t)(AXN_TCP_EPHEMERAL_MIN + (start + i) % PORT_SPAN);
        const struct claim k = claim_of(ts, laddr, p);
        if (!port_conflict(l, ts, &k)) {
            *port = p;
            return 0;
        }
    }
    return -AXN_EADDRINUSE;
}

int axn_tcp_port_bind(struct axn_tcp_sock *ts, axn_ip4_t laddr, uint16_t port)
{
    if (port == 0) {
        const int err = pick_bind_port(ts, laddr, &port);
        if (err)
            return err;
    } else {
        const struct claim k = claim_of(ts, laddr, port);
        if (port_conflict(ts->layer, ts, &k))
            return -AXN_EADDRINUSE;
    }
    bound_add(ts, laddr, port);
    return 0;
}

int axn_tcp_port_listen_check(struct axn_tcp_sock *ts)
{
    const struct claim k = claim_of(ts, ts->laddr, ts->lport);
    return port_conflict(ts->layer, ts, &k) ? -AXN_EADDRINUSE : 0;
}

/* ---- connect's ephemeral port (RFC 6056 3.3.4 with Linux __inet_hash_connect) -- */

struct connect_pick {
    struct axn_tcp_layer *l;
    axn_ip4_t laddr;
    axn_ip4_t raddr;
    uint16_t rport;
};

/* Linux skips a port any bind() holds (its bucket's fastreuse >= 0) and
 * shares one other connects use when the 4-tuple differs. */
static bool connect_port_free(void *arg, const struct axn_tcp_tuple *t)
{
    const struct connect_pick *cp = arg;
    const uint16_t port = t->local_port;
    for (const struct axn_tcp_sock *o = cp->l->bound; o; o = o->bind_next) {
        if (o->lport == port && !o->connect_port)
            return false;
    }
    return axn_tcp_lookup(cp->l, cp->laddr, port, cp->raddr, cp->rport) == NULL;
}

int axn_tcp_port_connect(struct axn_tcp_sock *ts, axn_ip4_t laddr, axn_ip4_t raddr, uint16_t rport)
{
    struct connect_pick cp = {.l = ts->layer, .laddr = laddr, .raddr = raddr, .rport = rport};
    struct axn_tcp_tuple t;
    axn_tcp_tuple_ip4(&t, laddr, 0, raddr, rport);
    const int err = axn_tcp_port_pick(&ts->layer->ports, &t, connect_port_free, &cp);
    if (err)
        return err;
    bound_add(ts, laddr, t.local_port);
    ts->connect_port = true;
    return 0;
}

/* ---- Listener lookup (Linux inet_lhash2_lookup / compute_score) -------------------- */

/* -1: no match; higher is better: a specific address and a device
 * binding each beat the wildcard. */
static int listen_score(const struct axn_tcp_sock *ts, axn_ip4_t laddr, uint16_t lport,
                        uint32_t ifindex)
{
    if (!is_listening(ts) || ts->lport != lport)
        return -1;
    int score = 1;
    if (ts->laddr) {
        if (ts->laddr != laddr)
            return -1;
        score += 2;
    }
    const uint32_t dev = ts->base.opt.bound_ifindex;
    if (dev) {
        if (dev != ifindex)
            return -1;
        score += 1;
    }
    return score;
}

struct listen_best {
    int score;
    uint32_t n; /* listeners at that score (a SO_REUSEPORT group) */
    bool group; /* every one of them has SO_REUSEPORT */
};

static struct listen_best best_score(struct axn_tcp_layer *l, axn_ip4_t laddr, uint16_t lport,
                                     uint32_t ifindex)
{
    struct listen_best b = {.score = -1, .n = 0, .group = true};
    for (const struct axn_tcp_sock *o = l->bound; o; o = o->bind_next) {
        const int sc = listen_score(o, laddr, lport, ifindex);
        if (sc < 0 || sc < b.score)
            continue;
        if (sc > b.score) {
            b.score = sc;
            b.n = 0;
            b.group = true;
        }
        b.n++;
        b.group = b.group && o->reuseport;
    }
    return b;
}

struct axn_tcp_conn *axn_tcp_lookup_listener(struct axn_tcp_layer *l, axn_ip4_t laddr,
                                             uint16_t lport, axn_ip4_t raddr, uint16_t rport,
                                             uint32_t ifindex)
{
    const struct listen_best b = best_score(l, laddr, lport, ifindex);
    if (b.score < 0)
        return NULL;
    /* A group is spread by a hash of the 4-tuple, so one flow always
     * reaches the same member (Linux reuseport_select_sock). */
    uint32_t pick = 0;
    if (b.group && b.n > 1)
        pick = (uint32_t)(tuple_hash(l, laddr, lport, raddr, rport) % b.n);
    for (struct axn_tcp_sock *o = l->bound; o; o = o->bind_next) {
        if (listen_score(o, laddr, lport, ifindex) != b.score)
            continue;
        if (pick == 0)
            return o->conn;
        pick--;
    }
    return NULL;
}
