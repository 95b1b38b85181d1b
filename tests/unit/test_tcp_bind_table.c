/*
 * The bound-port table (tcp_table.c) at scale, on a layer built by hand:
 * a listener with many accepted children on its port (they hold the port
 * as Linux's bhash, but a SYN's listener lookup must not walk them), a
 * SO_REUSEPORT listener added after the children, children leaving from
 * the middle of their chain, and bind arbitration that still sees every
 * holder of the port (children and connect's ports included).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "tcp/tcp_sock.h"
#include "test_platform.h"

#define N_CHILDREN 1000u
#define LADDR      AXN_IP4(10, 0, 0, 1)
#define PEER       AXN_IP4(10, 0, 0, 2)
#define LPORT      8000u
/* Another port in LPORT's bucket: its sockets share the chain. */
#define SAME_SLOT_PORT (LPORT + AXN_TCP_BIND_BUCKETS)
#define IFX            2u

static struct axn_tcp_layer g_l;
static struct axn_tcp_sock g_lst[2];
static struct axn_tcp_conn g_lconn[2];
static struct axn_tcp_sock g_child[N_CHILDREN];
static struct axn_tcp_sock g_other;

static size_t slot(uint16_t port)
{
    return port & (AXN_TCP_BIND_BUCKETS - 1u);
}

static void listener(size_t i, bool reuseport, uint16_t port)
{
    g_lconn[i].state = AXN_TCP_LISTEN;
    g_lst[i].conn = &g_lconn[i];
    g_lst[i].layer = &g_l;
    g_lst[i].base.opt.reuseport = reuseport;
    assert_int_equal(axn_tcp_port_bind(&g_lst[i], 0, port), 0);
}

static int setup(void **state)
{
    (void)state;
    memset(&g_l, 0, sizeof(g_l));
    memset(g_lst, 0, sizeof(g_lst));
    memset(g_lconn, 0, sizeof(g_lconn));
    memset(g_child, 0, sizeof(g_child));
    memset(&g_other, 0, sizeof(g_other));
    g_other.layer = &g_l;
    for (size_t i = 0; i < N_CHILDREN; i++)
        g_child[i].layer = &g_l;
    return 0;
}

/* The children of a SO_REUSEPORT listener carry the option (Linux
 * copies sk_reuseport into the child). */
static void inherit_all(bool reuseport)
{
    for (size_t i = 0; i < N_CHILDREN; i++) {
        g_child[i].base.opt.reuseport = reuseport;
        axn_tcp_port_inherit(&g_child[i], LADDR, LPORT);
    }
}

/* Owners first in the chain, every child after them: a lookup that stops
 * at the first child still sees every listener. */
static void children_sit_behind_listeners(void **state)
{
    (void)state;
    listener(0, true, LPORT);
    inherit_all(true);
    listener(1, true, LPORT); /* after the children: still at the front */
    const struct axn_tcp_sock *o = g_l.bound[slot(LPORT)];
    assert_ptr_equal(o, &g_lst[1]);
    assert_ptr_equal(o->bind_next, &g_lst[0]);
    size_t n = 0;
    for (o = o->bind_next->bind_next; o; o = o->bind_next, n++)
        assert_false(o->bind_owner);
    assert_int_equal(n, N_CHILDREN);
    /* Both group members are reached, each by its own 4-tuples. */
    bool seen[2] = {false, false};
    for (uint16_t rport = 1024; rport < 1024 + 64; rport++) {
        struct axn_tcp_conn *c = axn_tcp_lookup_listener(&g_l, LADDR, LPORT, PEER, rport, IFX);
        assert_true(c == &g_lconn[0] || c == &g_lconn[1]);
        seen[c - g_lconn] = true;
    }
    assert_true(seen[0] && seen[1]);
}

/* Children leave from anywhere in O(1) (bind_pprev) and the chain stays
 * whole; the listener then leaves and nothing answers a SYN. */
