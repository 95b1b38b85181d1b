/*
 * The UDP layer of one stack (udp.h): made with the socket layer, it
 * registers UDP's input and ICMP-error handlers with IPv4 and keeps the
 * "Udp:" counters of /proc/net/snmp.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
#include "udp/udp.h"
#include "wire/udp.h"

int axn_udp_layer_init(struct axn_stack *st, void **state)
{
    struct axn_udp_layer *l;
    int err = axn_udp_layer_create(st->plat, &l);
    if (err)
        return err;
    l->st = st;
    l->ip = st->ip4;
    if (l->ip) {
        err = axn_ip4_set_proto_handler(l->ip, AXN_UDP_PROTO, axn_udp_input, l);
        if (!err)
            err = axn_ip4_set_err_handler(l->ip, AXN_UDP_PROTO, axn_udp_err, l);
    }
    if (err) {
        axn_udp_layer_destroy(st, l);
        return err;
    }
    *state = l;
    return 0;
}

void axn_udp_layer_destroy(struct axn_stack *st, void *state)
{
    struct axn_udp_layer *l = state;
    if (!l)
        return;
    if (st->ip4) {
        axn_ip4_set_proto_handler(st->ip4, AXN_UDP_PROTO, NULL, NULL);
        axn_ip4_set_err_handler(st->ip4, AXN_UDP_PROTO, NULL, NULL);
    }
    axn_udp_layer_free(l);
}

void axn_udp_snmp(struct axn_stack *st, struct axn_snmp_udp *out)
{
    st->plat->mutex_lock(st->core_lock);
    const struct axn_udp_layer *l = axn_sock_proto_state(st, &axn_udp_proto);
    if (l)
        *out = l->stats;
    else
        memset(out, 0, sizeof(*out));
    st->plat->mutex_unlock(st->core_lock);
}
