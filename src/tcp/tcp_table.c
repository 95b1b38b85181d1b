/*
 * Where TCP finds its connections and who holds a port (tcp.h,
 * tcp_sock.h):
 *   - the 4-tuple hash of every connection with a peer (SYN-SENT to
 *     TIME-WAIT), chained through conn->hash_next, SipHash-keyed;
 *   - the bound table: the sockets holding a local port, chained by port
 *     hash in two arrays so that no hot path walks what it does not need
 *     (100 000 connections on a few ports): layer->bound holds the
 *     sockets bound by bind()/listen first in each chain (the listener
 *     candidates: Linux's lhash role), accepted children after them;
 *     layer->bound_conn the sockets connect() gave a port (Linux keeps
 *     those in bhash only). A SYN's listener lookup walks the owners of
 *     its bucket and stops at the first child; connect's port test walks
 *     the owners and children of one bucket; only bind arbitration (rare)
 *     walks both chains of the port's bucket. With Linux's bind conflict
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

_Static_assert((AXN_TCP_HASH_BUCKETS & (AXN_TCP_HASH_BUCKETS - 1u)) == 0,
               "AXN_TCP_HASH_BUCKETS: a power of two");
/* The hash doubles when it holds more than this many connections per
 * bucket, so a lookup walks a short chain at any count. */
#define HASH_LOAD_MAX 2u

#define PORT_SPAN ((uint32_t)AXN_TCP_EPHEMERAL_MAX - AXN_TCP_EPHEMERAL_MIN + 1u)

_Static_assert(AXN_TCP_BIND_BUCKETS > 0 &&
                   (AXN_TCP_BIND_BUCKETS & (AXN_TCP_BIND_BUCKETS - 1u)) == 0,
               "AXN_TCP_BIND_BUCKETS: a power of two");

/* Local ports are picked locally (bind, RFC 6056 for connect), not by a
 * peer, so the low bits spread them without a keyed hash. */
static size_t port_slot(uint16_t port)
{
    return port & (AXN_TCP_BIND_BUCKETS - 1u);
}

/* ---- The 4-tuple hash ------------------------------------------------------------- */

static uint64_t tuple_hash(const struct axn_tcp_layer *l, axn_ip4_t laddr, uint16_t lport,
                           axn_ip4_t raddr, uint16_t rport)
{
    const uint32_t words[3] = {laddr, raddr, ((uint32_t)lport << 16) | rport};
    return axn_siphash24(l->hash_key, words, sizeof(words));
}

/* Buckets now: a layer made without the count (a test's rig) has the
 * configured number. */
static size_t hash_buckets(const struct axn_tcp_layer *l)
{
    return l->hash_buckets != 0 ? l->hash_buckets : AXN_TCP_HASH_BUCKETS;
}

static struct axn_tcp_conn **bucket(struct axn_tcp_layer *l, axn_ip4_t laddr, uint16_t lport,
                                    axn_ip4_t raddr, uint16_t rport)
{
    const uint64_t h = tuple_hash(l, laddr, lport, raddr, rport);
    return &l->hash[h & (hash_buckets(l) - 1u)];
}

/* Moves every chain into a table twice as large. An allocation failure
 * keeps the old table: lookups stay correct, only chains get longer. */
static void hash_grow(struct axn_tcp_layer *l)
{
    const size_t old_n = hash_buckets(l);
    const size_t n = old_n * 2u;
    struct axn_tcp_conn **old = l->hash;
    struct axn_tcp_conn **h = l->plat->alloc(l->plat->ctx, sizeof(*h) * n, _Alignof(void *));
    if (!h)
        return;
    memset(h, 0, sizeof(*h) * n);
    l->hash = h;
    l->hash_buckets = n;
    for (size_t i = 0; i < old_n; i++) {
        while (old[i]) {
            struct axn_tcp_conn *c = old[i];
            old[i] = c->hash_next;
            struct axn_tcp_conn **b = bucket(l, c->laddr, c->lport, c->raddr, c->rport);
            c->hash_next = *b;
            *b = c;
        }
    }
    l->plat->free(l->plat->ctx, old, sizeof(*old) * old_n);
}

