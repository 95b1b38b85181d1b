/*
 * The services' place in the stack (src/svc/svc.c, svc_api.c): which
 * interfaces get a DHCP client and when they lose it (CTL-8 step 11,
 * CTL-21, CTL-30, device removal, axn_dhcp_client_release/_start), the
 * ctl's DHCP-server request becoming a server (CTL-24/29), and the IP
 * layer's service tap: datagrams for ports 67/68 go to a client or server
 * of their interface, and to UDP sockets when there is none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/dhcp.h"
#include "axnet/errno.h"
#include "axnet/hosted/sim_wire.h"
#include "axnet/netctl.h"
#include "axnet/wifi.h"
#include "core/stack_impl.h"
#include "sim_stacks.h"
#include "svc/svc.h"
#include "test_platform.h"
#include "wire/dhcp.h"

#define N_PORTS     2u
#define ETH0        2u
#define ADDR        AXN_IP4(192, 0, 2, 10)
#define PEER_ADDR   AXN_IP4(192, 0, 2, 20)
#define CLIENT_IP   AXN_IP4(192, 0, 2, 99)
#define PREFIX_24   24u
#define NOW         AXN_SEC(1)
#define STEP        AXN_MSEC(10)
#define PUMP_ROUNDS 8
#define DHCP_LEN    300u
#define RECV_CAP    1500u

static struct {
    struct axn_sim_wire *wire;
    struct axn_eth_driver drv[N_PORTS];
    const struct axn_eth_driver *ptr[N_PORTS];
    struct axn_mac mac[N_PORTS];
    struct axn_stack *st;
    struct axn_stack *peer;
    axn_time_t now;
} W;

static int setup(void **state)
{
    (void)state;
    memset(&W, 0, sizeof(W));
    axn_test_set_now(NOW);
    W.now = NOW;
    if (axn_sim_wire_create(&W.wire, NULL, 1) != 0)
        return -1;
    for (unsigned i = 0; i < N_PORTS; i++) {
        const struct axn_mac mac = {{0x02, 0, 0, 0, 0x5c, (uint8_t)(i + 1)}};
        W.mac[i] = mac;
        if (axn_sim_wire_add_port(W.wire, &W.mac[i], &W.drv[i]) != (int)i)
            return -1;
        W.ptr[i] = &W.drv[i];
    }
    return axn_stack_create(axn_test_logging_platform(), &W.st);
}

static int teardown(void **state)
{
    (void)state;
    axn_stack_destroy(W.st);
    axn_stack_destroy(W.peer);
    axn_sim_wire_destroy(W.wire);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* Both stacks a few times, a little virtual time apart. */
static void pump(void)
{
    for (int i = 0; i < PUMP_ROUNDS; i++) {
        W.now += STEP;
        axn_test_set_now(W.now);
        (void)axn_stack_poll(W.st, W.now);
        if (W.peer != NULL)
            (void)axn_stack_poll(W.peer, W.now);
    }
}

static void init_with(struct axn_stack *st, size_t port, const struct axn_iface_config *cfg)
{
    const struct axn_net_config net = sim_net_config(cfg, 1);
    assert_int_equal(axn_stack_init_network(st, &W.ptr[port], 1, &net, W.now), 0);
}

static void init_dhcp(void)
{
    struct axn_iface_config cfg = sim_static_iface(0, 0, 0, 0, 0);
    cfg.ipv4_mode = AXN_IPV4_DHCP;
    cfg.addr = 0;
    init_with(W.st, 0, &cfg);
}

static void init_static(struct axn_stack *st, size_t port, axn_ip4_t addr)
{
    const struct axn_iface_config cfg = sim_static_iface(0, addr, PREFIX_24, 0, 0);
    init_with(st, port, &cfg);
}

static int client_rc(uint32_t ifindex)
{
    struct axn_dhcp_lease_info info;
    return axn_dhcp_client_info(W.st, ifindex, &info);
}

/* ---- Which interfaces have a client ------------------------------------------------ */

