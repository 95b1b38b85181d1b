/* Whole stacks on one simulated wire, caller-polled in virtual time (sim_stacks.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim_stacks.h"

#include "axnet/netctl.h"
#include "core/stack_impl.h"
#include "dev/loopback.h"
#include "lib/byteorder.h"
#include "sock/sock.h"
#include "test_platform.h"
#include "wire/ethernet.h"
#include "wire/ipv4.h"

#define MAC_LOCAL     0x02 /* locally administered, unicast */
#define MAC_TAG_BYTE  4
#define MAC_PORT_BYTE 5

struct axn_iface_config sim_static_iface(uint32_t order, axn_ip4_t addr, uint8_t prefix_len,
                                         axn_ip4_t gateway, uint32_t metric)
{
    struct axn_iface_config ic;
    memset(&ic, 0, sizeof(ic));
    ic.match = AXN_MATCH_ORDER;
    ic.match_order = order;
    ic.ipv4_mode = AXN_IPV4_STATIC;
    ic.addr = addr;
    ic.prefix_len = prefix_len;
    ic.gateway = gateway;
    ic.metric = metric;
    return ic;
}

struct axn_net_config sim_net_config(const struct axn_iface_config *ifaces, size_t n)
{
    struct axn_net_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ifaces = ifaces;
    cfg.n_ifaces = n;
    return cfg;
}

void sim_stacks_create_path(struct sim_stacks *s, const struct sim_stacks_config *cfg,
                            const struct axn_sim_impairments *path, uint64_t seed)
{
    assert_true(cfg->n_ports <= SIM_STACKS_MAX_PORTS);
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    s->now = cfg->start;
    if (cfg->set_platform_now)
        axn_test_set_now(cfg->start);
    axn_test_seed_random(seed);
    const struct axn_sim_wire_config wc = {.impair = *path, .start_time = cfg->start};
    assert_int_equal(axn_sim_wire_create(&s->wire, &wc, seed), 0);
    if (cfg->observe)
        axn_sim_wire_set_observer(s->wire, cfg->observe, cfg->observe_ctx);
    for (size_t i = 0; i < cfg->n_ports; i++) {
        s->mac[i] = (struct axn_mac){{MAC_LOCAL, 0, 0, 0, 0, 0}};
        s->mac[i].b[MAC_TAG_BYTE] = cfg->mac_tag;
        s->mac[i].b[MAC_PORT_BYTE] = (uint8_t)(i + 1);
        assert_int_equal(axn_sim_wire_add_port(s->wire, &s->mac[i], &s->drv[i]), (int)i);
    }
}

void sim_stacks_create(struct sim_stacks *s, const struct sim_stacks_config *cfg)
{
    const struct axn_sim_impairments path = {.delay = cfg->wire_delay};
    sim_stacks_create_path(s, cfg, &path, SIM_STACKS_SEED);
}

size_t sim_stacks_add_node(struct sim_stacks *s, int port, axn_ip4_t addr, uint8_t prefix_len)
{
    assert_true(s->n_nodes < SIM_STACKS_MAX_NODES);
    assert_true(port >= 0 && (size_t)port < s->cfg.n_ports);
    const size_t n = s->n_nodes;
    assert_int_equal(axn_stack_create(axn_test_platform(), &s->st[n]), 0);
    const struct axn_iface_config ic = sim_static_iface(0, addr, prefix_len, 0, 0);
    const struct axn_net_config cfg = sim_net_config(&ic, 1);
    const struct axn_eth_driver *drv[1] = {&s->drv[port]};
    assert_int_equal(axn_stack_init_network(s->st[n], drv, 1, &cfg, s->now), 0);
    s->next[n] = s->now;
    s->n_nodes++;
    return n;
}

