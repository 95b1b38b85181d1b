/*
 * The services' lifecycle and their place in the poll path (svc/svc.h):
 * clients follow the control plane (which interfaces want DHCP, the one
 * DHCP-server request of CTL-24/29), datagrams for ports 67/68 are handed
 * to the client or server of their interface, and timers run after the
 * protocol core's.
 */
#include "axnet/errno.h"
#include "core/proto_hooks.h"
#include "core/stack_impl.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "svc/svc.h"
#include "wire/checksum.h"
#include "wire/dhcp.h"

static axn_time_t min_time(axn_time_t a, axn_time_t b)
{
    return a < b ? a : b;
}

/* ---- Lifecycle --------------------------------------------------------------------- */

int axn_svc_create(struct axn_stack *st, struct axn_svc **out)
{
    const struct axn_platform *plat = st->plat;
    struct axn_svc *svc = plat->alloc(plat->ctx, sizeof(*svc), _Alignof(struct axn_svc));
    if (svc == NULL)
        return -AXN_ENOMEM;
    memset(svc, 0, sizeof(*svc));
    svc->st = st;
    svc->plat = plat;
    int err = plat->spin_create(plat->ctx, &svc->dns_lock);
    if (err == 0)
        err = plat->event_create(plat->ctx, &svc->bound_event);
    if (err == 0)
        err = axn_dns_cache_create(plat, &svc->dns_cache);
    if (err) {
        axn_svc_destroy(svc);
        return err;
    }
    axn_ip4_set_svc_tap(st->ip4, axn_svc_rx, svc);
    *out = svc;
    return 0;
}

void axn_svc_shutdown_locked(struct axn_svc *svc, axn_time_t now)
{
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        if (svc->clients[i] != NULL) {
            axn_dhcpc_destroy(svc->clients[i], true, now);
            svc->clients[i] = NULL;
        }
    }
    for (size_t i = 0; i < AXN_DHCPS_MAX_SERVERS; i++) {
        if (svc->servers[i] != NULL) {
            axn_dhcps_destroy(svc->servers[i]);
            svc->servers[i] = NULL;
        }
    }
}

void axn_svc_destroy(struct axn_svc *svc)
{
    if (svc == NULL)
        return;
    const struct axn_platform *plat = svc->plat;
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++)
        if (svc->clients[i] != NULL)
            axn_dhcpc_destroy(svc->clients[i], false, 0);
    for (size_t i = 0; i < AXN_DHCPS_MAX_SERVERS; i++)
        if (svc->servers[i] != NULL)
            axn_dhcps_destroy(svc->servers[i]);
    if (svc->dns_cache != NULL)
        axn_dns_cache_destroy(plat, svc->dns_cache);
    if (svc->bound_event != NULL)
        plat->event_destroy(plat->ctx, svc->bound_event);
    if (svc->dns_lock != NULL)
        plat->spin_destroy(plat->ctx, svc->dns_lock);
    plat->free(plat->ctx, svc, sizeof(*svc));
}

/* ---- Lookups ---------------------------------------------------------------------------- */

static int client_slot(const struct axn_svc *svc, uint32_t ifindex)
{
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++)
        if (svc->clients[i] != NULL && axn_dhcpc_ifindex(svc->clients[i]) == ifindex)
            return (int)i;
    return -1;
}

struct axn_dhcpc *axn_svc_client(struct axn_svc *svc, uint32_t ifindex)
{
    const int i = client_slot(svc, ifindex);
    return i < 0 ? NULL : svc->clients[i];
}

static struct axn_dhcps *server_for(struct axn_svc *svc, uint32_t ifindex)
{
    for (size_t i = 0; i < AXN_DHCPS_MAX_SERVERS; i++)
        if (svc->servers[i] != NULL && axn_dhcps_ifindex(svc->servers[i]) == ifindex)
            return svc->servers[i];
    return NULL;
}

static void drop_client(struct axn_svc *svc, int i, bool release, axn_time_t now)
{
    axn_dhcpc_destroy(svc->clients[i], release, now);
    svc->clients[i] = NULL;
    svc->client_bound[i] = false;
}

/* ---- Following the control plane -------------------------------------------------------- */

static const struct axn_ctl_dhcp_want *find_want(const struct axn_ctl_dhcp_want *w, size_t n,
                                                 uint32_t ifindex)
{
    for (size_t i = 0; i < n; i++)
        if (w[i].ifindex == ifindex)
            return &w[i];
    return NULL;
}

