/*
 * The DHCP server's messages (RFC 2131 4.3): what each client message
 * does to the lease table and which reply it gets.
 *
 * Choices where the RFC leaves room (the server is meant to be the only
 * one on its link, as for a SoftAP, so it is authoritative):
 * - INIT-REBOOT (4.3.2): a client we have no record of, asking for a free
 *   address of our pool, gets it (ACK) - a client that rebooted across a
 *   restart of the server keeps its address. With no record and an address
 *   outside the pool we stay silent ("MUST remain silent"). An address off
 *   our subnet, held by another client, or other than the client's record
 *   gets a NAK.
 * - RENEWING and REBINDING (ciaddr set) follow the same rules with ciaddr
 *   in place of the requested address: an ACK extends a binding; a NAK
 *   only when we know the address is wrong for this client; silence when
 *   we know nothing and the address is not ours to give.
 * - Relayed messages (giaddr set) are not supported: ignored, counted.
 * - Replies go to ciaddr when it was checked (the ACK of a renewal: the
 *   client's bound address; the ACK of an INFORM: an address of our
 *   subnet), never to an unchecked one (a hostile ciaddr must not make us
 *   send elsewhere), else to
 *   255.255.255.255 on the interface, whatever the broadcast flag says: we
 *   do not unicast to an address the client does not have yet (that needs
 *   an ARP entry made from chaddr, RFC 2131 4.1); clients that cannot take
 *   a broadcast are rare (Linux udhcpc and dhclient take them). NAKs are
 *   always broadcast.
 * - siaddr is 0: we name no boot server.
 * - The client identifier is echoed (RFC 6842 3).
 */
#include "axnet/errno.h"
#include "lib/mem.h"
#include "svc/dhcp_server.h"

#define DHCPS_ETHER_HLEN 6
#define MAC_GROUP_BIT    0x01u
#define T2_NUM           7u /* RFC 2131 4.4.5: T2 = 0.875 x lease */
#define T2_DEN           8u
#define T1_DEN           2u                          /* T1 = 0.5 x lease */
#define LIMITED_BCAST    AXN_IP4(255, 255, 255, 255) /* RFC 919 */

/* A client message being handled. */
struct dhcps_req {
    const struct axn_svc_udp_in *in;
    struct axn_dhcp_msg m;
    struct dhcps_key key;
    struct dhcps_iface ifc;
    axn_ip4_t reply_to; /* a checked ciaddr to unicast the reply to, or 0 */
};

/* ---- Replies ------------------------------------------------------------------------- */

static void put_config(const struct axn_dhcps *s, const struct dhcps_iface *ifc,
                       struct axn_dhcp_msg *o)
{
    o->present |= AXN_DHCP_HAS_SUBNET_MASK | AXN_DHCP_HAS_BROADCAST;
    o->subnet_mask = ifc->mask;
    o->broadcast = ifc->net | ~ifc->mask;
    if (s->router != 0) {
        o->present |= AXN_DHCP_HAS_ROUTER;
        o->router = s->router;
        o->router_count = 1;
    }
    if (s->n_dns > 0) {
        o->present |= AXN_DHCP_HAS_DNS;
        memcpy(o->dns, s->dns, sizeof(o->dns));
        o->dns_count = s->n_dns;
    }
    if (s->domain_len > 0) {
        o->present |= AXN_DHCP_HAS_DOMAIN;
        o->domain =
            (struct axn_dhcp_bytes){.ptr = (const uint8_t *)s->domain, .len = s->domain_len};
    }
}

static void put_lease(const struct axn_dhcps *s, struct axn_dhcp_msg *o)
{
    o->present |= AXN_DHCP_HAS_LEASE_TIME | AXN_DHCP_HAS_T1 | AXN_DHCP_HAS_T2;
    o->lease_time = s->lease_secs;
    o->t1 = s->lease_secs / T1_DEN;
    o->t2 = (uint32_t)((uint64_t)s->lease_secs * T2_NUM / T2_DEN);
}

