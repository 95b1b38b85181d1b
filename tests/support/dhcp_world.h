/*
 * The simulated world the DHCP unit tests run in (test_dhcp_client,
 * test_dhcp_sim, test_dhcp_server) and the reads of its interfaces they
 * all make, asserting with cmocka. Frames and messages: dhcp_pkt.h.
 */
#ifndef AXN_TEST_DHCP_WORLD_H
#define AXN_TEST_DHCP_WORLD_H

#include "axnet/dhcp.h"
#include "axnet/netctl.h"
#include "dhcp_pkt.h"
#include "sim_stacks.h"

#define DHCP_WORLD_T0         AXN_SEC(1) /* virtual time at creation */
#define DHCP_WORLD_WIRE_DELAY 50u        /* per hop, µs */
#define DHCP_WORLD_ETH0       AXN_IFINDEX_FIRST_ETH

/* `n_ports` stacks' ports on one wire from DHCP_WORLD_T0, the platform
 * clock following the virtual one; `observe` (NULL: none) sees every
 * delivery. Add the nodes with sim_stacks_add_node / _add_dhcp_node. */
void dhcp_world_create(struct sim_stacks *s, size_t n_ports, axn_sim_observer_fn observe);

/* The DHCP client of `st`'s first Ethernet interface (it must exist). */
struct axn_dhcp_lease_info dhcp_world_client(struct axn_stack *st);

/* The control plane's record of `st`'s first Ethernet interface. */
struct axn_iface_info dhcp_world_iface(struct axn_stack *st);

/* Starts `c` as `st`'s DHCP server (it must start). */
void dhcp_world_serve(struct axn_stack *st, const struct axn_dhcp_server_config *c);

#endif /* AXN_TEST_DHCP_WORLD_H */