static void dhcp_interface_gets_a_client_static_one_does_not(void **state)
{
    (void)state;
    init_dhcp();
    pump();
    assert_int_equal(client_rc(ETH0), 0);
    assert_int_equal(client_rc(AXN_IFINDEX_LOOPBACK), -AXN_ENOENT);
    assert_int_equal(client_rc(42), -AXN_ENODEV);

    assert_int_equal(axn_stack_create(axn_test_logging_platform(), &W.peer), 0);
    init_static(W.peer, 1, PEER_ADDR);
    pump();
    struct axn_dhcp_lease_info info;
    assert_int_equal(axn_dhcp_client_info(W.peer, ETH0, &info), -AXN_ENOENT);
}

static void runtime_static_address_stops_the_client(void **state)
{
    (void)state;
    init_dhcp();
    pump();
    assert_int_equal(client_rc(ETH0), 0);
    /* CTL-21: the address replaces DHCP; the client goes and stays gone. */
    assert_int_equal(axn_ctl_set_ipv4(W.st, ETH0, ADDR, PREFIX_24, W.now), 0);
    pump();
    assert_int_equal(client_rc(ETH0), -AXN_ENOENT);
    struct axn_iface_info it;
    assert_int_equal(axn_ctl_interface_by_index(W.st, ETH0, &it), 0);
    assert_true(it.has_ipv4);
    assert_int_equal(it.addr, ADDR);
}

static void client_start_takes_the_address_away_and_release_stops_it(void **state)
{
    (void)state;
    init_static(W.st, 0, ADDR);
    pump();
    assert_int_equal(client_rc(ETH0), -AXN_ENOENT);
    assert_int_equal(axn_dhcp_client_start(W.st, AXN_IFINDEX_LOOPBACK), -AXN_EOPNOTSUPP);
    assert_int_equal(axn_dhcp_client_start(W.st, 42), -AXN_ENODEV);
    assert_int_equal(axn_dhcp_client_start(W.st, ETH0), 0);
    pump();
    assert_int_equal(client_rc(ETH0), 0);
    struct axn_iface_info it;
    assert_int_equal(axn_ctl_interface_by_index(W.st, ETH0, &it), 0);
    assert_false(it.has_ipv4);
    struct axn_route_info routes[AXN_ROUTE_TABLE_MAX];
    assert_int_equal(axn_ctl_routes(W.st, routes, AXN_ROUTE_TABLE_MAX), 1); /* lo only */

    assert_int_equal(axn_dhcp_client_release(W.st, ETH0), 0);
    pump();
    assert_int_equal(client_rc(ETH0), -AXN_ENOENT);
    assert_int_equal(axn_dhcp_client_release(W.st, ETH0), -AXN_ENOENT);
}

static void removing_the_device_removes_its_client(void **state)
{
    (void)state;
    init_dhcp();
    pump();
    assert_int_equal(client_rc(ETH0), 0);
    assert_int_equal(axn_stack_remove_device(W.st, ETH0, W.now), 0);
    pump();
    assert_int_equal(client_rc(ETH0), -AXN_ENODEV);
    assert_int_equal(W.st->svc->clients[0], NULL);
}

