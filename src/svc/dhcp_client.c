/* STUB: replaced by the DHCP client (helper A). */
#include "axnet/errno.h"
#include "lib/mem.h"
#include "svc/svc.h"

struct axn_dhcpc {
    struct axn_svc *svc;
    uint32_t ifindex;
};

int axn_dhcpc_create(const struct axn_dhcpc_params *p, axn_time_t now, struct axn_dhcpc **out)
{
    (void)now;
    const struct axn_platform *plat = p->svc->plat;
    struct axn_dhcpc *c = plat->alloc(plat->ctx, sizeof(*c), _Alignof(struct axn_dhcpc));
    if (c == NULL)
        return -AXN_ENOMEM;
    c->svc = p->svc;
    c->ifindex = p->ifindex;
    *out = c;
    return 0;
}

void axn_dhcpc_destroy(struct axn_dhcpc *c, bool release, axn_time_t now)
{
    (void)release;
    (void)now;
    c->svc->plat->free(c->svc->plat->ctx, c, sizeof(*c));
}

void axn_dhcpc_input(struct axn_dhcpc *c, const struct axn_svc_udp_in *in, axn_time_t now)
{
    (void)c;
    (void)in;
    (void)now;
}

void axn_dhcpc_count_malformed(struct axn_dhcpc *c)
{
    (void)c;
}

axn_time_t axn_dhcpc_poll(struct axn_dhcpc *c, axn_time_t now)
{
    (void)c;
    (void)now;
    return AXN_TIME_NEVER;
}

void axn_dhcpc_link(struct axn_dhcpc *c, bool up, axn_time_t now)
{
    (void)c;
    (void)up;
    (void)now;
}

int axn_dhcpc_set_previous(struct axn_dhcpc *c, axn_ip4_t addr, axn_time_t now)
{
    (void)c;
    (void)addr;
    (void)now;
    return -AXN_EBUSY;
}

void axn_dhcpc_info(const struct axn_dhcpc *c, struct axn_dhcp_lease_info *out)
{
    memset(out, 0, sizeof(*out));
    out->ifindex = c->ifindex;
}

uint32_t axn_dhcpc_ifindex(const struct axn_dhcpc *c)
{
    return c->ifindex;
}

bool axn_dhcpc_is_bound(const struct axn_dhcpc *c)
{
    (void)c;
    return false;
}