/* RFC 6842 3: the client identifier goes back as it came. */
static void put_client_id(const struct dhcps_req *r, struct axn_dhcp_msg *o)
{
    if (!(r->m.present & AXN_DHCP_HAS_CLIENT_ID) || r->m.client_id.len == 0)
        return;
    if (!r->m.client_id.split) {
        o->client_id = r->m.client_id;
    } else if (r->key.has_cid) {
        o->client_id = (struct axn_dhcp_bytes){.ptr = r->key.cid, .len = r->key.cid_len};
    } else {
        return; /* long and split: not worth a buffer */
    }
    o->present |= AXN_DHCP_HAS_CLIENT_ID;
}

static void count_sent(struct axn_dhcps *s, uint8_t type)
{
    if (type == AXN_DHCP_OFFER)
        s->stats.offers++;
    else if (type == AXN_DHCP_ACK)
        s->stats.acks++;
    else
        s->stats.naks++;
}

/* RFC 2131 4.3.1 table 3. `lease`: options 51/58/59 (not for INFORM). */
static void reply(struct axn_dhcps *s, const struct dhcps_req *r, uint8_t type, axn_ip4_t yiaddr,
                  bool lease, axn_time_t now)
{
    const bool nak = type == AXN_DHCP_NAK;
    struct axn_dhcp_msg o;
    memset(&o, 0, sizeof(o));
    o.op = AXN_DHCP_OP_REPLY;
    o.htype = AXN_DHCP_HTYPE_ETHER;
    o.hlen = DHCPS_ETHER_HLEN;
    o.xid = r->m.xid;
    o.flags = r->m.flags;
    o.ciaddr = type == AXN_DHCP_ACK ? r->m.ciaddr : 0;
    o.yiaddr = yiaddr;
    memcpy(o.chaddr, r->m.chaddr, sizeof(o.chaddr));
    o.present = AXN_DHCP_HAS_MSG_TYPE | AXN_DHCP_HAS_SERVER_ID;
    o.msg_type = type;
    o.server_id = r->ifc.server;
    put_client_id(r, &o);
    if (!nak)
        put_config(s, &r->ifc, &o);
    if (lease)
        put_lease(s, &o);
    const int len = axn_dhcp_emit(&o, s->reply, sizeof(s->reply));
    if (len < 0)
        return;
    const struct axn_svc_udp_out out = {.ifindex = s->ifindex,
                                        .src = r->ifc.server,
                                        .dst =
                                            !nak && r->reply_to != 0 ? r->reply_to : LIMITED_BCAST,
                                        .src_port = AXN_DHCP_SERVER_PORT,
                                        .dst_port = AXN_DHCP_CLIENT_PORT,
                                        .payload = s->reply,
                                        .len = (size_t)len};
    if (axn_svc_send_udp(s->svc, &out, now) == 0)
        count_sent(s, type);
}

/* ---- Message handlers ---------------------------------------------------------------------- */

static void bind(struct axn_dhcps *s, struct dhcps_entry *e, axn_time_t now)
{
    e->state = DHCPS_BOUND;
    e->expires = now + AXN_SEC((axn_time_t)s->lease_secs);
}

static axn_ip4_t requested_ip(const struct dhcps_req *r)
{
    return (r->m.present & AXN_DHCP_HAS_REQUESTED_IP) ? r->m.requested_ip : 0;
}

static void on_discover(struct axn_dhcps *s, struct dhcps_req *r, axn_time_t now)
{
    s->stats.discovers++;
    struct dhcps_entry *e = axn_dhcps_allocate(s, &r->ifc, &r->key, requested_ip(r));
    if (e == NULL) {
        s->stats.pool_exhausted++;
        return;
    }
    /* A bound client that lost its state is offered its lease again. */
    if (e->state != DHCPS_BOUND) {
        e->state = DHCPS_OFFERED;
        e->expires = now + AXN_MSEC(AXN_DHCPS_OFFER_HOLD_MS);
    }
    reply(s, r, AXN_DHCP_OFFER, e->addr, true, now);
}

