/*
 * The DHCPv4 client (RFC 2131 figure 5 plus the RFC 5227 probe;
 * svc/dhcp_client.h): its life (create, destroy, link changes, INIT-REBOOT
 * on request) and the entry points svc.c calls. The poll runs, in order,
 * expiry, the reply input recorded (dhcp_client_input.c), the probe
 * (dhcp_client_probe.c) and the state's timer (dhcp_client_timer.c).
 *
 * Choices where RFC 2131 leaves room (see also dhcp_client_msg.c):
 * - The first DISCOVER goes out at once, not after 4.4.1's random 1-10 s:
 *   boot waits for DHCP (DHCP-14) and our xid is random anyway.
 * - A NAK restarts after DHCPC_NAK_WAIT_MS (3.1.5 asks no wait).
 * - Link up with a lease still valid: INIT-REBOOT for it while it stays
 *   committed (connections survive a cable pull); unanswered, the lease is
 *   used until it runs out (3.2 "MAY"); a NAK drops it.
 * - axn_dhcpc_is_bound means "an address is committed".
 * - set_previous is taken in INIT and in SELECTING before any OFFER (the
 *   first DISCOVER goes out in the poll that creates the client).
 */
#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
#include "route/prefix.h"
#include "svc/dhcp_client.h"

/* Transitions one poll may make at most (INIT -> SELECTING, an expiry
 * followed by a DISCOVER, ...): each step moves c->next or the state. */
#define DHCPC_MAX_STEPS 8u

uint32_t axn_dhcpc_random(const struct axn_dhcpc *c, uint32_t n)
{
    uint32_t r = 0;
    (void)c->plat->random(c->plat->ctx, &r, sizeof(r));
    return n == UINT32_MAX ? r : r % (n + 1u);
}

static void enter_init_reboot(struct axn_dhcpc *c, axn_ip4_t addr, axn_time_t now)
{
    c->state = AXN_DHCPC_INIT_REBOOT;
    c->xid = axn_dhcpc_random(c, UINT32_MAX);
    c->started = now;
    c->tries = 0;
    c->requested = addr;
    c->event = DHCPC_EV_NONE;
    c->next = now;
}

/*
 * 4.4.6: unicast to the server. The address goes right after, and with it
 * any ARP exchange the frame would wait for, so an on-link server gets it
 * in an Ethernet broadcast (IP unicast still: only the server takes it).
 */
static void send_release(struct axn_dhcpc *c, axn_time_t now)
{
    const struct dhcpc_lease *l = &c->lease;
    const struct dhcpc_tx t = {.type = AXN_DHCP_RELEASE,
                               .ciaddr = l->addr,
                               .server_id = l->server,
                               .src = l->addr,
                               .dst = l->server,
                               .link_broadcast =
                                   axn_ip4_prefix_contains(l->addr, l->prefix_len, l->server)};
    (void)axn_dhcpc_tx(c, &t, now);
    c->stats.releases++;
}

/* The lease's end bounds every state (INIT-REBOOT after a link flap, a
 * link that stays down); the state's timer and our announcement need the
 * link. */
static axn_time_t deadline(const struct axn_dhcpc *c)
{
    axn_time_t t = c->has_lease ? c->lease.expires : AXN_TIME_NEVER;
    if (!c->link_up)
        return t;
    if (c->next < t)
        t = c->next;
    if (c->has_lease && c->announce_at < t)
        t = c->announce_at;
    return t;
}

axn_time_t axn_dhcpc_poll(struct axn_dhcpc *c, axn_time_t now)
{
    /* No stale address, whatever the state or the link. */
    if (c->has_lease && now >= c->lease.expires)
        axn_dhcpc_expire(c, now);
    if (!c->link_up)
        return deadline(c); /* nothing is sent until the link returns */
    axn_dhcpc_handle_event(c, now);
    if (c->state == AXN_DHCPC_PROBING)
        axn_dhcpc_probe_run(c, now);
    for (unsigned i = 0; i < DHCPC_MAX_STEPS && c->state != AXN_DHCPC_PROBING && now >= c->next;
         i++)
        axn_dhcpc_step(c, now);
    axn_dhcpc_announce(c, now);
    return deadline(c);
}

