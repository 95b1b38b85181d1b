/*
 * Bound UDP ports (udp.h): bind arbitration as Linux's udp_lib_get_port /
 * udp_lib_lport_inuse, ephemeral ports per RFC 6056, and the lookups the
 * input path makes (Linux compute_score, reuseport_select_sock).
 */
#include "axnet/errno.h"
#include "udp/udp.h"

_Static_assert((AXN_UDP_PORT_BUCKETS & (AXN_UDP_PORT_BUCKETS - 1)) == 0,
               "AXN_UDP_PORT_BUCKETS must be a power of two");
_Static_assert(AXN_UDP_EPHEMERAL_MIN > 0 && AXN_UDP_EPHEMERAL_MIN <= AXN_UDP_EPHEMERAL_MAX &&
                   AXN_UDP_EPHEMERAL_MAX <= UINT16_MAX,
               "bad UDP ephemeral range");

#define EPHEMERAL_COUNT ((uint32_t)(AXN_UDP_EPHEMERAL_MAX - AXN_UDP_EPHEMERAL_MIN + 1))

/* Each match below adds this to a socket's score (Linux compute_score). */
#define SCORE_STEP 4
#define NO_MATCH   (-1)

/* Multiplier of the 4-tuple mix: 2^32 / golden ratio (Knuth, TAOCP 6.4). */
#define MIX_MUL   0x9e3779b1u
#define MIX_SHIFT 16

static struct axn_udp_sock **chain_of(struct axn_udp_layer *l, uint16_t port)
{
    return &l->buckets[port & (AXN_UDP_PORT_BUCKETS - 1u)];
}

static uint32_t dev_of(const struct axn_udp_sock *us)
{
    return us->base.opt.bound_ifindex;
}

/* Linux udp_lib_lport_inuse: `b` binding laddr:port would clash with `a`. */
static bool clashes(const struct axn_udp_sock *a, const struct axn_udp_sock *b, axn_ip4_t laddr,
                    uint16_t port)
{
    if (a == b || a->lport != port)
        return false;
    if (a->reuseaddr && b->base.opt.reuseaddr)
        return false; /* SO_REUSEADDR on both: UDP shares (socket(7)) */
    if (dev_of(a) != 0 && dev_of(b) != 0 && dev_of(a) != dev_of(b))
        return false;
    if (a->laddr != 0 && laddr != 0 && a->laddr != laddr)
        return false;
    return !(a->reuseport && b->base.opt.reuseport);
}

static bool port_in_use(struct axn_udp_layer *l, const struct axn_udp_sock *us, axn_ip4_t laddr,
                        uint16_t port)
{
    for (const struct axn_udp_sock *o = *chain_of(l, port); o; o = o->bind_next)
        if (clashes(o, us, laddr, port))
            return true;
    return false;
}

/* An ephemeral port must have no binding at all, so an ephemeral socket
 * never shares (the "no collision"). */
static bool port_taken(struct axn_udp_layer *l, uint16_t port)
{
    for (const struct axn_udp_sock *o = *chain_of(l, port); o; o = o->bind_next)
        if (o->lport == port)
            return true;
    return false;
}

/* RFC 6056 3.3.1 (Algorithm 1, what Linux does for UDP): a random start,
 * then the first free port, wrapping inside the range. 0 when none. */
static uint16_t pick_ephemeral(struct axn_udp_layer *l)
{
    uint32_t r = 0;
    if (l->plat->random(l->plat->ctx, &r, sizeof(r)) != 0)
        r = l->hash_key;
    for (uint32_t i = 0; i < EPHEMERAL_COUNT; i++) {
        const uint16_t port = (uint16_t)(AXN_UDP_EPHEMERAL_MIN + (r + i) % EPHEMERAL_COUNT);
        if (!port_taken(l, port))
            return port;
    }
    return 0;
}

int axn_udp_port_bind(struct axn_udp_layer *l, struct axn_udp_sock *us, axn_ip4_t laddr,
                      uint16_t port)
{
    if (port == 0) {
        port = pick_ephemeral(l);
        if (port == 0)
            return -AXN_EADDRINUSE;
    } else if (port_in_use(l, us, laddr, port)) {
        return -AXN_EADDRINUSE;
    }
    us->laddr = laddr;
    us->lport = port;
    us->reuseaddr = us->base.opt.reuseaddr;
    us->reuseport = us->base.opt.reuseport;
    us->bound = true;
    struct axn_udp_sock **head = chain_of(l, port);
    us->bind_next = *head;
    *head = us;
    return 0;
}

void axn_udp_port_unbind(struct axn_udp_layer *l, struct axn_udp_sock *us)
{
    if (!us->bound)
        return;
    for (struct axn_udp_sock **p = chain_of(l, us->lport); *p; p = &(*p)->bind_next) {
        if (*p == us) {
            *p = us->bind_next;
            break;
        }
    }
    us->bind_next = NULL;
    us->bound = false;
    us->laddr = 0;
    us->lport = 0;
}