static void start_client(struct axn_svc *svc, const struct axn_ctl_dhcp_want *w, axn_time_t now)
{
    int i = -1;
    for (size_t k = 0; i < 0 && k < AXN_MAX_DEVICES; k++)
        if (svc->clients[k] == NULL)
            i = (int)k;
    if (i < 0)
        return;
    const struct axn_dhcpc_params p = {.svc = svc,
                                       .ifindex = w->ifindex,
                                       .mac = w->mac,
                                       .metric = w->metric,
                                       .hostname = svc->hostname};
    const int rc = axn_dhcpc_create(&p, now, &svc->clients[i]);
    if (rc < 0) {
        svc->clients[i] = NULL;
        AXN_WARN(svc->plat, "dhcp: ifindex %u: no client (%d)", (unsigned)w->ifindex, rc);
        return;
    }
    svc->client_epoch[i] = w->epoch;
    svc->client_bound[i] = false;
}

/* Clients for exactly the interfaces that want one, at their epoch. */
static void follow_clients(struct axn_svc *svc, axn_time_t now)
{
    struct axn_ctl_dhcp_want want[AXN_MAX_DEVICES];
    uint32_t gen;
    const size_t n = axn_ctl_dhcp_wanted(&svc->st->ctl, want, AXN_MAX_DEVICES, &gen);
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        if (svc->clients[i] == NULL)
            continue;
        const struct axn_ctl_dhcp_want *w = find_want(want, n, axn_dhcpc_ifindex(svc->clients[i]));
        /* No longer wanted (a static address replaced it, CTL-21) or
         * wanted afresh (CTL-30): the old client goes without a word. */
        if (w == NULL || w->epoch != svc->client_epoch[i])
            drop_client(svc, (int)i, false, now);
    }
    for (size_t k = 0; k < n; k++)
        if (client_slot(svc, want[k].ifindex) < 0)
            start_client(svc, &want[k], now);
    svc->seen_gen = gen;
}

static int server_slot_free(struct axn_svc *svc)
{
    for (size_t i = 0; i < AXN_DHCPS_MAX_SERVERS; i++)
        if (svc->servers[i] == NULL)
            return (int)i;
    return -1;
}

static void stop_server(struct axn_svc *svc, uint32_t ifindex)
{
    for (size_t i = 0; i < AXN_DHCPS_MAX_SERVERS; i++) {
        if (svc->servers[i] != NULL && axn_dhcps_ifindex(svc->servers[i]) == ifindex) {
            axn_dhcps_destroy(svc->servers[i]);
            svc->servers[i] = NULL;
        }
    }
}

/* DHCPS-1..4 through our server: one address, the interface as router. */
static int start_requested_server(struct axn_svc *svc, const struct axn_dhcp_server_request *r,
                                  axn_time_t now)
{
    const struct axn_dhcp_server_config cfg = {
        .ifindex = r->ifindex,
        .pool_first = r->client_ip,
        .pool_last = r->client_ip,
        .netmask = r->netmask,
        .router = r->server_ip,
        .lease_secs = AXN_DHCPS_LEASE_SECS,
    };
    stop_server(svc, r->ifindex);
    const int i = server_slot_free(svc);
    if (i < 0)
        return -AXN_ENOSPC;
    return axn_dhcps_create(svc, &cfg, now, &svc->servers[i]);
}

/* The ctl's one DHCP-server request (CTL-24, CTL-29), when it changed. */
static void follow_server_request(struct axn_svc *svc, axn_time_t now)
{
    struct axn_dhcp_server_request req;
    const bool has = axn_ctl_dhcp_server_request(svc->st, &req) == 0;
    const bool same = has && svc->applied_request && memcmp(&req, &svc->request, sizeof(req)) == 0;
    if (same || (!has && !svc->applied_request))
        return;
    if (svc->applied_request)
        stop_server(svc, svc->request.ifindex);
    svc->applied_request = false;
    if (!has)
        return;
    const int rc = start_requested_server(svc, &req, now);
    if (rc < 0) {
        AXN_WARN(svc->plat, "dhcp server: ifindex %u: cannot start (%d)", (unsigned)req.ifindex,
                 rc);
        return;
    }
    svc->request = req;
    svc->applied_request = true;
}

static void follow_ctl(struct axn_svc *svc, axn_time_t now)
{
    const uint32_t gen = atomic_load_explicit(&svc->st->ctl.svc_gen, memory_order_acquire);
    if (svc->followed && gen == svc->seen_gen)
        return;
    follow_clients(svc, now);
    follow_server_request(svc, now);
    svc->followed = true;
}

/* ---- Poll ------------------------------------------------------------------------------ */

/* Whether any client or server exists: an OR over the two tables that
 * the compiler vectorises, so a stack without DHCP (most polls of most
 * stacks) skips the per-slot loops below. */
