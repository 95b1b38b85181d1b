/*
 * The DHCP unit tests' simulated world (dhcp_world.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dhcp_world.h"

void dhcp_world_create(struct sim_stacks *s, size_t n_ports, axn_sim_observer_fn observe)
{
    const struct sim_stacks_config cfg = {.start = DHCP_WORLD_T0,
                                          .wire_delay = DHCP_WORLD_WIRE_DELAY,
                                          .n_ports = n_ports,
                                          .mac_tag = SIM_STACKS_MAC_TAG,
                                          .set_platform_now = true,
                                          .observe = observe};
    sim_stacks_create(s, &cfg);
}

struct axn_dhcp_lease_info dhcp_world_client(struct axn_stack *st)
{
    struct axn_dhcp_lease_info li;
    assert_int_equal(axn_dhcp_client_info(st, DHCP_WORLD_ETH0, &li), 0);
    return li;
}

struct axn_iface_info dhcp_world_iface(struct axn_stack *st)
{
    struct axn_iface_info ii;
    assert_int_equal(axn_ctl_interface_by_index(st, DHCP_WORLD_ETH0, &ii), 0);
    return ii;
}

void dhcp_world_serve(struct axn_stack *st, const struct axn_dhcp_server_config *c)
{
    assert_int_equal(axn_dhcp_server_start(st, c), 0);
}
