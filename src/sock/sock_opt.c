/*
 * SOL_SOCKET options every socket has (spec §12, socket(7)), with Linux's
 * get/set semantics and errno (net/core/sock.c sk_setsockopt,
 * sk_getsockopt), and the int conventions transports share.
 */
#include "axnet/errno.h"
#include "core/stack_impl.h"
#include "lib/mem.h"
#include "sock/sock_layer.h"

/* Smallest buffers Linux allows (SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF: one
 * 2048-byte packet plus an sk_buff, twice that for sending). */
#define SOCK_MIN_RCVBUF 2304
#define SOCK_MIN_SNDBUF 4608
/* Linux stores min(val, INT_MAX / 2) * 2. */
#define SOCK_BUF_HALF_MAX (INT32_MAX / 2)
/* SO_PRIORITY an unprivileged Linux process may set. */
#define SOCK_PRIO_UNPRIV_MAX 6

/* ---- Int conventions --------------------------------------------------------- */

int axn_sock_opt_int(const void *val, axn_socklen_t len, int *out)
{
    if (!val || len < sizeof(int))
        return -AXN_EINVAL;
    memcpy(out, val, sizeof(int));
    return 0;
}

int axn_sock_opt_ip_int(const void *val, axn_socklen_t len, int *out)
{
    if (!val || len == 0)
        return -AXN_EINVAL;
    if (len >= sizeof(int)) {
        memcpy(out, val, sizeof(int));
        return 0;
    }
    *out = *(const unsigned char *)val;
    return 0;
}

int axn_sock_opt_put(void *val, axn_socklen_t *len, const void *v, size_t size)
{
    if (!len || (!val && *len > 0))
        return -AXN_EINVAL;
    if (*len > size)
        *len = (axn_socklen_t)size;
    if (*len > 0)
        memcpy(val, v, *len);
    return 0;
}

int axn_sock_opt_put_int(void *val, axn_socklen_t *len, int v)
{
    return axn_sock_opt_put(val, len, &v, sizeof(v));
}

int axn_sock_opt_put_ip_int(void *val, axn_socklen_t *len, int v)
{
    if (len && val && *len > 0 && *len < sizeof(int) && v >= 0 && v <= (int)UINT8_MAX) {
        const unsigned char c = (unsigned char)v;
        *len = 1;
        memcpy(val, &c, 1);
        return 0;
    }
    return axn_sock_opt_put_int(val, len, v);
}

/* ---- Interfaces -------------------------------------------------------------- */

bool axn_sock_iface_exists(struct axn_stack *st, uint32_t ifindex)
{
    unsigned long irq = axn_ctl_lock(&st->ctl);
    const bool found = axn_ctl_find_locked(&st->ctl, ifindex) != NULL;
    axn_ctl_unlock(&st->ctl, irq);
    return found;
}

static bool iface_by_name(struct axn_stack *st, const char *name, uint32_t *ifindex)
{
    unsigned long irq = axn_ctl_lock(&st->ctl);
    const struct axn_iface_info *i = axn_ctl_find_name_locked(&st->ctl, name);
    if (i)
        *ifindex = i->ifindex;
    axn_ctl_unlock(&st->ctl, irq);
    return i != NULL;
}

static bool iface_name(struct axn_stack *st, uint32_t ifindex, char name[AXN_IFNAMSIZ])
{
    unsigned long irq = axn_ctl_lock(&st->ctl);
    const struct axn_iface_info *i = axn_ctl_find_locked(&st->ctl, ifindex);
    if (i)
        memcpy(name, i->name, AXN_IFNAMSIZ);
    axn_ctl_unlock(&st->ctl, irq);
    return i != NULL;
}

/* ---- Set ----------------------------------------------------------------------- */

/* sock_setbindtodevice: at most IFNAMSIZ-1 bytes of name; "" or an
 * optlen of 0 unbinds. */