/* SELECTING (RFC 2131 4.3.2): the client names the server it chose. */
static void on_selecting(struct axn_dhcps *s, struct dhcps_req *r, axn_time_t now)
{
    struct dhcps_entry *e = axn_dhcps_find_key(s, &r->key);
    if (r->m.server_id != r->ifc.server) {
        /* Another server's offer won: ours is free again. */
        if (e != NULL && e->state == DHCPS_OFFERED) {
            e->state = DHCPS_DORMANT;
            e->expires = now;
        }
        return;
    }
    const axn_ip4_t want = requested_ip(r);
    if (e != NULL && want != 0 && e->addr == want && axn_dhcps_in_pool(s, &r->ifc, want)) {
        bind(s, e, now);
        reply(s, r, AXN_DHCP_ACK, want, true, now);
        return;
    }
    reply(s, r, AXN_DHCP_NAK, 0, false, now);
}

/*
 * INIT-REBOOT, RENEWING, REBINDING: is `addr` this client's? See the file
 * comment for when we ACK, NAK or stay silent.
 */
static void on_verify(struct axn_dhcps *s, struct dhcps_req *r, axn_ip4_t addr, axn_time_t now)
{
    struct dhcps_entry *e = axn_dhcps_find_key(s, &r->key);
    /* RENEWING and REBINDING clients are reached at their address. */
    r->reply_to = r->m.ciaddr != 0 ? addr : 0;
    if (e != NULL && e->addr == addr && axn_dhcps_in_pool(s, &r->ifc, addr)) {
        bind(s, e, now);
        reply(s, r, AXN_DHCP_ACK, addr, true, now);
        return;
    }
    const struct dhcps_entry *holder = axn_dhcps_find_addr(s, addr);
    const bool taken = addr == r->ifc.server || (holder != NULL && axn_dhcps_live(holder));
    if ((addr & r->ifc.mask) != r->ifc.net || e != NULL || taken) {
        reply(s, r, AXN_DHCP_NAK, 0, false, now);
        return;
    }
    if (!axn_dhcps_in_pool(s, &r->ifc, addr))
        return; /* no record, not ours: RFC 2131 4.3.2 "remain silent" */
    e = axn_dhcps_claim(s, &r->key, addr);
    if (e == NULL) {
        s->stats.pool_exhausted++;
        return;
    }
    bind(s, e, now);
    reply(s, r, AXN_DHCP_ACK, addr, true, now);
}

static void on_request(struct axn_dhcps *s, struct dhcps_req *r, axn_time_t now)
{
    const axn_ip4_t want = requested_ip(r);
    const bool selecting = (r->m.present & AXN_DHCP_HAS_SERVER_ID) != 0;
    if (!selecting && r->m.ciaddr == 0 && want == 0) {
        s->stats.rx_ignored++; /* no state of RFC 2131 4.3.2 sends this */
        return;
    }
    s->stats.requests++;
    if (selecting)
        on_selecting(s, r, now);
    else
        on_verify(s, r, r->m.ciaddr != 0 ? r->m.ciaddr : want, now);
}

/* The client's offered or bound entry at `addr`, for DECLINE and RELEASE,
 * which must name our server id (RFC 2131 4.3.3, 4.3.4). */
static struct dhcps_entry *held_entry(struct axn_dhcps *s, const struct dhcps_req *r,
                                      axn_ip4_t addr)
{
    if (!(r->m.present & AXN_DHCP_HAS_SERVER_ID) || r->m.server_id != r->ifc.server)
        return NULL;
    struct dhcps_entry *e = axn_dhcps_find_key(s, &r->key);
    if (e == NULL || e->addr != addr || addr == 0)
        return NULL;
    return e->state == DHCPS_OFFERED || e->state == DHCPS_BOUND ? e : NULL;
}

/* RFC 2131 4.3.3: the address is in use by someone else: quarantine it. */
static void on_decline(struct axn_dhcps *s, struct dhcps_req *r, axn_time_t now)
{
    struct dhcps_entry *e = held_entry(s, r, requested_ip(r));
    if (e == NULL) {
        s->stats.rx_ignored++;
        return;
    }
    s->stats.declines++;
    memset(&e->key, 0, sizeof(e->key));
    e->state = DHCPS_DECLINED;
    e->expires = now + AXN_MSEC(AXN_DHCPS_QUARANTINE_MS);
}

