/*
 * Wi-Fi role switches (spec PLAT-14, CTL-26..31): control handles by name,
 * the firmware half run with no stack lock held, and the stack half: the
 * AP's static address, the STA's "no address, wants DHCP", every DNS
 * server of the interface dropped (the CTL-31 fix), the one DHCP-server
 * request of the stack (never cleared for another interface: the CTL-29
 * fix), and the MAC the switch changed reaching the registry (CTL-15).
 *
 * The stack is real (caller-polled) with lo and two mock drivers behind
 * real Ethernet adapters: eth0 static with a gateway and a static DNS
 * server, eth1 on DHCP. A fake handle plays the Wi-Fi firmware; its
 * connect() changes the data-plane driver's MAC, as real firmware can.
 * The platform counts held locks so the test sees what the firmware call
 * runs under.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "axnet/netctl.h"
#include "axnet/wifi.h"
#include "core/stack_impl.h"
#include "ctl/ctl.h"
#include "mock_driver.h"
#include "test_platform.h"

#define LO         AXN_IFINDEX_LOOPBACK
#define ETH0       2u
#define ETH1       3u
#define ETH0_ADDR  AXN_IP4(192, 0, 2, 10)
#define ETH0_GW    AXN_IP4(192, 0, 2, 1)
#define ETH0_DNS   AXN_IP4(192, 0, 2, 53)
#define ETH1_DNS   AXN_IP4(198, 51, 100, 53)
#define LEASED     AXN_IP4(192, 0, 2, 77) /* what a DHCP server gave eth0 */
#define LEASED_DNS AXN_IP4(192, 0, 2, 2)  /* and the DNS server it named */
#define FALLBACK   AXN_IP4(203, 0, 113, 53)
#define AP_ADDR    AXN_IP4(10, 0, 0, 1)
#define AP_NET     AXN_IP4(10, 0, 0, 0)
#define AP_CLIENT  AXN_IP4(10, 0, 0, 2)
#define AP_PREFIX  20u
#define AP_MASK    AXN_IP4(255, 255, 240, 0) /* CTL-26 of /20 */
#define AP2_ADDR   AXN_IP4(172, 16, 0, 1)
#define AP2_CLIENT AXN_IP4(172, 16, 0, 2)
#define AP2_PREFIX 24u
#define AP2_MASK   AXN_IP4(255, 255, 255, 0)
#define AP_CHANNEL 6u
#define PREFIX_24  24u
#define METRIC     AXN_DEFAULT_ETH_METRIC
#define NOW        AXN_SEC(1)
#define N_MOCKS    2
#define LIST_MAX   AXN_ROUTE_TABLE_MAX
#define FW_FAILURE (-AXN_EIO)
#define SSID       "axnet-test"
#define PASSWORD   "correct horse"
#define TEXT_MAX   80u

/* ARP inside an Ethernet frame: the sender protocol address. */
#define ARP_SENDER_IP_OFF (14u + 14u)

static const struct axn_mac eth0_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
static const struct axn_mac eth1_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};
static const struct axn_mac ap_mac = {{0x02, 0x5e, 0x10, 0x20, 0x30, 0x40}};

/* The fake firmware of one Wi-Fi NIC. */
struct fake_wifi {
    struct mock_driver *mock; /* its data plane */
    int connects, aps;
    int fail; /* what connect / start_ap_open return */
    char ssid[TEXT_MAX], password[TEXT_MAX];
    uint8_t channel;
    int locks_held; /* most locks held during a firmware call */
    bool change_mac;
    struct axn_mac mac_after;
    uint32_t remove_ifindex; /* nonzero: the device goes during the call */
};

static struct {
    struct axn_platform plat; /* the test platform, counting locks */
    int held;
    struct mock_driver mock[N_MOCKS];
    const struct axn_eth_driver *drv[N_MOCKS];
    struct fake_wifi fw[N_MOCKS];
    struct axn_stack *st;
} T;

/* ---- A platform that counts held locks ------------------------------------ */

static unsigned long count_spin_lock(void *lock)
{
    (void)lock;
    T.held++;
    return 0;
}

static void count_spin_unlock(void *lock, unsigned long state)
{
    (void)lock;
    (void)state;
    T.held--;
}

static void count_mutex_lock(void *mutex)
{
    (void)mutex;
    T.held++;
}

