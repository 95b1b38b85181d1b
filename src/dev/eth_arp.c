/*
 * Ethernet adapter, ARP (RFC 826): input (ETH-12), requests and replies
 * (ETH-11), gratuitous announcements (RFC 5227 section 2.3), the pending
 * queue service, and the timers ax-net lacks (ETH-14): timer-driven
 * retries, resolution failure after AXN_ARP_MAX_REQUESTS, packet aging.
 *
 * A pending packet leaves the queue in exactly one of three ways: sent
 * (counted TX), dropped with a report to dev->unreachable (resolution
 * failed or it aged out: counted tx_dropped, the IP layer tells the sender
 * EHOSTUNREACH as Linux does), or dropped silently (address change, queue
 * refused it: counted tx_dropped). The unreachable callback runs while the
 * pending queue is being walked: it must not call back into this device.
 */
#include "axnet/errno.h"
#include "dev/eth_priv.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "wire/arp.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

/* How long a packet may wait for resolution. */
#define ETH_PENDING_MAX_AGE AXN_MSEC(AXN_ARP_PENDING_MAX_AGE_MS)

static const struct axn_mac arp_broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct axn_mac arp_unknown_mac = {{0, 0, 0, 0, 0, 0}};

/* Logs "<dev>: <what> <ip>", formatting the address only when the line
 * will be emitted. */
static void log_ip(const struct axn_eth_dev *d, enum axn_log_level lvl, const char *what,
                   axn_ip4_t ip)
{
    if (!AXN_LOG_ENABLED(d->base.plat, lvl))
        return;
    char s[AXN_IP4_STR_LEN];
    axn_fmt_ip4(s, sizeof(s), ip);
    axn_log(d->base.plat, lvl, "%s: %s %s", d->base.name, what, s);
}

/* ---- Emitting ARP ------------------------------------------------------- */

static int send_arp(struct axn_eth_dev *d, const struct axn_mac *dst, const struct axn_arp *arp)
{
    uint8_t buf[AXN_ARP_LEN];
    int n = axn_arp_emit(arp, buf, sizeof(buf));
    if (n < 0)
        return -AXN_EINVAL; /* cannot happen: the buffer has the exact size */
    return axn_eth_emit_side(d, dst, AXN_ETHERTYPE_ARP, buf, (size_t)n);
}

/* A broadcast request from us; target MAC unknown (ETH-11). */
static int broadcast_request(struct axn_eth_dev *d, axn_ip4_t sender_ip, axn_ip4_t target)
{
    struct axn_arp arp = {
        .op = AXN_ARP_OP_REQUEST,
        .sender_ip = sender_ip,
        .target_mac = arp_unknown_mac,
        .target_ip = target,
    };
    axn_eth_own_mac(d, &arp.sender_mac);
    int n = send_arp(d, &arp_broadcast, &arp);
    return n < 0 ? n : 0;
}

int axn_eth_arp_request(struct axn_eth_dev *d, axn_ip4_t target)
{
    if (!d->has_ip) {
        /* ETH-11: no address to ask from. Counted, and logged at INFO: it
         * is what every packet still queued meets once a lease is released
         * or an address removed, so a warning per packet would flood. */
        axn_if_count_add(&d->base.counters->tx_errors, 1);
        AXN_INFO(d->base.plat, "%s: cannot request ARP: IPv4 is not configured", d->base.name);
        return -AXN_EADDRNOTAVAIL;
    }
    log_ip(d, AXN_LOG_DEBUG, "requesting ARP for", target);
    return broadcast_request(d, d->ip.addr, target);
}

/* RFC 5227 section 2.3 announcement: a request whose sender and target
 * protocol addresses are both ours, so peers refresh stale entries. A down
 * link announces nothing; it does when it comes up (eth_link.c). */
void axn_eth_arp_announce(struct axn_eth_dev *d)
{
    if (d->has_ip && d->up)
        (void)broadcast_request(d, d->ip.addr, d->ip.addr);
}

