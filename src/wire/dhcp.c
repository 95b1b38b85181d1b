/* DHCPv4 message parse and emit (RFC 2131, RFC 2132, RFC 3396). */
#include "wire/dhcp.h"

#include "lib/byteorder.h"
#include "lib/mem.h"

/* Offsets of the BOOTP header fields (RFC 2131 2, figure 1). */
enum {
    OFF_OP = 0,
    OFF_HTYPE = 1,
    OFF_HLEN = 2,
    OFF_HOPS = 3,
    OFF_XID = 4,
    OFF_SECS = 8,
    OFF_FLAGS = 10,
    OFF_CIADDR = 12,
    OFF_YIADDR = 16,
    OFF_SIADDR = 20,
    OFF_GIADDR = 24,
    OFF_CHADDR = 28,
    OFF_SNAME = 44,
    OFF_FILE = 108,
    OFF_COOKIE = 236,
    OFF_OPTIONS = 240,
};

/* An option is its code octet, its length octet, then the value. */
#define OPT_HDR_LEN 2
#define IP4_LEN     4
#define U16_LEN     2
#define U32_LEN     4

/* RFC 2132 5.1: the smallest legal interface MTU. */
#define MIN_MTU 68
/* RFC 2132 9.10: the smallest legal maximum DHCP message size. */
#define MIN_MAX_MSG_SIZE 576
/* RFC 2132 9.14: a client identifier has a type octet and at least one more. */
#define MIN_CLIENT_ID_LEN 2

/* The address-list scratch buffer also holds the one router kept. */
_Static_assert(AXN_DHCP_MAX_DNS >= 1 && AXN_DHCP_MAX_DNS <= UINT8_MAX, "AXN_DHCP_MAX_DNS range");

/* ---- Walking option areas ----------------------------------------------- */

/*
 * Reads the option at *off in p[0 .. len), skipping pad. Returns 1 with
 * `opt` filled and *off moved past it, 0 at the end option or the clean end
 * of the area, or AXN_WIRE_EOPTLEN when an option runs past the area.
 */
static int area_step(const uint8_t *p, size_t len, size_t *off, struct axn_dhcp_opt *opt)
{
    size_t o = *off;
    while (o < len && p[o] == AXN_DHCP_OPT_PAD)
        o++;
    *off = o;
    if (o == len || p[o] == AXN_DHCP_OPT_END)
        return 0;
    if (len - o < OPT_HDR_LEN || len - o - OPT_HDR_LEN < p[o + 1])
        return AXN_WIRE_EOPTLEN;
    opt->code = p[o];
    opt->len = p[o + 1];
    opt->data = p + o + OPT_HDR_LEN;
    *off = o + OPT_HDR_LEN + opt->len;
    return 1;
}

/* Checks the framing of one area; `forbid_overload` if option 52 may not appear. */
static int area_check(const uint8_t *p, size_t len, bool forbid_overload)
{
    size_t off = 0;
    struct axn_dhcp_opt opt;
    int r;
    while ((r = area_step(p, len, &off, &opt)) > 0) {
        /* RFC 2131 4.1: option 52 MUST appear in the 'options' field. */
        if (forbid_overload && opt.code == AXN_DHCP_OPT_OVERLOAD)
            return AXN_WIRE_EOVERLOAD;
    }
    return r;
}

void axn_dhcp_opt_iter_init(struct axn_dhcp_opt_iter *it, const struct axn_dhcp_msg *msg)
{
    it->msg = msg;
    it->area = 0;
    it->off = 0;
}

bool axn_dhcp_opt_next(struct axn_dhcp_opt_iter *it, struct axn_dhcp_opt *opt)
{
    while (it->area < it->msg->n_areas && it->area < AXN_DHCP_MAX_AREAS) {
        const struct axn_dhcp_area *a = &it->msg->areas[it->area];
        size_t off = it->off;
        if (area_step(a->ptr, a->len, &off, opt) > 0) {
            it->off = (uint16_t)off;
            return true;
        }
        it->area++;
        it->off = 0;
    }
    return false;
}

