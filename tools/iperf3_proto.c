/*
 * iperf3's control protocol pieces: the parameters and results JSON, the
 * cookie, the UDP handshake words and datagram header, the UDP receiver's
 * accounting, and the length-prefixed control messages (see iperf3.h).
 */
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "axnet/errno.h"
#include "iperf3.h"

/* iperf3's cookie alphabet (base32, lower case). */
static const char cookie_chars[] = "abcdefghijklmnopqrstuvwxyz234567";
#define COOKIE_ALPHABET (sizeof cookie_chars - 1)

/* iperf3 reports no CPU figures we can measure honestly: zero. The
 * "retransmits" of a side that does not know them is -1. */
#define UNKNOWN_RETRANSMITS (-1.0)
/* The pacing timer iperf3 3.x sends (microseconds); unused by us. */
#define PACING_TIMER_US 1000
/* What our client calls itself in "client_version". */
#define CLIENT_VERSION "axnet"
/* RFC 3550's jitter gain: 1/16 of each new difference. */
#define JITTER_GAIN  16.0
#define NSEC_PER_SEC 1e9
#define MS_PER_SEC   1000
#define USEC_PER_MS  1000
/* How long one control read or write may wait for the peer, in seconds
 * (iperf3's peers answer within milliseconds; a slow start is seconds). */
#define CTRL_PATIENCE_S 10.0
/* A big-endian 32-bit length prefix; a 64-bit counter. */
#define LEN_PREFIX    4
#define BITS_PER_BYTE 8
#define U32_BYTES     4
#define U64_BYTES     8
/* 2^64: the first double beyond a uint64_t. */
#define TWO_POW_64 18446744073709551616.0
/* Stream ids: the first is 1, the next ones count on from 3. */
#define FIRST_STREAM_ID   1u
#define LATER_STREAM_BASE 2u

static void emit_param_u64(struct axn_ij_writer *w, const char *key, uint64_t v)
{
    axn_ij_key(w, key);
    axn_ij_u64(w, v);
}

long axn_iperf3_params_emit(const struct axn_iperf3_params *p, char *buf, size_t cap)
{
    struct axn_ij_writer w;
    axn_ij_writer_init(&w, buf, cap);
    axn_ij_open(&w, '{');
    axn_ij_key(&w, p->udp ? "udp" : "tcp");
    axn_ij_boolean(&w, true);
    emit_param_u64(&w, "omit", 0);
    emit_param_u64(&w, "time", p->seconds);
    emit_param_u64(&w, "num", p->bytes);
    emit_param_u64(&w, "blockcount", 0);
    emit_param_u64(&w, "parallel", p->parallel);
    if (p->reverse) {
        axn_ij_key(&w, "reverse");
        axn_ij_boolean(&w, true);
    }
    emit_param_u64(&w, "len", p->len);
    if (p->bandwidth)
        emit_param_u64(&w, "bandwidth", p->bandwidth);
    if (p->udp_counters_64bit)
        emit_param_u64(&w, "udp_counters_64bit", 1);
    emit_param_u64(&w, "pacing_timer", PACING_TIMER_US);
    axn_ij_key(&w, "client_version");
    axn_ij_string(&w, CLIENT_VERSION);
    axn_ij_close(&w, '}');
    return axn_ij_finish(&w);
}

/* An optional unsigned member: absent leaves *out alone; present must be a
 * number in range. iperf3 sends some flags as numbers, some as booleans. */
static int get_u64(struct axn_ij_span obj, const char *key, uint64_t max, uint64_t *out)
{
    struct axn_ij_span v;
    double d;
    bool b;
    if (axn_ij_get(obj, key, &v))
        return 0;
    if (!axn_ij_bool(v, &b)) {
        *out = b;
        return 0;
    }
    /* (double)UINT64_MAX rounds up to 2^64, itself out of range. */
    if (axn_ij_number(v, &d) || d < 0 || d >= TWO_POW_64 || d > (double)max)
        return -1;
    *out = (uint64_t)d;
    return 0;
}

static int get_flag(struct axn_ij_span obj, const char *key, bool *out)
{
    uint64_t v = 0;
    if (get_u64(obj, key, UINT64_MAX, &v))
        return -1;
    *out = v != 0;
    return 0;
}