static void count_mutex_unlock(void *mutex)
{
    (void)mutex;
    T.held--;
}

/* ---- The fake firmware ------------------------------------------------------ */

static void seen(struct fake_wifi *fw, const char *ssid)
{
    if (T.held > fw->locks_held)
        fw->locks_held = T.held;
    strncpy(fw->ssid, ssid, sizeof(fw->ssid) - 1);
    if (fw->change_mac && fw->fail == 0)
        fw->mock->mac = fw->mac_after;
    if (fw->remove_ifindex != 0)
        assert_int_equal(axn_stack_remove_device(T.st, fw->remove_ifindex, NOW), 0);
}

static int fake_connect(void *ctx, const char *ssid, const char *password)
{
    struct fake_wifi *fw = ctx;
    fw->connects++;
    strncpy(fw->password, password, sizeof(fw->password) - 1);
    seen(fw, ssid);
    return fw->fail;
}

static int fake_start_ap(void *ctx, const char *ssid, uint8_t channel)
{
    struct fake_wifi *fw = ctx;
    fw->aps++;
    fw->channel = channel;
    seen(fw, ssid);
    return fw->fail;
}

static void fake_mac(void *ctx, struct axn_mac *out)
{
    const struct fake_wifi *fw = ctx;
    *out = fw->mock->mac;
}

static const struct axn_wifi_ops fake_ops = {
    .connect = fake_connect,
    .start_ap_open = fake_start_ap,
    .mac_address = fake_mac,
};

/* ---- Fixture ------------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    memset(&T, 0, sizeof(T));
    T.plat = *axn_test_logging_platform();
    T.plat.spin_lock_irqsave = count_spin_lock;
    T.plat.spin_unlock_irqrestore = count_spin_unlock;
    T.plat.mutex_lock = count_mutex_lock;
    T.plat.mutex_unlock = count_mutex_unlock;
    mock_driver_init(&T.mock[0], &eth0_mac);
    mock_driver_init(&T.mock[1], &eth1_mac);
    for (size_t i = 0; i < N_MOCKS; i++) {
        T.drv[i] = &T.mock[i].drv;
        T.fw[i].mock = &T.mock[i];
    }
    return axn_stack_create(&T.plat, &T.st);
}

static int teardown(void **state)
{
    (void)state;
    axn_stack_destroy(T.st);
    for (size_t i = 0; i < N_MOCKS; i++) {
        if (T.mock[i].contract_violations != 0)
            return -1;
    }
    if (T.held != 0)
        return -1;
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

/* eth0 static 192.0.2.10/24 via 192.0.2.1 with a static DNS server; eth1
 * on DHCP with one recorded (CTL-8); a fallback server. Both have
 * handles registered under their names. */
static void bring_up(void)
{
    struct axn_iface_config ics[N_MOCKS];
    memset(ics, 0, sizeof(ics));
    ics[0].match_order = 0;
    ics[0].ipv4_mode = AXN_IPV4_STATIC;
    ics[0].addr = ETH0_ADDR;
    ics[0].prefix_len = PREFIX_24;
    ics[0].gateway = ETH0_GW;
    ics[0].dns[0] = ETH0_DNS;
    ics[0].n_dns = 1;
    ics[1].match_order = 1;
    ics[1].ipv4_mode = AXN_IPV4_DHCP;
    ics[1].dns[0] = ETH1_DNS;
    ics[1].n_dns = 1;
    struct axn_net_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ifaces = ics;
    cfg.n_ifaces = N_MOCKS;
    cfg.fallback_dns[0] = FALLBACK;
    cfg.n_fallback_dns = 1;
    assert_int_equal(axn_stack_init_network(T.st, T.drv, N_MOCKS, &cfg, NOW), 0);
    assert_int_equal(axn_wifi_register_control(T.st, "eth0", &fake_ops, &T.fw[0]), 0);
    assert_int_equal(axn_wifi_register_control(T.st, "eth1", &fake_ops, &T.fw[1]), 0);
}

/* ---- Helpers ------------------------------------------------------------------ */

