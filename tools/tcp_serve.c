/*
 * One thread per TCP connection behind an accept thread (tcp_serve.h).
 * Connection threads are detached; stop waits for them on a condition
 * variable, since each notices the stop flag within one tick.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axnet/errno.h"
#include "tcp_serve.h"

#define MS_PER_S  1000
#define US_PER_MS 1000
#define NS_PER_MS 1000000L

struct axn_tcp_serve {
    struct axn_tcp_serve_opts o;
    struct axn_socket *lsock;
    uint16_t port;
    atomic_bool stop;
    pthread_t acceptor;
    pthread_mutex_t mu;
    pthread_cond_t idle; /* signalled when `active` drops */
    unsigned active;
    _Atomic uint64_t accepted, refused;
};

struct conn_job {
    struct axn_tcp_serve *s;
    struct axn_socket *sock;
};

struct axn_sockaddr_in axn_serve_sockaddr(axn_ip4_t addr, uint16_t port)
{
    struct axn_sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AXN_AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(addr);
    return sa;
}

int axn_serve_set_timeouts(struct axn_socket *s, long ms)
{
    const struct axn_timeval tv = {.tv_sec = ms / MS_PER_S, .tv_usec = (ms % MS_PER_S) * US_PER_MS};
    int r = axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &tv, sizeof(tv));
    return r ? r : axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_SNDTIMEO, &tv, sizeof(tv));
}

int axn_serve_send_all(struct axn_socket *s, const void *buf, size_t len, const atomic_bool *stop,
                       long idle_ms)
{
    const uint8_t *p = buf;
    long idle = 0;
    while (len > 0) {
        const long n = axn_send(s, p, len, AXN_MSG_NOSIGNAL);
        if (n == -AXN_EAGAIN) {
            idle += AXN_SERVE_TICK_MS;
            if (atomic_load(stop) || idle >= idle_ms)
                return -AXN_EAGAIN;
            continue;
        }
        if (n < 0)
            return (int)n;
        p += n;
        len -= (size_t)n;
        idle = 0;
    }
    return 0;
}

static void conn_done(struct axn_tcp_serve *s)
{
    pthread_mutex_lock(&s->mu);
    s->active--;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
}

static void *conn_main(void *arg)
{
    struct conn_job *j = arg;
    j->s->o.fn(j->sock, j->s->o.ctx, &j->s->stop);
    axn_close(j->sock);
    conn_done(j->s);
    free(j);
    return NULL;
}

/* Hands a new connection to its own thread, or turns it away. */
static void dispatch(struct axn_tcp_serve *s, struct axn_socket *c)
{
    axn_serve_set_timeouts(c, AXN_SERVE_TICK_MS);
    pthread_mutex_lock(&s->mu);
    const bool room = s->active < s->o.max_conns;
    if (room)
        s->active++;
    pthread_mutex_unlock(&s->mu);
    struct conn_job *j = room ? malloc(sizeof(*j)) : NULL;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (j) {
        *j = (struct conn_job){s, c};
        /* Counted first: the connection may be over before create returns. */
        atomic_fetch_add(&s->accepted, 1);
        if (pthread_create(&t, &attr, conn_main, j) == 0) {
            pthread_attr_destroy(&attr);
            return;
        }
        atomic_fetch_sub(&s->accepted, 1);
        free(j);
    }
    pthread_attr_destroy(&attr);
    if (room)
        conn_done(s);
    atomic_fetch_add(&s->refused, 1);
    if (s->o.busy)
        s->o.busy(c, s->o.ctx);
    axn_close(c);
}

static void *accept_main(void *arg)
{
    struct axn_tcp_serve *s = arg;
    while (!atomic_load(&s->stop)) {
        struct axn_socket *c = NULL;
        const int r = axn_accept(s->lsock, NULL, NULL, 0, &c);
        if (r == 0)
            dispatch(s, c);
        else if (r != -AXN_EAGAIN && r != -AXN_ECONNABORTED) {
            /* No memory or a broken listener: do not spin on it. */
            const struct timespec ts = {0, AXN_SERVE_TICK_MS * NS_PER_MS};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

static int open_listener(struct axn_stack *st, const struct axn_tcp_serve_opts *o,
                         struct axn_socket **out, uint16_t *port)
{
    struct axn_socket *l = NULL;
    int r = axn_socket(st, AXN_AF_INET, AXN_SOCK_STREAM, 0, &l);
    if (r)
        return r;
    const int one = 1;
    struct axn_sockaddr_in sa = axn_serve_sockaddr(o->addr, o->port);
    axn_socklen_t sl = sizeof(sa);
    if ((r = axn_setsockopt(l, AXN_SOL_SOCKET, AXN_SO_REUSEADDR, &one, sizeof(one))) ||
        (r = axn_bind(l, (struct axn_sockaddr *)&sa, sizeof(sa))) ||
        (r = axn_listen(l, AXN_SERVE_BACKLOG)) ||
        (r = axn_serve_set_timeouts(l, AXN_SERVE_TICK_MS)) ||
        (r = axn_getsockname(l, (struct axn_sockaddr *)&sa, &sl))) {
        axn_close(l);
        return r;
    }
    *port = ntohs(sa.sin_port);
    *out = l;
    return 0;
}

int axn_tcp_serve_start(struct axn_stack *st, const struct axn_tcp_serve_opts *o,
                        struct axn_tcp_serve **out)
{
    if (!st || !o || !o->fn || !out)
        return -AXN_EINVAL;
    struct axn_tcp_serve *s = calloc(1, sizeof(*s));
    if (!s)
        return -AXN_ENOMEM;
    s->o = *o;
    if (!s->o.max_conns)
        s->o.max_conns = AXN_SERVE_CONNS_DEF;
    int r = open_listener(st, o, &s->lsock, &s->port);
    if (r) {
        free(s);
        return r;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->idle, NULL);
    if (pthread_create(&s->acceptor, NULL, accept_main, s) != 0) {
        axn_close(s->lsock);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->idle);
        free(s);
        return -AXN_ENOMEM;
    }
    *out = s;
    return 0;
}

void axn_tcp_serve_stop(struct axn_tcp_serve *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    pthread_join(s->acceptor, NULL);
    axn_close(s->lsock);
    pthread_mutex_lock(&s->mu);
    while (s->active > 0)
        pthread_cond_wait(&s->idle, &s->mu);
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->idle);
    free(s);
}

uint16_t axn_tcp_serve_port(const struct axn_tcp_serve *s)
{
    return s->port;
}

uint64_t axn_tcp_serve_accepted(const struct axn_tcp_serve *s)
{
    return atomic_load(&s->accepted);
}

uint64_t axn_tcp_serve_refused(const struct axn_tcp_serve *s)
{
    return atomic_load(&s->refused);
}