int axn_dhcp_opt_gather(const struct axn_dhcp_msg *msg, uint8_t code, uint8_t *out, size_t cap)
{
    struct axn_dhcp_opt_iter it;
    struct axn_dhcp_opt opt;
    size_t total = 0;
    bool found = false;
    axn_dhcp_opt_iter_init(&it, msg);
    while (axn_dhcp_opt_next(&it, &opt)) {
        if (opt.code != code)
            continue;
        found = true;
        if (total < cap) {
            size_t n = cap - total < opt.len ? cap - total : opt.len;
            memcpy(out + total, opt.data, n);
        }
        total += opt.len;
    }
    return found ? (int)total : AXN_DHCP_OPT_ABSENT;
}

/* ---- Parse -------------------------------------------------------------- */

/* The first piece of one option code, its total length and piece count. */
struct found {
    const uint8_t *first;
    size_t total;
    unsigned pieces;
};

static void find_opt(const struct axn_dhcp_msg *m, uint8_t code, struct found *f)
{
    struct axn_dhcp_opt_iter it;
    struct axn_dhcp_opt opt;
    f->first = NULL;
    f->total = 0;
    f->pieces = 0;
    axn_dhcp_opt_iter_init(&it, m);
    while (axn_dhcp_opt_next(&it, &opt)) {
        if (opt.code != code)
            continue;
        if (f->pieces == 0)
            f->first = opt.data;
        f->pieces++;
        f->total += opt.len;
    }
}

/*
 * A fixed-size option: absent (returns 0, *has false), exactly `want`
 * bytes (copied to val), or AXN_WIRE_EOPTLEN.
 */
static int get_fixed(const struct axn_dhcp_msg *m, uint8_t code, uint8_t *val, size_t want,
                     bool *has)
{
    struct found f;
    find_opt(m, code, &f);
    *has = f.pieces > 0;
    if (!*has)
        return 0;
    if (f.total != want)
        return AXN_WIRE_EOPTLEN;
    axn_dhcp_opt_gather(m, code, val, want);
    return 0;
}

static int get_ip4(struct axn_dhcp_msg *m, uint8_t code, uint32_t bit, axn_ip4_t *dst)
{
    uint8_t v[IP4_LEN];
    bool has;
    int r = get_fixed(m, code, v, sizeof v, &has);
    if (r == 0 && has) {
        *dst = axn_get_be32(v);
        m->present |= bit;
    }
    return r;
}

static int get_u32(struct axn_dhcp_msg *m, uint8_t code, uint32_t bit, uint32_t *dst)
{
    return get_ip4(m, code, bit, dst);
}

/* A 16-bit option whose value must be at least `min` (else EFIELD). */
static int get_u16(struct axn_dhcp_msg *m, uint8_t code, uint32_t bit, uint16_t min, uint16_t *dst)
{
    uint8_t v[U16_LEN];
    bool has;
    int r = get_fixed(m, code, v, sizeof v, &has);
    if (r != 0 || !has)
        return r;
    if (axn_get_be16(v) < min)
        return AXN_WIRE_EFIELD;
    *dst = axn_get_be16(v);
    m->present |= bit;
    return 0;
}

/* A variable-length option of at least `min` bytes. */
static int get_bytes(struct axn_dhcp_msg *m, uint8_t code, uint32_t bit, size_t min,
                     struct axn_dhcp_bytes *dst)
{
    struct found f;
    find_opt(m, code, &f);
    if (f.pieces == 0)
        return 0;
    if (f.total < min || f.total > UINT16_MAX)
        return AXN_WIRE_EOPTLEN;
    dst->ptr = f.first;
    dst->len = (uint16_t)f.total;
    dst->split = f.pieces > 1;
    m->present |= bit;
    return 0;
}

/*
 * A list of IPv4 addresses (RFC 2132 3.5, 3.8: at least one, length a
 * multiple of 4). Keeps the first `keep` in dst[] and returns the count.
 */
