/*
 * The options TCP answers itself (tcp(7), Linux do_tcp_setsockopt /
 * do_tcp_getsockopt): SOL_TCP, SO_ACCEPTCONN, and the generic ones whose
 * value the connection carries (SO_KEEPALIVE, SO_*BUF, SO_BINDTODEVICE,
 * IP_TOS, IP_TTL, IP_MTU_DISCOVER): those are stored by the facade's
 * generic handler, called from here, then copied into the connection.
 */
#include "axnet/errno.h"
#include "lib/mem.h"
#include "sock/sock_layer.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_sock.h"

/* do_tcp_setsockopt's limits (include/net/tcp.h). */
#define TCP_MIN_USER_MSS      88    /* TCP_MIN_MSS */
#define TCP_MAX_USER_MSS      32767 /* MAX_TCP_WINDOW */
#define TCP_MAX_KEEPIDLE      32767 /* MAX_TCP_KEEPIDLE, seconds */
#define TCP_MAX_KEEPINTVL     32767 /* MAX_TCP_KEEPINTVL */
#define TCP_MAX_KEEPCNT       127   /* MAX_TCP_KEEPCNT */
#define TCP_MAX_SYNCNT        127   /* MAX_TCP_SYNCNT */
#define TCP_FIN_TIMEOUT_MAX_S 120   /* TCP_FIN_TIMEOUT_MAX / HZ */
/* TCP_DEFER_ACCEPT counts SYN-ACK retransmissions from the initial RTO
 * (1 s) doubling up to TCP_RTO_MAX (120 s); at most 255 of them. */
#define DEFER_TIMEOUT_INIT_S 1
#define DEFER_RTO_MAX_S      120
#define DEFER_MAX_RETRANS    255
/* RFC 3168 5: the two ECN bits of the TOS byte are TCP's to set, not the
 * user's (Linux do_ip_setsockopt masks them on SOCK_STREAM). */
#define TOS_ECN_MASK 0x03u

/* ---- TCP_DEFER_ACCEPT's seconds <-> retransmissions ------------------------------------ */

/* The next SYN-ACK timeout after `t` seconds (doubling, capped). */
static int next_timeout(int t)
{
    return t * 2 > DEFER_RTO_MAX_S ? DEFER_RTO_MAX_S : t * 2;
}

/* How many retransmissions it takes for their cumulative timeouts to
 * cover `secs` (0 for none). */
static uint8_t defer_retrans(int secs)
{
    if (secs <= 0)
        return 0;
    int timeout = DEFER_TIMEOUT_INIT_S;
    int covered = timeout;
    unsigned n = 1;
    while (covered < secs && n < DEFER_MAX_RETRANS) {
        timeout = next_timeout(timeout);
        covered += timeout;
        n++;
    }
    return (uint8_t)n;
}

/* The seconds `n` retransmissions cover (what getsockopt reports). */
static int defer_secs(uint8_t n)
{
    int timeout = DEFER_TIMEOUT_INIT_S;
    int covered = n ? timeout : 0;
    for (unsigned i = 1; i < n; i++) {
        timeout = next_timeout(timeout);
        covered += timeout;
    }
    return covered;
}

/* ---- setsockopt -------------------------------------------------------------------------- */

static bool keepalive_armed_state(enum axn_tcp_state st)
{
    return st != AXN_TCP_CLOSED && st != AXN_TCP_LISTEN;
}

/* tcp(7): the new keep-alive times apply from now. */
static void keepalive_rearm(struct axn_tcp_sock *ts)
{
    struct axn_tcp_conn *c = ts->conn;
    if (!keepalive_armed_state(c->state))
        return;
    if (c->keepalive)
        axn_tcp_keepalive_reset(c, axn_sock_now(&ts->base));
    else
        axn_tcp_timer_clear(c, AXN_TCP_T_KEEPALIVE);
}

static int in_range(int v, int lo, int hi)
{
    return v < lo || v > hi ? -AXN_EINVAL : 0;
}

static int set_maxseg(struct axn_tcp_conn *c, int v)
{
    /* tcp_sock_set_maxseg: 0 clears, otherwise TCP_MIN_MSS..MAX_TCP_WINDOW. */
    if (v && in_range(v, TCP_MIN_USER_MSS, TCP_MAX_USER_MSS))
        return -AXN_EINVAL;
    c->user_mss = (uint16_t)v;
    return 0;
}

static void set_linger2(struct axn_tcp_conn *c, int v)
{
    /* Negative: no FIN-WAIT-2 for orphans (reset at once). */
    if (v < 0)
        c->linger2_s = -1;
    else
        c->linger2_s = v > TCP_FIN_TIMEOUT_MAX_S ? TCP_FIN_TIMEOUT_MAX_S : v;
}

