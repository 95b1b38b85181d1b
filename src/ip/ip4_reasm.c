/*
 * IPv4 fragment reassembly (RFC 791 3.2, RFC 815); see ip4_reasm.h for the
 * rules.
 *
 * Each datagram in progress owns one slot of a table allocated at init and
 * a list of fragments sorted by offset, one allocation per fragment holding
 * exactly its data: nothing is sized for the largest datagram up front, and
 * every byte of every fragment allocation is charged to bytes_held. The
 * list never holds two overlapping fragments, so the datagram is complete
 * exactly when its last fragment is known and the bytes held add up to its
 * length (the "hole descriptor" bookkeeping of RFC 815 reduced to a sum).
 */
#include "ip/ip4_reasm.h"

#include "axnet/config.h"
#include "axnet/errno.h"
#include "lib/mem.h"

/* RFC 791 3.2: every fragment but the last carries a multiple of 8 octets. */
#define FRAG_UNIT 8u
/* RFC 791 3.1: no fragment may reach past what a minimal header leaves of
 * the 65535-byte Total Length (the wire parser enforces the same). */
#define FRAG_END_MAX (AXN_IPV4_TOTAL_MAX - AXN_IPV4_HDR_MIN)
/* RFC 792: an ICMP error quotes the IP header and 8 bytes of payload. */
#define QUOTE_PAYLOAD 8u

/* A completed datagram's block starts with its allocation size, padded so
 * the packet behind it stays aligned for in-place header readers. */
#define OUT_ALIGN  16u
#define OUT_PREFIX OUT_ALIGN

_Static_assert(sizeof(size_t) <= OUT_PREFIX, "size prefix must fit");

struct frag {
    struct frag *next; /* next by offset */
    uint16_t off;      /* payload offset, bytes */
    uint16_t len;      /* payload bytes in data[] */
    uint8_t data[];
};

struct axn_ip4_reasm_slot {
    struct frag *head; /* sorted by offset, no two overlapping */
    struct frag *tail; /* last in the list: in-order arrival appends here */
    axn_time_t deadline;
    size_t held; /* bytes of this datagram charged to bytes_held */
    axn_ip4_t src;
    axn_ip4_t dst;
    uint32_t total;    /* payload length, known once has_last */
    uint32_t received; /* payload bytes held */
    uint32_t max_end;  /* highest payload end of any fragment seen */
    uint16_t nfrags;   /* entries in the list */
    uint16_t id;
    uint8_t protocol;
    uint8_t tos; /* of the first fragment (offset 0), for the result */
    uint8_t ttl;
    uint8_t hdr_len; /* first fragment's header length; 0 until it came */
    bool used;
    bool df;
    bool has_last;                 /* the fragment with MF clear came: total is known */
    uint8_t hdr[AXN_IPV4_HDR_MAX]; /* first fragment's header as received */
};

#define SLOT_TABLE_SIZE (sizeof(struct axn_ip4_reasm_slot) * AXN_IP4_REASM_MAX_DATAGRAMS)

/* What one fragment brings, checked and reduced to numbers. */
struct piece {
    const struct axn_ipv4 *ip;
    const uint8_t *pkt;
    uint32_t off;
    uint32_t end;
    size_t cost; /* bytes its allocation charges to bytes_held */
};

static size_t frag_size(size_t len)
{
    return sizeof(struct frag) + len;
}

/* ---- Slots ---------------------------------------------------------------- */

static bool same_datagram(const struct axn_ip4_reasm_slot *s, const struct axn_ipv4 *ip)
{
    /* RFC 791 3.2: a datagram is named by source, destination, protocol
     * and identification. */
    return s->used && s->id == ip->id && s->src == ip->src && s->dst == ip->dst &&
           s->protocol == ip->protocol;
}