static int get_ip4_list(struct axn_dhcp_msg *m, uint8_t code, uint32_t bit, axn_ip4_t *dst,
                        size_t keep, size_t *count)
{
    uint8_t v[AXN_DHCP_MAX_DNS * IP4_LEN];
    struct found f;
    size_t n;
    find_opt(m, code, &f);
    *count = 0;
    if (f.pieces == 0)
        return 0;
    if (f.total < IP4_LEN || f.total % IP4_LEN != 0)
        return AXN_WIRE_EOPTLEN;
    n = f.total / IP4_LEN;
    if (keep > n)
        keep = n;
    if (keep * IP4_LEN > sizeof v)
        keep = sizeof v / IP4_LEN;
    axn_dhcp_opt_gather(m, code, v, keep * IP4_LEN);
    for (size_t i = 0; i < keep; i++)
        dst[i] = axn_get_be32(v + i * IP4_LEN);
    *count = n;
    m->present |= bit;
    return 0;
}

static int get_msg_type(struct axn_dhcp_msg *m)
{
    uint8_t v;
    bool has;
    int r = get_fixed(m, AXN_DHCP_OPT_MSG_TYPE, &v, 1, &has);
    if (r != 0 || !has)
        return r;
    /* RFC 2132 9.6: types start at 1. */
    if (v == 0)
        return AXN_WIRE_EFIELD;
    m->msg_type = v;
    m->present |= AXN_DHCP_HAS_MSG_TYPE;
    return 0;
}

static int get_addresses(struct axn_dhcp_msg *m)
{
    size_t n;
    int r;
    if ((r = get_ip4(m, AXN_DHCP_OPT_SUBNET_MASK, AXN_DHCP_HAS_SUBNET_MASK, &m->subnet_mask)) ||
        (r = get_ip4(m, AXN_DHCP_OPT_BROADCAST, AXN_DHCP_HAS_BROADCAST, &m->broadcast)) ||
        (r = get_ip4(m, AXN_DHCP_OPT_REQUESTED_IP, AXN_DHCP_HAS_REQUESTED_IP, &m->requested_ip)) ||
        (r = get_ip4(m, AXN_DHCP_OPT_SERVER_ID, AXN_DHCP_HAS_SERVER_ID, &m->server_id)))
        return r;
    r = get_ip4_list(m, AXN_DHCP_OPT_ROUTER, AXN_DHCP_HAS_ROUTER, &m->router, 1, &n);
    if (r)
        return r;
    m->router_count = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
    r = get_ip4_list(m, AXN_DHCP_OPT_DNS, AXN_DHCP_HAS_DNS, m->dns, AXN_DHCP_MAX_DNS, &n);
    m->dns_count = (uint8_t)(n < AXN_DHCP_MAX_DNS ? n : AXN_DHCP_MAX_DNS);
    return r;
}

static int get_times(struct axn_dhcp_msg *m)
{
    int r;
    if ((r = get_u32(m, AXN_DHCP_OPT_LEASE_TIME, AXN_DHCP_HAS_LEASE_TIME, &m->lease_time)) ||
        (r = get_u32(m, AXN_DHCP_OPT_T1, AXN_DHCP_HAS_T1, &m->t1)))
        return r;
    return get_u32(m, AXN_DHCP_OPT_T2, AXN_DHCP_HAS_T2, &m->t2);
}

static int get_others(struct axn_dhcp_msg *m)
{
    int r;
    if ((r = get_bytes(m, AXN_DHCP_OPT_HOSTNAME, AXN_DHCP_HAS_HOSTNAME, 1, &m->hostname)) ||
        (r = get_bytes(m, AXN_DHCP_OPT_DOMAIN, AXN_DHCP_HAS_DOMAIN, 1, &m->domain)) ||
        (r = get_bytes(m, AXN_DHCP_OPT_PARAM_LIST, AXN_DHCP_HAS_PARAM_LIST, 1, &m->param_list)) ||
        (r = get_bytes(m, AXN_DHCP_OPT_CLIENT_ID, AXN_DHCP_HAS_CLIENT_ID, MIN_CLIENT_ID_LEN,
                       &m->client_id)) ||
        (r = get_u16(m, AXN_DHCP_OPT_MTU, AXN_DHCP_HAS_MTU, MIN_MTU, &m->mtu)))
        return r;
    return get_u16(m, AXN_DHCP_OPT_MAX_MSG_SIZE, AXN_DHCP_HAS_MAX_MSG_SIZE, MIN_MAX_MSG_SIZE,
                   &m->max_msg_size);
}

