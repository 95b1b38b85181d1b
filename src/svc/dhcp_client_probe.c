/*
 * RFC 5227 2.1.1 address probe for the DHCP client (svc/dhcp_client.h):
 * before an acknowledged address is used, wait a random 0..PROBE_WAIT,
 * send PROBE_NUM ARP probes (sender IP 0.0.0.0) PROBE_MIN..PROBE_MAX
 * apart, then wait ANNOUNCE_WAIT; any ARP from another host claiming the
 * address, or probing for it too, meanwhile is a conflict (RFC 2131
 * 4.4.1: the client SHOULD check, and DHCPDECLINE the address). The
 * device watches and counts (netdev.h acd_*); a device without ARP
 * (-AXN_EOPNOTSUPP) gets no probe. A clear probe commits the address and
 * schedules our announcement (RFC 5227 2.3); a conflict DECLINEs it.
 */
#include "axnet/errno.h"
#include "svc/dhcp_client.h"

enum dhcpc_probe_result {
    DHCPC_PROBE_WAIT = 0, /* still probing; c->next is its timer */
    DHCPC_PROBE_CLEAR,    /* nobody else has the address: bind */
    DHCPC_PROBE_CONFLICT, /* someone has it: decline */
};

void axn_dhcpc_probe_start(struct axn_dhcpc *c, axn_time_t now)
{
    c->state = AXN_DHCPC_PROBING;
    c->probes_sent = 0;
    axn_svc_acd_watch(c->svc, c->ifindex, c->pending.addr);
    /* PROBE_NUM 0 turns the probe off: nothing to wait for. */
    const uint32_t wait = AXN_DHCP_PROBE_NUM > 0 ? axn_dhcpc_random(c, AXN_DHCP_PROBE_WAIT_MS) : 0;
    c->next = now + AXN_MSEC(wait);
}

/* The wait after probe number `sent` (1-based). */
static axn_time_t after_probe(const struct axn_dhcpc *c, unsigned sent)
{
    if (sent >= AXN_DHCP_PROBE_NUM)
        return AXN_MSEC(AXN_DHCP_ANNOUNCE_WAIT_MS);
    const uint32_t span = AXN_DHCP_PROBE_MAX_MS > AXN_DHCP_PROBE_MIN_MS
                              ? AXN_DHCP_PROBE_MAX_MS - AXN_DHCP_PROBE_MIN_MS
                              : 0;
    return AXN_MSEC(AXN_DHCP_PROBE_MIN_MS + axn_dhcpc_random(c, span));
}

/* The probe at `now`: still waiting, clear, or a conflict seen. */
static enum dhcpc_probe_result probe_poll(struct axn_dhcpc *c, axn_time_t now)
{
    if (axn_svc_acd_conflicts(c->svc, c->ifindex) > 0)
        return DHCPC_PROBE_CONFLICT;
    if (now < c->next)
        return DHCPC_PROBE_WAIT;
    if (c->probes_sent >= AXN_DHCP_PROBE_NUM)
        return DHCPC_PROBE_CLEAR;
    const int rc = axn_svc_acd_send(c->svc, c->ifindex, c->pending.addr, false);
    if (rc == -AXN_EOPNOTSUPP)
        return DHCPC_PROBE_CLEAR; /* no ARP on this device: nothing to probe with */
    /* Another failure (no TX buffer) counts as a probe: the next one and
     * the final wait still run, and the probe stays bounded. */
    c->probes_sent++;
    c->next = now + after_probe(c, c->probes_sent);
    return DHCPC_PROBE_WAIT;
}

void axn_dhcpc_probe_stop(struct axn_dhcpc *c)
{
    axn_svc_acd_watch(c->svc, c->ifindex, 0);
}

/* ---- Outcome and announcement ------------------------------------------------------------- */

/* DECLINE (4.4.1) and RELEASE (4.4.6) carry the server identifier, and
 * nothing we ask for. */
static void send_decline(struct axn_dhcpc *c, axn_time_t now)
{
    const struct dhcpc_tx t = {.type = AXN_DHCP_DECLINE,
                               .requested = c->pending.addr,
                               .server_id = c->pending.server,
                               .dst = AXN_IP4(255, 255, 255, 255)};
    (void)axn_dhcpc_tx(c, &t, now);
    c->stats.declines++;
}

/* The probe found the address free: commit it and announce it. */
static void bind_pending(struct axn_dhcpc *c, axn_time_t now)
{
    if (axn_dhcpc_commit(c, &c->pending, now) < 0) {
        /* The control plane is full: nothing changed; try again later. */
        axn_dhcpc_log(c, "cannot commit", c->pending.addr);
        axn_dhcpc_enter_init(c, now, AXN_MSEC(AXN_DHCP_DECLINE_WAIT_MS));
        return;
    }
    c->announce_at = now + AXN_MSEC(DHCPC_ANNOUNCE_INTERVAL_MS);
    axn_dhcpc_bound(c);
}

/* The probe found the address in use (RFC 2131 3.1.5, RFC 5227 2.1.1). */
static void decline(struct axn_dhcpc *c, axn_time_t now)
{
    c->stats.conflicts++;
    axn_dhcpc_probe_stop(c);
    axn_dhcpc_log(c, "address in use, declined:", c->pending.addr);
    send_decline(c, now);
    axn_dhcpc_enter_init(c, now, AXN_MSEC(AXN_DHCP_DECLINE_WAIT_MS));
}

void axn_dhcpc_probe_run(struct axn_dhcpc *c, axn_time_t now)
{
    switch (probe_poll(c, now)) {
    case DHCPC_PROBE_CONFLICT:
        decline(c, now);
        break;
    case DHCPC_PROBE_CLEAR:
        axn_dhcpc_probe_stop(c);
        bind_pending(c, now);
        break;
    default:
        break;
    }
}

/* RFC 5227 2.3: our announcement, ANNOUNCE_INTERVAL after the device's. */
void axn_dhcpc_announce(struct axn_dhcpc *c, axn_time_t now)
{
    if (!c->has_lease || now < c->announce_at)
        return;
    c->announce_at = AXN_TIME_NEVER;
    (void)axn_svc_acd_send(c->svc, c->ifindex, c->lease.addr, true);
}