void axn_tcp_hash_insert(struct axn_tcp_layer *l, struct axn_tcp_conn *c)
{
    if (c->hashed)
        return;
    if (l->n_hashed >= HASH_LOAD_MAX * hash_buckets(l))
        hash_grow(l);
    l->n_hashed++;
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
    if (l->n_hashed > 0)
        l->n_hashed--;
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

static bool chain_conflicts(const struct axn_tcp_sock *o, const struct axn_tcp_sock *self,
                            const struct claim *k)
{
    for (; o; o = o->bind_next) {
        if (o != self && sock_conflicts(k, o))
            return true;
    }
    return false;
}

/* Every socket on the port's bucket (owners, children, connect's), then
 * the orphans. */
static bool port_conflict(struct axn_tcp_layer *l, const struct axn_tcp_sock *self,
                          const struct claim *k)
{
    const size_t i = port_slot(k->port);
    if (chain_conflicts(l->bound[i], self, k) || chain_conflicts(l->bound_conn[i], self, k))
        return true;
    for (const struct axn_tcp_conn *c = l->all; c; c = c->all_next) {
        if (orphan_conflicts(k, c))
            return true;
    }
    return false;
}

/* ---- The bound table --------------------------------------------------------------- */

static void chain_link(struct axn_tcp_sock **at, struct axn_tcp_sock *ts)
{
    ts->bind_next = *at;
    if (*at)
        (*at)->bind_pprev = &ts->bind_next;
    ts->bind_pprev = at;
    *at = ts;
}

/* Where ts goes: an owner at the head of its chain (newest first, the
 * order a SO_REUSEPORT group's hash indexes), a child after the owners
 * (so a listener lookup stops at the first child), a connect's port on
 * the other chain. */
static struct axn_tcp_sock **link_point(struct axn_tcp_layer *l, uint16_t port, bool owner,
                                        bool by_connect)
{
    const size_t i = port_slot(port);
    if (by_connect)
        return &l->bound_conn[i];
    struct axn_tcp_sock **at = &l->bound[i];
    if (owner)
        return at;
    while (*at && (*at)->bind_owner)
        at = &(*at)->bind_next;
    return at;
}

static void bound_add(struct axn_tcp_sock *ts, axn_ip4_t laddr, uint16_t port, bool owner,
                      bool by_connect)
{
    ts->laddr = laddr;
    ts->lport = port;
    ts->reuseaddr = ts->base.opt.reuseaddr;
    ts->reuseport = ts->base.opt.reuseport;
    ts->bind_owner = owner;
    chain_link(link_point(ts->layer, port, owner, by_connect), ts);
    ts->bound = true;
}

static void chain_unlink(struct axn_tcp_sock *ts)
{
    if (ts->bind_pprev)
        *ts->bind_pprev = ts->bind_next;
    if (ts->bind_next)
        ts->bind_next->bind_pprev = ts->bind_pprev;
    ts->bind_next = NULL;
    ts->bind_pprev = NULL;
}

void axn_tcp_port_unbind(struct axn_tcp_sock *ts)
{
    if (!ts->bound)
        return;
    chain_unlink(ts);
    ts->bound = false;
    ts->bind_owner = false;
    ts->connect_port = false;
    ts->lport = 0;
}

void axn_tcp_port_inherit(struct axn_tcp_sock *ts, axn_ip4_t laddr, uint16_t port)
{
    bound_add(ts, laddr, port, false, false);
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
    bound_add(ts, laddr, port, true, false);
    return 0;
}

int axn_tcp_port_listen_check(struct axn_tcp_sock *ts)
{
    const struct claim k = claim_of(ts, ts->laddr, ts->lport);
    if (port_conflict(ts->layer, ts, &k))
        return -AXN_EADDRINUSE;
    /* A socket that kept a child's or connect's port and now listens
     * becomes a listener candidate: moved among the owners. */
    if (!ts->bind_owner) {
        chain_unlink(ts);
        chain_link(link_point(ts->layer, ts->lport, true, false), ts);
        ts->bind_owner = true;
    }
    return 0;
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
    /* Only owners and children hold a port this way (not connect's). */
    for (const struct axn_tcp_sock *o = cp->l->bound[port_slot(port)]; o; o = o->bind_next) {
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
    bound_add(ts, laddr, t.local_port, false, true);
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
    for (const struct axn_tcp_sock *o = l->bound[port_slot(lport)]; o && o->bind_owner;
         o = o->bind_next) {
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
    for (struct axn_tcp_sock *o = l->bound[port_slot(lport)]; o && o->bind_owner;
         o = o->bind_next) {
        if (listen_score(o, laddr, lport, ifindex) != b.score)
            continue;
        if (pick == 0)
            return o->conn;
        pick--;
    }
    return NULL;
}