size_t sim_stacks_add_dhcp_node(struct sim_stacks *s, int port)
{
    assert_true(s->n_nodes < SIM_STACKS_MAX_NODES);
    assert_true(port >= 0 && (size_t)port < s->cfg.n_ports);
    const size_t n = s->n_nodes;
    assert_int_equal(axn_stack_create(axn_test_platform(), &s->st[n]), 0);
    struct axn_iface_config ic;
    memset(&ic, 0, sizeof(ic));
    ic.match = AXN_MATCH_ORDER;
    ic.ipv4_mode = AXN_IPV4_DHCP;
    const struct axn_net_config cfg = sim_net_config(&ic, 1);
    const struct axn_eth_driver *drv[1] = {&s->drv[port]};
    assert_int_equal(axn_stack_init_network(s->st[n], drv, 1, &cfg, s->now), 0);
    s->next[n] = s->now;
    s->n_nodes++;
    return n;
}

void sim_stacks_destroy(struct sim_stacks *s)
{
    for (size_t i = 0; i < s->n_nodes; i++)
        axn_stack_destroy(s->st[i]);
    axn_sim_wire_destroy(s->wire);
}

void sim_stacks_create_nodes_path(struct sim_stacks *s, axn_time_t start,
                                  const struct axn_sim_impairments *path, uint64_t seed,
                                  uint8_t mac_tag, const axn_ip4_t *addrs, size_t n,
                                  uint8_t prefix_len)
{
    const struct sim_stacks_config cfg = {
        .start = start, .n_ports = n, .mac_tag = mac_tag, .set_platform_now = true};
    sim_stacks_create_path(s, &cfg, path, seed);
    for (size_t i = 0; i < n; i++)
        sim_stacks_add_node(s, (int)i, addrs[i], prefix_len);
}

void sim_stacks_create_nodes(struct sim_stacks *s, axn_time_t start, axn_time_t wire_delay,
                             uint8_t mac_tag, const axn_ip4_t *addrs, size_t n, uint8_t prefix_len)
{
    const struct axn_sim_impairments path = {.delay = wire_delay};
    sim_stacks_create_nodes_path(s, start, &path, SIM_STACKS_SEED, mac_tag, addrs, n, prefix_len);
}

int sim_stacks_teardown(struct sim_stacks *s, struct axn_socket *const *socks, size_t n_socks)
{
    if (socks != NULL)
        sim_close_sockets(socks, n_socks);
    sim_stacks_destroy(s);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

axn_time_t sim_stacks_next_event(struct sim_stacks *s)
{
    axn_time_t next = axn_sim_wire_next_event(s->wire);
    for (size_t i = 0; i < s->n_nodes; i++)
        next = s->next[i] < next ? s->next[i] : next;
    return next;
}

void sim_stacks_poll_all(struct sim_stacks *s)
{
    for (size_t i = 0; i < s->n_nodes; i++)
        s->next[i] = axn_stack_poll(s->st[i], s->now);
}

void sim_stacks_set_time(struct sim_stacks *s, axn_time_t t)
{
    s->now = t;
    if (s->cfg.set_platform_now)
        axn_test_set_now(t);
    assert_int_equal(axn_sim_wire_set_time(s->wire, t), 0);
}

void sim_stacks_run_until(struct sim_stacks *s, axn_time_t until)
{
    for (unsigned steps = 0;; steps++) {
        assert_true(steps < SIM_STACKS_MAX_STEPS);
        const axn_time_t next = sim_stacks_next_event(s);
        if (next > until)
            break;
        if (next > s->now)
            sim_stacks_set_time(s, next);
        sim_stacks_poll_all(s);
    }
    sim_stacks_set_time(s, until);
    sim_stacks_poll_all(s);
}

void sim_stacks_settle(struct sim_stacks *s, axn_time_t span)
{
    const axn_time_t until = s->now + span;
    sim_stacks_poll_all(s);
    sim_stacks_run_until(s, until);
}

uint16_t sim_net16(uint16_t v)
{
    uint8_t b[2];
    uint16_t r;
    axn_put_be16(b, v);
    memcpy(&r, b, sizeof(r));
    return r;
}

uint32_t sim_net32(uint32_t v)
{
    uint8_t b[4];
    uint32_t r;
    axn_put_be32(b, v);
    memcpy(&r, b, sizeof(r));
    return r;
}

uint16_t sim_host16(uint16_t v)
{
    return axn_get_be16((const uint8_t *)&v);
}

uint32_t sim_host32(uint32_t v)
{
    return axn_get_be32((const uint8_t *)&v);
}

struct axn_sockaddr_in sim_sin4(axn_ip4_t addr, uint16_t port)
{
    struct axn_sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AXN_AF_INET;
    sin.sin_port = sim_net16(port);
    sin.sin_addr.s_addr = sim_net32(addr);
    return sin;
}

void sim_close_quietly(struct axn_socket **s)
{
    if (*s)
        (void)axn_close(*s);
    *s = NULL;
}

void sim_close_sockets(struct axn_socket *const *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i])
            assert_int_equal(axn_close(s[i]), 0);
}

