/*
 * echo, discard and chargen over TCP and UDP (inet_services.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "inet_services.h"
#include "tcp_serve.h"

#define PRINTABLE_FIRST ' '
#define PRINTABLE_COUNT 95u /* ' ' .. '~' */
#define LINE_BYTES      (AXN_CHARGEN_LINE + 2u)
#define IO_BUF          16384u
#define UDP_MAX         65536u

struct axn_inet_services;

/* One service: its TCP listener, its UDP socket and thread, its counters. */
struct svc {
    struct axn_inet_services *is;
    enum axn_inet_service kind;
    struct axn_tcp_serve *tcp; /* NULL when off or shut down */
    uint16_t tcp_port;
    uint64_t tcp_conns_final; /* the listener's count when it was shut down */
    struct axn_socket *udp;
    pthread_t udp_thread;
    bool udp_running;
    _Atomic uint64_t tcp_in, tcp_out, udp_in, udp_out;
};

struct axn_inet_services {
    struct axn_inet_services_opts o;
    atomic_bool stop;
    struct svc svc[AXN_INET_SERVICE_COUNT];
    char pattern[PRINTABLE_COUNT * LINE_BYTES]; /* one whole chargen cycle */
};

static const uint16_t default_port[AXN_INET_SERVICE_COUNT] = {AXN_ECHO_PORT, AXN_DISCARD_PORT,
                                                              AXN_CHARGEN_PORT};

void axn_chargen_line(unsigned n, char *out)
{
    for (unsigned i = 0; i < AXN_CHARGEN_LINE; i++)
        out[i] = (char)(PRINTABLE_FIRST + (n + i) % PRINTABLE_COUNT);
    out[AXN_CHARGEN_LINE] = '\r';
    out[AXN_CHARGEN_LINE + 1] = '\n';
}

/* ---- TCP ------------------------------------------------------------------ */

/* Reads; the bytes, or 0 at EOF, error, stop or idle timeout. */
static long tcp_read(struct svc *v, struct axn_socket *c, char *buf, const atomic_bool *stop)
{
    long idle = 0;
    for (;;) {
        const long n = axn_recv(c, buf, IO_BUF, 0);
        if (n > 0) {
            atomic_fetch_add(&v->tcp_in, (uint64_t)n);
            return n;
        }
        if (n != -AXN_EAGAIN)
            return 0;
        idle += AXN_SERVE_TICK_MS;
        if (atomic_load(stop) || idle >= v->is->o.idle_ms)
            return 0;
    }
}

/* Sends the pattern until the client closes or stop; drops what it sends. */
static void tcp_chargen(struct svc *v, struct axn_socket *c, char *buf, const atomic_bool *stop)
{
    const char *pat = v->is->pattern;
    const size_t plen = sizeof(v->is->pattern);
    size_t off = 0;
    while (!atomic_load(stop)) {
        const long in = axn_recv(c, buf, IO_BUF, AXN_MSG_DONTWAIT);
        if (in == 0 || (in < 0 && in != -AXN_EAGAIN))
            return; /* the client closed (RFC 864: then so does the server) */
        if (in > 0)
            atomic_fetch_add(&v->tcp_in, (uint64_t)in);
        const long n = axn_send(c, pat + off, plen - off, AXN_MSG_NOSIGNAL);
        if (n < 0 && n != -AXN_EAGAIN)
            return;
        if (n > 0) {
            atomic_fetch_add(&v->tcp_out, (uint64_t)n);
            off = (off + (size_t)n) % plen;
        }
    }
}

static void tcp_conn(struct axn_socket *c, void *ctx, const atomic_bool *stop)
{
    struct svc *v = ctx;
    char *buf = malloc(IO_BUF);
    if (!buf)
        return;
    if (v->kind == AXN_INET_CHARGEN) {
        tcp_chargen(v, c, buf, stop);
        free(buf);
        return;
    }
    long n;
    while ((n = tcp_read(v, c, buf, stop)) > 0) {
        if (v->kind != AXN_INET_ECHO)
            continue;
        if (axn_serve_send_all(c, buf, (size_t)n, stop, v->is->o.idle_ms) != 0)
            break;
        atomic_fetch_add(&v->tcp_out, (uint64_t)n);
    }
    free(buf);
}

/* ---- UDP ------------------------------------------------------------------ */

static void udp_answer(struct svc *v, char *buf, long n, const struct axn_sockaddr_in *from,
                       unsigned *line)
{
    const struct axn_sockaddr *to = (const struct axn_sockaddr *)from;
    long out = -1;
    if (v->kind == AXN_INET_ECHO)
        out = axn_sendto(v->udp, buf, (size_t)n, 0, to, sizeof(*from));
    else if (v->kind == AXN_INET_CHARGEN) {
        for (unsigned i = 0; i < AXN_CHARGEN_UDP_LINES; i++)
            axn_chargen_line(*line + i, buf + i * LINE_BYTES);
        (*line)++;
        out = axn_sendto(v->udp, buf, AXN_CHARGEN_UDP_LINES * LINE_BYTES, 0, to, sizeof(*from));
    }
    if (out >= 0)
        atomic_fetch_add(&v->udp_out, 1);
}