int axn_iperf3_params_parse(const char *json, size_t n, struct axn_iperf3_params *p)
{
    const struct axn_ij_span obj = {json, n};
    uint64_t secs = 0, par = 1, len = 0;
    memset(p, 0, sizeof *p);
    if (axn_ij_validate(json, n) || get_flag(obj, "udp", &p->udp) ||
        get_flag(obj, "reverse", &p->reverse) || get_flag(obj, "bidirectional", &p->bidir) ||
        get_flag(obj, "udp_counters_64bit", &p->udp_counters_64bit) ||
        get_u64(obj, "time", UINT32_MAX, &secs) || get_u64(obj, "parallel", UINT32_MAX, &par) ||
        get_u64(obj, "len", UINT32_MAX, &len) ||
        get_u64(obj, "bandwidth", UINT64_MAX, &p->bandwidth) ||
        get_u64(obj, "num", UINT64_MAX, &p->bytes))
        return -1;
    struct axn_ij_span tcp;
    bool is_tcp = false;
    if (!p->udp && (axn_ij_get(obj, "tcp", &tcp) || axn_ij_bool(tcp, &is_tcp) || !is_tcp))
        return -1; /* neither protocol named (SCTP is not ours either) */
    p->seconds = (uint32_t)secs;
    p->parallel = (uint32_t)par;
    p->len = (uint32_t)len;
    return 0;
}

static void emit_stream(struct axn_ij_writer *w, const struct axn_iperf3_stream_result *s)
{
    axn_ij_open(w, '{');
    emit_param_u64(w, "id", s->id);
    emit_param_u64(w, "bytes", s->bytes);
    axn_ij_key(w, "retransmits");
    axn_ij_double(w, UNKNOWN_RETRANSMITS);
    axn_ij_key(w, "jitter");
    axn_ij_double(w, s->jitter_s);
    emit_param_u64(w, "errors", s->errors);
    emit_param_u64(w, "packets", s->packets);
    emit_param_u64(w, "start_time", 0);
    axn_ij_key(w, "end_time");
    axn_ij_double(w, s->end_time);
    axn_ij_close(w, '}');
}

long axn_iperf3_results_emit(const struct axn_iperf3_results *r, bool sender, char *buf, size_t cap)
{
    static const char *const cpu_keys[] = {"cpu_util_total", "cpu_util_user", "cpu_util_system"};
    struct axn_ij_writer w;
    (void)sender; /* both sides' retransmits are unknown to us */
    axn_ij_writer_init(&w, buf, cap);
    axn_ij_open(&w, '{');
    for (size_t i = 0; i < sizeof cpu_keys / sizeof cpu_keys[0]; i++)
        emit_param_u64(&w, cpu_keys[i], 0);
    axn_ij_key(&w, "sender_has_retransmits");
    axn_ij_double(&w, UNKNOWN_RETRANSMITS);
    axn_ij_key(&w, "streams");
    axn_ij_open(&w, '[');
    for (size_t i = 0; i < r->nstreams && i < AXN_IPERF3_MAX_STREAMS; i++)
        emit_stream(&w, &r->streams[i]);
    axn_ij_close(&w, ']');
    axn_ij_close(&w, '}');
    return axn_ij_finish(&w);
}

static int get_double(struct axn_ij_span obj, const char *key, double *out)
{
    struct axn_ij_span v;
    return axn_ij_get(obj, key, &v) || axn_ij_number(v, out) ? -1 : 0;
}

static int parse_stream(struct axn_ij_span js, struct axn_iperf3_stream_result *s)
{
    uint64_t id = 0, bytes = 0, errors = 0, packets = 0;
    memset(s, 0, sizeof *s);
    struct axn_ij_span v;
    /* Required as iperf3 requires them; bytes as a double (2^53 is plenty). */
    if (axn_ij_get(js, "id", &v) || axn_ij_get(js, "bytes", &v) || axn_ij_get(js, "errors", &v) ||
        axn_ij_get(js, "packets", &v) || get_u64(js, "id", UINT32_MAX, &id) ||
        get_u64(js, "bytes", UINT64_MAX, &bytes) || get_u64(js, "errors", UINT64_MAX, &errors) ||
        get_u64(js, "packets", UINT64_MAX, &packets) || get_double(js, "jitter", &s->jitter_s))
        return -1;
    s->id = (uint32_t)id;
    s->bytes = bytes;
    s->errors = errors;
    s->packets = packets;
    if (get_double(js, "end_time", &s->end_time))
        s->end_time = 0; /* optional */
    return 0;
}

