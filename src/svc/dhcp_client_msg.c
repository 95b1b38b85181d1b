/*
 * The DHCP client's messages (svc/dhcp_client.h): what each one we send
 * carries (RFC 2131 4.4.1 and table 5; spec DHCP-3), and the checks every
 * reply passes before the state machine looks at it (RFC 2131 4.3.1
 * table 3, RFC 2132). Wire work goes through wire/dhcp.h.
 */
#include "axnet/errno.h"
#include "lib/mem.h"
#include "route/prefix.h"
#include "svc/dhcp_client.h"
#include "wire/ipv4.h"

/* RFC 2132 9.8: what we ask for: subnet mask, router, DNS, domain name,
 * interface MTU, broadcast address, lease time, T1, T2, NTP servers. */
static const uint8_t param_list[] = {
    AXN_DHCP_OPT_SUBNET_MASK, AXN_DHCP_OPT_ROUTER,    AXN_DHCP_OPT_DNS,        AXN_DHCP_OPT_DOMAIN,
    AXN_DHCP_OPT_MTU,         AXN_DHCP_OPT_BROADCAST, AXN_DHCP_OPT_LEASE_TIME, AXN_DHCP_OPT_T1,
    AXN_DHCP_OPT_T2,          AXN_DHCP_OPT_NTP,
};

/* RFC 1700: Ethernet is hardware type 1. */
#define HLEN_ETHER AXN_MAC_LEN

/* The most significant octet of class E (240.0.0.0/4, RFC 1112 4). */
#define CLASS_E_FIRST 240u
/* "This network" 0.0.0.0/8 (RFC 1122 3.2.1.3). */
#define THIS_NET_OCTET 0u
/* Prefixes we accept from option 1: /31 is RFC 3021's point-to-point
 * subnet; a /32 leaves the router outside every on-link route. */
#define PREFIX_MIN 1u
#define PREFIX_MAX 31u
/* RFC 3021: a /31 has no network or broadcast address. */
#define PREFIX_P2P 31u
/* Printable ASCII, the only bytes a domain name (option 15) may hold. */
#define ASCII_FIRST_PRINTABLE 0x21u
#define ASCII_LAST_PRINTABLE  0x7eu

bool axn_dhcpc_ip4_unicast(axn_ip4_t a)
{
    const uint32_t top = a >> 24;
    return !axn_ip4_is_unspecified(a) && !axn_ip4_is_broadcast(a) && !axn_ip4_is_multicast(a) &&
           !axn_ip4_is_loopback(a) && top != THIS_NET_OCTET && top < CLASS_E_FIRST;
}

/* ---- Sending ------------------------------------------------------------------------------ */

static size_t hostname_len(const char *h)
{
    size_t n = 0;
    while (h != NULL && n + 1 < AXN_DHCP_HOSTNAME_MAX && h[n] != '\0')
        n++;
    return n;
}

/* DISCOVER and REQUEST ask for parameters and say who we are; DECLINE and
 * RELEASE carry nothing else (table 5: "all others MUST NOT"). */
static void add_params(const struct axn_dhcpc *c, struct axn_dhcp_msg *m)
{
    m->present |= AXN_DHCP_HAS_PARAM_LIST | AXN_DHCP_HAS_MAX_MSG_SIZE;
    m->param_list.ptr = param_list;
    m->param_list.len = sizeof(param_list);
    m->max_msg_size = AXN_DHCP_MAX_MSG_SIZE;
    const size_t hn = hostname_len(c->hostname);
    if (hn > 0) {
        m->present |= AXN_DHCP_HAS_HOSTNAME;
        m->hostname.ptr = (const uint8_t *)c->hostname;
        m->hostname.len = (uint16_t)hn;
    }
}

static void fill_header(const struct axn_dhcpc *c, const struct dhcpc_tx *t, struct axn_dhcp_msg *m)
{
    memset(m, 0, sizeof(*m));
    m->op = AXN_DHCP_OP_REQUEST;
    m->htype = AXN_DHCP_HTYPE_ETHER;
    m->hlen = HLEN_ETHER;
    m->xid = c->xid;
    m->secs = t->secs;
    m->flags = 0; /* DHCP-3: a unicast answer is welcome */
    m->ciaddr = t->ciaddr;
    memcpy(m->chaddr, c->mac.b, AXN_MAC_LEN);
}

