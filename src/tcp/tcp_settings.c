/*
 * The stack's net.ipv4.tcp_* settings (axnet/tcp.h): Linux's defaults at
 * creation, read and replaced under the core lock.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
#include "tcp/tcp.h"
#include "tcp/tcp_cc.h"

/* tcp_ecn and tcp_syncookies take 0, 1 or 2. */
#define SETTINGS_TRISTATE_MAX 2

void axn_tcp_settings_defaults(struct axn_tcp_layer *l)
{
    struct axn_tcp_settings *s = &l->cfg;
    const char *name;

    memset(s, 0, sizeof(*s));
    s->window_scaling = true;
    s->timestamps = true;
    s->sack = true;
    s->dsack = true;
    s->ecn = AXN_TCP_ECN_DEFAULT;
    s->syncookies = AXN_TCP_SYNCOOKIES_DEFAULT;
    s->moderate_rcvbuf = true;
    s->rmem[0] = AXN_TCP_RMEM_MIN;
    s->rmem[1] = AXN_TCP_RCVBUF_DEFAULT;
    s->rmem[2] = AXN_TCP_RMEM_MAX;
    s->wmem[0] = AXN_TCP_WMEM_MIN;
    s->wmem[1] = AXN_TCP_SNDBUF_DEFAULT;
    s->wmem[2] = AXN_TCP_WMEM_MAX;
    l->default_cc = axn_tcp_cc_default();
    name = l->default_cc->name;
    for (size_t i = 0; i + 1 < AXN_TCP_CA_NAME_MAX && name[i] != '\0'; i++) {
        s->congestion_control[i] = name[i];
    }
}

static bool mem_ordered(const uint32_t m[3])
{
    return m[0] > 0 && m[0] <= m[1] && m[1] <= m[2];
}

static int settings_check(const struct axn_tcp_settings *in, const struct axn_tcp_cc_ops **cc)
{
    if (!mem_ordered(in->rmem) || !mem_ordered(in->wmem) || in->ecn > SETTINGS_TRISTATE_MAX ||
        in->syncookies > SETTINGS_TRISTATE_MAX) {
        return -AXN_EINVAL;
    }
    *cc = axn_tcp_cc_find(in->congestion_control);
    return *cc != NULL ? 0 : -AXN_ENOENT;
}

int axn_tcp_get_settings(struct axn_stack *st, struct axn_tcp_settings *out)
{
    int err = -AXN_ENOENT;

    st->plat->mutex_lock(st->core_lock);
    const struct axn_tcp_layer *l = axn_tcp_layer_of(st);
    if (l != NULL) {
        *out = l->cfg;
        err = 0;
    }
    st->plat->mutex_unlock(st->core_lock);
    return err;
}

int axn_tcp_set_settings(struct axn_stack *st, const struct axn_tcp_settings *in)
{
    const struct axn_tcp_cc_ops *cc = NULL;
    int err = settings_check(in, &cc);

    st->plat->mutex_lock(st->core_lock);
    struct axn_tcp_layer *l = axn_tcp_layer_of(st);
    if (l == NULL) {
        err = -AXN_ENOENT;
    }
    if (err == 0) {
        l->cfg = *in;
        l->cfg.congestion_control[AXN_TCP_CA_NAME_MAX - 1] = '\0';
        l->default_cc = cc;
    }
    st->plat->mutex_unlock(st->core_lock);
    return err;
}