static struct axn_wifi_mode ap_mode(axn_ip4_t addr, uint8_t prefix_len, axn_ip4_t client)
{
    struct axn_wifi_mode m;
    memset(&m, 0, sizeof(m));
    m.role = AXN_WIFI_AP;
    m.ap.ssid = SSID;
    m.ap.channel = AP_CHANNEL;
    m.ap.addr = addr;
    m.ap.prefix_len = prefix_len;
    m.ap.dhcp_client_ip = client;
    return m;
}

static struct axn_wifi_mode sta_mode(void)
{
    struct axn_wifi_mode m;
    memset(&m, 0, sizeof(m));
    m.role = AXN_WIFI_STA;
    m.sta.ssid = SSID;
    m.sta.password = PASSWORD;
    return m;
}

static int switch_to(const char *ifname, const struct axn_wifi_mode *m)
{
    return axn_wifi_reconfigure(T.st, ifname, m, NOW);
}

static struct axn_iface_info by_index(uint32_t ifindex)
{
    struct axn_iface_info info;
    assert_int_equal(axn_ctl_interface_by_index(T.st, ifindex, &info), 0);
    return info;
}

/* The routes of `ifindex`, in lookup order; returns how many. */
static size_t routes_of(uint32_t ifindex, struct axn_route_info *out, size_t max)
{
    struct axn_route_info all[LIST_MAX];
    const size_t n = axn_ctl_routes(T.st, all, LIST_MAX);
    size_t k = 0;
    for (size_t i = 0; i < n && i < LIST_MAX; i++) {
        if (all[i].ifindex == ifindex && k < max)
            out[k++] = all[i];
    }
    return k;
}

static size_t dns_list(axn_ip4_t *out)
{
    return axn_ctl_dns_servers(T.st, out, AXN_MAX_DNS_ENTRIES);
}

/* A previous STA session: the DHCP client leased an address on eth0 and
 * learnt a DNS server with it (what the later DHCP client commits). */
static void lease_on_eth0(void)
{
    const axn_ip4_t dns[] = {LEASED_DNS};
    const struct axn_ctl_commit lease = {
        .ifindex = ETH0,
        .has_addr = true,
        .addr = LEASED,
        .prefix_len = PREFIX_24,
        .gateway = ETH0_GW,
        .dns_source = AXN_DNS_SRC_DHCP,
        .dns = dns,
        .n_dns = 1,
    };
    assert_int_equal(axn_ctl_commit(&T.st->ctl, &lease), 0);
    axn_stack_sync_device_ipv4(T.st, ETH0, NOW);
}

/* Everything a switch may change, to show a failed one changed nothing. */
struct view {
    struct axn_iface_info eth0, eth1;
    struct axn_route_info routes[LIST_MAX];
    size_t n_routes;
    axn_ip4_t dns[AXN_MAX_DNS_ENTRIES];
    size_t n_dns;
    bool dhcp0, dhcp1;
    int srv_rc;
    struct axn_dhcp_server_request srv;
};

static void take_view(struct view *v)
{
    memset(v, 0, sizeof(*v));
    v->eth0 = by_index(ETH0);
    v->eth1 = by_index(ETH1);
    v->n_routes = axn_ctl_routes(T.st, v->routes, LIST_MAX);
    v->n_dns = dns_list(v->dns);
    v->dhcp0 = axn_ctl_iface_wants_dhcp(&T.st->ctl, ETH0);
    v->dhcp1 = axn_ctl_iface_wants_dhcp(&T.st->ctl, ETH1);
    v->srv_rc = axn_ctl_dhcp_server_request(T.st, &v->srv);
}

static void assert_iface_equal(const struct axn_iface_info *a, const struct axn_iface_info *b)
{
    assert_int_equal(a->has_ipv4, b->has_ipv4);
    assert_int_equal(a->addr, b->addr);
    assert_int_equal(a->prefix_len, b->prefix_len);
    assert_int_equal(a->gateway, b->gateway);
    assert_memory_equal(a->mac.b, b->mac.b, AXN_MAC_LEN);
}

static void assert_route_equal(const struct axn_route_info *a, const struct axn_route_info *b)
{
    assert_int_equal(a->prefix, b->prefix);
    assert_int_equal(a->prefix_len, b->prefix_len);
    assert_int_equal(a->has_via, b->has_via);
    assert_int_equal(a->via, b->via);
    assert_int_equal(a->ifindex, b->ifindex);
    assert_int_equal(a->source, b->source);
    assert_int_equal(a->metric, b->metric);
}