int axn_dhcpc_tx(struct axn_dhcpc *c, const struct dhcpc_tx *t, axn_time_t now)
{
    struct axn_dhcp_msg m;
    fill_header(c, t, &m);
    uint8_t client_id[DHCPC_CLIENT_ID_LEN] = {AXN_DHCP_HTYPE_ETHER};
    memcpy(client_id + 1, c->mac.b, AXN_MAC_LEN);
    m.present = AXN_DHCP_HAS_MSG_TYPE | AXN_DHCP_HAS_CLIENT_ID;
    m.msg_type = t->type;
    m.client_id.ptr = client_id;
    m.client_id.len = sizeof(client_id);
    if (t->type == AXN_DHCP_DISCOVER || t->type == AXN_DHCP_REQUEST)
        add_params(c, &m);
    if (t->requested != 0) {
        m.present |= AXN_DHCP_HAS_REQUESTED_IP;
        m.requested_ip = t->requested;
    }
    if (t->server_id != 0) {
        m.present |= AXN_DHCP_HAS_SERVER_ID;
        m.server_id = t->server_id;
    }
    const int n = axn_dhcp_emit(&m, c->buf, sizeof(c->buf));
    if (n < 0)
        return -AXN_EMSGSIZE; /* cannot happen: DHCPC_TX_MAX holds it all */
    const struct axn_svc_udp_out out = {.ifindex = c->ifindex,
                                        .src = t->src,
                                        .dst = t->dst,
                                        .src_port = AXN_DHCP_CLIENT_PORT,
                                        .dst_port = AXN_DHCP_SERVER_PORT,
                                        .payload = c->buf,
                                        .len = (size_t)n,
                                        .link_broadcast = t->link_broadcast};
    return axn_svc_send_udp(c->svc, &out, now);
}

/* ---- Checking replies -------------------------------------------------------------------- */

enum dhcpc_verdict axn_dhcpc_check_reply(const struct axn_dhcpc *c, const uint8_t *buf, size_t len,
                                         struct axn_dhcp_msg *m)
{
    if (axn_dhcp_parse(buf, len, m) < 0)
        return DHCPC_MALFORMED;
    /* RFC 2131 4.4.1: a reply is ours when it is a BOOTREPLY for our
     * hardware address in our transaction. */
    if (m->op != AXN_DHCP_OP_REPLY || m->htype != AXN_DHCP_HTYPE_ETHER || m->hlen != HLEN_ETHER ||
        m->xid != c->xid || memcmp(m->chaddr, c->mac.b, AXN_MAC_LEN) != 0)
        return DHCPC_NOT_OURS;
    if (!(m->present & AXN_DHCP_HAS_MSG_TYPE) || m->msg_type < AXN_DHCP_DISCOVER ||
        m->msg_type > AXN_DHCP_INFORM)
        return DHCPC_BAD_FIELDS;
    return DHCPC_OK;
}

/* A contiguous netmask (ones then zeros) and its prefix length. */
static bool mask_prefix(axn_ip4_t mask, uint8_t *prefix)
{
    const uint32_t host = ~mask;
    if ((host & (host + 1u)) != 0)
        return false; /* host bits are not a run of low ones */
    uint8_t n = 0;
    for (uint32_t m = mask; m != 0; m <<= 1)
        n++;
    *prefix = n;
    return true;
}

/* Option 1: contiguous, a prefix we use, and `addr` a host of it. */
static bool take_mask(const struct axn_dhcp_msg *m, struct dhcpc_lease *l)
{
    if (!mask_prefix(m->subnet_mask, &l->prefix_len) || l->prefix_len < PREFIX_MIN ||
        l->prefix_len > PREFIX_MAX)
        return false;
    if (l->prefix_len == PREFIX_P2P)
        return true;
    const axn_ip4_t net = axn_ip4_prefix_network(l->addr, l->prefix_len);
    return l->addr != net && l->addr != axn_ip4_subnet_broadcast(l->addr, l->prefix_len);
}

/* Option 3: the first router, if it is a unicast host of our subnet
 * other than us; anything else gives no default route, not a refusal. */