static struct axn_ip4_reasm_slot *find_slot(struct axn_ip4_reasm *r, const struct axn_ipv4 *ip)
{
    for (size_t i = 0; i < AXN_IP4_REASM_MAX_DATAGRAMS; i++) {
        if (same_datagram(&r->slots[i], ip))
            return &r->slots[i];
    }
    return NULL;
}

static struct axn_ip4_reasm_slot *claim_slot(struct axn_ip4_reasm *r, const struct axn_ipv4 *ip,
                                             axn_time_t now)
{
    for (size_t i = 0; i < AXN_IP4_REASM_MAX_DATAGRAMS; i++) {
        struct axn_ip4_reasm_slot *s = &r->slots[i];
        if (s->used)
            continue;
        s->used = true;
        s->id = ip->id;
        s->src = ip->src;
        s->dst = ip->dst;
        s->protocol = ip->protocol;
        /* The timer runs from the first fragment to arrive, whichever it is. */
        s->deadline = now + AXN_MSEC(AXN_IP4_REASM_TIMEOUT_MS);
        r->in_use++;
        if (r->next_expiry && s->deadline < r->next_expiry)
            r->next_expiry = s->deadline;
        return s;
    }
    return NULL;
}

/* Frees a datagram's fragments and returns its slot and bytes. */
static void drop_slot(struct axn_ip4_reasm *r, struct axn_ip4_reasm_slot *s)
{
    struct frag *f = s->head;
    while (f) {
        struct frag *next = f->next;
        r->plat->free(r->plat->ctx, f, frag_size(f->len));
        f = next;
    }
    r->bytes_held -= s->held;
    r->in_use--;
    /* Keep next_expiry exact: unknown once its datagram has gone. */
    if (r->in_use == 0)
        r->next_expiry = AXN_TIME_NEVER;
    else if (s->deadline == r->next_expiry)
        r->next_expiry = 0;
    memset(s, 0, sizeof(*s));
}

/* Drops a datagram given up on and counts it (ReasmFails). */
static int fail_slot(struct axn_ip4_reasm *r, struct axn_ip4_reasm_slot *s, int err)
{
    drop_slot(r, s);
    r->stats.fails++;
    return err;
}

/* ---- Checking one fragment --------------------------------------------- */

/* Rules a fragment must keep on its own, whatever else is held. */
static int check_piece(const struct axn_ipv4 *ip)
{
    if (!ip->mf && ip->frag_offset == 0)
        return -AXN_EINVAL; /* not a fragment at all */
    if (ip->hdr_len < AXN_IPV4_HDR_MIN || ip->hdr_len > AXN_IPV4_HDR_MAX)
        return -AXN_EINVAL;
    if (ip->frag_offset % FRAG_UNIT || ip->frag_offset + ip->payload_len > FRAG_END_MAX)
        return -AXN_EINVAL;
    /* RFC 791 3.2: all but the last fragment carry whole 8-octet blocks;
     * an empty one with more to come says nothing and is refused too. */
    if (ip->mf && (ip->payload_len == 0 || ip->payload_len % FRAG_UNIT))
        return -AXN_EINVAL;
    return 0;
}

/* RFC 791 3.2: the fragment with MF clear fixes the datagram's length;
 * data beyond it, or a second last fragment ending elsewhere, contradicts
 * what was held and no reassembly of the two can be trusted. */
static bool contradicts(const struct axn_ip4_reasm_slot *s, const struct piece *p)
{
    if (!p->ip->mf)
        return p->end < s->max_end || (s->has_last && p->end != s->total);
    return s->has_last && p->end > s->total;
}

/*
 * Finds where the piece goes: *prev is the fragment it follows (NULL: the
 * head). Returns 0, 1 for an exact duplicate of a fragment held, or
 * -AXN_EINVAL when it overlaps one.
 */
