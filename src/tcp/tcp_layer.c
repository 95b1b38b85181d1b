/*
 * The TCP layer of one stack (tcp.h): made with the socket layer, it keeps
 * the RFC 6528 ISN secret, the RFC 6056 port table, the 4-tuple hash, and
 * registers TCP's input, ICMP-error and timer handlers with IPv4. Its
 * destruction frees the connections no socket owns any more (orphans
 * finishing their close, TIME-WAIT): sockets are closed before it.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
#include "tcp/tcp_sock.h"

static void hash_free(struct axn_tcp_layer *l)
{
    if (l->hash)
        l->plat->free(l->plat->ctx, l->hash, sizeof(*l->hash) * l->hash_buckets);
    l->hash = NULL;
    axn_tcp_timer_heap_free(l);
}

static int layer_alloc(struct axn_stack *st, struct axn_tcp_layer **out)
{
    const struct axn_platform *plat = st->plat;
    struct axn_tcp_layer *l = plat->alloc(plat->ctx, sizeof(*l), _Alignof(struct axn_tcp_layer));
    if (!l)
        return -AXN_ENOMEM;
    memset(l, 0, sizeof(*l));
    l->st = st;
    l->ip = st->ip4;
    l->plat = plat;
    axn_tcp_settings_defaults(l);
    /* The 4-tuple hash starts at AXN_TCP_HASH_BUCKETS and doubles as
     * connections come (tcp_table.c). */
    l->hash_buckets = AXN_TCP_HASH_BUCKETS;
    const size_t hash_bytes = sizeof(*l->hash) * l->hash_buckets;
    l->hash = plat->alloc(plat->ctx, hash_bytes, _Alignof(struct axn_tcp_conn *));
    int err = l->hash ? 0 : -AXN_ENOMEM;
    if (!err) {
        memset(l->hash, 0, hash_bytes);
        err = axn_tcp_isn_init(&l->isn, plat);
    }
    if (!err)
        err = plat->random(plat->ctx, l->hash_key, sizeof(l->hash_key));
    if (!err)
        err = axn_tcp_ports_init(&l->ports, plat);
    if (err) {
        hash_free(l);
        plat->free(plat->ctx, l, sizeof(*l));
        return err;
    }
    *out = l;
    return 0;
}

static void unregister(struct axn_tcp_layer *l)
{
    if (!l->ip)
        return;
    axn_ip4_set_proto_handler(l->ip, AXN_TCP_PROTO, NULL, NULL);
    axn_ip4_set_err_handler(l->ip, AXN_TCP_PROTO, NULL, NULL);
    axn_ip4_set_timer_handler(l->ip, AXN_TCP_PROTO, NULL, NULL);
}

static void layer_destroy(struct axn_stack *st, void *state)
{
    (void)st;
    struct axn_tcp_layer *l = state;
    if (!l)
        return;
    unregister(l);
    /* Orphans and TIME-WAIT: no socket holds them any more. */
    while (l->all)
        axn_tcp_conn_free(l->all);
    hash_free(l);
    l->plat->free(l->plat->ctx, l, sizeof(*l));
}

static int layer_register(struct axn_tcp_layer *l)
{
    if (!l->ip)
        return 0;
    int err = axn_ip4_set_proto_handler(l->ip, AXN_TCP_PROTO, axn_tcp_input, l);
    if (!err)
        err = axn_ip4_set_err_handler(l->ip, AXN_TCP_PROTO, axn_tcp_err, l);
    if (!err)
        err = axn_ip4_set_timer_handler(l->ip, AXN_TCP_PROTO, axn_tcp_layer_timer, l);
    return err;
}

int axn_tcp_layer_init(struct axn_stack *st, void **state)
{
    struct axn_tcp_layer *l;
    int err = layer_alloc(st, &l);
    if (err)
        return err;
    err = layer_register(l);
    if (err) {
        layer_destroy(st, l);
        return err;
    }
    *state = l;
    return 0;
}

void axn_tcp_layer_destroy(struct axn_stack *st, void *state)
{
    layer_destroy(st, state);
}

struct axn_tcp_layer *axn_tcp_layer_of(struct axn_stack *st)
{
    return st && st->socks ? axn_sock_proto_state(st, &axn_tcp_proto) : NULL;
}

void axn_tcp_snmp(struct axn_stack *st, struct axn_snmp_tcp *tcp, struct axn_snmp_tcp_ext *ext)
{
    st->plat->mutex_lock(st->core_lock);
    const struct axn_tcp_layer *l = axn_tcp_layer_of(st);
    if (l) {
        if (tcp)
            *tcp = l->stats;
        if (ext)
            *ext = l->ext;
    } else {
        if (tcp)
            memset(tcp, 0, sizeof(*tcp));
        if (ext)
            memset(ext, 0, sizeof(*ext));
    }
    st->plat->mutex_unlock(st->core_lock);
}