static int set_bindtodevice(struct axn_socket *s, const void *val, axn_socklen_t len)
{
    char name[AXN_IFNAMSIZ];
    memset(name, 0, sizeof(name));
    if (len > AXN_IFNAMSIZ - 1)
        len = AXN_IFNAMSIZ - 1;
    if (len > 0 && !val)
        return -AXN_EINVAL;
    if (len > 0)
        memcpy(name, val, len);
    uint32_t ifindex = 0;
    if (name[0] != '\0' && !iface_by_name(s->st, name, &ifindex))
        return -AXN_ENODEV;
    s->opt.bound_ifindex = ifindex;
    return 0;
}

/* sock_bindtoindex_locked. */
static int set_bindtoifindex(struct axn_socket *s, int v)
{
    if (v < 0)
        return -AXN_EINVAL;
    if (v != 0 && !axn_sock_iface_exists(s->st, (uint32_t)v))
        return -AXN_ENODEV;
    s->opt.bound_ifindex = (uint32_t)v;
    return 0;
}

/* sock_set_timeout: usec out of range is EDOM, a negative tv_sec means
 * "do not wait" (with a warning on Linux), {0, 0} forever. Kept in
 * microseconds, not rounded to jiffies. */
static int set_timeo(axn_time_t *out, const void *val, axn_socklen_t len)
{
    struct axn_timeval tv;
    if (!val || len < sizeof(tv))
        return -AXN_EINVAL;
    memcpy(&tv, val, sizeof(tv));
    if (tv.tv_usec < 0 || tv.tv_usec >= (int64_t)AXN_USEC_PER_SEC)
        return -AXN_EDOM;
    if (tv.tv_sec < 0) {
        *out = AXN_SOCK_TIMEO_NOWAIT;
        return 0;
    }
    /* Past what microseconds hold: forever, as Linux's MAX_SCHEDULE_TIMEOUT. */
    if ((uint64_t)tv.tv_sec >= (AXN_TIME_NEVER - 1) / AXN_USEC_PER_SEC - 1) {
        *out = 0;
        return 0;
    }
    *out = (axn_time_t)tv.tv_sec * AXN_USEC_PER_SEC + (axn_time_t)tv.tv_usec;
    return 0;
}

/* SO_LINGER: l_linger changes only with l_onoff set (sk_setsockopt). */
static int set_linger(struct axn_socket *s, const void *val, axn_socklen_t len)
{
    struct axn_linger l;
    if (len < sizeof(l))
        return -AXN_EINVAL;
    memcpy(&l, val, sizeof(l));
    s->opt.linger.l_onoff = l.l_onoff != 0;
    if (l.l_onoff)
        s->opt.linger.l_linger = l.l_linger;
    return 0;
}

/* Linux's doubling: min(v, max) as unsigned (a negative v is huge), at
 * most INT_MAX / 2, doubled, at least the minimum. */
static int buf_size(int v, uint32_t max, int min)
{
    uint32_t u = (uint32_t)v;
    if (u > max)
        u = max;
    if (u > SOCK_BUF_HALF_MAX)
        u = SOCK_BUF_HALF_MAX;
    const int doubled = (int)(u * 2u);
    return doubled > min ? doubled : min;
}

/* The *BUFFORCE variants: no max, a negative value is 0. */
static int buf_force(int v, int min)
{
    return buf_size(v < 0 ? 0 : v, SOCK_BUF_HALF_MAX, min);
}

static int set_bool(struct axn_socket *s, int name, bool b)
{
    struct axn_sock_opts *o = &s->opt;
    switch (name) {
    case AXN_SO_REUSEADDR:
        o->reuseaddr = b;
        return 0;
    case AXN_SO_REUSEPORT:
        o->reuseport = b;
        return 0;
    case AXN_SO_BROADCAST:
        o->broadcast = b;
        return 0;
    case AXN_SO_KEEPALIVE:
        o->keepalive = b;
        return 0;
    case AXN_SO_DONTROUTE:
        o->dontroute = b;
        return 0;
    case AXN_SO_TIMESTAMP:
        o->timestamp = b;
        return 0;
    default:
        return -AXN_ENOPROTOOPT;
    }
}

/* A new SO_RCVBUF takes effect at once (Linux reads sk_rcvbuf at every
 * enqueue): the transport is told, so it can re-size its queue now. */
static int set_rcvbuf(struct axn_socket *s, int bytes)
{
    s->opt.rcvbuf = bytes;
    if (s->ops->rcvbuf_changed)
        s->ops->rcvbuf_changed(s);
    return 0;
}

