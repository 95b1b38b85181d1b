/*
 * The socket layer of one stack: the transports' per-stack state, the
 * sockets open on it, and interface news for them (sock_layer.h).
 */
#include "sock/sock_layer.h"

#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "lib/log.h"
#include "lib/mem.h"
#include "lib/tx_acct.h"

/* ---- Transports -------------------------------------------------------------- */

/* Slot k of the search order: the added transports, then the built-ins. */
static struct axn_sock_proto_slot *slot_at(struct axn_sock_layer *l, size_t k)
{
    if (k < l->n_extra)
        return &l->slots[k];
    return &l->slots[AXN_SOCK_MAX_EXTRA_PROTOS + (k - l->n_extra)];
}

static size_t n_searched(const struct axn_sock_layer *l)
{
    return l->n_extra + l->n_slots;
}

static int init_slot(struct axn_stack *st, struct axn_sock_proto_slot *slot,
                     const struct axn_sock_proto *p)
{
    slot->proto = p;
    slot->state = NULL;
    return p->layer_init ? p->layer_init(st, &slot->state) : 0;
}

int axn_sock_layer_add_proto(struct axn_stack *st, const struct axn_sock_proto *p)
{
    struct axn_sock_layer *l = st->socks;
    if (!p || !p->create)
        return -AXN_EINVAL;
    if (l->n_extra >= AXN_SOCK_MAX_EXTRA_PROTOS)
        return -AXN_ENOSPC;
    int err = init_slot(st, &l->slots[l->n_extra], p);
    if (err == 0)
        l->n_extra++;
    return err;
}

void *axn_sock_proto_state(struct axn_stack *st, const struct axn_sock_proto *p)
{
    struct axn_sock_layer *l = st->socks;
    for (size_t k = 0; k < n_searched(l); k++) {
        struct axn_sock_proto_slot *slot = slot_at(l, k);
        if (slot->proto == p)
            return slot->state;
    }
    return NULL;
}

static bool domain_known(struct axn_sock_layer *l, int domain)
{
    for (size_t k = 0; k < n_searched(l); k++) {
        if (slot_at(l, k)->proto->domain == domain)
            return true;
    }
    return false;
}

/* inet_create's match: an exact protocol (not 0), protocol 0 taking the
 * type's default, or a wildcard entry (-1, raw) taking any but 0. */
static bool proto_matches(const struct axn_sock_proto *p, int protocol)
{
    if (protocol == 0)
        return p->default_for_type;
    return p->protocol == protocol || p->protocol == -1;
}

int axn_sock_layer_find(struct axn_sock_layer *l, int domain, int type, int protocol,
                        const struct axn_sock_proto_slot **out)
{
    if (domain < 0 || domain >= AXN_AF_MAX)
        return -AXN_EAFNOSUPPORT;
    if (type < 0 || type >= AXN_SOCK_TYPE_MAX)
        return -AXN_EINVAL;
    if (!domain_known(l, domain))
        return -AXN_EAFNOSUPPORT;
    if (protocol < 0 || protocol >= AXN_IPPROTO_MAX)
        return -AXN_EINVAL;
    /* Linux: no entry of the type at all is ESOCKTNOSUPPORT; entries of
     * the type, none for this protocol, EPROTONOSUPPORT. */
    int err = -AXN_ESOCKTNOSUPPORT;
    for (size_t k = 0; k < n_searched(l); k++) {
        const struct axn_sock_proto_slot *slot = slot_at(l, k);
        if (slot->proto->domain != domain || slot->proto->type != type)
            continue;
        if (proto_matches(slot->proto, protocol)) {
            *out = slot;
            return 0;
        }
        err = -AXN_EPROTONOSUPPORT;
    }
    return err;
}

/* ---- Sockets ------------------------------------------------------------------ */

/* Linux defaults: sock_init_data and inet_create. */
static void default_opts(struct axn_sock_opts *o)
{
    o->rcvbuf = AXN_SOCK_RCVBUF_DEFAULT;
    o->sndbuf = AXN_SOCK_SNDBUF_DEFAULT;
    o->rcvlowat = 1;
    o->ip.mc_ttl = 1;
    o->ip.mc_loop = true;
    o->ip.pmtudisc = AXN_IP_PMTUDISC_WANT;
}

int axn_sock_alloc(struct axn_stack *st, size_t size, int domain, int type, int protocol,
                   const struct axn_sock_ops *ops, struct axn_socket **out)
{
    const struct axn_platform *plat = st->plat;
    struct axn_sock_layer *l = st->socks;
    if (size < sizeof(struct axn_socket))
        return -AXN_EINVAL;
    struct axn_socket *s = plat->alloc(plat->ctx, size, _Alignof(max_align_t));
    if (!s)
        return -AXN_ENOMEM;
    memset(s, 0, size);
    if (plat->waitq_create(plat->ctx, &s->waitq) != 0) {
        plat->free(plat->ctx, s, size);
        return -AXN_ENOMEM;
    }
    if (axn_tx_acct_create(plat, &s->wmem) != 0) {
        plat->waitq_destroy(plat->ctx, s->waitq);
        plat->free(plat->ctx, s, size);
        return -AXN_ENOMEM;
    }
    s->ops = ops;
    s->st = st;
    s->domain = domain;
    s->type = type;
    s->protocol = protocol;
    s->size = size;
    default_opts(&s->opt);
    axn_sock_wmem_limit_changed(s);
    s->next_in_stack = l->sockets;
    s->pprev_in_stack = &l->sockets;
    if (l->sockets)
        l->sockets->pprev_in_stack = &s->next_in_stack;
    l->sockets = s;
    l->n_sockets++;
    *out = s;
    return 0;
}