static void parse_header(const uint8_t *buf, struct axn_dhcp_msg *m)
{
    m->op = buf[OFF_OP];
    m->htype = buf[OFF_HTYPE];
    m->hlen = buf[OFF_HLEN];
    m->hops = buf[OFF_HOPS];
    m->xid = axn_get_be32(buf + OFF_XID);
    m->secs = axn_get_be16(buf + OFF_SECS);
    m->flags = axn_get_be16(buf + OFF_FLAGS);
    m->ciaddr = axn_get_be32(buf + OFF_CIADDR);
    m->yiaddr = axn_get_be32(buf + OFF_YIADDR);
    m->siaddr = axn_get_be32(buf + OFF_SIADDR);
    m->giaddr = axn_get_be32(buf + OFF_GIADDR);
    memcpy(m->chaddr, buf + OFF_CHADDR, AXN_DHCP_CHADDR_LEN);
    m->sname = buf + OFF_SNAME;
    m->file = buf + OFF_FILE;
}

/*
 * RFC 2131 4.1, RFC 2132 9.3: option 52 in the options field says that
 * `file` (1), `sname` (2) or both (3) hold more options, read in that order
 * after the options field. Its value is one octet.
 */
static int parse_overload(const uint8_t *buf, struct axn_dhcp_msg *m)
{
    struct found f;
    int r;
    find_opt(m, AXN_DHCP_OPT_OVERLOAD, &f);
    if (f.pieces == 0)
        return 0;
    if (f.total != 1)
        return AXN_WIRE_EOVERLOAD;
    m->overload = f.first[0];
    if (m->overload < AXN_DHCP_OVERLOAD_FILE || m->overload > AXN_DHCP_OVERLOAD_BOTH)
        return AXN_WIRE_EOVERLOAD;
    if (m->overload & AXN_DHCP_OVERLOAD_FILE) {
        r = area_check(buf + OFF_FILE, AXN_DHCP_FILE_LEN, true);
        if (r)
            return r;
        m->areas[m->n_areas++] = (struct axn_dhcp_area){buf + OFF_FILE, AXN_DHCP_FILE_LEN};
        m->file = NULL;
    }
    if (m->overload & AXN_DHCP_OVERLOAD_SNAME) {
        r = area_check(buf + OFF_SNAME, AXN_DHCP_SNAME_LEN, true);
        if (r)
            return r;
        m->areas[m->n_areas++] = (struct axn_dhcp_area){buf + OFF_SNAME, AXN_DHCP_SNAME_LEN};
        m->sname = NULL;
    }
    return 0;
}

int axn_dhcp_parse(const uint8_t *buf, size_t len, struct axn_dhcp_msg *out)
{
    int r;
    memset(out, 0, sizeof *out);
    if (len < AXN_DHCP_HDR_LEN)
        return AXN_WIRE_ETRUNC;
    /* A UDP payload never exceeds 64 KiB; areas are indexed with 16 bits. */
    if (len > UINT16_MAX)
        return AXN_WIRE_ELEN;
    /* RFC 951 3: op is BOOTREQUEST or BOOTREPLY. */
    if (buf[OFF_OP] != AXN_DHCP_OP_REQUEST && buf[OFF_OP] != AXN_DHCP_OP_REPLY)
        return AXN_WIRE_ETYPE;
    if (buf[OFF_HLEN] > AXN_DHCP_CHADDR_LEN)
        return AXN_WIRE_EFIELD;
    /* RFC 2131 3: options start with the magic cookie 99.130.83.99. */
    if (axn_get_be32(buf + OFF_COOKIE) != AXN_DHCP_MAGIC_COOKIE)
        return AXN_WIRE_ECOOKIE;
    parse_header(buf, out);
    r = area_check(buf + OFF_OPTIONS, len - OFF_OPTIONS, false);
    if (r)
        return r;
    out->areas[0] = (struct axn_dhcp_area){buf + OFF_OPTIONS, (uint16_t)(len - OFF_OPTIONS)};
    out->n_areas = 1;
    if ((r = parse_overload(buf, out)) || (r = get_msg_type(out)) || (r = get_addresses(out)) ||
        (r = get_times(out)) || (r = get_others(out)))
        return r;
    return 0;
}

/* ---- Emit --------------------------------------------------------------- */

/*
 * Writes options into buf[pos .. cap), starting a new option of the same
 * code whenever a value outgrows 255 bytes (RFC 3396 splitting).
 */