void sim_log_wake(void *ctx, unsigned events)
{
    struct sim_wake_log *l = ctx;
    l->calls++;
    l->events |= events;
}

long sim_sendto4(struct axn_socket *s, const void *buf, size_t len, axn_ip4_t dst, uint16_t port)
{
    const struct axn_sockaddr_in sin = sim_sin4(dst, port);
    return axn_sendto(s, buf, len, AXN_MSG_DONTWAIT, (const struct axn_sockaddr *)&sin,
                      sizeof(sin));
}

long sim_recvfrom4(struct axn_socket *s, uint8_t *buf, size_t len, int flags,
                   struct axn_sockaddr_in *from)
{
    axn_socklen_t fl = sizeof(*from);
    memset(from, 0, sizeof(*from));
    return axn_recvfrom(s, buf, len, flags | AXN_MSG_DONTWAIT, (struct axn_sockaddr *)from, &fl);
}

int sim_bind4(struct axn_socket *s, axn_ip4_t a, uint16_t port)
{
    const struct axn_sockaddr_in sin = sim_sin4(a, port);
    return axn_bind(s, (const struct axn_sockaddr *)&sin, sizeof(sin));
}

int sim_connect4(struct axn_socket *s, axn_ip4_t a, uint16_t port)
{
    const struct axn_sockaddr_in sin = sim_sin4(a, port);
    return axn_connect(s, (const struct axn_sockaddr *)&sin, sizeof(sin));
}

int sim_set_int(struct axn_socket *s, int level, int name, int v)
{
    return axn_setsockopt(s, level, name, &v, sizeof(v));
}

int sim_get_int(struct axn_socket *s, int level, int name)
{
    int v = -1;
    axn_socklen_t len = sizeof(v);
    assert_int_equal(axn_getsockopt(s, level, name, &v, &len), 0);
    assert_int_equal(len, sizeof(v));
    return v;
}

struct axn_sockaddr_in sim_name4(struct axn_socket *s, bool peer, int *rc)
{
    struct axn_sockaddr_in sin;
    memset(&sin, 0xff, sizeof(sin));
    axn_socklen_t len = sizeof(sin);
    *rc = peer ? axn_getpeername(s, (struct axn_sockaddr *)&sin, &len)
               : axn_getsockname(s, (struct axn_sockaddr *)&sin, &len);
    return sin;
}

