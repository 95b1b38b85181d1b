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

/* Byte i of a word is its bits 8i..8i+7 (little-endian order), so whole
 * words go in and out with one 64-bit store or load, whatever the host's
 * byte order. */
static void store_le64(uint8_t *p, uint64_t w)
{
    for (unsigned i = 0; i < WORD_BYTES; i++)
        p[i] = byte_of(w, i);
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t w = 0;
    for (unsigned i = 0; i < WORD_BYTES; i++)
        w |= (uint64_t)p[i] << (8u * i);
    return w;
}

/* Bytes from `pos` to the end of its word, at most `len`. */
static size_t to_word_end(uint64_t pos, size_t len)
{
    const size_t n = WORD_BYTES - (size_t)(pos % WORD_BYTES);
    return n < len ? n : len;
}

/* The bytes of one (possibly partial) word, one by one: the ends of a
 * range that does not start or stop on a word boundary. */
static void fill_part(uint64_t seed, uint64_t pos, uint8_t *buf, size_t n)
{
    const uint64_t w = word_at(seed, pos / WORD_BYTES);
    for (size_t i = 0; i < n; i++)
        buf[i] = byte_of(w, (unsigned)((pos + i) % WORD_BYTES));
}

static size_t check_part(uint64_t seed, uint64_t pos, const uint8_t *buf, size_t n)
{
    const uint64_t w = word_at(seed, pos / WORD_BYTES);
    for (size_t i = 0; i < n; i++)
        if (buf[i] != byte_of(w, (unsigned)((pos + i) % WORD_BYTES)))
            return i;
    return n;
}

void tcp_stream_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
    size_t i = to_word_end(off, len);
    fill_part(seed, off, buf, i);
    uint64_t k = (off + i) / WORD_BYTES;
    for (; len - i >= WORD_BYTES; i += WORD_BYTES, k++)
        store_le64(buf + i, word_at(seed, k));
    fill_part(seed, off + i, buf + i, len - i);
}

size_t tcp_stream_check(uint64_t seed, uint64_t off, const uint8_t *buf, size_t len)
{
    size_t i = to_word_end(off, len);
    const size_t head = check_part(seed, off, buf, i);
    if (head < i)
        return head;
    uint64_t k = (off + i) / WORD_BYTES;
    for (; len - i >= WORD_BYTES; i += WORD_BYTES, k++)
        if (load_le64(buf + i) != word_at(seed, k))
            return i + check_part(seed, off + i, buf + i, WORD_BYTES);
    return i + check_part(seed, off + i, buf + i, len - i);
}

/* Digests already computed: a large transfer's checks ask for the same
 * (seed, length) several times (both ends, sha256sum's file), and a GiB
 * costs seconds to hash again. */
#define DIGEST_CACHE_SLOTS 4u

struct digest_memo {
    bool valid;
    uint64_t seed;
    uint64_t len;
    uint8_t digest[AXN_SHA256_DIGEST_LEN];
};

static struct digest_memo memo[DIGEST_CACHE_SLOTS];
static unsigned memo_next;

static bool digest_cached(uint64_t seed, uint64_t len, uint8_t out[AXN_SHA256_DIGEST_LEN])
{
    for (unsigned i = 0; i < DIGEST_CACHE_SLOTS; i++)
        if (memo[i].valid && memo[i].seed == seed && memo[i].len == len) {
            memcpy(out, memo[i].digest, AXN_SHA256_DIGEST_LEN);
            return true;
        }
    return false;
}

static void digest_remember(uint64_t seed, uint64_t len, const uint8_t d[AXN_SHA256_DIGEST_LEN])
{
    struct digest_memo *m = &memo[memo_next++ % DIGEST_CACHE_SLOTS];
    m->valid = true;
    m->seed = seed;
    m->len = len;
    memcpy(m->digest, d, AXN_SHA256_DIGEST_LEN);
}

void tcp_stream_digest(uint64_t seed, uint64_t len, uint8_t out[AXN_SHA256_DIGEST_LEN])
{
    static uint8_t buf[TCP_PUMP_CHUNK];
    if (digest_cached(seed, len, out))
        return;
    struct axn_sha256 c;
    axn_sha256_init(&c);
    for (uint64_t off = 0; off < len;) {
        const size_t n = len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
        tcp_stream_fill(seed, off, buf, n);
        axn_sha256_update(&c, buf, n);
        off += n;
    }
    axn_sha256_final(&c, out);
    digest_remember(seed, len, out);
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

/* The next bytes to send, at most `cap`: generated once into tx_buf and
 * kept there until sent, so a send that would block or takes part of a
 * piece costs no regeneration. */
static const uint8_t *next_piece(struct tcp_pump *p, size_t cap, size_t *n)
{
    if (p->sent < p->tx_buf_off || p->sent >= p->tx_buf_off + p->tx_buf_len) {
        const uint64_t left = p->tx_len - p->sent;
        p->tx_buf_off = p->sent;
        p->tx_buf_len = left < sizeof(p->tx_buf) ? (size_t)left : sizeof(p->tx_buf);
        tcp_stream_fill(p->tx_seed, p->tx_buf_off, p->tx_buf, p->tx_buf_len);
    }
    const size_t at = (size_t)(p->sent - p->tx_buf_off);
    const size_t have = p->tx_buf_len - at;
    *n = have < cap ? have : cap;
    return p->tx_buf + at;
}

/* One send of the next piece; returns the count, 0 when nothing to do or
 * it would block, -1 on error. */
static long send_some(struct tcp_pump *p, int flags, size_t cap)
{
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
    size_t n;
    const uint8_t *buf = next_piece(p, cap, &n);
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
static long recv_some(struct tcp_pump *p, int flags, uint8_t *buf, size_t cap)
{
    if (p->eof)
        return 0;
    const long rc = axn_recv(p->s, buf, cap, flags);
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
    uint8_t buf[TCP_PUMP_CHUNK];
    bool moved = false;
    while (!p->tx_err && send_some(p, AXN_MSG_DONTWAIT, sizeof(buf)) > 0)
        moved = true;
    while (!p->rx_err && recv_some(p, AXN_MSG_DONTWAIT, buf, sizeof(buf)) > 0)
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

/* The blocking halves move bigger pieces: fewer calls into the stack per
 * byte, so a threaded transfer measures the stack's data path. */
long tcp_pump_run_send(struct tcp_pump *p)
{
    while (!p->tx_err && !p->shut_wr)
        if (send_some(p, 0, TCP_PUMP_BLOCKING_CHUNK) < 0)
            break;
    return p->tx_err;
}

long tcp_pump_run_recv_until(struct tcp_pump *p, uint64_t until)
{
    uint8_t buf[TCP_PUMP_BLOCKING_CHUNK];
    while (!p->rx_err && !p->eof && p->received < until)
        if (recv_some(p, 0, buf, sizeof(buf)) < 0)
            break;
    return p->rx_err;
}

long tcp_pump_run_recv(struct tcp_pump *p)
{
    return tcp_pump_run_recv_until(p, UINT64_MAX);
}