/* ETH-12 step 6: unicast reply to the requester. */
static void reply(struct axn_eth_dev *d, const struct axn_arp *req)
{
    struct axn_arp arp = {
        .op = AXN_ARP_OP_REPLY,
        .sender_ip = d->ip.addr,
        .target_mac = req->sender_mac,
        .target_ip = req->sender_ip,
    };
    axn_eth_own_mac(d, &arp.sender_mac);
    (void)send_arp(d, &req->sender_mac, &arp);
}

/* ---- The pending queue -------------------------------------------------- */

struct service_ctx {
    struct axn_eth_dev *d;
    axn_time_t now;
    bool drop_hop; /* resolution failed for `hop`: drop all of its packets */
    axn_ip4_t hop;
};

static void drop_reported(struct axn_eth_dev *d, const struct axn_arp_pending_view *p,
                          axn_time_t now)
{
    axn_if_count_add(&d->base.counters->tx_dropped, 1);
    if (d->base.unreachable)
        d->base.unreachable(d->base.unreachable_ctx, d->base.ifindex, p->data, p->len, now);
}

/* Keeps resolution of an unresolved next hop going when nothing else
 * does (its INCOMPLETE entry was evicted, its MAC expired). */
static void keep_resolving(struct axn_eth_dev *d, axn_ip4_t hop, axn_time_t now)
{
    if (!axn_arp_cache_request_due(&d->neigh, hop, now))
        return;
    (void)axn_eth_arp_request(d, hop);
    /* Noted even if it failed, so the attempts stay bounded. */
    axn_arp_cache_note_request(&d->neigh, hop, now);
}

/* One packet of a service pass: drop, send, or keep. */
static bool service_one(void *arg, const struct axn_arp_pending_view *p)
{
    struct service_ctx *s = arg;
    struct axn_eth_dev *d = s->d;
    if ((s->drop_hop && p->next_hop == s->hop) || s->now >= p->enqueued + ETH_PENDING_MAX_AGE) {
        drop_reported(d, p, s->now);
        return false;
    }
    struct axn_mac mac;
    if (axn_arp_cache_lookup(&d->neigh, p->next_hop, s->now, &mac)) {
        /* Sent or failed (tx_error counted): gone either way. */
        (void)axn_eth_emit_side(d, &mac, AXN_ETHERTYPE_IPV4, p->data, p->len);
        return false;
    }
    keep_resolving(d, p->next_hop, s->now);
    return true;
}

/* Walks the whole queue once in arrival order (ETH-12 step 7). */
static void service_pending(struct axn_eth_dev *d, axn_time_t now)
{
    if (axn_arp_pending_count(&d->pending) == 0)
        return; /* every tick asks; an empty queue is the common case */
    struct service_ctx s = {.d = d, .now = now};
    (void)axn_arp_pending_filter(&d->pending, service_one, &s);
}

struct drop_all_ctx {
    struct axn_eth_dev *d;
    bool report;
    axn_time_t now;
};

static bool drop_one(void *arg, const struct axn_arp_pending_view *p)
{
    const struct drop_all_ctx *c = arg;
    if (c->report)
        drop_reported(c->d, p, c->now);
    else
        axn_if_count_add(&c->d->base.counters->tx_dropped, 1);
    return false;
}

size_t axn_eth_pending_drop_all(struct axn_eth_dev *d, bool report, axn_time_t now)
{
    struct drop_all_ctx c = {.d = d, .report = report, .now = now};
    return axn_arp_pending_filter(&d->pending, drop_one, &c);
}

/* ---- RFC 5227 address conflict detection (netdev.h acd_*) ---------------- */

/* RFC 5227 2.1.1: while probing, a conflict is any ARP packet from another
 * host whose sender IP is the address, or another host's probe for it. */
