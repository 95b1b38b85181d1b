/*
 * One whole stack at 192.0.2.10/24 on the simulated wire, caller-polled in
 * virtual time, with a table of the sockets a test opened (closed at
 * teardown): the world of the UDP and control-message socket tests, as
 * cmocka fixtures. A test reaches the stack as sim_solo.sim.st[0].
 */
#ifndef AXN_TEST_SIM_SOLO_H
#define AXN_TEST_SIM_SOLO_H

#include "sim_stacks.h"

#define SIM_SOLO_ADDR       AXN_IP4(192, 0, 2, 10)
#define SIM_SOLO_PREFIX_LEN 24u
#define SIM_SOLO_MAC_TAG    1u /* the port's MAC: 02:00:00:00:01:01 */
#define SIM_SOLO_T0         AXN_SEC(1)
#define SIM_SOLO_WIRE_DELAY 50u /* µs per hop */
#define SIM_SOLO_SETTLE     AXN_MSEC(5)
#define SIM_SOLO_SOCKS      4u

struct sim_solo {
    struct sim_stacks sim;
    struct axn_socket *s[SIM_SOLO_SOCKS]; /* NULL or open; closed at teardown */
};

extern struct sim_solo sim_solo;

/* cmocka fixtures: a fresh stack at SIM_SOLO_T0 and an empty socket table;
 * the teardown closes the table's sockets and fails the test if anything
 * is still allocated. */
int sim_solo_setup(void **state);
int sim_solo_teardown(void **state);

/* Runs the stack and the wire event by event for SIM_SOLO_SETTLE. */
void sim_solo_settle(void);

#endif
