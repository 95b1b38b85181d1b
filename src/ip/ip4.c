/*
 * The IPv4 layer's lifecycle, handler registration and timers (ip4.h).
 */
#include "axnet/errno.h"
#include "ip/icmp4.h"
#include "ip/ip4.h"
#include "lib/mem.h"
#include "route/router.h"

/* ---- Lifecycle ----------------------------------------------------------------- */

static void free_buffers(struct axn_ip4 *ip)
{
    const struct axn_platform *plat = ip->plat;
    plat->free(plat->ctx, ip->tx_buf, AXN_IPV4_TOTAL_MAX);
    plat->free(plat->ctx, ip->frag_buf, AXN_PKT_SLOT_SIZE);
}

static int init_parts(struct axn_ip4 *ip)
{
    const struct axn_platform *plat = ip->plat;
    ip->tx_buf = plat->alloc(plat->ctx, AXN_IPV4_TOTAL_MAX, sizeof(uint32_t));
    ip->frag_buf = plat->alloc(plat->ctx, AXN_PKT_SLOT_SIZE, sizeof(uint32_t));
    if (!ip->tx_buf || !ip->frag_buf)
        return -AXN_ENOMEM;
    int err = axn_ip4_id_init(&ip->ids, plat);
    if (err)
        return err;
    return axn_ip4_reasm_init(&ip->reasm, plat);
}

int axn_ip4_create(const struct axn_platform *plat, struct axn_ctl *ctl, struct axn_router *router,
                   struct axn_ip4 **out)
{
    struct axn_ip4 *ip = plat->alloc(plat->ctx, sizeof(*ip), _Alignof(struct axn_ip4));
    if (!ip)
        return -AXN_ENOMEM;
    ip->plat = plat;
    ip->ctl = ctl;
    ip->router = router;
    ip->echo_ignore_broadcasts = AXN_ICMP_ECHO_IGNORE_BROADCASTS != 0;
    axn_icmp4_rate_init(&ip->rate, AXN_ICMP_MSGS_PER_SEC, AXN_ICMP_MSGS_BURST);
    int err = init_parts(ip);
    if (err) {
        free_buffers(ip);
        plat->free(plat->ctx, ip, sizeof(*ip));
        return err;
    }
    *out = ip;
    return 0;
}

void axn_ip4_destroy(struct axn_ip4 *ip)
{
    if (!ip)
        return;
    axn_ip4_reasm_destroy(&ip->reasm);
    free_buffers(ip);
    ip->plat->free(ip->plat->ctx, ip, sizeof(*ip));
}

/* ---- Registration --------------------------------------------------------------- */

const struct axn_ip4_handler *axn_ip4_handler_for(const struct axn_ip4 *ip, uint8_t protocol)
{
    for (size_t i = 0; i < ip->n_handlers; i++) {
        if (ip->handlers[i].protocol == protocol)
            return &ip->handlers[i];
    }
    return NULL;
}

/* The entry for `protocol`, made if `create`; NULL when full or absent. */
static struct axn_ip4_handler *slot_for(struct axn_ip4 *ip, uint8_t protocol, bool create)
{
    struct axn_ip4_handler *h = (struct axn_ip4_handler *)axn_ip4_handler_for(ip, protocol);
    if (h || !create || ip->n_handlers == AXN_IP4_MAX_PROTO_HANDLERS)
        return h;
    h = &ip->handlers[ip->n_handlers++];
    memset(h, 0, sizeof(*h));
    h->protocol = protocol;
    return h;
}

/* An entry with neither handler goes, so unregistering frees its room. */
static void compact(struct axn_ip4 *ip)
{
    size_t kept = 0;
    for (size_t i = 0; i < ip->n_handlers; i++) {
        const struct axn_ip4_handler *h = &ip->handlers[i];
        if (h->input || h->err || h->timer)
            ip->handlers[kept++] = ip->handlers[i];
    }
    ip->n_handlers = kept;
}

int axn_ip4_set_proto_handler(struct axn_ip4 *ip, uint8_t protocol, axn_ip4_proto_fn fn, void *ctx)
{
    if (protocol == AXN_IPPROTO_ICMP)
        return -AXN_EINVAL;
    struct axn_ip4_handler *h = slot_for(ip, protocol, fn != NULL);
    if (!h)
        return fn ? -AXN_ENOSPC : 0;
    h->input = fn;
    h->input_ctx = ctx;
    compact(ip);
    return 0;
}

int axn_ip4_set_err_handler(struct axn_ip4 *ip, uint8_t protocol, axn_ip4_err_fn fn, void *ctx)
{
    struct axn_ip4_handler *h = slot_for(ip, protocol, fn != NULL);
    if (!h)
        return fn ? -AXN_ENOSPC : 0;
    h->err = fn;
    h->err_ctx = ctx;
    compact(ip);
    return 0;
}

int axn_ip4_set_timer_handler(struct axn_ip4 *ip, uint8_t protocol, axn_ip4_timer_fn fn, void *ctx)
{
    struct axn_ip4_handler *h = slot_for(ip, protocol, fn != NULL);
    if (!h)
        return fn ? -AXN_ENOSPC : 0;
    h->timer = fn;
    h->timer_ctx = ctx;
    compact(ip);
    return 0;
}

void axn_ip4_set_echo_reply_handler(struct axn_ip4 *ip, axn_icmp4_echo_fn fn, void *ctx)
{
    ip->echo_reply = fn;
    ip->echo_reply_ctx = ctx;
}

/* ---- Timers ------------------------------------------------------------------------ */

/* RFC 1122 3.3.2 / RFC 792: a reassembly that timed out after its first
 * fragment came earns its sender a Time Exceeded, code 1. */
static void reasm_timed_out(void *ctx, const uint8_t *first, size_t len, axn_time_t now)
{
    struct axn_ip4 *ip = ctx;
    (void)axn_icmp4_send_error(ip, AXN_ICMP4_TIME_EXCEEDED, AXN_ICMP4_EXC_FRAGTIME, first, len,
                               now);
}

axn_time_t axn_ip4_poll(void *ctx, axn_time_t now)
{
    struct axn_ip4 *ip = ctx;
    axn_time_t next = axn_ip4_reasm_expire(&ip->reasm, now, reasm_timed_out, ip);
    for (size_t i = 0; i < ip->n_handlers; i++) {
        const struct axn_ip4_handler *h = &ip->handlers[i];
        if (!h->timer)
            continue;
        const axn_time_t t = h->timer(h->timer_ctx, now);
        if (t < next)
            next = t;
    }
    return next;
}

/* ---- Counters ---------------------------------------------------------------------- */

void axn_ip4_snmp(const struct axn_ip4 *ip, struct axn_snmp *out)
{
    out->ip = ip->stats;
    out->icmp = ip->icmp;
    const struct axn_ip4_reasm_stats *r = &ip->reasm.stats;
    out->ip.reasm_reqds = r->reqds;
    out->ip.reasm_oks = r->oks;
    out->ip.reasm_fails = r->fails;
    out->ip.reasm_timeout = r->timeouts;
    out->ip.out_no_routes += atomic_load(&ip->router->ip_out_no_routes);
}
