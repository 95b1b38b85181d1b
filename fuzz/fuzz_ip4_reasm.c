/*
 * IPv4 reassembly (src/ip/ip4_reasm.c) under a stream of hostile
 * fragments, and fragmentation (src/ip/ip4_frag.c) of what comes out.
 *
 * The input is a sequence of records:
 *
 *     [1 byte: clock advance, 128 = one reassembly timeout]
 *     [2 bytes: length L, big-endian] [L bytes: an IPv4 packet]
 *
 * Each packet that parses (checksum not checked, so mutations get through)
 * is fed to one reassembler with a small byte cap, then the expiry runs.
 * After every step: the caps hold, and bytes_held is exactly what the
 * reassembler has allocated beyond its slot table. A completed datagram
 * must parse, and splitting it again must tile its payload. At the end,
 * destroy leaves nothing allocated.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/config.h"
#include "axnet/errno.h"
#include "ip/ip4_frag.h"
#include "ip/ip4_reasm.h"
#include "support/fuzz_check.h"

#define SMALL_CAP     (16u * 1024u)
#define REC_HDR       3u
#define TICKS_PER_TO  128u
#define START         AXN_SEC(1)
#define QUOTE_PAYLOAD 8u
#define MTU_MIN       68u /* RFC 791 3.2: every link carries this much */
#define MTU_STEP      8u
#define PKT_MAX       65535u

/* ---- A counting allocator, so the harness can audit every byte ----------- */

static size_t live_allocs;
static size_t live_bytes;

static void *fz_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    (void)align; /* malloc's alignment covers every request made here */
    void *p = calloc(1, size ? size : 1);
    CHECK(p != NULL);
    live_allocs++;
    live_bytes += size;
    return p;
}

static void fz_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (!ptr)
        return;
    CHECK(live_allocs > 0 && live_bytes >= size);
    live_allocs--;
    live_bytes -= size;
    free(ptr);
}

static const struct axn_platform plat = {.alloc = fz_alloc, .free = fz_free};

/* ---- Checks ----------------------------------------------------------------- */

static void on_timeout(void *ctx, const uint8_t *first, size_t len, axn_time_t now)
{
    (void)ctx;
    (void)now;
    CHECK(len >= AXN_IPV4_HDR_MIN + 1 && len <= AXN_IPV4_HDR_MAX + QUOTE_PAYLOAD);
    CHECK(first[0] >> 4 == AXN_IPV4_VERSION);
}

struct tiling {
    const struct axn_ipv4 *whole;
    size_t mtu;
    size_t next_off;
};

static int check_piece(void *ctx, const uint8_t *frag, size_t len)
{
    struct tiling *t = ctx;
    struct axn_ipv4 ip;
    CHECK(len <= t->mtu);
    CHECK(axn_ipv4_parse(frag, len, &ip, 0) == 0);
    CHECK(ip.frag_offset == t->next_off && ip.id == t->whole->id);
    CHECK(ip.payload_len <= t->whole->payload_len - t->next_off);
    CHECK(memcmp(ip.payload, t->whole->payload + t->next_off, ip.payload_len) == 0);
    t->next_off += ip.payload_len;
    CHECK(ip.mf == (t->next_off < t->whole->payload_len));
    return 0;
}

static void check_datagram(const struct axn_ip4_datagram *d, uint8_t mtu_sel)
{
    static uint8_t scratch[PKT_MAX];
    struct axn_ipv4 ip;
    CHECK(axn_ipv4_parse(d->pkt, d->len, &ip, 0) == 0);
    CHECK(!ip.is_fragment && ip.total_len == d->len);
    /* MTU_MIN carries any header plus 8 bytes: fragmenting cannot refuse. */
    struct tiling t = {&ip, MTU_MIN + (size_t)mtu_sel * MTU_STEP, 0};
    int n = axn_ip4_fragment(d->pkt, d->len, t.mtu, scratch, check_piece, &t);
    if (ip.df && d->len > t.mtu) {
        CHECK(n == -AXN_EMSGSIZE && t.next_off == 0);
        return;
    }
    CHECK(n >= 1 && t.next_off == ip.payload_len);
}

/* Bytes of the slot table, allocated at init. */
static size_t table_bytes;

static void check_accounting(const struct axn_ip4_reasm *r)
{
    CHECK(r->bytes_held <= r->max_bytes);
    CHECK(axn_ip4_reasm_in_progress(r) <= AXN_IP4_REASM_MAX_DATAGRAMS);
    /* Every byte allocated beyond the table is charged, and no more. */
    CHECK(live_bytes == table_bytes + r->bytes_held);
    if (axn_ip4_reasm_in_progress(r) == 0)
        CHECK(r->bytes_held == 0 && live_allocs == 1);
}

static bool result_ok(int rc)
{
    return rc == 0 || rc == 1 || rc == -AXN_EINVAL || rc == -AXN_ENOBUFS;
}

/* ---- The run ------------------------------------------------------------------ */

static void step(struct axn_ip4_reasm *r, const uint8_t *pkt, size_t len, axn_time_t now,
                 uint8_t tick)
{
    struct axn_ipv4 ip;
    if (axn_ipv4_parse(pkt, len, &ip, AXN_IPV4_PARSE_CSUM_VERIFIED) == 0) {
        struct axn_ip4_datagram d = {NULL, 0, NULL};
        int rc = axn_ip4_reasm_input(r, &ip, pkt, now, &d);
        CHECK(result_ok(rc));
        CHECK(ip.is_fragment || rc == -AXN_EINVAL);
        CHECK((rc == 1) == (d.pkt != NULL));
        if (rc == 1) {
            check_datagram(&d, tick);
            axn_ip4_reasm_release(r, &d);
        }
    }
    check_accounting(r);
    axn_time_t next = axn_ip4_reasm_expire(r, now, on_timeout, NULL);
    CHECK(next > now);
    CHECK((next == AXN_TIME_NEVER) == (axn_ip4_reasm_in_progress(r) == 0));
    check_accounting(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct axn_ip4_reasm r;
    CHECK(axn_ip4_reasm_init(&r, &plat) == 0);
    table_bytes = live_bytes;
    r.max_bytes = SMALL_CAP;
    axn_time_t now = START;
    while (size >= REC_HDR) {
        uint8_t tick = data[0];
        size_t len = (size_t)data[1] << 8 | data[2];
        data += REC_HDR;
        size -= REC_HDR;
        if (len > size)
            len = size;
        now += AXN_MSEC(AXN_IP4_REASM_TIMEOUT_MS) * tick / TICKS_PER_TO;
        step(&r, data, len, now, tick);
        data += len;
        size -= len;
    }
    axn_ip4_reasm_destroy(&r);
    CHECK(live_allocs == 0 && live_bytes == 0);
    return 0;
}