static bool any_service(const struct axn_svc *svc)
{
    uintptr_t any = 0;
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++)
        any |= (uintptr_t)svc->clients[i];
    for (size_t i = 0; i < AXN_DHCPS_MAX_SERVERS; i++)
        any |= (uintptr_t)svc->servers[i];
    return any != 0;
}

axn_time_t axn_svc_poll(struct axn_svc *svc, axn_time_t now)
{
    follow_ctl(svc, now);
    if (!any_service(svc))
        return AXN_TIME_NEVER;
    axn_time_t next = AXN_TIME_NEVER;
    bool newly_bound = false;
    for (size_t i = 0; i < AXN_MAX_DEVICES; i++) {
        if (svc->clients[i] == NULL)
            continue;
        next = min_time(next, axn_dhcpc_poll(svc->clients[i], now));
        const bool bound = axn_dhcpc_is_bound(svc->clients[i]);
        newly_bound = newly_bound || (bound && !svc->client_bound[i]);
        svc->client_bound[i] = bound;
    }
    for (size_t i = 0; i < AXN_DHCPS_MAX_SERVERS; i++)
        if (svc->servers[i] != NULL)
            next = min_time(next, axn_dhcps_poll(svc->servers[i], now));
    if (newly_bound)
        svc->plat->event_signal(svc->bound_event);
    return next;
}

/* ---- Datagrams for ports 67 and 68 ------------------------------------------------------ */

/* Peeks at the ports before any work: most UDP is not DHCP. */
static bool dhcp_ports(const struct axn_ipv4 *h, uint16_t *src, uint16_t *dst)
{
    if (h->payload_len < AXN_UDP_HDR_LEN)
        return false;
    *src = (uint16_t)(h->payload[0] << 8 | h->payload[1]);
    *dst = (uint16_t)(h->payload[2] << 8 | h->payload[3]);
    return (*src == AXN_DHCP_SERVER_PORT && *dst == AXN_DHCP_CLIENT_PORT) ||
           (*src == AXN_DHCP_CLIENT_PORT && *dst == AXN_DHCP_SERVER_PORT);
}

bool axn_svc_rx(void *ctx, const struct axn_ip4_rx *rx, axn_time_t now)
{
    struct axn_svc *svc = ctx;
    const struct axn_ipv4 *h = rx->hdr;
    uint16_t sport, dport;
    if (!dhcp_ports(h, &sport, &dport))
        return false;
    struct axn_dhcpc *c = dport == AXN_DHCP_CLIENT_PORT ? axn_svc_client(svc, rx->ifindex) : NULL;
    struct axn_dhcps *s = dport == AXN_DHCP_SERVER_PORT ? server_for(svc, rx->ifindex) : NULL;
    if (c == NULL && s == NULL)
        return false; /* a UDP socket on the port may want it */
    struct axn_udp udp;
    const unsigned flags = (rx->offload & AXN_OFL_CSUM_VALID) ? AXN_UDP_PARSE_CSUM_VERIFIED : 0;
    const uint32_t pseudo =
        axn_csum_pseudo_v4(h->src, h->dst, AXN_UDP_PROTO, (uint16_t)h->payload_len);
    if (axn_udp_parse(h->payload, h->payload_len, &udp, pseudo, flags) != 0) {
        if (c != NULL)
            axn_dhcpc_count_malformed(c);
        if (s != NULL)
            axn_dhcps_count_malformed(s);
        return true; /* ours, and counted as the client's or server's */
    }
    const struct axn_svc_udp_in in = {.ifindex = rx->ifindex,
                                      .src = h->src,
                                      .dst = h->dst,
                                      .src_port = sport,
                                      .dst_port = dport,
                                      .payload = udp.payload,
                                      .len = udp.payload_len};
    if (c != NULL)
        axn_dhcpc_input(c, &in, now);
    else
        axn_dhcps_input(s, &in, now);
    return true;
}

/* ---- Interface events ------------------------------------------------------------------- */

void axn_svc_iface_event(struct axn_svc *svc, uint32_t ifindex, int event, axn_time_t now)
{
    const int i = client_slot(svc, ifindex);
    switch (event) {
    case AXN_IFACE_EV_REMOVED:
        /* The device is gone: nothing can be sent, the ctl dropped the
         * address, routes and DNS with it. */
        if (i >= 0)
            drop_client(svc, i, false, now);
        stop_server(svc, ifindex);
        break;
    case AXN_IFACE_EV_LINK_DOWN:
    case AXN_IFACE_EV_LINK_UP:
        if (i >= 0)
            axn_dhcpc_link(svc->clients[i], event == AXN_IFACE_EV_LINK_UP, now);
        break;
    default:
        break;
    }
}