int axn_iperf3_results_parse(const char *json, size_t n, struct axn_iperf3_results *r)
{
    const struct axn_ij_span obj = {json, n};
    struct axn_ij_span streams, js;
    memset(r, 0, sizeof *r);
    if (axn_ij_validate(json, n) || axn_ij_get(obj, "streams", &streams) ||
        axn_ij_get(obj, "sender_has_retransmits", &js))
        return -1;
    for (size_t i = 0; !axn_ij_at(streams, i, &js); i++) {
        if (i >= AXN_IPERF3_MAX_STREAMS || parse_stream(js, &r->streams[i]))
            return -1;
        r->nstreams = i + 1;
    }
    return 0;
}

uint32_t axn_iperf3_stream_id(size_t index)
{
    return index == 0 ? FIRST_STREAM_ID : (uint32_t)index + LATER_STREAM_BASE;
}

void axn_iperf3_make_cookie(char cookie[AXN_IPERF3_COOKIE_SIZE])
{
    unsigned char rnd[AXN_IPERF3_COOKIE_SIZE - 1];
    const int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, rnd, sizeof rnd) : -1;
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)sizeof rnd) {
        /* No urandom: the cookie only has to differ between tests. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        for (size_t i = 0; i < sizeof rnd; i++)
            rnd[i] = (unsigned char)((unsigned long)ts.tv_nsec >> (i % BITS_PER_BYTE)) ^
                     (unsigned char)(i * (unsigned)getpid());
    }
    for (size_t i = 0; i < sizeof rnd; i++)
        cookie[i] = cookie_chars[rnd[i] % COOKIE_ALPHABET];
    cookie[AXN_IPERF3_COOKIE_SIZE - 1] = '\0';
}

static uint32_t get_be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void put_be32(uint8_t *b, uint32_t v)
{
    for (int i = U32_BYTES - 1; i >= 0; i--, v >>= BITS_PER_BYTE)
        b[i] = (uint8_t)v;
}

static uint32_t get_le32(const uint8_t *b)
{
    return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

bool axn_iperf3_udp_word_is(const uint8_t b[AXN_IPERF3_UDP_HANDSHAKE_LEN], uint32_t want)
{
    /* Only iperf3's byte order: the two words are each other reversed. */
    const uint32_t got = get_le32(b);
    return got == want || got == AXN_IPERF3_UDP_LEGACY_WORD;
}

void axn_iperf3_udp_word_put(uint8_t b[AXN_IPERF3_UDP_HANDSHAKE_LEN], uint32_t want)
{
    for (int i = 0; i < U32_BYTES; i++, want >>= BITS_PER_BYTE)
        b[i] = (uint8_t)want;
}

void axn_iperf3_udp_hdr_put(uint8_t *b, bool counters64, uint32_t sec, uint32_t usec,
                            uint64_t count)
{
    put_be32(b, sec);
    put_be32(b + U32_BYTES, usec);
    if (counters64) {
        put_be32(b + 2 * U32_BYTES, (uint32_t)(count >> 32));
        put_be32(b + 3 * U32_BYTES, (uint32_t)count);
    } else {
        put_be32(b + 2 * U32_BYTES, (uint32_t)count);
    }
}

int axn_iperf3_udp_hdr_get(const uint8_t *b, size_t n, bool counters64, uint32_t *sec,
                           uint32_t *usec, uint64_t *count)
{
    if (n < (counters64 ? AXN_IPERF3_UDP_HDR64 : AXN_IPERF3_UDP_HDR32))
        return -1;
    *sec = get_be32(b);
    *usec = get_be32(b + U32_BYTES);
    *count = counters64 ? (uint64_t)get_be32(b + 2 * U32_BYTES) << 32 | get_be32(b + 3 * U32_BYTES)
                        : get_be32(b + 2 * U32_BYTES);
    return 0;
}

