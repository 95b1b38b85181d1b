/*
 * One stack on the POSIX port with its loopback interface, in real time:
 * where a TCP socket test needs calls that really block (a blocking
 * connect/accept/send, SO_LINGER's wait in close), which virtual time
 * (tcp_sim.h) cannot give. Sockets made here carry SO_RCVTIMEO and
 * SO_SNDTIMEO, so a hang fails the test instead of stopping it.
 */
#ifndef AXN_TEST_TCP_LOOP_H
#define AXN_TEST_TCP_LOOP_H

#include "axnet/port_posix.h"
#include "axnet/socket.h"

#define TCP_LOOP_ADDR     AXN_IP4(127, 0, 0, 1)
#define TCP_LOOP_SAFETY_S 20 /* SO_*TIMEO of every socket made here */

struct tcp_loop {
    struct axn_platform plat;
    struct axn_stack *st;
};

/* cmocka fixtures over the tcp_loop `*state` points to, for
 *   cmocka_unit_test_prestate_setup_teardown(test, tcp_loop_setup, tcp_loop_teardown, &L):
 * setup starts the stack (-1 when it cannot), teardown destroys it. */
int tcp_loop_setup(void **state);
int tcp_loop_teardown(void **state);
#define TCP_LOOP_TEST(test, loop)                                                                  \
    cmocka_unit_test_prestate_setup_teardown(test, tcp_loop_setup, tcp_loop_teardown, loop)

/* A blocking SOCK_STREAM socket with the safety timeouts. */
struct axn_socket *tcp_loop_socket(struct tcp_loop *l);

#endif /* AXN_TEST_TCP_LOOP_H */