static void assert_view_unchanged(const struct view *before)
{
    struct view now;
    take_view(&now);
    assert_iface_equal(&now.eth0, &before->eth0);
    assert_iface_equal(&now.eth1, &before->eth1);
    assert_int_equal(now.n_routes, before->n_routes);
    for (size_t i = 0; i < now.n_routes && i < LIST_MAX; i++)
        assert_route_equal(&now.routes[i], &before->routes[i]);
    assert_int_equal(now.n_dns, before->n_dns);
    assert_memory_equal(now.dns, before->dns, sizeof(now.dns));
    assert_int_equal(now.dhcp0, before->dhcp0);
    assert_int_equal(now.dhcp1, before->dhcp1);
    assert_int_equal(now.srv_rc, before->srv_rc);
    assert_int_equal(now.srv.ifindex, before->srv.ifindex);
    assert_int_equal(now.srv.client_ip, before->srv.client_ip);
}

/* ---- CTL-27: handles ----------------------------------------------------------- */

static void register_refuses_bad_names_and_missing_ops(void **state)
{
    (void)state;
    assert_int_equal(axn_wifi_register_control(T.st, "", &fake_ops, NULL), -AXN_EINVAL);
    assert_int_equal(axn_wifi_register_control(T.st, NULL, &fake_ops, NULL), -AXN_EINVAL);
    assert_int_equal(axn_wifi_register_control(T.st, "wlan0123456789ab", &fake_ops, NULL),
                     -AXN_EINVAL); /* 16 bytes: no room for the NUL */
    assert_int_equal(axn_wifi_register_control(T.st, "wlan0", NULL, NULL), -AXN_EINVAL);
    assert_int_equal(T.st->ctl.n_wifi, 0);
    /* 15 bytes is the longest name, as Linux IFNAMSIZ allows. */
    assert_int_equal(axn_wifi_register_control(T.st, "wlan0123456789a", &fake_ops, NULL), 0);
}

/* A second registration under a name replaces the first (upsert). */
static void register_upserts_by_name(void **state)
{
    (void)state;
    bring_up();
    assert_int_equal(axn_wifi_register_control(T.st, "eth0", &fake_ops, &T.fw[1]), 0);
    assert_int_equal(T.st->ctl.n_wifi, 2);
    const struct axn_wifi_mode m = sta_mode();
    assert_int_equal(switch_to("eth0", &m), 0);
    assert_int_equal(T.fw[0].connects, 0);
    assert_int_equal(T.fw[1].connects, 1);
}

static void register_refuses_a_name_too_many_but_still_replaces(void **state)
{
    (void)state;
    char name[] = "wlan0";
    for (int i = 0; i < AXN_MAX_WIFI_CONTROLS; i++) {
        name[4] = (char)('0' + i);
        assert_int_equal(axn_wifi_register_control(T.st, name, &fake_ops, NULL), 0);
    }
    name[4] = (char)('0' + AXN_MAX_WIFI_CONTROLS);
    assert_int_equal(axn_wifi_register_control(T.st, name, &fake_ops, NULL), -AXN_ENOSPC);
    assert_int_equal(axn_wifi_register_control(T.st, "wlan0", &fake_ops, &T.fw[0]), 0);
    assert_int_equal(T.st->ctl.n_wifi, AXN_MAX_WIFI_CONTROLS);
}

/* ---- CTL-28: refusals before the firmware runs -------------------------------- */

static void reconfigure_needs_a_handle_and_an_ethernet_interface(void **state)
{
    (void)state;
    bring_up();
    const struct axn_wifi_mode m = sta_mode();
    assert_int_equal(switch_to("wlan0", &m), -AXN_ENODEV); /* no handle */
    /* A handle for a name no interface has: refused before the firmware
     * is switched for nothing. */
    assert_int_equal(axn_wifi_register_control(T.st, "wlan0", &fake_ops, &T.fw[0]), 0);
    assert_int_equal(switch_to("wlan0", &m), -AXN_ENODEV);
    assert_int_equal(axn_wifi_register_control(T.st, "lo", &fake_ops, &T.fw[0]), 0);
    assert_int_equal(switch_to("lo", &m), -AXN_ENODEV);
    assert_int_equal(T.fw[0].connects, 0);
}

