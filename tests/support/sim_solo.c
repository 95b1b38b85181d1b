#include "sim_solo.h"

#include <string.h>

struct sim_solo sim_solo;

int sim_solo_setup(void **state)
{
    (void)state;
    memset(&sim_solo, 0, sizeof(sim_solo));
    const axn_ip4_t addr = SIM_SOLO_ADDR;
    sim_stacks_create_nodes(&sim_solo.sim, SIM_SOLO_T0, SIM_SOLO_WIRE_DELAY, SIM_SOLO_MAC_TAG,
                            &addr, 1, SIM_SOLO_PREFIX_LEN);
    return 0;
}

int sim_solo_teardown(void **state)
{
    (void)state;
    return sim_stacks_teardown(&sim_solo.sim, sim_solo.s, SIM_SOLO_SOCKS);
}

void sim_solo_settle(void)
{
    sim_stacks_settle(&sim_solo.sim, SIM_SOLO_SETTLE);
}
