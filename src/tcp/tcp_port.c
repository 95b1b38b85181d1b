/*
 * RFC 6056 3.3.4 double-hash ephemeral port selection (tcp_port.h).
 */
#include "tcp/tcp_port.h"

#include "axnet/errno.h"
#include "lib/mem.h"

_Static_assert(AXN_TCP_EPHEMERAL_MIN > 0 && AXN_TCP_EPHEMERAL_MIN <= AXN_TCP_EPHEMERAL_MAX &&
                   AXN_TCP_EPHEMERAL_MAX <= UINT16_MAX,
               "AXN_TCP_EPHEMERAL_MIN..MAX must be a non-empty range of nonzero ports");
_Static_assert(AXN_TCP_PORT_TABLE > 0, "AXN_TCP_PORT_TABLE must be positive");
_Static_assert(AXN_TCP_PORT_MAX_PROBES > 0, "AXN_TCP_PORT_MAX_PROBES must be positive");

#define NUM_EPHEMERAL ((uint32_t)(AXN_TCP_EPHEMERAL_MAX - AXN_TCP_EPHEMERAL_MIN + 1))

int axn_tcp_ports_init(struct axn_tcp_ports *p, const struct axn_platform *plat)
{
    memset(p->table, 0, sizeof(p->table));
    int err = plat->random(plat->ctx, p->offset_key, sizeof(p->offset_key));
    if (err)
        return err;
    return plat->random(plat->ctx, p->index_key, sizeof(p->index_key));
}

static uint32_t probe_count(void)
{
    return NUM_EPHEMERAL < AXN_TCP_PORT_MAX_PROBES ? NUM_EPHEMERAL
                                                   : (uint32_t)AXN_TCP_PORT_MAX_PROBES;
}

int axn_tcp_port_pick(struct axn_tcp_ports *p, struct axn_tcp_tuple *t,
                      axn_tcp_port_free_fn is_free, void *arg)
{
    uint8_t msg[AXN_TCP_TUPLE_MAX];
    const size_t len = axn_tcp_tuple_bytes(t, false, msg);
    /* RFC 6056 3.3.4: offset = F(local_IP, remote_IP, remote_port,
     * secret_key1); index = G(same, secret_key2) % TABLE_LENGTH. */
    const uint64_t offset = axn_siphash24(p->offset_key, msg, len);
    uint32_t *inc = &p->table[axn_siphash24(p->index_key, msg, len) % AXN_TCP_PORT_TABLE];
    for (uint32_t n = probe_count(); n > 0; n--) {
        /* RFC 6056 3.3.4: port = min_ephemeral + (offset + table[index])
         * % num_ephemeral; table[index]++ whether or not it is taken. */
        t->local_port = (uint16_t)(AXN_TCP_EPHEMERAL_MIN + (offset + *inc) % NUM_EPHEMERAL);
        (*inc)++;
        if (is_free(arg, t))
            return 0;
    }
    return -AXN_EADDRNOTAVAIL;
}
