/*
 * The public counter query (axnet/snmp.h): one copy under the core lock,
 * which serialises the IP layer that keeps them.
 */
#include "axnet/snmp.h"
#include "core/stack_impl.h"
#include "ip/ip4.h"
#include "lib/mem.h"

void axn_ctl_snmp(struct axn_stack *st, struct axn_snmp *out)
{
    memset(out, 0, sizeof(*out));
    st->plat->mutex_lock(st->core_lock);
    axn_ip4_snmp(st->ip4, out);
    st->plat->mutex_unlock(st->core_lock);
}