void sim_inject_ip4(struct axn_stack *st, uint32_t ifindex, axn_ip4_t src, axn_ip4_t dst,
                    uint8_t proto, const uint8_t *payload, size_t len, axn_time_t now)
{
    static uint8_t pkt[AXN_IPV4_TOTAL_MAX];
    const struct axn_ipv4 h = {.ttl = AXN_IP4_DEFAULT_TTL,
                               .protocol = proto,
                               .src = src,
                               .dst = dst,
                               .payload = payload,
                               .payload_len = len};
    const int n = axn_ipv4_emit(&h, pkt, sizeof(pkt));
    assert_true(n > 0);
    const struct axn_rx_meta meta = {.ifindex = ifindex,
                                     .ethertype = AXN_ETHERTYPE_IPV4,
                                     .frame_len = (uint32_t)n + AXN_ETH_HLEN};
    st->plat->mutex_lock(st->core_lock);
    axn_ip4_input(st->ip4, pkt, (size_t)n, &meta, now);
    st->plat->mutex_unlock(st->core_lock);
    axn_sock_run_deferred(st);
}

void sim_ip4_rig_create(struct sim_ip4_rig *rig, const struct sim_ip4_rig_iface *eth0,
                        const struct sim_ip4_rig_iface *eth1)
{
    const struct axn_platform *plat = axn_test_platform();
    axn_test_seed_random(SIM_STACKS_SEED);
    assert_int_equal(axn_ctl_init(&rig->ctl, plat), 0);
    assert_int_equal(fake_ctl_add_iface(&rig->ctl, "eth0", eth0->ifindex, eth0->addr,
                                        eth0->prefix_len, eth0->gateway),
                     0);
    assert_int_equal(fake_ctl_add_iface(&rig->ctl, "eth1", eth1->ifindex, eth1->addr,
                                        eth1->prefix_len, eth1->gateway),
                     0);
    assert_int_equal(axn_router_init(&rig->r, plat, &rig->ctl), 0);
    struct axn_dev_handle *h;
    assert_int_equal(axn_router_handle_create(&rig->r, &h), 0);
    struct axn_netdev *lo;
    assert_int_equal(axn_loopback_create(plat, &h->counters, &lo), 0);
    assert_int_equal(axn_router_attach(&rig->r, h, lo), 0);
    rig->lo = h;
    fake_netdev_init(&rig->eth0, plat, eth0->ifindex, "eth0", AXN_IFACE_ETHERNET);
    fake_netdev_init(&rig->eth1, plat, eth1->ifindex, "eth1", AXN_IFACE_ETHERNET);
    assert_int_equal(axn_router_add_device(&rig->r, &rig->eth0.base, &rig->h0), 0);
    assert_int_equal(axn_router_add_device(&rig->r, &rig->eth1.base, &rig->h1), 0);
    assert_int_equal(axn_ip4_create(plat, &rig->ctl, &rig->r, &rig->ip), 0);
    rig->r.input = axn_ip4_input;
    rig->r.input_ctx = rig->ip;
}

void sim_ip4_rig_destroy(struct sim_ip4_rig *rig)
{
    axn_ip4_destroy(rig->ip);
    axn_router_destroy(&rig->r);
    axn_ctl_destroy(&rig->ctl);
    fake_netdev_fini(&rig->eth0);
    fake_netdev_fini(&rig->eth1);
}

void sim_ip4_rig_rx(struct sim_ip4_rig *rig, const uint8_t *pkt, size_t len, uint32_t ifindex,
                    uint8_t offload, axn_time_t now)
{
    const struct axn_rx_meta meta = {.ifindex = ifindex,
                                     .ethertype = AXN_ETHERTYPE_IPV4,
                                     .frame_len = (uint32_t)len + FAKE_ETH_HLEN,
                                     .offload = offload};
    axn_ip4_input(rig->ip, pkt, len, &meta, now);
}

size_t sim_ip4_rig_flush(struct sim_ip4_rig *rig, struct fake_netdev *f, struct axn_dev_handle *h,
                         const size_t *taken, axn_time_t now)
{
    (void)axn_router_tx_service(&rig->r, h, now);
    const size_t n = atomic_load(&f->n_sent) - *taken;
    return n;
}

const struct fake_sent_pkt *sim_fake_take(struct fake_netdev *f, size_t *taken)
{
    assert_true(*taken < atomic_load(&f->n_sent));
    return &f->sent[(*taken)++];
}