struct writer {
    uint8_t *buf;
    size_t cap;
    size_t pos;
    size_t len_at; /* where the open option's length octet is */
    uint8_t code;
    bool full;
};

static void w_raw(struct writer *w, const uint8_t *p, size_t n)
{
    if (w->full || w->cap - w->pos < n) {
        w->full = true;
        return;
    }
    memcpy(w->buf + w->pos, p, n);
    w->pos += n;
}

static void w_begin(struct writer *w, uint8_t code)
{
    uint8_t hdr[OPT_HDR_LEN] = {code, 0};
    w->code = code;
    w->len_at = w->pos;
    w_raw(w, hdr, sizeof hdr);
}

static void w_put(struct writer *w, const uint8_t *p, size_t n)
{
    while (n > 0 && !w->full) {
        size_t used = w->buf[w->len_at + 1];
        size_t chunk;
        if (used == AXN_DHCP_OPT_MAX_LEN) {
            w_begin(w, w->code);
            continue;
        }
        chunk = AXN_DHCP_OPT_MAX_LEN - used < n ? AXN_DHCP_OPT_MAX_LEN - used : n;
        w_raw(w, p, chunk);
        if (w->full)
            return;
        w->buf[w->len_at + 1] = (uint8_t)(used + chunk);
        p += chunk;
        n -= chunk;
    }
}

static void w_option(struct writer *w, uint8_t code, const uint8_t *p, size_t n)
{
    w_begin(w, code);
    w_put(w, p, n);
}

static void w_ip4(struct writer *w, uint8_t code, axn_ip4_t v)
{
    uint8_t b[IP4_LEN];
    axn_put_be32(b, v);
    w_option(w, code, b, sizeof b);
}

static void w_u16(struct writer *w, uint8_t code, uint16_t v)
{
    uint8_t b[U16_LEN];
    axn_put_be16(b, v);
    w_option(w, code, b, sizeof b);
}

/* A variable value; a split one (from parse) is gathered piece by piece. */
static void w_bytes(struct writer *w, const struct axn_dhcp_msg *m, uint8_t code,
                    const struct axn_dhcp_bytes *v)
{
    struct axn_dhcp_opt_iter it;
    struct axn_dhcp_opt opt;
    if (v->len == 0)
        return;
    w_begin(w, code);
    if (!v->split) {
        w_put(w, v->ptr, v->len);
        return;
    }
    axn_dhcp_opt_iter_init(&it, m);
    while (axn_dhcp_opt_next(&it, &opt)) {
        if (opt.code == code)
            w_put(w, opt.data, opt.len);
    }
}

static void emit_header(const struct axn_dhcp_msg *m, uint8_t *buf)
{
    buf[OFF_OP] = m->op;
    buf[OFF_HTYPE] = m->htype;
    buf[OFF_HLEN] = m->hlen;
    buf[OFF_HOPS] = m->hops;
    axn_put_be32(buf + OFF_XID, m->xid);
    axn_put_be16(buf + OFF_SECS, m->secs);
    axn_put_be16(buf + OFF_FLAGS, m->flags);
    axn_put_be32(buf + OFF_CIADDR, m->ciaddr);
    axn_put_be32(buf + OFF_YIADDR, m->yiaddr);
    axn_put_be32(buf + OFF_SIADDR, m->siaddr);
    axn_put_be32(buf + OFF_GIADDR, m->giaddr);
    memcpy(buf + OFF_CHADDR, m->chaddr, AXN_DHCP_CHADDR_LEN);
    if (m->sname)
        memcpy(buf + OFF_SNAME, m->sname, AXN_DHCP_SNAME_LEN);
    else
        memset(buf + OFF_SNAME, 0, AXN_DHCP_SNAME_LEN);
    if (m->file)
        memcpy(buf + OFF_FILE, m->file, AXN_DHCP_FILE_LEN);
    else
        memset(buf + OFF_FILE, 0, AXN_DHCP_FILE_LEN);
    axn_put_be32(buf + OFF_COOKIE, AXN_DHCP_MAGIC_COOKIE);
}

