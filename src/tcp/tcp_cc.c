/*
 * The congestion controls this build has, found by name (TCP_CONGESTION,
 * net.ipv4.tcp_congestion_control), and the switch of a connection from
 * one to another.
 */
#include "tcp/tcp_cc.h"

#include <stdbool.h>
#include <stddef.h>

#include "axnet/tcp.h"
#include "lib/mem.h"

/* In Linux's registration order, as tcp_available_congestion_control
 * lists them. */
static const struct axn_tcp_cc_ops *const cc_all[] = {
    &axn_tcp_cc_newreno,
    &axn_tcp_cc_cubic,
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

/* States in which the handshake is done, so init has run. */
static bool cc_initialised(enum axn_tcp_state st)
{
    return st != AXN_TCP_CLOSED && st != AXN_TCP_LISTEN && st != AXN_TCP_SYN_SENT &&
           st != AXN_TCP_SYN_RECV;
}

void axn_tcp_cc_set(struct axn_tcp_conn *c, const struct axn_tcp_cc_ops *cc, axn_time_t now)
{
    uint32_t cwnd = c->cwnd;
    uint32_t ssthresh = c->ssthresh;

    if (c->cc == cc) {
        return;
    }
    c->cc = cc;
    if (!cc_initialised(c->state)) {
        return;
    }
    /* The old algorithm's words mean nothing to the new one. */
    memset(c->cc_priv, 0, sizeof(c->cc_priv));
    cc->init(c, now);
    c->cwnd = cwnd;
    c->ssthresh = ssthresh;
}

const char *axn_tcp_available_congestion_control(void)
{
    return "reno cubic";
}