static void take_router(const struct axn_dhcp_msg *m, struct dhcpc_lease *l)
{
    const axn_ip4_t r = m->router;
    l->router = 0;
    if (!(m->present & AXN_DHCP_HAS_ROUTER) || !axn_dhcpc_ip4_unicast(r) || r == l->addr)
        return;
    if (l->prefix_len != 0 && !axn_ip4_prefix_contains(l->addr, l->prefix_len, r))
        return;
    l->router = r;
}

/* Option 6: each server that is not unicast is dropped by itself. */
static void take_dns(const struct axn_dhcp_msg *m, struct dhcpc_lease *l)
{
    l->n_dns = 0;
    if (!(m->present & AXN_DHCP_HAS_DNS))
        return;
    for (uint8_t i = 0; i < m->dns_count && i < AXN_DHCP_MAX_DNS; i++)
        if (axn_dhcpc_ip4_unicast(m->dns[i]))
            l->dns[l->n_dns++] = m->dns[i];
}

/* Option 15, kept only when it is printable text (it is shown, not used). */
static void take_domain(const struct axn_dhcp_msg *m, struct dhcpc_lease *l)
{
    l->domain[0] = '\0';
    uint8_t tmp[AXN_DHCP_DOMAIN_MAX];
    const int n = axn_dhcp_opt_gather(m, AXN_DHCP_OPT_DOMAIN, tmp, sizeof(tmp) - 1);
    if (n <= 0 || (size_t)n >= sizeof(tmp))
        return;
    for (int i = 0; i < n; i++)
        if (tmp[i] < ASCII_FIRST_PRINTABLE || tmp[i] > ASCII_LAST_PRINTABLE)
            return;
    memcpy(l->domain, tmp, (size_t)n);
    l->domain[n] = '\0';
}

/* Option 51 (raised to our minimum) and the T1/T2 the server chose, if
 * any (axn_dhcpc_lease_times sanitizes them). */
static void take_times(const struct axn_dhcp_msg *m, struct dhcpc_lease *l)
{
    const uint32_t lt = (m->present & AXN_DHCP_HAS_LEASE_TIME) ? m->lease_time : 0;
    l->lease_secs = lt < AXN_DHCP_MIN_LEASE_SECS ? AXN_DHCP_MIN_LEASE_SECS : lt;
    l->t1_secs = (m->present & AXN_DHCP_HAS_T1) ? m->t1 : 0;
    l->t2_secs = (m->present & AXN_DHCP_HAS_T2) ? m->t2 : 0;
}

/*
 * RFC 2131 table 3: an OFFER and an ACK carry yiaddr and a server
 * identifier (MUST; unlike ax-net we do not fall back to the IP source,
 * which any host can forge as easily); an ACK carries the lease time
 * (MUST), and we also require the subnet mask in it, as ax-net does
 * (DHCP-7): an address without its subnet would give wrong routes.
 */
enum dhcpc_verdict axn_dhcpc_reply_lease(const struct axn_dhcp_msg *m, bool is_ack,
                                         struct dhcpc_lease *out)
{
    memset(out, 0, sizeof(*out));
    out->addr = m->yiaddr;
    if (!axn_dhcpc_ip4_unicast(m->yiaddr))
        return DHCPC_BAD_FIELDS;
    if (!(m->present & AXN_DHCP_HAS_SERVER_ID) || !axn_dhcpc_ip4_unicast(m->server_id))
        return DHCPC_BAD_FIELDS;
    out->server = m->server_id;
    const bool has_mask = (m->present & AXN_DHCP_HAS_SUBNET_MASK) != 0;
    if ((is_ack && !has_mask) || (has_mask && !take_mask(m, out)))
        return DHCPC_BAD_FIELDS;
    if (is_ack && !(m->present & AXN_DHCP_HAS_LEASE_TIME))
        return DHCPC_BAD_FIELDS;
    take_router(m, out);
    take_dns(m, out);
    take_domain(m, out);
    take_times(m, out);
    out->mtu = (m->present & AXN_DHCP_HAS_MTU) ? m->mtu : 0;
    return DHCPC_OK;
}

bool axn_dhcpc_nak_valid(const struct axn_dhcp_msg *m)
{
    return (m->present & AXN_DHCP_HAS_SERVER_ID) && axn_dhcpc_ip4_unicast(m->server_id);
}