static void *udp_main(void *arg)
{
    struct svc *v = arg;
    char *buf = malloc(UDP_MAX);
    unsigned line = 0;
    while (buf && !atomic_load(&v->is->stop)) {
        struct axn_sockaddr_in from;
        axn_socklen_t fl = sizeof(from);
        const long n = axn_recvfrom(v->udp, buf, UDP_MAX, 0, (struct axn_sockaddr *)&from, &fl);
        if (n < 0)
            continue; /* the tick, or an ICMP error of an earlier answer */
        atomic_fetch_add(&v->udp_in, 1);
        udp_answer(v, buf, n, &from, &line);
    }
    free(buf);
    return NULL;
}

static int udp_start(struct axn_stack *st, struct svc *v, uint16_t port)
{
    int r = axn_socket(st, AXN_AF_INET, AXN_SOCK_DGRAM, 0, &v->udp);
    if (r)
        return r;
    const struct axn_sockaddr_in sa = axn_serve_sockaddr(v->is->o.addr, port);
    if ((r = axn_bind(v->udp, (const struct axn_sockaddr *)&sa, sizeof(sa))) ||
        (r = axn_serve_set_timeouts(v->udp, AXN_SERVE_TICK_MS)))
        return r;
    if (pthread_create(&v->udp_thread, NULL, udp_main, v) != 0)
        return -AXN_ENOMEM;
    v->udp_running = true;
    return 0;
}

/* ---- Start and stop ------------------------------------------------------- */

static int svc_start(struct axn_stack *st, struct svc *v)
{
    const struct axn_inet_services_opts *o = &v->is->o;
    const uint16_t port = o->port[v->kind] ? o->port[v->kind] : default_port[v->kind];
    if (o->off[v->kind])
        return 0;
    if (!o->no_tcp) {
        const struct axn_tcp_serve_opts to = {
            .addr = o->addr, .port = port, .max_conns = o->max_conns, .fn = tcp_conn, .ctx = v};
        const int r = axn_tcp_serve_start(st, &to, &v->tcp);
        if (r)
            return r;
        v->tcp_port = axn_tcp_serve_port(v->tcp);
    }
    return o->no_udp ? 0 : udp_start(st, v, port);
}

int axn_inet_services_start(struct axn_stack *st, const struct axn_inet_services_opts *o,
                            struct axn_inet_services **out)
{
    if (!st || !o || !out)
        return -AXN_EINVAL;
    struct axn_inet_services *s = calloc(1, sizeof(*s));
    if (!s)
        return -AXN_ENOMEM;
    s->o = *o;
    if (s->o.idle_ms <= 0)
        s->o.idle_ms = AXN_INET_IDLE_MS_DEF;
    for (unsigned i = 0; i < PRINTABLE_COUNT; i++)
        axn_chargen_line(i, s->pattern + i * LINE_BYTES);
    for (int k = 0; k < AXN_INET_SERVICE_COUNT; k++) {
        s->svc[k].is = s;
        s->svc[k].kind = (enum axn_inet_service)k;
        const int r = svc_start(st, &s->svc[k]);
        if (r) {
            axn_inet_services_stop(s);
            return r;
        }
    }
    *out = s;
    return 0;
}

void axn_inet_services_shutdown(struct axn_inet_services *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    for (int k = 0; k < AXN_INET_SERVICE_COUNT; k++) {
        struct svc *v = &s->svc[k];
        if (v->udp_running)
            pthread_join(v->udp_thread, NULL);
        v->udp_running = false;
        if (v->udp)
            axn_close(v->udp);
        v->udp = NULL;
        if (v->tcp) {
            /* Read before the listener frees its counters; the byte
             * counters of connections ending in the stop stay ours. */
            v->tcp_conns_final = axn_tcp_serve_accepted(v->tcp);
            axn_tcp_serve_stop(v->tcp);
            v->tcp = NULL;
        }
    }
}

void axn_inet_services_stop(struct axn_inet_services *s)
{
    axn_inet_services_shutdown(s);
    free(s);
}

uint16_t axn_inet_services_tcp_port(const struct axn_inet_services *s, enum axn_inet_service k)
{
    return s->svc[k].tcp_port;
}

void axn_inet_services_get_stats(struct axn_inet_services *s, enum axn_inet_service k,
                                 struct axn_inet_service_stats *out)
{
    const struct svc *v = &s->svc[k];
    out->tcp_conns = v->tcp ? axn_tcp_serve_accepted(v->tcp) : v->tcp_conns_final;
    out->tcp_bytes_in = atomic_load(&v->tcp_in);
    out->tcp_bytes_out = atomic_load(&v->tcp_out);
    out->udp_in = atomic_load(&v->udp_in);
    out->udp_out = atomic_load(&v->udp_out);
}