static void acd_check(struct axn_eth_dev *d, const struct axn_arp *arp)
{
    if (axn_ip4_is_unspecified(d->acd_ip))
        return;
    struct axn_mac own;
    axn_eth_own_mac(d, &own);
    if (axn_mac_equal(&arp->sender_mac, &own))
        return; /* our own probe, echoed by a hub or a bridge */
    const bool claims = arp->sender_ip == d->acd_ip;
    const bool probes = arp->op == AXN_ARP_OP_REQUEST && axn_ip4_is_unspecified(arp->sender_ip) &&
                        arp->target_ip == d->acd_ip;
    if (claims || probes) {
        d->acd_conflicts++;
        log_ip(d, AXN_LOG_INFO, "ARP conflict for", d->acd_ip);
    }
}

/* Another host's RFC 5227 probe (sender IP 0.0.0.0) for our address. Step
 * 3 of ETH-12 would drop it (no sender to learn), and the prober would
 * take our address: answer it as Linux's arp_process does, learning
 * nothing. */
static bool is_probe_for_us(const struct axn_eth_dev *d, const struct axn_arp *arp)
{
    if (!d->has_ip || arp->op != AXN_ARP_OP_REQUEST || !axn_ip4_is_unspecified(arp->sender_ip) ||
        arp->target_ip != d->ip.addr || !axn_mac_is_unicast(&arp->sender_mac))
        return false;
    struct axn_mac own;
    axn_eth_own_mac(d, &own);
    return !axn_mac_equal(&arp->sender_mac, &own);
}

void axn_eth_acd_watch(struct axn_netdev *dev, axn_ip4_t ip)
{
    struct axn_eth_dev *d = axn_eth_of(dev);
    d->acd_ip = ip;
    d->acd_conflicts = 0;
}

/* A probe: sender IP 0.0.0.0, so no peer learns a binding for an address
 * we may not get (2.1.1). An announcement: sender and target `ip` (2.3).
 * Both broadcast requests with the target MAC zero. */
int axn_eth_acd_send(struct axn_netdev *dev, axn_ip4_t ip, bool announce)
{
    struct axn_eth_dev *d = axn_eth_of(dev);
    if (!d->up)
        return -AXN_ENETDOWN;
    return broadcast_request(d, announce ? ip : 0, ip);
}

uint32_t axn_eth_acd_conflicts(const struct axn_netdev *dev)
{
    return axn_eth_of_const(dev)->acd_conflicts;
}

/* ---- ARP input (ETH-12) ------------------------------------------------- */

/* Steps 1-3: whether a well-formed ARP packet has a sender worth hearing. */
static bool arp_is_usable(const struct axn_eth_dev *d, const struct axn_arp *arp)
{
    struct axn_mac own;
    axn_eth_own_mac(d, &own);
    const struct axn_mac *tha = &arp->target_mac;
    /* 1: only a unicast target MAC that is not ours means "for another
     * station" (spec ETH-12 step 1). Zero (a request: RFC 826 leaves it
     * unknown), broadcast and multicast targets name no one station, so
     * the target protocol address decides (step 4). axn_mac_is_unicast is
     * false for the zero MAC. */
    if (axn_mac_is_unicast(tha) && !axn_mac_equal(tha, &own))
        return false;
    if (!axn_arp_op_is_known(arp->op))
        return false; /* 2 */
    /* 3: no valid sender to learn. */
    return axn_mac_is_unicast(&arp->sender_mac) && !axn_ip4_is_broadcast(arp->sender_ip) &&
           !axn_ip4_is_multicast(arp->sender_ip) && !axn_ip4_is_unspecified(arp->sender_ip);
}