static int locate(const struct axn_ip4_reasm_slot *s, const struct piece *p, struct frag **prev)
{
    *prev = NULL;
    if (s->tail && p->off >= (uint32_t)s->tail->off + s->tail->len) {
        *prev = s->tail; /* in-order arrival: nothing held beyond it */
        return 0;
    }
    for (struct frag *f = s->head; f && f->off < p->end; f = f->next) {
        uint32_t f_end = (uint32_t)f->off + f->len;
        if (f->off == p->off && f_end == p->end)
            return 1;
        if (p->off < f_end)
            return -AXN_EINVAL; /* RFC 5722 spirit: overlaps are attacks */
        *prev = f;
    }
    return 0;
}

/* ---- Holding a fragment --------------------------------------------------- */

static void link_frag(struct axn_ip4_reasm_slot *s, struct frag *f, struct frag *prev)
{
    struct frag **at = prev ? &prev->next : &s->head;
    f->next = *at;
    *at = f;
    if (!f->next)
        s->tail = f;
}

/* Keeps what the first fragment alone knows: the header of the result. */
static void keep_first(struct axn_ip4_reasm_slot *s, const struct piece *p)
{
    s->hdr_len = (uint8_t)p->ip->hdr_len;
    memcpy(s->hdr, p->pkt, p->ip->hdr_len);
    s->tos = p->ip->tos;
    s->ttl = p->ip->ttl;
    s->df = p->ip->df;
}

/* Records the piece's length facts once it is held. */
static void account(struct axn_ip4_reasm *r, struct axn_ip4_reasm_slot *s, const struct piece *p)
{
    s->received += p->end - p->off;
    if (p->end > s->max_end)
        s->max_end = p->end;
    if (!p->ip->mf) {
        s->has_last = true;
        s->total = p->end;
    }
    if (p->off == 0)
        keep_first(s, p);
    s->held += p->cost;
    r->bytes_held += p->cost;
}

/* Copies the piece's data into a new list entry. */
static int hold(struct axn_ip4_reasm *r, struct axn_ip4_reasm_slot *s, const struct piece *p,
                struct frag *prev)
{
    size_t len = p->end - p->off;
    if (len) {
        struct frag *f = r->plat->alloc(r->plat->ctx, p->cost, _Alignof(struct frag));
        if (!f)
            return -AXN_ENOMEM;
        f->off = (uint16_t)p->off;
        f->len = (uint16_t)len;
        memcpy(f->data, p->ip->payload, len);
        link_frag(s, f, prev);
        s->nfrags++;
    }
    account(r, s, p);
    return 0;
}

/* ---- Completing a datagram ---------------------------------------------- */

static bool complete(const struct axn_ip4_reasm_slot *s)
{
    /* No overlaps and nothing past total: the sum covers every byte. */
    return s->has_last && s->hdr_len && s->received == s->total;
}

/* The first fragment's header with MF and offset cleared (RFC 791 3.2). */
static int write_header(const struct axn_ip4_reasm_slot *s, uint8_t *pkt, size_t len)
{
    struct axn_ipv4 h;
    memset(&h, 0, sizeof(h));
    h.tos = s->tos;
    h.id = s->id;
    h.df = s->df;
    h.ttl = s->ttl;
    h.protocol = s->protocol;
    h.src = s->src;
    h.dst = s->dst;
    h.options = s->hdr + AXN_IPV4_HDR_MIN;
    h.options_len = (size_t)s->hdr_len - AXN_IPV4_HDR_MIN;
    h.payload = pkt + s->hdr_len; /* already in place: emit leaves it */
    h.payload_len = s->total;
    return axn_ipv4_emit(&h, pkt, len) == (int)len ? 0 : -AXN_EINVAL;
}

