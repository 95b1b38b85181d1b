/* Deterministic byte streams and the socket pump (tcp_stream.h). */
#include "tcp_stream.h"

#include <string.h>

#include "axnet/errno.h"

#define WORD_BYTES 8u
/* splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number
 * generators", 2014): a bijective mix, so word k of a stream is just
 * mix(seed * odd + k), computable at any offset. */
#define MIX_GAMMA 0x9e3779b97f4a7c15ull
#define MIX_M1    0xbf58476d1ce4e5b9ull
#define MIX_M2    0x94d049bb133111ebull
#define MIX_S1    30
#define MIX_S2    27
#define MIX_S3    31
#define SEED_MUL  0xd1342543de82ef95ull /* spreads nearby seeds apart */

static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> MIX_S1)) * MIX_M1;
    z = (z ^ (z >> MIX_S2)) * MIX_M2;
    return z ^ (z >> MIX_S3);
}

static uint64_t word_at(uint64_t seed, uint64_t k)
{
    return mix(seed * SEED_MUL + k * MIX_GAMMA);
}

static uint8_t byte_of(uint64_t w, unsigned i)
{
    return (uint8_t)(w >> (8u * i));
}

void tcp_stream_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const uint64_t pos = off + i;
        const uint64_t w = word_at(seed, pos / WORD_BYTES);
        for (unsigned b = (unsigned)(pos % WORD_BYTES); b < WORD_BYTES && i < len; b++)
            buf[i++] = byte_of(w, b);
    }
}

size_t tcp_stream_check(uint64_t seed, uint64_t off, const uint8_t *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const uint64_t pos = off + i;
        const uint64_t w = word_at(seed, pos / WORD_BYTES);
        for (unsigned b = (unsigned)(pos % WORD_BYTES); b < WORD_BYTES && i < len; b++, i++)
            if (buf[i] != byte_of(w, b))
                return i;
    }
    return len;
}

void tcp_stream_digest(uint64_t seed, uint64_t len, uint8_t out[AXN_SHA256_DIGEST_LEN])
{
    static uint8_t buf[TCP_PUMP_CHUNK];
    struct axn_sha256 c;
    axn_sha256_init(&c);
    for (uint64_t off = 0; off < len;) {
        const size_t n = len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
        tcp_stream_fill(seed, off, buf, n);
        axn_sha256_update(&c, buf, n);
        off += n;
    }
    axn_sha256_final(&c, out);
}

void tcp_pump_init(struct tcp_pump *p, struct axn_socket *s, uint64_t tx_seed, uint64_t tx_len,
                   uint64_t rx_seed, uint64_t rx_len)
{
    memset(p, 0, sizeof(*p));
    p->s = s;
    p->tx_seed = tx_seed;
    p->tx_len = tx_len;
    p->rx_seed = rx_seed;
    p->rx_len = rx_len;
    p->bad_at = TCP_PUMP_NO_MISMATCH;
    axn_sha256_init(&p->tx_hash);
    axn_sha256_init(&p->rx_hash);
}

static bool would_block(long rc)
{
    return rc == -AXN_EAGAIN || rc == -AXN_EWOULDBLOCK;
}

/* The send and receive halves keep their own error: they may run on two
 * threads. */
static void note_err(long *slot, long rc)
{
    if (!*slot)
        *slot = rc;
}

/* One send of the next piece; returns the count, 0 when nothing to do or
 * it would block, -1 on error. */
static long send_some(struct tcp_pump *p, int flags)
{
    uint8_t buf[TCP_PUMP_CHUNK];
    if (p->sent == p->tx_len) {
        if (!p->shut_wr) {
            const int rc = axn_shutdown(p->s, AXN_SHUT_WR);
            if (rc < 0) {
                note_err(&p->tx_err, rc);
                return -1;
            }
            p->shut_wr = true;
            axn_sha256_final(&p->tx_hash, p->tx_digest);
        }
        return 0;
    }
    const uint64_t left = p->tx_len - p->sent;
    const size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
    tcp_stream_fill(p->tx_seed, p->sent, buf, n);
    const long rc = axn_send(p->s, buf, n, flags | AXN_MSG_NOSIGNAL);
    if (rc < 0) {
        if (would_block(rc))
            return 0;
        note_err(&p->tx_err, rc);
        return -1;
    }
    axn_sha256_update(&p->tx_hash, buf, (size_t)rc);
    p->sent += (uint64_t)rc;
    return rc;
}

static void check_piece(struct tcp_pump *p, const uint8_t *buf, size_t n)
{
    const uint64_t room = p->rx_len > p->received ? p->rx_len - p->received : 0;
    const size_t in_stream = n < room ? n : (size_t)room;
    const size_t ok = tcp_stream_check(p->rx_seed, p->received, buf, in_stream);
    if (p->bad_at == TCP_PUMP_NO_MISMATCH && (ok < in_stream || in_stream < n))
        p->bad_at = p->received + ok;
    axn_sha256_update(&p->rx_hash, buf, n);
    p->received += n;
}

/* One recv; returns the count, 0 at EOF or when it would block, -1 on
 * error. */
static long recv_some(struct tcp_pump *p, int flags)
{
    uint8_t buf[TCP_PUMP_CHUNK];
    if (p->eof)
        return 0;
    const long rc = axn_recv(p->s, buf, sizeof(buf), flags);
    if (rc < 0) {
        if (would_block(rc))
            return 0;
        note_err(&p->rx_err, rc);
        return -1;
    }
    if (rc == 0) {
        p->eof = true;
        axn_sha256_final(&p->rx_hash, p->rx_digest);
        return 0;
    }
    check_piece(p, buf, (size_t)rc);
    return rc;
}

bool tcp_pump_step(struct tcp_pump *p)
{
    bool moved = false;
    while (!p->tx_err && send_some(p, AXN_MSG_DONTWAIT) > 0)
        moved = true;
    while (!p->rx_err && recv_some(p, AXN_MSG_DONTWAIT) > 0)
        moved = true;
    return moved;
}

bool tcp_pump_done(const struct tcp_pump *p)
{
    return p->shut_wr && p->eof && !tcp_pump_failed(p) && p->received == p->rx_len;
}

bool tcp_pump_failed(const struct tcp_pump *p)
{
    return p->tx_err != 0 || p->rx_err != 0 || p->bad_at != TCP_PUMP_NO_MISMATCH;
}

long tcp_pump_run_send(struct tcp_pump *p)
{
    while (!p->tx_err && !p->shut_wr)
        if (send_some(p, 0) < 0)
            break;
    return p->tx_err;
}

long tcp_pump_run_recv(struct tcp_pump *p)
{
    while (!p->rx_err && !p->eof)
        if (recv_some(p, 0) < 0)
            break;
    return p->rx_err;
}