void axn_iperf3_udp_rx_note(struct axn_iperf3_udp_rx *rx, uint64_t count, double sent_s,
                            double now_s)
{
    rx->packets++;
    if (count > rx->last_count) {
        /* A gap is loss until a late datagram fills it (below). */
        rx->lost += count - rx->last_count - 1;
        rx->last_count = count;
    } else {
        rx->out_of_order++;
        if (rx->lost)
            rx->lost--;
    }
    const double transit = now_s - sent_s;
    if (rx->have_transit)
        rx->jitter_s += (fabs(transit - rx->prev_transit) - rx->jitter_s) / JITTER_GAIN;
    rx->prev_transit = transit;
    rx->have_transit = true;
}

/* ---- Control messages ------------------------------------------------- */

/* The calling thread's stop hook (axn_iperf3_set_stop): per thread, as the
 * client runs in its caller's thread and the server on its own. */
static _Thread_local bool (*ctrl_stop)(void);

void axn_iperf3_set_stop(bool (*stop)(void))
{
    ctrl_stop = stop;
}

/* Whether a control call goes on after a slice that moved nothing. */
static int ctrl_wait_more(double start)
{
    if (ctrl_stop && ctrl_stop())
        return -AXN_EINTR;
    return axn_iperf3_mono_s() - start < CTRL_PATIENCE_S ? 0 : -AXN_EAGAIN;
}

int axn_iperf3_send_all(struct axn_socket *s, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    const double start = axn_iperf3_mono_s();
    while (len) {
        const long n = axn_send(s, p, len, AXN_MSG_NOSIGNAL);
        const int more = n == -AXN_EAGAIN ? ctrl_wait_more(start) : 0;
        if (more)
            return more;
        if (n == -AXN_EAGAIN)
            continue; /* the socket's timeout is a slice, not the limit */
        if (n <= 0)
            return n < 0 ? (int)n : -AXN_EPIPE;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int axn_iperf3_recv_all(struct axn_socket *s, void *buf, size_t len)
{
    uint8_t *p = buf;
    const double start = axn_iperf3_mono_s();
    while (len) {
        const long n = axn_recv(s, p, len, 0);
        const int more = n == -AXN_EAGAIN ? ctrl_wait_more(start) : 0;
        if (more)
            return more;
        if (n == -AXN_EAGAIN)
            continue;
        if (n <= 0)
            return n < 0 ? (int)n : -AXN_ECONNRESET; /* EOF mid-message */
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int axn_iperf3_send_state(struct axn_socket *s, int state)
{
    const int8_t b = (int8_t)state;
    return axn_iperf3_send_all(s, &b, sizeof b);
}

int axn_iperf3_recv_state(struct axn_socket *s, int *state)
{
    int8_t b;
    const int err = axn_iperf3_recv_all(s, &b, sizeof b);
    if (!err)
        *state = b;
    return err;
}

int axn_iperf3_send_json(struct axn_socket *s, const char *json, size_t len)
{
    uint8_t hdr[LEN_PREFIX];
    if (len > AXN_IPERF3_JSON_MAX)
        return -AXN_EMSGSIZE;
    put_be32(hdr, (uint32_t)len);
    const int err = axn_iperf3_send_all(s, hdr, sizeof hdr);
    return err ? err : axn_iperf3_send_all(s, json, len);
}

int axn_iperf3_recv_json(struct axn_socket *s, char *buf, size_t cap, size_t *len)
{
    uint8_t hdr[LEN_PREFIX];
    int err = axn_iperf3_recv_all(s, hdr, sizeof hdr);
    if (err)
        return err;
    const uint32_t n = get_be32(hdr);
    if (n >= cap || n > AXN_IPERF3_JSON_MAX)
        return -AXN_EPROTO;
    err = axn_iperf3_recv_all(s, buf, n);
    if (err)
        return err;
    buf[n] = '\0';
    *len = n;
    return axn_ij_validate(buf, n) ? -AXN_EPROTO : 0;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / NSEC_PER_SEC;
}

double axn_iperf3_wall_s(void)
{
    return clock_s(CLOCK_REALTIME);
}

double axn_iperf3_mono_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

int axn_iperf3_set_timeouts(struct axn_socket *s, long ms)
{
    const struct axn_timeval tv = {ms / MS_PER_SEC, (ms % MS_PER_SEC) * USEC_PER_MS};
    int err = axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_RCVTIMEO, &tv, sizeof tv);
    return err ? err : axn_setsockopt(s, AXN_SOL_SOCKET, AXN_SO_SNDTIMEO, &tv, sizeof tv);
}