static int set_int(struct axn_socket *s, int name, int v)
{
    struct axn_sock_opts *o = &s->opt;
    switch (name) {
    case AXN_SO_DEBUG:
        /* Needs CAP_NET_ADMIN to turn on; off is always allowed. */
        return v ? -AXN_EACCES : 0;
    case AXN_SO_SNDBUF:
        o->sndbuf = buf_size(v, AXN_SOCK_WMEM_MAX, SOCK_MIN_SNDBUF);
        axn_sock_wmem_limit_changed(s);
        return 0;
    case AXN_SO_RCVBUF:
        return set_rcvbuf(s, buf_size(v, AXN_SOCK_RMEM_MAX, SOCK_MIN_RCVBUF));
    case AXN_SO_SNDBUFFORCE:
        o->sndbuf = buf_force(v, SOCK_MIN_SNDBUF);
        axn_sock_wmem_limit_changed(s);
        return 0;
    case AXN_SO_RCVBUFFORCE:
        return set_rcvbuf(s, buf_force(v, SOCK_MIN_RCVBUF));
    case AXN_SO_PRIORITY:
        /* Above 6 needs CAP_NET_ADMIN; the value is kept on error. */
        if (v < 0 || v > SOCK_PRIO_UNPRIV_MAX)
            return -AXN_EPERM;
        o->priority = (uint32_t)v;
        return 0;
    case AXN_SO_RCVLOWAT:
        /* Negative is INT_MAX, 0 is 1. */
        o->rcvlowat = v < 0 ? INT32_MAX : (v ? v : 1);
        return 0;
    case AXN_SO_BINDTOIFINDEX:
        return set_bindtoifindex(s, v);
    default:
        return set_bool(s, name, v != 0);
    }
}

static int set_socket(struct axn_socket *s, int name, const void *val, axn_socklen_t len)
{
    if (name == AXN_SO_BINDTODEVICE)
        return set_bindtodevice(s, val, len);
    /* Every other option needs an int's worth (even unknown ones). */
    int v;
    int err = axn_sock_opt_int(val, len, &v);
    if (err)
        return err;
    switch (name) {
    case AXN_SO_RCVTIMEO:
        return set_timeo(&s->opt.rcvtimeo, val, len);
    case AXN_SO_SNDTIMEO:
        return set_timeo(&s->opt.sndtimeo, val, len);
    case AXN_SO_LINGER:
        return set_linger(s, val, len);
    default:
        return set_int(s, name, v);
    }
}

static bool is_ip_domain(const struct axn_socket *s)
{
    return s->domain == AXN_AF_INET || s->domain == AXN_AF_INET6;
}

int axn_sock_opt_set(struct axn_socket *s, int level, int name, const void *val, axn_socklen_t len)
{
    if (level == AXN_SOL_SOCKET)
        return set_socket(s, name, val, len);
    if (level == AXN_SOL_IP && is_ip_domain(s))
        return axn_sock_opt_set_ip(s, name, val, len);
    return -AXN_ENOPROTOOPT;
}

/* ---- Get ------------------------------------------------------------------------ */

/* sock_getbindtodevice: unbound reads as optlen 0; a bound name needs
 * IFNAMSIZ bytes of room and comes back NUL-terminated. */
static int get_bindtodevice(struct axn_socket *s, void *val, axn_socklen_t *len)
{
    if (s->opt.bound_ifindex == 0) {
        *len = 0;
        return 0;
    }
    char name[AXN_IFNAMSIZ];
    if (*len < AXN_IFNAMSIZ || !val)
        return -AXN_EINVAL;
    if (!iface_name(s->st, s->opt.bound_ifindex, name))
        return -AXN_ENODEV;
    size_t n = 0;
    while (n + 1 < AXN_IFNAMSIZ && name[n] != '\0')
        n++;
    name[n] = '\0';
    memcpy(val, name, n + 1);
    *len = (axn_socklen_t)(n + 1);
    return 0;
}

