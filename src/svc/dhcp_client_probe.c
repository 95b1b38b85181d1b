/*
 * RFC 5227 2.1.1 address probe for the DHCP client (svc/dhcp_client.h):
 * before an acknowledged address is used, wait a random 0..PROBE_WAIT,
 * send PROBE_NUM ARP probes (sender IP 0.0.0.0) PROBE_MIN..PROBE_MAX
 * apart, then wait ANNOUNCE_WAIT; any ARP from another host claiming the
 * address, or probing for it too, meanwhile is a conflict (RFC 2131
 * 4.4.1: the client SHOULD check, and DHCPDECLINE the address). The
 * device watches and counts (netdev.h acd_*); a device without ARP
 * (-AXN_EOPNOTSUPP) gets no probe.
 */
#include "axnet/errno.h"
#include "svc/dhcp_client.h"

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

enum dhcpc_probe_result axn_dhcpc_probe_poll(struct axn_dhcpc *c, axn_time_t now)
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
