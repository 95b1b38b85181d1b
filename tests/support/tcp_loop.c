/*
 * A POSIX-port stack on loopback for TCP socket tests (tcp_loop.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp_loop.h"

int tcp_loop_setup(void **state)
{
    struct tcp_loop *l = *state;
    memset(l, 0, sizeof(*l));
    if (axn_port_posix_init(&l->plat, AXN_LOG_ERROR) != 0)
        return -1;
    return axn_stack_create(&l->plat, &l->st) == 0 && axn_stack_start(l->st) == 0 ? 0 : -1;
}

int tcp_loop_teardown(void **state)
{
    struct tcp_loop *l = *state;
    axn_stack_destroy(l->st);
    return 0;
}

struct axn_socket *tcp_loop_socket(struct tcp_loop *l)
{
    struct axn_socket *s = NULL;
    assert_int_equal(axn_socket(l->st, AXN_AF_INET, AXN_SOCK_STREAM, 0, &s), 0);
    const struct axn_timeval tv = {.tv_sec = TCP_LOOP_SAFETY_S, .tv_usec = 0};
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    assert_int_equal(axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_SNDTIMEO, &tv, sizeof(tv)), 0);
    return s;
}