static int get_timeo(axn_time_t t, void *val, axn_socklen_t *len)
{
    struct axn_timeval tv = {0, 0};
    if (t != 0 && t != AXN_SOCK_TIMEO_NOWAIT) {
        tv.tv_sec = (int64_t)(t / AXN_USEC_PER_SEC);
        tv.tv_usec = (int64_t)(t % AXN_USEC_PER_SEC);
    }
    return axn_sock_opt_put(val, len, &tv, sizeof(tv));
}

/* The int-valued options; false if `name` is not one. */
/* The stored flags, -1 if `name` is not one. */
static int bool_value(const struct axn_sock_opts *o, int name)
{
    switch (name) {
    case AXN_SO_REUSEADDR:
        return o->reuseaddr;
    case AXN_SO_REUSEPORT:
        return o->reuseport;
    case AXN_SO_BROADCAST:
        return o->broadcast;
    case AXN_SO_KEEPALIVE:
        return o->keepalive;
    case AXN_SO_DONTROUTE:
        return o->dontroute;
    case AXN_SO_TIMESTAMP:
        return o->timestamp;
    default:
        return -1;
    }
}

/* The int-valued options; false if `name` is not one. */
static bool int_value(struct axn_socket *s, int name, int *v)
{
    const struct axn_sock_opts *o = &s->opt;
    /* SO_DEBUG is never on (unprivileged), SO_SNDLOWAT is fixed at 1, and
     * listening is a transport's state: one that listens answers
     * SO_ACCEPTCONN itself. */
    const int fixed = name == AXN_SO_SNDLOWAT ? 1 : 0;
    const int values[][2] = {
        {AXN_SO_TYPE, s->type},         {AXN_SO_PROTOCOL, s->protocol},
        {AXN_SO_DOMAIN, s->domain},     {AXN_SO_PRIORITY, (int)o->priority},
        {AXN_SO_SNDBUF, o->sndbuf},     {AXN_SO_RCVBUF, o->rcvbuf},
        {AXN_SO_RCVLOWAT, o->rcvlowat}, {AXN_SO_BINDTOIFINDEX, (int)o->bound_ifindex},
        {AXN_SO_DEBUG, fixed},          {AXN_SO_SNDLOWAT, fixed},
        {AXN_SO_ACCEPTCONN, fixed},
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        if (values[i][0] == name) {
            *v = values[i][1];
            return true;
        }
    }
    const int b = bool_value(o, name);
    *v = b;
    return b >= 0;
}

static int get_socket(struct axn_socket *s, int name, void *val, axn_socklen_t *len)
{
    int v;
    switch (name) {
    case AXN_SO_ERROR:
        /* Read and clear (sock_error). */
        v = s->so_error;
        s->so_error = 0;
        return axn_sock_opt_put_int(val, len, v);
    case AXN_SO_LINGER:
        return axn_sock_opt_put(val, len, &s->opt.linger, sizeof(s->opt.linger));
    case AXN_SO_RCVTIMEO:
        return get_timeo(s->opt.rcvtimeo, val, len);
    case AXN_SO_SNDTIMEO:
        return get_timeo(s->opt.sndtimeo, val, len);
    case AXN_SO_BINDTODEVICE:
        return get_bindtodevice(s, val, len);
    default:
        if (!int_value(s, name, &v))
            return -AXN_ENOPROTOOPT;
        return axn_sock_opt_put_int(val, len, v);
    }
}

/* Linux answers an unknown level with the protocol's own ENOPROTOOPT when
 * it is the transport's level, else do_ip_getsockopt's EOPNOTSUPP. */
static int unknown_level(const struct axn_socket *s, int level)
{
    const bool own = level == s->protocol || (s->type == AXN_SOCK_RAW && level == AXN_SOL_RAW);
    return own ? -AXN_ENOPROTOOPT : -AXN_EOPNOTSUPP;
}

int axn_sock_opt_get(struct axn_socket *s, int level, int name, void *val, axn_socklen_t *len)
{
    if (!len)
        return -AXN_EINVAL;
    if (level == AXN_SOL_SOCKET)
        return get_socket(s, name, val, len);
    if (level == AXN_SOL_IP && is_ip_domain(s))
        return axn_sock_opt_get_ip(s, name, val, len);
    return unknown_level(s, level);
}