static void children_leave_from_the_middle(void **state)
{
    (void)state;
    listener(0, false, LPORT);
    inherit_all(false);
    for (size_t i = 1; i < N_CHILDREN; i += 2)
        axn_tcp_port_unbind(&g_child[i]);
    size_t n = 0;
    for (const struct axn_tcp_sock *o = g_l.bound[slot(LPORT)]; o; o = o->bind_next)
        n++;
    assert_int_equal(n, 1u + N_CHILDREN / 2u);
    assert_ptr_equal(axn_tcp_lookup_listener(&g_l, LADDR, LPORT, PEER, 1, IFX), &g_lconn[0]);
    axn_tcp_port_unbind(&g_lst[0]);
    assert_null(axn_tcp_lookup_listener(&g_l, LADDR, LPORT, PEER, 1, IFX));
    for (size_t i = 0; i < N_CHILDREN; i += 2)
        axn_tcp_port_unbind(&g_child[i]);
    assert_null(g_l.bound[slot(LPORT)]);
}

/* A port another port shares a bucket with: the listener there is found,
 * not confused with LPORT's, and behind LPORT's children. */
static void shared_bucket_keeps_ports_apart(void **state)
{
    (void)state;
    listener(0, false, LPORT);
    inherit_all(false);
    listener(1, false, SAME_SLOT_PORT);
    assert_ptr_equal(axn_tcp_lookup_listener(&g_l, LADDR, SAME_SLOT_PORT, PEER, 1, IFX),
                     &g_lconn[1]);
    assert_ptr_equal(axn_tcp_lookup_listener(&g_l, LADDR, LPORT, PEER, 1, IFX), &g_lconn[0]);
    assert_null(axn_tcp_lookup_listener(&g_l, LADDR, LPORT + 1u, PEER, 1, IFX));
}

/* Bind arbitration sees the children: with the listener gone they still
 * hold the port (Linux: the bind bucket lives while a child does). */
static void children_hold_the_port_for_bind(void **state)
{
    (void)state;
    listener(0, false, LPORT);
    inherit_all(false);
    axn_tcp_port_unbind(&g_lst[0]);
    assert_int_equal(axn_tcp_port_bind(&g_other, 0, LPORT), -AXN_EADDRINUSE);
    assert_int_equal(axn_tcp_port_bind(&g_other, 0, SAME_SLOT_PORT), 0);
    axn_tcp_port_unbind(&g_other);
    for (size_t i = 0; i < N_CHILDREN; i++)
        axn_tcp_port_unbind(&g_child[i]);
    assert_int_equal(axn_tcp_port_bind(&g_other, 0, LPORT), 0);
}

/* A child that listens (after connect(AF_UNSPEC)) becomes a listener
 * candidate: moved ahead of the children. */
static void listening_child_becomes_candidate(void **state)
{
    (void)state;
    inherit_all(false);
    struct axn_tcp_sock *ch = &g_child[N_CHILDREN / 2u];
    axn_tcp_port_unbind(&g_child[0]); /* a different neighbour layout */
    struct axn_tcp_conn lc = {.state = AXN_TCP_LISTEN};
    ch->conn = &lc;
    ch->base.opt.reuseaddr = true;
    /* The other children hold the port without SO_REUSEADDR: refused,
     * as Linux would. */
    assert_int_equal(axn_tcp_port_listen_check(ch), -AXN_EADDRINUSE);
    for (size_t i = 1; i < N_CHILDREN; i++) {
        if (&g_child[i] != ch)
            axn_tcp_port_unbind(&g_child[i]);
    }
    assert_int_equal(axn_tcp_port_listen_check(ch), 0);
    assert_true(ch->bind_owner);
    assert_ptr_equal(axn_tcp_lookup_listener(&g_l, LADDR, LPORT, PEER, 1, IFX), &lc);
    axn_tcp_port_unbind(ch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(children_sit_behind_listeners, setup),
        cmocka_unit_test_setup(children_leave_from_the_middle, setup),
        cmocka_unit_test_setup(shared_bucket_keeps_ports_apart, setup),
        cmocka_unit_test_setup(children_hold_the_port_for_bind, setup),
        cmocka_unit_test_setup(listening_child_becomes_candidate, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