static void hostname_is_bounded(void **state)
{
    (void)state;
    char long_name[AXN_DHCP_HOSTNAME_MAX + 1];
    memset(long_name, 'h', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_int_equal(axn_dhcp_set_hostname(W.st, long_name), -AXN_EINVAL);
    long_name[AXN_DHCP_HOSTNAME_MAX - 1] = '\0';
    assert_int_equal(axn_dhcp_set_hostname(W.st, long_name), 0);
    assert_string_equal(W.st->svc->hostname, long_name);
    assert_int_equal(axn_dhcp_set_hostname(W.st, NULL), 0);
    assert_string_equal(W.st->svc->hostname, "");
}

/* ---- The ctl's DHCP-server request (CTL-24, CTL-29) -------------------------------- */

static void server_request_starts_and_clears_a_server(void **state)
{
    (void)state;
    init_static(W.st, 0, ADDR);
    pump();
    struct axn_dhcp_server_stats stats;
    assert_int_equal(axn_dhcp_server_stats(W.st, ETH0, &stats), -AXN_ENOENT);
    const struct axn_dhcp_server_request req = {.ifindex = ETH0,
                                                .server_ip = ADDR,
                                                .client_ip = CLIENT_IP,
                                                .netmask = AXN_IP4(255, 255, 255, 0)};
    axn_ctl_dhcp_server_set(&W.st->ctl, &req);
    pump();
    assert_int_equal(axn_dhcp_server_stats(W.st, ETH0, &stats), 0);
    assert_true(axn_ctl_dhcp_server_clear_for(&W.st->ctl, ETH0));
    pump();
    assert_int_equal(axn_dhcp_server_stats(W.st, ETH0, &stats), -AXN_ENOENT);
}

/* ---- The service tap ------------------------------------------------------------------- */

/* A BOOTREQUEST from the peer's UDP socket on port 68 to the broadcast. */
static void send_bootrequest(struct axn_socket *s)
{
    uint8_t msg[DHCP_LEN];
    const struct axn_dhcp_msg m = {.op = AXN_DHCP_OP_REQUEST,
                                   .htype = AXN_DHCP_HTYPE_ETHER,
                                   .hlen = AXN_MAC_LEN,
                                   .xid = 0x1234,
                                   .present = AXN_DHCP_HAS_MSG_TYPE,
                                   .msg_type = AXN_DHCP_DISCOVER,
                                   .chaddr = {0x02, 0, 0, 0, 0x5c, 2}};
    const int n = axn_dhcp_emit(&m, msg, sizeof(msg));
    assert_true(n > 0);
    assert_int_equal(
        sim_sendto4(s, msg, (size_t)n, AXN_IP4(255, 255, 255, 255), AXN_DHCP_SERVER_PORT), n);
}

static struct axn_socket *udp_on(struct axn_stack *st, uint16_t port)
{
    struct axn_socket *s;
    assert_int_equal(axn_socket(st, AXN_AF_INET, AXN_SOCK_DGRAM | AXN_SOCK_NONBLOCK, 0, &s), 0);
    assert_int_equal(sim_set_int(s, AXN_SOL_SOCKET, AXN_SO_BROADCAST, 1), 0);
    assert_int_equal(sim_bind4(s, 0, port), 0);
    return s;
}

static void dhcp_port_reaches_a_socket_only_without_a_server(void **state)
{
    (void)state;
    init_static(W.st, 0, ADDR);
    assert_int_equal(axn_stack_create(axn_test_logging_platform(), &W.peer), 0);
    init_static(W.peer, 1, PEER_ADDR);
    struct axn_socket *srv = udp_on(W.st, AXN_DHCP_SERVER_PORT);
    struct axn_socket *cli = udp_on(W.peer, AXN_DHCP_CLIENT_PORT);
    uint8_t buf[RECV_CAP];
    struct axn_sockaddr_in from;

    send_bootrequest(cli); /* no server on eth0: the socket hears it */
    pump();
    assert_int_equal(sim_recvfrom4(srv, buf, sizeof(buf), 0, &from), DHCP_LEN);

    const struct axn_dhcp_server_config cfg = {
        .ifindex = ETH0, .pool_first = CLIENT_IP, .pool_last = CLIENT_IP};
    assert_int_equal(axn_dhcp_server_start(W.st, &cfg), 0);
    send_bootrequest(cli); /* now the server takes it */
    pump();
    assert_int_equal(sim_recvfrom4(srv, buf, sizeof(buf), 0, &from), -AXN_EAGAIN);
    assert_int_equal(axn_dhcp_server_stop(W.st, ETH0), 0);
    assert_int_equal(axn_dhcp_server_stop(W.st, ETH0), -AXN_ENOENT);
    sim_close_quietly(&srv);
    sim_close_quietly(&cli);
}

int main(void)
{
    axn_test_seed_random(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(dhcp_interface_gets_a_client_static_one_does_not, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(runtime_static_address_stops_the_client, setup, teardown),
        cmocka_unit_test_setup_teardown(client_start_takes_the_address_away_and_release_stops_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(removing_the_device_removes_its_client, setup, teardown),
        cmocka_unit_test_setup_teardown(hostname_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(server_request_starts_and_clears_a_server, setup, teardown),
        cmocka_unit_test_setup_teardown(dhcp_port_reaches_a_socket_only_without_a_server, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