/* RFC 2131 4.3.4: the address is free; we remember whose it was. */
static void on_release(struct axn_dhcps *s, struct dhcps_req *r, axn_time_t now)
{
    struct dhcps_entry *e = held_entry(s, r, r->m.ciaddr);
    if (e == NULL) {
        s->stats.rx_ignored++;
        return;
    }
    s->stats.releases++;
    e->state = DHCPS_DORMANT;
    e->expires = now;
}

/* A host address of our subnet, not ours. */
static bool subnet_host(const struct dhcps_iface *ifc, axn_ip4_t a)
{
    return (a & ifc->mask) == ifc->net && a != ifc->net && a != (ifc->net | ~ifc->mask) &&
           a != ifc->server;
}

/* RFC 2131 4.3.5: configuration only, no lease, to ciaddr (a host of our
 * subnet: the INFORM of anyone else is ignored). */
static void on_inform(struct axn_dhcps *s, struct dhcps_req *r, axn_time_t now)
{
    if (!subnet_host(&r->ifc, r->m.ciaddr)) {
        s->stats.rx_ignored++;
        return;
    }
    s->stats.informs++;
    r->reply_to = r->m.ciaddr;
    reply(s, r, AXN_DHCP_ACK, 0, false, now);
}

/* ---- Input ------------------------------------------------------------------------------- */

static bool chaddr_unicast(const uint8_t *chaddr)
{
    static const uint8_t zero[DHCPS_ETHER_HLEN];
    return (chaddr[0] & MAC_GROUP_BIT) == 0 && memcmp(chaddr, zero, sizeof(zero)) != 0;
}

static void make_key(struct dhcps_req *r)
{
    memcpy(r->key.mac.b, r->m.chaddr, sizeof(r->key.mac.b));
    /* An identifier longer than we keep falls back to chaddr (consistent
     * for that client, never a truncated, colliding key). */
    const int n =
        axn_dhcp_opt_gather(&r->m, AXN_DHCP_OPT_CLIENT_ID, r->key.cid, sizeof(r->key.cid));
    if (n > 0 && (size_t)n <= sizeof(r->key.cid)) {
        r->key.has_cid = true;
        r->key.cid_len = (uint8_t)n;
    } else {
        memset(r->key.cid, 0, sizeof(r->key.cid));
    }
}

/* A BOOTREQUEST from an Ethernet client, to us, not relayed. */
static bool accept_msg(const struct axn_dhcps *s, const struct axn_svc_udp_in *in,
                       struct dhcps_req *r)
{
    struct axn_dhcp_msg *m = &r->m;
    if (axn_dhcp_parse(in->payload, in->len, m) != 0)
        return false;
    if (m->op != AXN_DHCP_OP_REQUEST || m->htype != AXN_DHCP_HTYPE_ETHER ||
        m->hlen != DHCPS_ETHER_HLEN || !(m->present & AXN_DHCP_HAS_MSG_TYPE) ||
        !chaddr_unicast(m->chaddr) || m->giaddr != 0)
        return false;
    if (!axn_dhcps_iface(s, &r->ifc))
        return false;
    const axn_ip4_t bcast = r->ifc.net | ~r->ifc.mask;
    return in->dst == LIMITED_BCAST || in->dst == r->ifc.server || in->dst == bcast;
}

void axn_dhcps_input(struct axn_dhcps *s, const struct axn_svc_udp_in *in, axn_time_t now)
{
    struct dhcps_req r;
    memset(&r, 0, sizeof(r));
    r.in = in;
    (void)axn_dhcps_expire(s, now);
    if (!accept_msg(s, in, &r)) {
        s->stats.rx_ignored++;
        return;
    }
    make_key(&r);
    switch (r.m.msg_type) {
    case AXN_DHCP_DISCOVER:
        on_discover(s, &r, now);
        break;
    case AXN_DHCP_REQUEST:
        on_request(s, &r, now);
        break;
    case AXN_DHCP_DECLINE:
        on_decline(s, &r, now);
        break;
    case AXN_DHCP_RELEASE:
        on_release(s, &r, now);
        break;
    case AXN_DHCP_INFORM:
        on_inform(s, &r, now);
        break;
    default:
        s->stats.rx_ignored++; /* a server's message, or unknown */
        break;
    }
}
