/* The loopback placeholder device (src/dev/loopback.c, spec LO-1..3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "axnet/errno.h"
#include "dev/loopback.h"
#include "test_platform.h"

static struct axn_netdev *LO;
static struct axn_if_counters CTR;

static int setup(void **state)
{
    (void)state;
    memset(&CTR, 0, sizeof(CTR));
    return axn_loopback_create(axn_test_platform(), &CTR, &LO);
}

static int teardown(void **state)
{
    (void)state;
    LO->ops->destroy(LO);
    return axn_test_live_allocs() == 0 ? 0 : -1;
}

static void lo1_identity(void **state)
{
    (void)state;
    assert_int_equal(LO->ifindex, AXN_IFINDEX_LOOPBACK);
    assert_string_equal(LO->name, "lo");
    assert_int_equal(LO->kind, AXN_IFACE_LOOPBACK);
    assert_ptr_equal(LO->counters, &CTR);
    struct axn_mac mac;
    assert_false(LO->ops->mac(LO, &mac));
}

static void lo2_recv_returns_nothing_and_send_is_refused(void **state)
{
    (void)state;
    uint8_t buf[64] = {0};
    struct axn_rx_meta meta;
    assert_int_equal(LO->ops->recv(LO, buf, sizeof(buf), &meta, 0), 0);
    assert_int_equal(LO->ops->send(LO, AXN_LOOPBACK_ADDR, buf, sizeof(buf), 0), -AXN_EOPNOTSUPP);
    struct axn_link_stats s;
    axn_if_counters_read(&CTR, &s);
    assert_int_equal(s.tx_packets + s.rx_packets + s.tx_errors + s.tx_dropped, 0);
}

static void lo2_no_timers_no_wake_source_no_arp_entries(void **state)
{
    (void)state;
    const struct axn_ip4_cidr c = {.addr = AXN_LOOPBACK_ADDR, .prefix_len = AXN_LOOPBACK_PREFIX};
    LO->ops->set_ipv4(LO, &c, 0);
    LO->ops->tick(LO, 0);
    assert_int_equal(LO->ops->next_deadline(LO), AXN_TIME_NEVER);
    assert_false(LO->ops->has_wake_source(LO));
    struct axn_arp_entry e;
    assert_int_equal(LO->ops->arp_entries(LO, &e, 1, 0), 0); /* ETH-16 */
}

static void lo_create_reports_einval_and_enomem(void **state)
{
    (void)state;
    struct axn_netdev *dev = NULL;
    assert_int_equal(axn_loopback_create(NULL, NULL, &dev), -AXN_EINVAL);
    axn_test_fail_alloc_after(0);
    assert_int_equal(axn_loopback_create(axn_test_platform(), NULL, &dev), -AXN_ENOMEM);
    axn_test_fail_alloc_after(SIZE_MAX);
    assert_null(dev);
    /* Without router counters it still has some to count into. */
    assert_int_equal(axn_loopback_create(axn_test_platform(), NULL, &dev), 0);
    assert_non_null(dev->counters);
    dev->ops->destroy(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lo1_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(lo2_recv_returns_nothing_and_send_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(lo2_no_timers_no_wake_source_no_arp_entries, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(lo_create_reports_einval_and_enomem, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