void axn_eth_arp_input(struct axn_eth_dev *d, const uint8_t *payload, size_t len, axn_time_t now)
{
    struct axn_arp arp;
    int r = axn_arp_parse(payload, len, &arp);
    if (r < 0) {
        AXN_WARN(d->base.plat, "%s: malformed ARP packet (%s)", d->base.name, axn_wire_strerror(r));
        axn_if_count_add(&d->base.counters->rx_errors, 1);
        return;
    }
    /* Before the address check: a client probing an address has none. */
    acd_check(d, &arp);
    if (is_probe_for_us(d, &arp)) {
        reply(d, &arp); /* RFC 5227 2.1.1: the prober learns the address is taken */
        return;
    }
    if (!d->has_ip || !arp_is_usable(d, &arp))
        return;
    /* 4: ARP aimed at our address teaches us its sender. Other ARP (a
     * gratuitous announcement, a request for someone else) creates no
     * entry, but, as Linux's arp_process does, it updates an entry we
     * already hold or are resolving: a host that announces itself while
     * we wait for its reply is heard (ax-net ignores it and waits for the
     * next retry). */
    const bool for_us = arp.target_ip == d->ip.addr;
    if (!for_us && axn_arp_cache_find(&d->neigh, arp.sender_ip) == NULL)
        return;
    log_ip(d, AXN_LOG_DEBUG, "ARP learned", arp.sender_ip);
    axn_arp_cache_learn(&d->neigh, arp.sender_ip, &arp.sender_mac, now); /* 5 */
    if (for_us && arp.op == AXN_ARP_OP_REQUEST)
        reply(d, &arp);      /* 6 */
    service_pending(d, now); /* 7 */
}

/* ---- Timers and reconfiguration ----------------------------------------- */

/* AXN_ARP_MAX_REQUESTS went unanswered: the next hop is unreachable. */
static void resolution_failed(struct axn_eth_dev *d, axn_ip4_t hop, axn_time_t now)
{
    log_ip(d, AXN_LOG_INFO, "ARP resolution failed for", hop);
    axn_arp_cache_forget(&d->neigh, hop);
    struct service_ctx s = {.d = d, .now = now, .drop_hop = true, .hop = hop};
    (void)axn_arp_pending_filter(&d->pending, service_one, &s);
}

void axn_eth_tick(struct axn_netdev *dev, axn_time_t now)
{
    struct axn_eth_dev *d = axn_eth_of(dev);
    struct axn_arp_neigh *n;
    if (!d->up)
        return; /* no ARP retries on a down link; it holds no packets */
    /* Each round either forgets the entry or notes a request at `now`,
     * which makes it not due: the loop ends. */
    while ((n = axn_arp_cache_next_due(&d->neigh, now)) != NULL) {
        if (n->requests >= AXN_ARP_MAX_REQUESTS) {
            resolution_failed(d, n->ip, now);
            continue;
        }
        const axn_ip4_t hop = n->ip;
        (void)axn_eth_arp_request(d, hop);
        axn_arp_cache_note_request(&d->neigh, hop, now);
    }
    service_pending(d, now);
}

axn_time_t axn_eth_next_deadline(const struct axn_netdev *dev)
{
    const struct axn_eth_dev *d = axn_eth_of_const(dev);
    axn_time_t next = axn_arp_cache_next_deadline(&d->neigh);
    const axn_time_t oldest = axn_arp_pending_oldest(&d->pending);
    if (oldest != AXN_TIME_NEVER && oldest + ETH_PENDING_MAX_AGE < next)
        next = oldest + ETH_PENDING_MAX_AGE;
    return next;
}

void axn_eth_set_ipv4(struct axn_netdev *dev, const struct axn_ip4_cidr *cidr, axn_time_t now)
{
    struct axn_eth_dev *d = axn_eth_of(dev);
    d->has_ip = cidr != NULL && !axn_ip4_is_unspecified(cidr->addr);
    if (d->has_ip)
        d->ip = *cidr;
    /* ETH-15: neighbours and outstanding requests belong to the old
     * address. Counters are cumulative and stay. */
    axn_arp_cache_clear(&d->neigh);
    /* ax-net keeps pending packets here; we drop them (counted), because
     * their next hops were chosen in the old subnet and may now be
     * unreachable, and nothing would ever resolve them (ETH-14). Not
     * reported: their senders' source address is what changed. */
    (void)axn_eth_pending_drop_all(d, false, now);
    axn_eth_arp_announce(d);
}
