#include "sim_pair.h"

#include "axnet/netif.h"

struct sim_stacks sim_pair;

int sim_pair_setup(void **state)
{
    (void)state;
    const axn_ip4_t addrs[SIM_PAIR_NODES] = {SIM_PAIR_A_ADDR, SIM_PAIR_B_ADDR};
    sim_stacks_create_nodes(&sim_pair, SIM_PAIR_T0, SIM_PAIR_WIRE_DELAY, SIM_STACKS_MAC_TAG, addrs,
                            SIM_PAIR_NODES, SIM_PAIR_PREFIX_LEN);
    return 0;
}

int sim_pair_teardown(void **state)
{
    (void)state;
    return sim_stacks_teardown(&sim_pair, NULL, 0);
}

void sim_pair_settle(void)
{
    sim_stacks_settle(&sim_pair, SIM_PAIR_SETTLE);
}

long sim_pair_send_to(struct axn_socket *s, const void *buf, size_t len, axn_ip4_t dst)
{
    return sim_sendto4(s, buf, len, dst, 0);
}

long sim_pair_recv_from(struct axn_socket *s, uint8_t *buf, size_t len, int flags,
                        struct axn_sockaddr_in *from)
{
    return sim_recvfrom4(s, buf, len, flags, from);
}

void sim_pair_fill(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i);
}

void sim_pair_inject(axn_ip4_t src, axn_ip4_t dst, uint8_t proto, const uint8_t *payload,
                     size_t len)
{
    sim_inject_ip4(sim_pair.st[0], AXN_IFINDEX_FIRST_ETH, src, dst, proto, payload, len,
                   sim_pair.now);
}