static void reconfigure_refuses_bad_modes(void **state)
{
    (void)state;
    bring_up();
    struct view before;
    take_view(&before);
    struct axn_wifi_mode m = sta_mode();
    m.sta.ssid = NULL;
    assert_int_equal(switch_to("eth0", &m), -AXN_EINVAL);
    m.sta.ssid = "";
    assert_int_equal(switch_to("eth0", &m), -AXN_EINVAL);
    m.sta.ssid = "0123456789abcdef0123456789abcdef0"; /* 33 bytes */
    assert_int_equal(switch_to("eth0", &m), -AXN_EINVAL);
    m.sta.ssid = "0123456789abcdef0123456789abcdef"; /* 32: the longest */
    m.role = (enum axn_wifi_role)0;
    assert_int_equal(switch_to("eth0", &m), -AXN_EINVAL);
    assert_int_equal(switch_to("eth0", NULL), -AXN_EINVAL);
    assert_int_equal(switch_to(NULL, &m), -AXN_EINVAL);
    m = ap_mode(AP_ADDR, AXN_IP4_PREFIX_MAX + 1, AP_CLIENT);
    assert_int_equal(switch_to("eth0", &m), -AXN_EINVAL);
    m = ap_mode(0, AP_PREFIX, 0);
    assert_int_equal(switch_to("eth0", &m), -AXN_EINVAL);
    m = ap_mode(AP_ADDR, AP_PREFIX, AP_ADDR); /* lease of its own address */
    assert_int_equal(switch_to("eth0", &m), -AXN_EINVAL);
    m = ap_mode(AP_ADDR, AP_PREFIX, AP2_CLIENT); /* outside the subnet */
    assert_int_equal(switch_to("eth0", &m), -AXN_EINVAL);
    assert_int_equal(T.fw[0].connects + T.fw[0].aps, 0);
    assert_view_unchanged(&before);
}

/* ---- CTL-28 step 2: the firmware half ----------------------------------------- */

static void firmware_runs_with_no_stack_lock_held(void **state)
{
    (void)state;
    bring_up();
    T.fw[0].locks_held = -1;
    struct axn_wifi_mode m = sta_mode();
    assert_int_equal(switch_to("eth0", &m), 0);
    assert_int_equal(T.fw[0].locks_held, 0);
    assert_string_equal(T.fw[0].ssid, SSID);
    assert_string_equal(T.fw[0].password, PASSWORD);
    T.fw[1].locks_held = -1;
    m = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth1", &m), 0);
    assert_int_equal(T.fw[1].locks_held, 0);
    assert_int_equal(T.fw[1].channel, AP_CHANNEL);
    assert_int_equal(T.held, 0);
}

/* An open network: a NULL password reaches the firmware as "". */
static void sta_without_password_joins_an_open_network(void **state)
{
    (void)state;
    bring_up();
    struct axn_wifi_mode m = sta_mode();
    m.sta.password = NULL;
    strcpy(T.fw[0].password, "stale");
    assert_int_equal(switch_to("eth0", &m), 0);
    assert_string_equal(T.fw[0].password, "");
}

/* A failed firmware command is -EOPNOTSUPP (ax-net's Unsupported) and the
 * stack keeps its configuration whole. */
static void firmware_failure_changes_nothing(void **state)
{
    (void)state;
    bring_up();
    struct axn_wifi_mode ap = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth1", &ap), 0); /* a server to keep */
    struct view before;
    take_view(&before);
    T.fw[0].fail = FW_FAILURE;
    T.fw[1].fail = FW_FAILURE;
    const struct axn_wifi_mode sta = sta_mode();
    assert_int_equal(switch_to("eth0", &sta), -AXN_EOPNOTSUPP);
    assert_int_equal(switch_to("eth1", &sta), -AXN_EOPNOTSUPP);
    ap = ap_mode(AP2_ADDR, AP2_PREFIX, AP2_CLIENT);
    assert_int_equal(switch_to("eth0", &ap), -AXN_EOPNOTSUPP);
    assert_int_equal(T.fw[0].connects + T.fw[0].aps, 2);
    assert_view_unchanged(&before);
}

/* The interface goes while the firmware works (possible: no lock is held
 * then): the stack half finds it gone (CTL-28 step 4) and changes nothing. */