static void set_quickack(struct axn_tcp_sock *ts, int v)
{
    struct axn_tcp_conn *c = ts->conn;
    ts->quickack_off = (v & 1) == 0;
    if (ts->quickack_off)
        return;
    c->quickacks = AXN_TCP_QUICKACKS;
    if (c->delack_pending)
        axn_tcp_send_ack(c, axn_sock_now(&ts->base));
}

static void set_push_flag(struct axn_tcp_sock *ts, bool *flag, bool v, bool push_when)
{
    *flag = v;
    if (v == push_when && ts->conn->snd.buf)
        axn_tcp_output(ts->conn, axn_sock_now(&ts->base));
}

static int set_keep(struct axn_tcp_sock *ts, int name, int v)
{
    struct axn_tcp_conn *c = ts->conn;
    switch (name) {
    case AXN_TCP_KEEPIDLE:
        if (in_range(v, 1, TCP_MAX_KEEPIDLE))
            return -AXN_EINVAL;
        c->keepidle_s = (uint32_t)v;
        break;
    case AXN_TCP_KEEPINTVL:
        if (in_range(v, 1, TCP_MAX_KEEPINTVL))
            return -AXN_EINVAL;
        c->keepintvl_s = (uint32_t)v;
        break;
    default: /* TCP_KEEPCNT */
        if (in_range(v, 1, TCP_MAX_KEEPCNT))
            return -AXN_EINVAL;
        c->keepcnt = (uint8_t)v;
        return 0;
    }
    keepalive_rearm(ts);
    return 0;
}

static int set_tcp_int(struct axn_tcp_sock *ts, int name, int v)
{
    struct axn_tcp_conn *c = ts->conn;
    switch (name) {
    case AXN_TCP_NODELAY: /* on: what Nagle held goes now */
        set_push_flag(ts, &c->nodelay, v != 0, true);
        return 0;
    case AXN_TCP_CORK: /* off: what the cork held goes now */
        set_push_flag(ts, &c->cork, v != 0, false);
        return 0;
    case AXN_TCP_MAXSEG:
        return set_maxseg(c, v);
    case AXN_TCP_KEEPIDLE:
    case AXN_TCP_KEEPINTVL:
    case AXN_TCP_KEEPCNT:
        return set_keep(ts, name, v);
    case AXN_TCP_SYNCNT:
        if (in_range(v, 1, TCP_MAX_SYNCNT))
            return -AXN_EINVAL;
        c->syn_retries = (uint8_t)v;
        return 0;
    case AXN_TCP_LINGER2:
        set_linger2(c, v);
        return 0;
    case AXN_TCP_DEFER_ACCEPT:
        ts->defer_accept = defer_retrans(v);
        return 0;
    case AXN_TCP_QUICKACK:
        set_quickack(ts, v);
        return 0;
    case AXN_TCP_USER_TIMEOUT:
        if (v < 0)
            return -AXN_EINVAL;
        c->user_timeout_ms = (uint32_t)v;
        return 0;
    default:
        return -AXN_ENOPROTOOPT;
    }
}

/* tcp_set_congestion_control: a name of up to TCP_CA_NAME_MAX - 1 bytes
 * (ENOENT when no algorithm has it). An established connection switches
 * at once, keeping its window (axn_tcp_cc_set); a listener's choice goes
 * to its children (tcp_listen.c). */
static int set_congestion(struct axn_tcp_sock *ts, const void *val, axn_socklen_t len)
{
    if (len < 1 || !val)
        return -AXN_EINVAL;
    char name[AXN_TCP_CA_NAME_MAX];
    const size_t n = len < sizeof(name) - 1 ? len : sizeof(name) - 1;
    memset(name, 0, sizeof(name));
    memcpy(name, val, n);
    const struct axn_tcp_cc_ops *cc = axn_tcp_cc_find(name);
    if (!cc)
        return -AXN_ENOENT;
    axn_tcp_cc_set(ts->conn, cc, axn_sock_now(&ts->base));
    return 0;
}

/* do_tcp_getsockopt: the name NUL-padded to TCP_CA_NAME_MAX, of which
 * min(optlen, TCP_CA_NAME_MAX) bytes are copied. */
static int get_congestion(const struct axn_tcp_conn *c, void *val, axn_socklen_t *len)
{
    char name[AXN_TCP_CA_NAME_MAX];
    memset(name, 0, sizeof(name));
    for (size_t i = 0; i + 1 < sizeof(name) && c->cc->name[i] != '\0'; i++)
        name[i] = c->cc->name[i];
    return axn_sock_opt_put(val, len, name, sizeof(name));
}

static int set_tcp(struct axn_tcp_sock *ts, int name, const void *val, axn_socklen_t len)
{
    if (name == AXN_TCP_CONGESTION)
        return set_congestion(ts, val, len);
    int v;
    const int err = axn_sock_opt_int(val, len, &v);
    if (err)
        return err;
    return set_tcp_int(ts, name, v);
}

