/*
 * iperf3 data streams: TCP blocks as fast as the window allows (or paced
 * to a bitrate), UDP datagrams paced to the bitrate with iperf3's header,
 * and receivers that count bytes and, for UDP, loss and jitter.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axnet/errno.h"
#include "iperf3_run.h"

#define BITS_PER_BYTE 8
#define NSEC_PER_SEC  1000000000L
#define USEC_PER_SEC  1000000.0
/* Longest sleep of a paced sender, so it sees `done` promptly. */
#define PACE_MAX_SLEEP_S 0.001
/* Filler byte of the payload (its content does not matter to iperf3). */
#define PAYLOAD_FILL 0x5a

static void sleep_s(double s)
{
    const struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * NSEC_PER_SEC)};
    nanosleep(&ts, NULL);
}

/* With a bitrate, waits until `sent` bytes are due; false once done. */
static bool pace(const struct axn_iperf3_stream *st, uint64_t sent)
{
    const uint64_t rate = st->t->p.bandwidth;
    while (!atomic_load(&st->t->done)) {
        if (!rate)
            return true;
        const double due = st->t->start_mono + (double)sent * BITS_PER_BYTE / (double)rate;
        const double wait = due - axn_iperf3_mono_s();
        if (wait <= 0)
            return true;
        sleep_s(wait < PACE_MAX_SLEEP_S ? wait : PACE_MAX_SLEEP_S);
    }
    return false;
}

/* Whether a data call's error ends the stream (timeouts and a full
 * interface queue do not). */
static bool fatal(long rc)
{
    return rc != -AXN_EAGAIN && rc != -AXN_ENOBUFS && rc != -AXN_EINTR;
}

static void send_loop(struct axn_iperf3_stream *st, uint8_t *buf, size_t len)
{
    const bool udp = st->t->p.udp;
    const bool c64 = st->t->p.udp_counters_64bit;
    while (pace(st, st->bytes)) {
        if (udp) {
            const double now = axn_iperf3_wall_s();
            const uint32_t sec = (uint32_t)now;
            const uint32_t usec = (uint32_t)((now - (double)sec) * USEC_PER_SEC);
            axn_iperf3_udp_hdr_put(buf, c64, sec, usec, st->packets + 1);
        }
        const long n = axn_send(st->s, buf, len, AXN_MSG_NOSIGNAL);
        if (n > 0) {
            st->bytes += (uint64_t)n;
            st->packets++;
        } else if (fatal(n)) {
            return;
        }
    }
}

static void recv_udp(struct axn_iperf3_stream *st, const uint8_t *buf, size_t n)
{
    uint32_t sec, usec;
    uint64_t count;
    if (axn_iperf3_udp_hdr_get(buf, n, st->t->p.udp_counters_64bit, &sec, &usec, &count))
        return; /* not iperf3's: not counted */
    st->bytes += n;
    axn_iperf3_udp_rx_note(&st->rx, count, (double)sec + (double)usec / USEC_PER_SEC,
                           axn_iperf3_wall_s());
    st->packets = st->rx.packets;
}

static void recv_loop(struct axn_iperf3_stream *st, uint8_t *buf, size_t len)
{
    while (!atomic_load(&st->t->done)) {
        const long n = axn_recv(st->s, buf, len, 0);
        if (n > 0 && st->t->p.udp)
            recv_udp(st, buf, (size_t)n);
        else if (n > 0)
            st->bytes += (uint64_t)n;
        else if (n == 0 && !st->t->p.udp)
            return; /* the sender closed */
        else if (n < 0 && fatal(n))
            return;
    }
}

static void *stream_main(void *arg)
{
    struct axn_iperf3_stream *st = arg;
    const size_t len = st->t->p.len;
    uint8_t *buf = malloc(len);
    if (!buf)
        return NULL;
    memset(buf, PAYLOAD_FILL, len);
    if (st->t->sending)
        send_loop(st, buf, len);
    else
        recv_loop(st, buf, len);
    free(buf);
    return NULL;
}

int axn_iperf3_streams_start(struct axn_iperf3_test *t)
{
    atomic_store(&t->done, false);
    t->start_mono = axn_iperf3_mono_s();
    for (size_t i = 0; i < t->n; i++) {
        struct axn_iperf3_stream *st = &t->streams[i];
        st->t = t;
        const int err = axn_iperf3_set_timeouts(st->s, AXN_IPERF3_DATA_SLICE_MS);
        if (err)
            return err;
        if (pthread_create(&st->thread, NULL, stream_main, st))
            return -AXN_ENOMEM;
        st->started = true;
    }
    return 0;
}

void axn_iperf3_streams_stop(struct axn_iperf3_test *t)
{
    atomic_store(&t->done, true);
    for (size_t i = 0; i < t->n; i++) {
        struct axn_iperf3_stream *st = &t->streams[i];
        if (st->started)
            pthread_join(st->thread, NULL);
        st->started = false;
    }
    t->end_mono = axn_iperf3_mono_s();
}

void axn_iperf3_streams_close(struct axn_iperf3_test *t)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->streams[i].s)
            axn_close(t->streams[i].s);
        t->streams[i].s = NULL;
    }
}

void axn_iperf3_streams_results(const struct axn_iperf3_test *t, struct axn_iperf3_results *r)
{
    memset(r, 0, sizeof *r);
    r->nstreams = t->n;
    for (size_t i = 0; i < t->n; i++) {
        const struct axn_iperf3_stream *st = &t->streams[i];
        struct axn_iperf3_stream_result *o = &r->streams[i];
        o->id = st->id;
        o->bytes = st->bytes;
        o->packets = t->p.udp ? st->packets : 0; /* iperf3 sends 0 for TCP */
        o->errors = st->rx.lost;
        o->jitter_s = st->rx.jitter_s;
        o->end_time = t->end_mono - t->start_mono;
    }
}