static void interface_removed_during_the_firmware_call_is_enodev(void **state)
{
    (void)state;
    bring_up();
    T.fw[1].remove_ifindex = ETH1;
    const struct axn_wifi_mode m = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth1", &m), -AXN_ENODEV);
    assert_int_equal(T.fw[1].aps, 1);
    struct axn_dhcp_server_request srv;
    assert_int_equal(axn_ctl_dhcp_server_request(T.st, &srv), -AXN_ENOENT);
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(routes_of(ETH1, r, LIST_MAX), 0);
}

/* A handle without the op cannot do that role: -EOPNOTSUPP, nothing moves. */
static void handle_without_the_op_is_eopnotsupp(void **state)
{
    (void)state;
    bring_up();
    const struct axn_wifi_ops sta_only = {.connect = fake_connect};
    assert_int_equal(axn_wifi_register_control(T.st, "eth0", &sta_only, &T.fw[0]), 0);
    struct view before;
    take_view(&before);
    const struct axn_wifi_mode ap = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth0", &ap), -AXN_EOPNOTSUPP);
    assert_view_unchanged(&before);
    const struct axn_wifi_mode sta = sta_mode();
    assert_int_equal(switch_to("eth0", &sta), 0); /* no mac_address: fine */
}

/* ---- CTL-29: AP ------------------------------------------------------------------ */

/* The static address replaces the old one, with its connected route and
 * no default route; the device takes the address (it announces it). */
static void ap_switch_sets_address_and_connected_route_only(void **state)
{
    (void)state;
    bring_up();
    const struct axn_wifi_mode m = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth0", &m), 0);
    assert_int_equal(T.fw[0].aps, 1);
    assert_string_equal(T.fw[0].ssid, SSID);
    const struct axn_iface_info it = by_index(ETH0);
    assert_true(it.has_ipv4);
    assert_int_equal(it.addr, AP_ADDR);
    assert_int_equal(it.prefix_len, AP_PREFIX);
    assert_int_equal(it.gateway, 0);
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(routes_of(ETH0, r, LIST_MAX), 1);
    assert_int_equal(r[0].prefix, AP_NET);
    assert_int_equal(r[0].prefix_len, AP_PREFIX);
    assert_false(r[0].has_via);
    assert_int_equal(r[0].source, AP_ADDR);
    assert_int_equal(r[0].metric, METRIC);
    assert_int_equal(axn_ctl_default_routes(T.st, r, LIST_MAX), 0);
    assert_false(axn_ctl_iface_wants_dhcp(&T.st->ctl, ETH0));
    /* The device has the address: its announcement names it. */
    axn_stack_poll(T.st, NOW);
    assert_true(T.mock[0].tx_count > 0);
    const uint8_t *arp = T.mock[0].tx[T.mock[0].tx_count - 1].data;
    const uint8_t ap_bytes[] = {10, 0, 0, 1};
    assert_memory_equal(arp + ARP_SENDER_IP_OFF, ap_bytes, sizeof(ap_bytes));
}

/* CTL-31 fixed: the DNS servers of a previous STA session (DHCP) go with
 * the role, as do the static ones; other interfaces keep theirs. */
static void ap_switch_drops_every_dns_server_of_the_interface(void **state)
{
    (void)state;
    bring_up();
    lease_on_eth0();
    axn_ip4_t dns[AXN_MAX_DNS_ENTRIES];
    assert_int_equal(dns_list(dns), 4); /* eth0 DHCP + static, eth1, fallback */
    const struct axn_wifi_mode m = ap_mode(AP_ADDR, AP_PREFIX, 0);
    assert_int_equal(switch_to("eth0", &m), 0);
    assert_int_equal(dns_list(dns), 2);
    assert_int_equal(dns[0], ETH1_DNS);
    assert_int_equal(dns[1], FALLBACK);
}

/* CTL-29 with a client address: the request names this interface, its
 * address, the client's, and the mask of the prefix (CTL-26). */