static bool is_buf_opt(int name)
{
    return name == AXN_SO_SNDBUF || name == AXN_SO_RCVBUF || name == AXN_SO_SNDBUFFORCE ||
           name == AXN_SO_RCVBUFFORCE;
}

int axn_tcp_setsockopt(struct axn_socket *s, int level, int name, const void *val,
                       axn_socklen_t len)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    if (level == AXN_SOL_TCP)
        return set_tcp(ts, name, val, len);
    const bool keep_before = s->opt.keepalive;
    const int err = axn_sock_opt_set(s, level, name, val, len);
    if (!err && level == AXN_SOL_IP && name == AXN_IP_TOS)
        s->opt.ip.tos &= (uint8_t)~TOS_ECN_MASK;
    axn_tcp_sock_sync_opts(ts);
    if (!err && level == AXN_SOL_SOCKET && is_buf_opt(name)) {
        /* Linux SOCK_*BUF_LOCK: no more auto-tuning of that buffer. */
        axn_tcp_buf_lock(ts->conn, name == AXN_SO_RCVBUF || name == AXN_SO_RCVBUFFORCE);
        axn_tcp_sock_bufs_changed(ts); /* Linux applies them at once */
    }
    if (s->opt.keepalive != keep_before)
        keepalive_rearm(ts); /* Linux tcp_set_keepalive */
    return err;
}

/* ---- getsockopt ---------------------------------------------------------------------------- */

/* TCP_MAXSEG (do_tcp_getsockopt): the user's value while CLOSED or
 * listening, else the connection's MSS (536 before any route). */
static int get_maxseg(const struct axn_tcp_conn *c)
{
    const bool idle = c->state == AXN_TCP_CLOSED || c->state == AXN_TCP_LISTEN;
    if (c->user_mss && idle)
        return c->user_mss;
    return c->mss ? c->mss : AXN_TCP_DEFAULT_MSS;
}

static int get_linger2(const struct axn_tcp_conn *c)
{
    if (c->linger2_s < 0)
        return -1;
    return c->linger2_s ? c->linger2_s : AXN_TCP_FIN_TIMEOUT_S;
}

static int or_default(uint32_t v, uint32_t dflt)
{
    return (int)(v ? v : dflt);
}

static bool tcp_int_value(const struct axn_tcp_sock *ts, int name, int *v)
{
    const struct axn_tcp_conn *c = ts->conn;
    const int values[][2] = {
        {AXN_TCP_NODELAY, c->nodelay},
        {AXN_TCP_CORK, c->cork},
        {AXN_TCP_MAXSEG, get_maxseg(c)},
        {AXN_TCP_KEEPIDLE, or_default(c->keepidle_s, AXN_TCP_KEEPIDLE_S)},
        {AXN_TCP_KEEPINTVL, or_default(c->keepintvl_s, AXN_TCP_KEEPINTVL_S)},
        {AXN_TCP_KEEPCNT, or_default(c->keepcnt, AXN_TCP_KEEPCNT_DEFAULT)},
        {AXN_TCP_SYNCNT, or_default(c->syn_retries, AXN_TCP_SYN_RETRIES)},
        {AXN_TCP_LINGER2, get_linger2(c)},
        {AXN_TCP_DEFER_ACCEPT, defer_secs(ts->defer_accept)},
        {AXN_TCP_QUICKACK, !ts->quickack_off},
        {AXN_TCP_USER_TIMEOUT, (int)c->user_timeout_ms},
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        if (values[i][0] == name) {
            *v = values[i][1];
            return true;
        }
    }
    return false;
}

static int get_info(struct axn_tcp_sock *ts, void *val, axn_socklen_t *len)
{
    struct axn_tcp_info info;
    axn_tcp_get_info(ts, &info);
    return axn_sock_opt_put(val, len, &info, sizeof(info));
}

static int get_tcp(struct axn_tcp_sock *ts, int name, void *val, axn_socklen_t *len)
{
    if (name == AXN_TCP_INFO)
        return get_info(ts, val, len);
    if (name == AXN_TCP_CONGESTION)
        return get_congestion(ts->conn, val, len);
    int v;
    if (!tcp_int_value(ts, name, &v))
        return -AXN_ENOPROTOOPT;
    return axn_sock_opt_put_int(val, len, v);
}

int axn_tcp_getsockopt(struct axn_socket *s, int level, int name, void *val, axn_socklen_t *len)
{
    struct axn_tcp_sock *ts = axn_tcp_sock_of(s);
    axn_tcp_sock_sync_err(ts); /* SO_ERROR sees a connection's error */
    if (level == AXN_SOL_TCP) {
        const int err = get_tcp(ts, name, val, len);
        /* SOL_TCP is ours: an unknown name is not the facade's. */
        return err;
    }
    if (level == AXN_SOL_SOCKET && name == AXN_SO_ACCEPTCONN)
        return axn_sock_opt_put_int(val, len, ts->conn->state == AXN_TCP_LISTEN);
    return -AXN_ENOPROTOOPT;
}