static int finish(struct axn_ip4_reasm *r, struct axn_ip4_reasm_slot *s,
                  struct axn_ip4_datagram *out)
{
    size_t len = (size_t)s->hdr_len + s->total;
    size_t size = OUT_PREFIX + len;
    uint8_t *block = r->plat->alloc(r->plat->ctx, size, OUT_ALIGN);
    if (!block)
        return fail_slot(r, s, -AXN_ENOMEM);
    memcpy(block, &size, sizeof(size));
    uint8_t *pkt = block + OUT_PREFIX;
    for (const struct frag *f = s->head; f; f = f->next)
        memcpy(pkt + s->hdr_len + f->off, f->data, f->len);
    if (write_header(s, pkt, len) != 0) {
        r->plat->free(r->plat->ctx, block, size);
        return fail_slot(r, s, -AXN_EINVAL);
    }
    drop_slot(r, s);
    r->stats.oks++;
    out->pkt = pkt;
    out->len = len;
    out->owner = block;
    return 1;
}

/* ---- Lifecycle ------------------------------------------------------------ */

int axn_ip4_reasm_init(struct axn_ip4_reasm *r, const struct axn_platform *plat)
{
    memset(r, 0, sizeof(*r));
    r->slots = plat->alloc(plat->ctx, SLOT_TABLE_SIZE, _Alignof(struct axn_ip4_reasm_slot));
    if (!r->slots)
        return -AXN_ENOMEM;
    r->plat = plat;
    r->max_bytes = AXN_IP4_REASM_MAX_BYTES;
    r->next_expiry = AXN_TIME_NEVER;
    return 0;
}

void axn_ip4_reasm_destroy(struct axn_ip4_reasm *r)
{
    if (!r->slots)
        return;
    for (size_t i = 0; i < AXN_IP4_REASM_MAX_DATAGRAMS; i++) {
        if (r->slots[i].used)
            drop_slot(r, &r->slots[i]);
    }
    r->plat->free(r->plat->ctx, r->slots, SLOT_TABLE_SIZE);
    memset(r, 0, sizeof(*r));
}

/* ---- Input ---------------------------------------------------------------- */

/* Refuses what a cap does not allow: the newcomer, never the oldest. */
static int over_limit(struct axn_ip4_reasm *r)
{
    r->stats.over_limit++;
    r->stats.fails++;
    return -AXN_ENOBUFS;
}

/* Finds or opens the piece's datagram; NULL when a cap refuses it. */
static struct axn_ip4_reasm_slot *slot_for(struct axn_ip4_reasm *r, const struct piece *p,
                                           axn_time_t now, bool *fresh)
{
    struct axn_ip4_reasm_slot *s = find_slot(r, p->ip);
    if (s && now >= s->deadline) {
        /* Its time is up whether or not expire ran yet: a late fragment
         * must not complete it. Only expire reports (it has the callback). */
        r->stats.timeouts++;
        fail_slot(r, s, 0);
        s = NULL;
    }
    *fresh = s == NULL;
    if (p->cost > r->max_bytes || r->bytes_held > r->max_bytes - p->cost)
        return NULL;
    return s ? s : claim_slot(r, p->ip, now);
}

/* Finds where a piece with data goes (*prev): 0, 1 for an exact duplicate
 * (the copy held stands), or the error that dropped the datagram. */
static int admit(struct axn_ip4_reasm *r, struct axn_ip4_reasm_slot *s, const struct piece *p,
                 struct frag **prev)
{
    *prev = NULL;
    if (p->end == p->off)
        return 0; /* an empty last fragment only marks the end */
    int where = locate(s, p, prev);
    if (where < 0) {
        r->stats.overlaps++;
        return fail_slot(r, s, where);
    }
    if (where == 0 && s->nfrags >= AXN_IP4_REASM_MAX_FRAGS) {
        drop_slot(r, s); /* it cannot complete within the cap */
        return over_limit(r);
    }
    return where;
}

