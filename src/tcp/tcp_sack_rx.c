/*
 * The SACK blocks we send (RFC 2018 4) and D-SACK (RFC 2883): which
 * out-of-order ranges (conn->ooo, tcp_reass.c) an ACK reports, in what
 * order, and the duplicate reported once in front of them.
 */
#include "lib/mem.h"
#include "tcp/tcp_options.h"
#include "tcp/tcp_seq.h"

/* The out-of-order range holding `seq`, or -1. */
static int ooo_find(const struct axn_tcp_conn *c, uint32_t seq)
{
    for (unsigned i = 0; i < c->n_ooo; i++) {
        if (seq_geq(seq, c->ooo[i].left) && seq_lt(seq, c->ooo[i].right)) {
            return (int)i;
        }
    }
    return -1;
}

static bool listed(const struct axn_tcp_sack_block *b, unsigned from, unsigned n, uint32_t left)
{
    for (unsigned i = from; i < n; i++) {
        if (b[i].left == left) {
            return true;
        }
    }
    return false;
}

/* Room for a D-SACK block, the block containing it and the rest. */
#define SACK_RX_LIST (AXN_TCP_SACK_RX_BLOCKS + 1u)

/* Appends the out-of-order range holding `seq` (as it is now: it may
 * have grown or merged since it was reported) unless it is gone or
 * already there (RFC 2018 4: no block that is a subset of another), or
 * b (SACK_RX_LIST entries) is full. */
static void add_range(const struct axn_tcp_conn *c, uint32_t seq, struct axn_tcp_sack_block *b,
                      unsigned from, unsigned *n)
{
    const int i = ooo_find(c, seq);

    if (i < 0 || *n >= SACK_RX_LIST || listed(b, from, *n, c->ooo[i].left)) {
        return;
    }
    b[*n].left = c->ooo[i].left;
    b[*n].right = c->ooo[i].right;
    (*n)++;
}

void axn_tcp_sack_rx_note(struct axn_tcp_conn *c, uint32_t left, uint32_t right)
{
    struct axn_tcp_sack_rx *r = &c->rsack;
    struct axn_tcp_sack_block b[SACK_RX_LIST];
    unsigned n = 0;

    (void)right;
    /* RFC 2018 4: "The first SACK block ... MUST specify the contiguous
     * block of data containing the segment which triggered this ACK",
     * then the most recently reported ones. */
    add_range(c, left, b, 0, &n);
    for (unsigned k = 0; k < r->n_recent && n < AXN_TCP_SACK_RX_BLOCKS; k++) {
        add_range(c, r->recent[k].left, b, 0, &n);
    }
    n = n < AXN_TCP_SACK_RX_BLOCKS ? n : AXN_TCP_SACK_RX_BLOCKS;
    for (unsigned k = 0; k < n; k++) {
        r->recent[k].left = b[k].left;
        r->recent[k].right = b[k].right;
    }
    r->n_recent = (uint8_t)n;
}

void axn_tcp_sack_rx_dup(struct axn_tcp_conn *c, uint32_t left, uint32_t right, bool ofo)
{
    struct axn_tcp_sack_rx *r = &c->rsack;

    if (!c->opt.sack_ok || !c->layer->cfg.dsack || left == right) {
        return;
    }
    r->dsack = true;
    r->dsack_ofo = ofo;
    r->dup.left = left;
    r->dup.right = right;
}

void axn_tcp_sack_rx_fill(const struct axn_tcp_conn *c, unsigned max, struct axn_tcp_opts *o)
{
    const struct axn_tcp_sack_rx *r = &c->rsack;
    struct axn_tcp_sack_block b[SACK_RX_LIST];
    unsigned n = 0;
    unsigned first;

    /* RFC 2883 4: the D-SACK block first, then (for a duplicate inside
     * out-of-order data) the block containing it. */
    if (r->dsack) {
        b[n].left = r->dup.left;
        b[n].right = r->dup.right;
        n++;
        if (r->dsack_ofo) {
            add_range(c, r->dup.left, b, 1, &n);
        }
    }
    first = r->dsack ? 1u : 0u;
    for (unsigned k = 0; k < r->n_recent; k++) {
        add_range(c, r->recent[k].left, b, first, &n);
    }
    /* RFC 2018 4: then other held ranges, if room is left (ranges beyond
     * what was ever reported, highest first). */
    for (unsigned k = c->n_ooo; k-- > 0;) {
        add_range(c, c->ooo[k].left, b, first, &n);
    }
    n = n < max ? n : max;
    memcpy(o->sack, b, n * sizeof(b[0]));
    o->n_sack = (uint8_t)n;
}

void axn_tcp_sack_rx_sent(struct axn_tcp_conn *c, const struct axn_tcp_opts *o)
{
    struct axn_tcp_sack_rx *r = &c->rsack;

    if (!r->dsack || o->n_sack == 0) {
        return;
    }
    r->dsack = false;
    if (r->dsack_ofo) {
        c->layer->ext.dsack_ofo_sent++;
    } else {
        c->layer->ext.dsack_old_sent++;
    }
}