void axn_sock_layer_free(struct axn_sock_layer *l, struct axn_socket *s)
{
    const struct axn_platform *plat = l->st->plat;
    /* O(1): a stack with 100 000 sockets closes each without a walk. */
    if (s->pprev_in_stack) {
        *s->pprev_in_stack = s->next_in_stack;
        if (s->next_in_stack)
            s->next_in_stack->pprev_in_stack = s->pprev_in_stack;
        s->pprev_in_stack = NULL;
        l->n_sockets--;
    }
    plat->waitq_destroy(plat->ctx, s->waitq);
    axn_tx_acct_put(s->wmem); /* packets in flight keep it alive */
    plat->free(plat->ctx, s, s->size);
}

/* ---- Send buffer wake-ups ------------------------------------------------------- */

/* Linux sock_wfree -> sk_write_space: a release below half of SO_SNDBUF
 * (axn_router_tx_release, any thread) flagged its account; here, under
 * the core lock, its socket reports POLLOUT. */
void axn_sock_layer_wmem_wake(struct axn_stack *st)
{
    if (!st->socks || !atomic_exchange(&st->router.wmem_writable, 0u))
        return;
    for (struct axn_socket *s = st->socks->sockets; s; s = s->next_in_stack) {
        if (atomic_exchange(&s->wmem->writable, 0u) && axn_sock_writeable(s))
            axn_sock_notify(s, AXN_POLLOUT | AXN_POLLWRNORM | AXN_POLLWRBAND);
    }
}

/* ---- Interface news ------------------------------------------------------------ */

/* What a socket bound to the interface (SO_BINDTODEVICE) is told. Linux
 * reports these only when the next send looks up its route
 * (ip_route_output_key_hash: ENODEV for a vanished oif, ENETUNREACH for a
 * downed one); axnet also records them as the pending error, with
 * POLLERR, so a sleeper or epoll user learns at once. */
static int iface_event_error(enum axn_iface_event ev)
{
    switch (ev) {
    case AXN_IFACE_EV_REMOVED:
        return AXN_ENODEV;
    case AXN_IFACE_EV_LINK_DOWN:
        return AXN_ENETDOWN;
    default:
        return 0;
    }
}

void axn_sock_layer_iface_event(void *ctx, uint32_t ifindex, enum axn_iface_event ev,
                                axn_time_t now)
{
    (void)now;
    struct axn_sock_layer *l = ctx;
    const int err = iface_event_error(ev);
    if (err == 0 || ifindex == 0)
        return;
    for (struct axn_socket *s = l->sockets; s; s = s->next_in_stack) {
        if (s->opt.bound_ifindex == ifindex)
            axn_sock_set_error(s, err);
    }
}

/* ---- Lifecycle ------------------------------------------------------------------ */

static void destroy_slots(struct axn_sock_layer *l)
{
    for (size_t k = n_searched(l); k-- > 0;) {
        struct axn_sock_proto_slot *slot = slot_at(l, k);
        if (slot->proto->layer_destroy)
            slot->proto->layer_destroy(l->st, slot->state);
    }
    l->n_extra = 0;
    l->n_slots = 0;
}

static void layer_free(struct axn_stack *st, struct axn_sock_layer *l)
{
    const struct axn_platform *plat = st->plat;
    if (l->slots)
        plat->free(plat->ctx, l->slots,
                   (AXN_SOCK_MAX_EXTRA_PROTOS + axn_sock_protos_count) * sizeof(*l->slots));
    if (l->wake_lock)
        plat->spin_destroy(plat->ctx, l->wake_lock);
    plat->free(plat->ctx, l, sizeof(*l));
}

static int init_builtins(struct axn_stack *st, struct axn_sock_layer *l)
{
    for (size_t i = 0; i < axn_sock_protos_count; i++) {
        if (!axn_sock_protos[i])
            continue;
        struct axn_sock_proto_slot *slot = &l->slots[AXN_SOCK_MAX_EXTRA_PROTOS + l->n_slots];
        int err = init_slot(st, slot, axn_sock_protos[i]);
        if (err)
            return err;
        l->n_slots++;
    }
    return 0;
}

int axn_sock_layer_create(struct axn_stack *st)
{
    const struct axn_platform *plat = st->plat;
    struct axn_sock_layer *l = plat->alloc(plat->ctx, sizeof(*l), _Alignof(struct axn_sock_layer));
    if (!l)
        return -AXN_ENOMEM;
    memset(l, 0, sizeof(*l));
    l->st = st;
    st->socks = l;
    const size_t n = AXN_SOCK_MAX_EXTRA_PROTOS + axn_sock_protos_count;
    l->slots = plat->alloc(plat->ctx, n * sizeof(*l->slots), _Alignof(struct axn_sock_proto_slot));
    int err = l->slots ? plat->spin_create(plat->ctx, &l->wake_lock) : -AXN_ENOMEM;
    if (err == 0)
        err = init_builtins(st, l);
    if (err) {
        destroy_slots(l);
        layer_free(st, l);
        st->socks = NULL;
    }
    return err;
}

void axn_sock_layer_destroy(struct axn_stack *st)
{
    struct axn_sock_layer *l = st->socks;
    if (!l)
        return;
    /* A kernel closes its sockets before the stack; what is left is
     * force-closed, and said (not logged under the core lock). */
    if (l->n_sockets > 0)
        AXN_WARN(st->plat, "sock: %zu socket(s) still open at stack destroy, closing",
                 l->n_sockets);
    st->plat->mutex_lock(st->core_lock);
    while (l->sockets) {
        struct axn_socket *s = l->sockets;
        if (s->ops->close)
            s->ops->close(s);
        axn_sock_layer_free(l, s);
    }
    destroy_slots(l);
    st->plat->mutex_unlock(st->core_lock);
    layer_free(st, l);
    st->socks = NULL;
}
