/*
 * The congestion controls this build has, found by name (TCP_CONGESTION,
 * net.ipv4.tcp_congestion_control).
 */
#include "tcp/tcp_cc.h"

#include <stdbool.h>
#include <stddef.h>

#include "axnet/tcp.h"

static const struct axn_tcp_cc_ops *const cc_all[] = {
    &axn_tcp_cc_newreno,
};

#define CC_COUNT (sizeof(cc_all) / sizeof(cc_all[0]))

/* Whether `name` (at most AXN_TCP_CA_NAME_MAX bytes read, NUL-terminated
 * within them or not) is `known`. The core has no strcmp (lib/mem.h). */
static bool name_is(const char *known, const char *name)
{
    for (size_t i = 0; i < AXN_TCP_CA_NAME_MAX; i++) {
        if (known[i] != name[i]) {
            return false;
        }
        if (known[i] == '\0') {
            return true;
        }
    }
    return false;
}

const struct axn_tcp_cc_ops *axn_tcp_cc_find(const char *name)
{
    for (size_t i = 0; i < CC_COUNT; i++) {
        if (name_is(cc_all[i]->name, name)) {
            return cc_all[i];
        }
    }
    return NULL;
}

const struct axn_tcp_cc_ops *axn_tcp_cc_default(void)
{
    const struct axn_tcp_cc_ops *cc = axn_tcp_cc_find(AXN_TCP_CC_DEFAULT);

    return cc != NULL ? cc : &axn_tcp_cc_newreno;
}

const char *axn_tcp_available_congestion_control(void)
{
    return "reno";
}