static void ap_switch_records_the_dhcp_server_with_its_mask(void **state)
{
    (void)state;
    bring_up();
    struct axn_dhcp_server_request srv;
    assert_int_equal(axn_ctl_dhcp_server_request(T.st, &srv), -AXN_ENOENT);
    const struct axn_wifi_mode m = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth1", &m), 0);
    assert_int_equal(axn_ctl_dhcp_server_request(T.st, &srv), 0);
    assert_int_equal(srv.ifindex, ETH1);
    assert_int_equal(srv.server_ip, AP_ADDR);
    assert_int_equal(srv.client_ip, AP_CLIENT);
    assert_int_equal(srv.netmask, AP_MASK);
    /* eth1 was on DHCP: no longer (ax-net removes its client). */
    assert_false(axn_ctl_iface_wants_dhcp(&T.st->ctl, ETH1));
}

/* CTL-29 hazard fixed: an AP without a client address leaves another
 * interface's server alone, and clears only its own. */
static void ap_switch_without_client_clears_only_its_own_server(void **state)
{
    (void)state;
    bring_up();
    struct axn_wifi_mode m = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth0", &m), 0);
    m = ap_mode(AP2_ADDR, AP2_PREFIX, 0);
    assert_int_equal(switch_to("eth1", &m), 0);
    struct axn_dhcp_server_request srv;
    assert_int_equal(axn_ctl_dhcp_server_request(T.st, &srv), 0);
    assert_int_equal(srv.ifindex, ETH0);
    assert_int_equal(srv.client_ip, AP_CLIENT);
    m = ap_mode(AP_ADDR, AP_PREFIX, 0);
    assert_int_equal(switch_to("eth0", &m), 0);
    assert_int_equal(axn_ctl_dhcp_server_request(T.st, &srv), -AXN_ENOENT);
}

/* One server per stack (CTL-24): the last AP with a client has it. */
static void dhcp_server_moves_to_the_last_ap_with_a_client(void **state)
{
    (void)state;
    bring_up();
    struct axn_wifi_mode m = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth0", &m), 0);
    m = ap_mode(AP2_ADDR, AP2_PREFIX, AP2_CLIENT);
    assert_int_equal(switch_to("eth1", &m), 0);
    struct axn_dhcp_server_request srv;
    assert_int_equal(axn_ctl_dhcp_server_request(T.st, &srv), 0);
    assert_int_equal(srv.ifindex, ETH1);
    assert_int_equal(srv.server_ip, AP2_ADDR);
    assert_int_equal(srv.client_ip, AP2_CLIENT);
    assert_int_equal(srv.netmask, AP2_MASK);
    /* The move itself is logged. */
    const struct axn_dhcp_server_request back = {ETH0, AP_ADDR, AP_CLIENT, AP_MASK};
    axn_test_clear_log();
    axn_ctl_dhcp_server_set(&T.st->ctl, &back);
    assert_non_null(strstr(axn_test_last_log(), "moves from ifindex 3 to ifindex 2"));
}

/* A removed interface's request is stale: never served. */
static void dhcp_server_request_goes_with_its_interface(void **state)
{
    (void)state;
    bring_up();
    const struct axn_wifi_mode m = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth1", &m), 0);
    assert_int_equal(axn_stack_remove_device(T.st, ETH1, NOW), 0);
    struct axn_dhcp_server_request srv;
    assert_int_equal(axn_ctl_dhcp_server_request(T.st, &srv), -AXN_ENOENT);
    assert_int_equal(switch_to("eth1", &m), -AXN_ENODEV);
}

/* ---- CTL-30: STA ----------------------------------------------------------------- */

/* No address, no routes, no DNS of its own; a DHCP client should start. */
static void sta_switch_clears_address_routes_and_dns_and_wants_dhcp(void **state)
{
    (void)state;
    bring_up();
    lease_on_eth0();
    const struct axn_wifi_mode m = sta_mode();
    assert_int_equal(switch_to("eth0", &m), 0);
    assert_int_equal(T.fw[0].connects, 1);
    const struct axn_iface_info it = by_index(ETH0);
    assert_false(it.has_ipv4);
    assert_int_equal(it.addr, 0);
    assert_int_equal(it.gateway, 0);
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(routes_of(ETH0, r, LIST_MAX), 0);
    assert_int_equal(axn_ctl_default_routes(T.st, r, LIST_MAX), 0);
    axn_ip4_t dns[AXN_MAX_DNS_ENTRIES];
    assert_int_equal(dns_list(dns), 2);
    assert_int_equal(dns[0], ETH1_DNS);
    assert_int_equal(dns[1], FALLBACK);
    assert_true(axn_ctl_iface_wants_dhcp(&T.st->ctl, ETH0));
    /* lo is untouched. */
    assert_int_equal(routes_of(LO, r, LIST_MAX), 1);
}

