/*
 * Two whole stacks on the simulated wire, caller-polled in virtual time:
 * A at 192.0.2.10 on port 0 and B at 192.0.2.20 on port 1, one /24. The
 * world of the raw- and ping-socket tests, as cmocka fixtures: a test
 * reaches the stacks as sim_pair.st[0] / st[1] and the clock as
 * sim_pair.now.
 */
#ifndef AXN_TEST_SIM_PAIR_H
#define AXN_TEST_SIM_PAIR_H

#include <stddef.h>
#include <stdint.h>

#include "sim_stacks.h"

#define SIM_PAIR_A_ADDR     AXN_IP4(192, 0, 2, 10)
#define SIM_PAIR_B_ADDR     AXN_IP4(192, 0, 2, 20)
#define SIM_PAIR_PREFIX_LEN 24u
#define SIM_PAIR_NODES      2u
#define SIM_PAIR_T0         AXN_SEC(1)
#define SIM_PAIR_WIRE_DELAY 50u /* µs per hop */
#define SIM_PAIR_SETTLE     AXN_MSEC(5)

extern struct sim_stacks sim_pair;

/* cmocka fixtures: a fresh pair at SIM_PAIR_T0; the teardown fails the
 * test if anything is still allocated. */
int sim_pair_setup(void **state);
int sim_pair_teardown(void **state);

/* Polls both stacks, then runs the wire SIM_PAIR_SETTLE further. */
void sim_pair_settle(void);

/* sendto / recvfrom without waiting, for sockets with no ports (raw, ping). */
long sim_pair_send_to(struct axn_socket *s, const void *buf, size_t len, axn_ip4_t dst);
long sim_pair_recv_from(struct axn_socket *s, uint8_t *buf, size_t len, int flags,
                        struct axn_sockaddr_in *from);

/* p[i] = seed + i: a payload whose every byte says where it belongs. */
void sim_pair_fill(uint8_t *p, size_t n, uint8_t seed);

/* A datagram from `src` to A, as if it came in on A's Ethernet. */
void sim_pair_inject(axn_ip4_t src, axn_ip4_t dst, uint8_t proto, const uint8_t *payload,
                     size_t len);

#endif