/* ---- Lifecycle and queries ---------------------------------------------------------------- */

int axn_dhcpc_create(const struct axn_dhcpc_params *p, axn_time_t now, struct axn_dhcpc **out)
{
    const struct axn_platform *plat = p->svc->plat;
    struct axn_dhcpc *c = plat->alloc(plat->ctx, sizeof(*c), _Alignof(struct axn_dhcpc));
    if (c == NULL)
        return -AXN_ENOMEM;
    memset(c, 0, sizeof(*c));
    c->svc = p->svc;
    c->plat = plat;
    c->ifindex = p->ifindex;
    c->mac = p->mac;
    c->hostname = p->hostname;
    c->link_up = true;
    c->announce_at = AXN_TIME_NEVER;
    struct axn_iface_info info;
    if (axn_ctl_interface_by_index(p->svc->st, p->ifindex, &info) == 0) {
        memcpy(c->name, info.name, sizeof(c->name));
        /* Not info.mtu: a previous client's lease may have left its MTU. */
        c->base_mtu = axn_ctl_base_mtu(&p->svc->st->ctl, p->ifindex);
        c->link_up = (info.flags & AXN_IFF_UP) != 0;
    }
    axn_dhcpc_enter_init(c, now, 0);
    *out = c;
    return 0;
}

void axn_dhcpc_destroy(struct axn_dhcpc *c, bool release, axn_time_t now)
{
    /* Without `release` the devices may be gone already: touch nothing. */
    if (release && c->has_lease) {
        axn_dhcpc_log(c, "releasing", c->lease.addr);
        if (c->link_up)
            send_release(c, now);
        axn_dhcpc_uncommit(c, now);
    }
    c->plat->free(c->plat->ctx, c, sizeof(*c));
}

void axn_dhcpc_link(struct axn_dhcpc *c, bool up, axn_time_t now)
{
    if (c->link_up == up)
        return;
    c->link_up = up;
    c->event = DHCPC_EV_NONE;
    if (!up) {
        if (c->state == AXN_DHCPC_PROBING)
            axn_dhcpc_probe_stop(c);
        return; /* the lease stays; nothing is sent until the link returns */
    }
    /* RFC 2131 3.2: we may have moved; ask for the lease we hold. */
    if (c->has_lease && now < c->lease.expires)
        enter_init_reboot(c, c->lease.addr, now);
    else
        axn_dhcpc_enter_init(c, now, 0);
}

int axn_dhcpc_set_previous(struct axn_dhcpc *c, axn_ip4_t addr, axn_time_t now)
{
    if (c->state != AXN_DHCPC_INIT && c->state != AXN_DHCPC_SELECTING)
        return -AXN_EBUSY;
    if (!axn_dhcpc_ip4_unicast(addr))
        return -AXN_EINVAL;
    enter_init_reboot(c, addr, now);
    axn_dhcpc_log(c, "INIT-REBOOT for", addr);
    return 0;
}

void axn_dhcpc_info(const struct axn_dhcpc *c, struct axn_dhcp_lease_info *out)
{
    memset(out, 0, sizeof(*out));
    out->ifindex = c->ifindex;
    out->state = c->state;
    out->xid = c->xid;
    out->next_event = deadline(c);
    out->stats = c->stats;
    out->has_lease = c->has_lease;
    if (!c->has_lease)
        return;
    const struct dhcpc_lease *l = &c->lease;
    out->addr = l->addr;
    out->prefix_len = l->prefix_len;
    out->router = l->router;
    out->server = l->server;
    memcpy(out->dns, l->dns, sizeof(out->dns));
    out->n_dns = l->n_dns;
    out->mtu = l->mtu != 0 ? (uint16_t)axn_dhcpc_lease_mtu(c, l) : 0;
    memcpy(out->domain, l->domain, sizeof(out->domain));
    out->lease_secs = l->lease_secs;
    out->obtained = l->obtained;
    out->t1 = l->t1;
    out->t2 = l->t2;
    out->expires = l->expires;
}

uint32_t axn_dhcpc_ifindex(const struct axn_dhcpc *c)
{
    return c->ifindex;
}

bool axn_dhcpc_is_bound(const struct axn_dhcpc *c)
{
    return c->has_lease;
}