static void sta_switch_clears_only_its_own_dhcp_server(void **state)
{
    (void)state;
    bring_up();
    struct axn_wifi_mode m = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth1", &m), 0);
    m = sta_mode();
    assert_int_equal(switch_to("eth0", &m), 0);
    struct axn_dhcp_server_request srv;
    assert_int_equal(axn_ctl_dhcp_server_request(T.st, &srv), 0);
    assert_int_equal(srv.ifindex, ETH1);
    assert_int_equal(switch_to("eth1", &m), 0);
    assert_int_equal(axn_ctl_dhcp_server_request(T.st, &srv), -AXN_ENOENT);
    assert_true(axn_ctl_iface_wants_dhcp(&T.st->ctl, ETH1));
}

/* AP, then back to STA, then AP again: each role is whole. */
static void roles_switch_back_and_forth(void **state)
{
    (void)state;
    bring_up();
    struct axn_wifi_mode m = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth0", &m), 0);
    m = sta_mode();
    assert_int_equal(switch_to("eth0", &m), 0);
    assert_false(by_index(ETH0).has_ipv4);
    m = ap_mode(AP2_ADDR, AP2_PREFIX, 0);
    assert_int_equal(switch_to("eth0", &m), 0);
    assert_int_equal(by_index(ETH0).addr, AP2_ADDR);
    assert_false(axn_ctl_iface_wants_dhcp(&T.st->ctl, ETH0));
    struct axn_route_info r[LIST_MAX];
    assert_int_equal(routes_of(ETH0, r, LIST_MAX), 1);
}

/* ---- CTL-15: the MAC the switch changed ------------------------------------------ */

/* The firmware gives the NIC a new MAC; the switch wakes the device and
 * asks for a poll, after which the registry shows it. */
static void mac_changed_by_the_switch_shows_after_a_poll(void **state)
{
    (void)state;
    bring_up();
    axn_stack_poll(T.st, NOW);
    assert_false(axn_stack_poll_pending(T.st));
    T.fw[0].change_mac = true;
    T.fw[0].mac_after = ap_mac;
    const struct axn_wifi_mode m = ap_mode(AP_ADDR, AP_PREFIX, AP_CLIENT);
    assert_int_equal(switch_to("eth0", &m), 0);
    assert_true(axn_stack_poll_pending(T.st));
    axn_stack_poll(T.st, NOW);
    const struct axn_iface_info it = by_index(ETH0);
    assert_true(it.has_mac);
    assert_memory_equal(it.mac.b, ap_mac.b, AXN_MAC_LEN);
    assert_memory_equal(by_index(ETH1).mac.b, eth1_mac.b, AXN_MAC_LEN);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(register_refuses_bad_names_and_missing_ops),
        TEST(register_upserts_by_name),
        TEST(register_refuses_a_name_too_many_but_still_replaces),
        TEST(reconfigure_needs_a_handle_and_an_ethernet_interface),
        TEST(reconfigure_refuses_bad_modes),
        TEST(firmware_runs_with_no_stack_lock_held),
        TEST(sta_without_password_joins_an_open_network),
        TEST(firmware_failure_changes_nothing),
        TEST(interface_removed_during_the_firmware_call_is_enodev),
        TEST(handle_without_the_op_is_eopnotsupp),
        TEST(ap_switch_sets_address_and_connected_route_only),
        TEST(ap_switch_drops_every_dns_server_of_the_interface),
        TEST(ap_switch_records_the_dhcp_server_with_its_mask),
        TEST(ap_switch_without_client_clears_only_its_own_server),
        TEST(dhcp_server_moves_to_the_last_ap_with_a_client),
        TEST(dhcp_server_request_goes_with_its_interface),
        TEST(sta_switch_clears_address_routes_and_dns_and_wants_dhcp),
        TEST(sta_switch_clears_only_its_own_dhcp_server),
        TEST(roles_switch_back_and_forth),
        TEST(mac_changed_by_the_switch_shows_after_a_poll),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