/* ---- Lookups ------------------------------------------------------------ */

/* Linux compute_score: NO_MATCH, or higher for a more specific match. */
static int score(const struct axn_udp_sock *us, const struct axn_udp_key *k)
{
    if (!us->bound || us->lport != k->dport)
        return NO_MATCH;
    int sc = 0;
    if (us->laddr != 0) {
        if (us->laddr != k->daddr)
            return NO_MATCH;
        sc += SCORE_STEP;
    }
    if (us->connected) {
        if ((us->raddr != 0 && us->raddr != k->saddr) || (us->rport != 0 && us->rport != k->sport))
            return NO_MATCH;
        sc += 2 * SCORE_STEP;
    }
    if (dev_of(us) != 0) {
        if (dev_of(us) != k->ifindex)
            return NO_MATCH;
        sc += SCORE_STEP;
    }
    return sc;
}

static uint32_t mix(uint32_t h, uint32_t w)
{
    h = (h ^ w) * MIX_MUL;
    return h ^ (h >> MIX_SHIFT);
}

static uint32_t tuple_hash(const struct axn_udp_layer *l, const struct axn_udp_key *k)
{
    uint32_t h = mix(l->hash_key, k->saddr);
    h = mix(h, k->daddr);
    return mix(h, ((uint32_t)k->sport << MIX_SHIFT) | k->dport);
}

/* A member of best's SO_REUSEPORT group (same address, port, device). */
static bool same_group(const struct axn_udp_sock *o, const struct axn_udp_sock *best, int best_sc,
                       const struct axn_udp_key *k)
{
    return o->reuseport && !o->connected && o->laddr == best->laddr && dev_of(o) == dev_of(best) &&
           score(o, k) == best_sc;
}

/* Linux reuseport_select_sock: the group member the 4-tuple hashes to. */
static struct axn_udp_sock *select_member(struct axn_udp_layer *l, struct axn_udp_sock *best,
                                          int best_sc, const struct axn_udp_key *k)
{
    struct axn_udp_sock *head = *chain_of(l, k->dport);
    size_t n = 0;
    for (struct axn_udp_sock *o = head; o; o = o->bind_next)
        n += same_group(o, best, best_sc, k);
    size_t pick = tuple_hash(l, k) % n;
    for (struct axn_udp_sock *o = head; o; o = o->bind_next)
        if (same_group(o, best, best_sc, k) && pick-- == 0)
            return o;
    return best;
}

struct axn_udp_sock *axn_udp_lookup(struct axn_udp_layer *l, const struct axn_udp_key *k)
{
    struct axn_udp_sock *best = NULL;
    int best_sc = NO_MATCH;
    for (struct axn_udp_sock *o = *chain_of(l, k->dport); o; o = o->bind_next) {
        const int sc = score(o, k);
        if (sc > best_sc) {
            best = o;
            best_sc = sc;
        }
    }
    if (best && best->reuseport && !best->connected)
        return select_member(l, best, best_sc, k);
    return best;
}

size_t axn_udp_lookup_all(struct axn_udp_layer *l, const struct axn_udp_key *k,
                          void (*fn)(struct axn_udp_sock *us, void *arg), void *arg)
{
    size_t n = 0;
    struct axn_udp_sock *o = *chain_of(l, k->dport);
    while (o) {
        struct axn_udp_sock *next = o->bind_next;
        if (score(o, k) != NO_MATCH) {
            fn(o, arg);
            n++;
        }
        o = next;
    }
    return n;
}

/* ---- The table's lifecycle ------------------------------------------------ */

#define BUCKETS_BYTES (AXN_UDP_PORT_BUCKETS * sizeof(struct axn_udp_sock *))

int axn_udp_layer_create(const struct axn_platform *plat, struct axn_udp_layer **out)
{
    struct axn_udp_layer *l = plat->alloc(plat->ctx, sizeof(*l), _Alignof(struct axn_udp_layer));
    if (!l)
        return -AXN_ENOMEM;
    l->plat = plat;
    l->buckets = plat->alloc(plat->ctx, BUCKETS_BYTES, _Alignof(struct axn_udp_sock *));
    int err = l->buckets ? plat->random(plat->ctx, &l->hash_key, sizeof(l->hash_key)) : -AXN_ENOMEM;
    if (err) {
        axn_udp_layer_free(l);
        return err;
    }
    *out = l;
    return 0;
}

void axn_udp_layer_free(struct axn_udp_layer *l)
{
    if (!l)
        return;
    const struct axn_platform *plat = l->plat;
    if (l->buckets)
        plat->free(plat->ctx, l->buckets, BUCKETS_BYTES);
    plat->free(plat->ctx, l, sizeof(*l));
}
