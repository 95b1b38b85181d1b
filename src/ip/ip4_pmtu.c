/*
 * Path MTU discovery for IPv4 (RFC 1191; ip4_pmtu.h, ip4.h): the
 * per-destination cache, and Linux's DF policy (ip_dont_fragment,
 * __ip_make_skb) for the datagrams of sockets.
 */
#include "axnet/socket.h"
#include "ip/ip4.h"
#include "ip/ip4_pmtu.h"
#include "lib/mem.h"

/* ---- The cache ------------------------------------------------------------------- */

void axn_ip4_pmtu_init(struct axn_ip4_pmtu *c)
{
    memset(c, 0, sizeof(*c));
}

static bool live(const struct axn_ip4_pmtu_entry *e, axn_time_t now)
{
    return e->valid && now < e->expires;
}

static struct axn_ip4_pmtu_entry *find(struct axn_ip4_pmtu *c, axn_ip4_t dst, axn_time_t now)
{
    if (c->n_valid == 0)
        return NULL;
    for (size_t i = 0; i < AXN_IP4_PMTU_ENTRIES; i++) {
        if (live(&c->e[i], now) && c->e[i].dst == dst)
            return &c->e[i];
    }
    return NULL;
}

/* A dead entry, else the least recently used one. */
static struct axn_ip4_pmtu_entry *victim(struct axn_ip4_pmtu *c, axn_time_t now)
{
    struct axn_ip4_pmtu_entry *v = &c->e[0];
    for (size_t i = 0; i < AXN_IP4_PMTU_ENTRIES; i++) {
        struct axn_ip4_pmtu_entry *e = &c->e[i];
        if (!live(e, now))
            return e;
        if (e->used < v->used)
            v = e;
    }
    return v;
}

void axn_ip4_pmtu_learn(struct axn_ip4_pmtu *c, axn_ip4_t dst, uint32_t mtu, axn_time_t now)
{
    struct axn_ip4_pmtu_entry *e = find(c, dst, now);
    /* __ip_rt_update_pmtu: a locked MTU stays; a larger one is no news. */
    if (e && (e->locked || e->mtu < mtu))
        return;
    if (!e) {
        e = victim(c, now);
        if (!e->valid)
            c->n_valid++;
        e->dst = dst;
        e->valid = true;
    }
    /* Below min_pmtu: the minimum, locked (RFC 1191 section 5 allows a
     * host to stop setting DF for such a path). */
    e->locked = mtu < AXN_IP4_PMTU_MIN;
    e->mtu = e->locked ? AXN_IP4_PMTU_MIN : mtu;
    e->expires = now + AXN_MSEC(AXN_IP4_PMTU_EXPIRE_MS);
    e->used = now;
}

bool axn_ip4_pmtu_get(struct axn_ip4_pmtu *c, axn_ip4_t dst, axn_time_t now,
                      struct axn_ip4_pmtu_info *out)
{
    struct axn_ip4_pmtu_entry *e = find(c, dst, now);
    if (!e)
        return false;
    e->used = now;
    out->mtu = e->mtu;
    out->locked = e->locked;
    return true;
}

size_t axn_ip4_pmtu_count(const struct axn_ip4_pmtu *c, axn_time_t now)
{
    size_t n = 0;
    for (size_t i = 0; i < AXN_IP4_PMTU_ENTRIES; i++)
        n += live(&c->e[i], now) ? 1u : 0u;
    return n;
}

/* ---- The IP layer's use of it ------------------------------------------------------ */

void axn_ip4_frag_needed(struct axn_ip4 *ip, const struct axn_icmp4_err *e, axn_time_t now)
{
    if (e->type != AXN_ICMP4_DEST_UNREACH || e->code != AXN_ICMP4_UNREACH_FRAG_NEEDED)
        return;
    /* Only about a datagram we sent: its source is one of our addresses. */
    if (axn_ip4_classify_dst(ip, e->orig_src, e->ifindex) != AXN_IP4_DST_LOCAL)
        return;
    axn_ip4_pmtu_learn(&ip->pmtu, e->orig_dst, e->info, now);
}

uint8_t axn_ip4_df_mode(uint8_t pmtudisc)
{
    switch (pmtudisc) {
    case AXN_IP_PMTUDISC_WANT:
        return AXN_IP4_DF_WANT;
    case AXN_IP_PMTUDISC_DO:
        return AXN_IP4_DF_DO;
    case AXN_IP_PMTUDISC_PROBE:
        return AXN_IP4_DF_PROBE;
    case AXN_IP_PMTUDISC_INTERFACE:
    case AXN_IP_PMTUDISC_OMIT:
        return AXN_IP4_DF_IFACE;
    default:
        return AXN_IP4_DF_DONT;
    }
}

bool axn_ip4_df_strict(uint8_t mode)
{
    return mode == AXN_IP4_DF_DO || mode == AXN_IP4_DF_PROBE;
}

bool axn_ip4_df_for(struct axn_ip4 *ip, uint8_t mode, axn_ip4_t dst, size_t len, size_t path_mtu,
                    axn_time_t now)
{
    if (axn_ip4_df_strict(mode))
        return true;
    if (mode != AXN_IP4_DF_WANT || len > path_mtu)
        return false; /* what we fragment ourselves never carries DF */
    struct axn_ip4_pmtu_info info;
    return !(axn_ip4_pmtu_get(&ip->pmtu, dst, now, &info) && info.locked);
}

size_t axn_ip4_path_mtu(struct axn_ip4 *ip, uint8_t mode, axn_ip4_t dst, size_t iface_mtu,
                        axn_time_t now)
{
    /* ip_sk_use_pmtu: PROBE, INTERFACE and OMIT go by the interface. */
    if (mode == AXN_IP4_DF_PROBE || mode == AXN_IP4_DF_IFACE)
        return iface_mtu;
    struct axn_ip4_pmtu_info info;
    if (axn_ip4_pmtu_get(&ip->pmtu, dst, now, &info) && info.mtu < iface_mtu)
        return info.mtu;
    return iface_mtu;
}