/* Places a checked piece into its datagram: 0 held, 1 duplicate, or error. */
static int place(struct axn_ip4_reasm *r, struct axn_ip4_reasm_slot *s, const struct piece *p,
                 bool fresh)
{
    if (contradicts(s, p))
        return fail_slot(r, s, -AXN_EINVAL);
    struct frag *prev;
    int where = admit(r, s, p, &prev);
    if (where)
        return where;
    int err = hold(r, s, p, prev);
    if (err) {
        r->stats.fails++;
        if (fresh)
            drop_slot(r, s); /* holds nothing: do not let it take a slot */
        return err;
    }
    /* RFC 791 3.1: the result's Total Length is 16 bits. */
    if (s->hdr_len && s->has_last && (size_t)s->hdr_len + s->total > AXN_IPV4_TOTAL_MAX)
        return fail_slot(r, s, -AXN_EINVAL);
    return 0;
}

int axn_ip4_reasm_input(struct axn_ip4_reasm *r, const struct axn_ipv4 *ip, const uint8_t *pkt,
                        axn_time_t now, struct axn_ip4_datagram *out)
{
    r->stats.reqds++;
    int err = check_piece(ip);
    if (err) {
        r->stats.fails++;
        return err;
    }
    struct piece p = {ip, pkt, ip->frag_offset, (uint32_t)(ip->frag_offset + ip->payload_len),
                      ip->payload_len ? frag_size(ip->payload_len) : 0};
    bool fresh;
    struct axn_ip4_reasm_slot *s = slot_for(r, &p, now, &fresh);
    if (!s)
        return over_limit(r);
    err = place(r, s, &p, fresh);
    if (err)
        return err < 0 ? err : 0;
    return complete(s) ? finish(r, s, out) : 0;
}

void axn_ip4_reasm_release(struct axn_ip4_reasm *r, struct axn_ip4_datagram *d)
{
    if (d->owner) {
        size_t size;
        memcpy(&size, d->owner, sizeof(size));
        r->plat->free(r->plat->ctx, d->owner, size);
    }
    memset(d, 0, sizeof(*d));
}

/* ---- Timeouts ------------------------------------------------------------- */

/* RFC 792: the first fragment's header and up to 8 payload bytes. */
static size_t build_quote(const struct axn_ip4_reasm_slot *s, uint8_t *quote)
{
    if (!s->hdr_len || !s->head || s->head->off != 0)
        return 0;
    size_t n = s->head->len < QUOTE_PAYLOAD ? s->head->len : QUOTE_PAYLOAD;
    memcpy(quote, s->hdr, s->hdr_len);
    memcpy(quote + s->hdr_len, s->head->data, n);
    return s->hdr_len + n;
}

static void time_out(struct axn_ip4_reasm *r, struct axn_ip4_reasm_slot *s, axn_time_t now,
                     axn_ip4_reasm_timeout_fn fn, void *ctx)
{
    uint8_t quote[AXN_IPV4_HDR_MAX + QUOTE_PAYLOAD];
    size_t len = build_quote(s, quote);
    r->stats.timeouts++;
    fail_slot(r, s, 0);
    /* RFC 1122 3.3.2: Time Exceeded only if fragment zero is available. */
    if (fn && len)
        fn(ctx, quote, len, now);
}

axn_time_t axn_ip4_reasm_expire(struct axn_ip4_reasm *r, axn_time_t now,
                                axn_ip4_reasm_timeout_fn fn, void *ctx)
{
    /* Called every poll: skip the scan while nothing can be due. */
    if (r->next_expiry && now < r->next_expiry)
        return r->next_expiry;
    axn_time_t next = AXN_TIME_NEVER;
    for (size_t i = 0; i < AXN_IP4_REASM_MAX_DATAGRAMS && r->slots; i++) {
        struct axn_ip4_reasm_slot *s = &r->slots[i];
        if (!s->used)
            continue;
        if (now >= s->deadline)
            time_out(r, s, now, fn, ctx);
        else if (s->deadline < next)
            next = s->deadline;
    }
    r->next_expiry = next;
    return next;
}

size_t axn_ip4_reasm_in_progress(const struct axn_ip4_reasm *r)
{
    return r->in_use;
}