/* Identity and lease options, in the order common servers send them. */
static void emit_lease_opts(struct writer *w, const struct axn_dhcp_msg *m)
{
    if (m->present & AXN_DHCP_HAS_MSG_TYPE)
        w_option(w, AXN_DHCP_OPT_MSG_TYPE, &m->msg_type, 1);
    if (m->present & AXN_DHCP_HAS_CLIENT_ID)
        w_bytes(w, m, AXN_DHCP_OPT_CLIENT_ID, &m->client_id);
    if (m->present & AXN_DHCP_HAS_REQUESTED_IP)
        w_ip4(w, AXN_DHCP_OPT_REQUESTED_IP, m->requested_ip);
    if (m->present & AXN_DHCP_HAS_SERVER_ID)
        w_ip4(w, AXN_DHCP_OPT_SERVER_ID, m->server_id);
    if (m->present & AXN_DHCP_HAS_LEASE_TIME)
        w_ip4(w, AXN_DHCP_OPT_LEASE_TIME, m->lease_time);
    if (m->present & AXN_DHCP_HAS_T1)
        w_ip4(w, AXN_DHCP_OPT_T1, m->t1);
    if (m->present & AXN_DHCP_HAS_T2)
        w_ip4(w, AXN_DHCP_OPT_T2, m->t2);
}

/* Network configuration options. */
static void emit_config_opts(struct writer *w, const struct axn_dhcp_msg *m)
{
    if (m->present & AXN_DHCP_HAS_SUBNET_MASK)
        w_ip4(w, AXN_DHCP_OPT_SUBNET_MASK, m->subnet_mask);
    if (m->present & AXN_DHCP_HAS_ROUTER)
        w_ip4(w, AXN_DHCP_OPT_ROUTER, m->router);
    if (m->present & AXN_DHCP_HAS_BROADCAST)
        w_ip4(w, AXN_DHCP_OPT_BROADCAST, m->broadcast);
    if ((m->present & AXN_DHCP_HAS_DNS) && m->dns_count > 0) {
        size_t n = m->dns_count < AXN_DHCP_MAX_DNS ? m->dns_count : AXN_DHCP_MAX_DNS;
        w_begin(w, AXN_DHCP_OPT_DNS);
        for (size_t i = 0; i < n; i++) {
            uint8_t b[IP4_LEN];
            axn_put_be32(b, m->dns[i]);
            w_put(w, b, sizeof b);
        }
    }
    if (m->present & AXN_DHCP_HAS_HOSTNAME)
        w_bytes(w, m, AXN_DHCP_OPT_HOSTNAME, &m->hostname);
    if (m->present & AXN_DHCP_HAS_DOMAIN)
        w_bytes(w, m, AXN_DHCP_OPT_DOMAIN, &m->domain);
    if (m->present & AXN_DHCP_HAS_MTU)
        w_u16(w, AXN_DHCP_OPT_MTU, m->mtu);
    if (m->present & AXN_DHCP_HAS_PARAM_LIST)
        w_bytes(w, m, AXN_DHCP_OPT_PARAM_LIST, &m->param_list);
    if (m->present & AXN_DHCP_HAS_MAX_MSG_SIZE)
        w_u16(w, AXN_DHCP_OPT_MAX_MSG_SIZE, m->max_msg_size);
}

int axn_dhcp_emit(const struct axn_dhcp_msg *in, uint8_t *buf, size_t cap)
{
    struct writer w = {.buf = buf, .cap = cap > UINT16_MAX ? UINT16_MAX : cap};
    uint8_t end = AXN_DHCP_OPT_END;
    if (w.cap < AXN_DHCP_MIN_LEN)
        return AXN_WIRE_ENOSPC;
    emit_header(in, buf);
    w.pos = AXN_DHCP_HDR_LEN;
    emit_lease_opts(&w, in);
    emit_config_opts(&w, in);
    if (in->extra_len > 0)
        w_raw(&w, in->extra, in->extra_len);
    w_raw(&w, &end, 1);
    if (w.full)
        return AXN_WIRE_ENOSPC;
    if (w.pos < AXN_DHCP_MIN_LEN) {
        memset(buf + w.pos, AXN_DHCP_OPT_PAD, AXN_DHCP_MIN_LEN - w.pos);
        w.pos = AXN_DHCP_MIN_LEN;
    }
    return (int)w.pos;
}
