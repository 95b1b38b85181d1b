/*
 * The learning table of the simulated switch: which port a MAC last sent
 * from. Bounded; when full, the entry learnt longest ago is replaced. There
 * is no ageing by time: a simulated host does not move between ports.
 */
#include <string.h>

#include "sim_internal.h"

/* The I/G bit: set in group (multicast and broadcast) addresses. */
#define MAC_GROUP_BIT 0x01u

/* Index of the entry for `mac`, or -1. */
static int find(const struct axn_sim_wire *wire, const uint8_t *mac)
{
    for (int i = 0; i < AXN_SIM_MAC_TABLE_LEN; i++) {
        const struct axn_sim_mac_entry *e = &wire->macs[i];
        if (e->used && memcmp(e->mac.b, mac, AXN_MAC_LEN) == 0)
            return i;
    }
    return -1;
}

static struct axn_sim_mac_entry *free_or_stalest(struct axn_sim_wire *wire)
{
    struct axn_sim_mac_entry *victim = &wire->macs[0];
    for (int i = 0; i < AXN_SIM_MAC_TABLE_LEN; i++) {
        struct axn_sim_mac_entry *e = &wire->macs[i];
        if (!e->used)
            return e;
        if (e->last_seen < victim->last_seen)
            victim = e;
    }
    return victim;
}

void axn_sim_switch_learn(struct axn_sim_wire *wire, const uint8_t *mac, int port)
{
    if (mac[0] & MAC_GROUP_BIT)
        return; /* a group address is never a source */
    int i = find(wire, mac);
    struct axn_sim_mac_entry *e = i >= 0 ? &wire->macs[i] : NULL;
    if (!e) {
        e = free_or_stalest(wire);
        memcpy(e->mac.b, mac, AXN_MAC_LEN);
        e->used = true;
    }
    e->port = port;
    e->last_seen = ++wire->learn_clock;
}

int axn_sim_switch_lookup(const struct axn_sim_wire *wire, const uint8_t *mac)
{
    if (mac[0] & MAC_GROUP_BIT)
        return -1;
    int i = find(wire, mac);
    return i >= 0 ? wire->macs[i].port : -1;
}
