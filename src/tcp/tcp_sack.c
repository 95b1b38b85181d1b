/*
 * The sender's SACK scoreboard (tcp_sack.h): the SACKed ranges the peer
 * reported (RFC 2018 4, RFC 2883 D-SACK), and what RFC 6675 4 asks of
 * them: IsLost(), SetPipe() and NextSeg(). Pure functions of the
 * connection, apart from axn_tcp_sack_update's counters.
 */
#include "tcp/tcp_sack.h"

#include "lib/mem.h"
#include "tcp/tcp_output.h"
#include "tcp/tcp_seq.h"

/* RFC 6675 2: DupThresh. */
#define SACK_DUPTHRESH AXN_TCP_DUPACK_THRESH

static uint32_t range_len(const struct axn_tcp_sb_range *x)
{
    return x->right - x->left;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

void axn_tcp_sack_reset(struct axn_tcp_conn *c)
{
    memset(&c->sb, 0, sizeof(c->sb));
    c->sb.high_rxt = c->snd_una;
}

/* Index of the smallest range in `r` (the lowest one on a tie). */
static size_t smallest(const struct axn_tcp_sb_range *r, size_t n)
{
    size_t best = 0;

    for (size_t i = 1; i < n; i++) {
        if (range_len(&r[i]) < range_len(&r[best])) {
            best = i;
        }
    }
    return best;
}

/* RFC 2018 8: SACK information is advisory; forgetting a range only
 * means resending it. The range dropped is the smallest. Returns whether
 * `mine` (the range just inserted) was the one. */
static bool drop_one(struct axn_tcp_sb_range *r, size_t *n, size_t mine)
{
    size_t s = smallest(r, *n);

    memmove(&r[s], &r[s + 1], (*n - s - 1) * sizeof(r[0]));
    (*n)--;
    return s == mine;
}

uint32_t axn_tcp_sack_insert(struct axn_tcp_conn *c, uint32_t left, uint32_t right)
{
    struct axn_tcp_scoreboard *sb = &c->sb;
    struct axn_tcp_sb_range out[AXN_TCP_SACK_SB_RANGES + 1];
    struct axn_tcp_sb_range m = {left, right};
    uint32_t had = 0;
    size_t k = 0;
    size_t mine = SIZE_MAX;

    for (size_t i = 0; i < sb->n; i++) {
        const struct axn_tcp_sb_range *x = &sb->r[i];

        if (seq_lt(x->right, m.left)) {
            out[k++] = *x; /* wholly below, not touching */
        } else if (seq_gt(x->left, m.right)) {
            if (mine == SIZE_MAX) {
                mine = k;
                out[k++] = m;
            }
            out[k++] = *x;
        } else {
            /* Overlapping or adjacent: merged into m. */
            had += range_len(x);
            m.left = seq_min(m.left, x->left);
            m.right = seq_max(m.right, x->right);
        }
    }
    if (mine == SIZE_MAX) {
        mine = k;
        out[k++] = m;
    } else {
        out[mine] = m;
    }
    if (k > AXN_TCP_SACK_SB_RANGES && drop_one(out, &k, mine)) {
        had = range_len(&m); /* forgotten at once: nothing new kept */
    }
    memcpy(sb->r, out, k * sizeof(out[0]));
    sb->n = (uint8_t)k;
    return range_len(&m) - had;
}

void axn_tcp_sack_trim(struct axn_tcp_conn *c)
{
    struct axn_tcp_scoreboard *sb = &c->sb;
    size_t drop = 0;

    while (drop < sb->n && seq_leq(sb->r[drop].right, c->snd_una)) {
        drop++;
    }
    memmove(&sb->r[0], &sb->r[drop], (sb->n - drop) * sizeof(sb->r[0]));
    sb->n = (uint8_t)(sb->n - drop);
    if (sb->n > 0 && seq_lt(sb->r[0].left, c->snd_una)) {
        sb->r[0].left = c->snd_una;
    }
    if (seq_lt(sb->high_rxt, c->snd_una)) {
        sb->high_rxt = c->snd_una;
    }
}

uint32_t axn_tcp_sack_sacked_bytes(const struct axn_tcp_conn *c)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < c->sb.n; i++) {
        sum += range_len(&c->sb.r[i]);
    }
    return sum;
}

uint32_t axn_tcp_sack_lost_edge(const struct axn_tcp_conn *c)
{
    const struct axn_tcp_scoreboard *sb = &c->sb;
    uint32_t bytes = 0;

    if (sb->rto_lost) {
        return c->snd_max;
    }
    /* RFC 6675 4 IsLost(): DupThresh discontiguous SACKed sequences, or
     * more than (DupThresh - 1) * SMSS SACKed bytes, above SeqNum. The
     * highest range where that first holds bounds the lost holes. */
    for (size_t i = sb->n; i-- > 0;) {
        bytes += range_len(&sb->r[i]);
        if (sb->n - i >= SACK_DUPTHRESH || bytes > (uint32_t)(SACK_DUPTHRESH - 1) * c->mss) {
            return sb->r[i].left;
        }
    }
    return c->snd_una;
}

uint32_t axn_tcp_sack_skip(const struct axn_tcp_conn *c, uint32_t seq)
{
    for (size_t i = 0; i < c->sb.n; i++) {
        if (seq_geq(seq, c->sb.r[i].left) && seq_lt(seq, c->sb.r[i].right)) {
            return c->sb.r[i].right;
        }
    }
    return seq;
}

uint32_t axn_tcp_sack_next_sacked(const struct axn_tcp_conn *c, uint32_t seq)
{
    for (size_t i = 0; i < c->sb.n; i++) {
        if (seq_gt(c->sb.r[i].left, seq)) {
            return c->sb.r[i].left;
        }
    }
    return c->snd_max;
}

bool axn_tcp_sack_is_lost(const struct axn_tcp_conn *c, uint32_t seq)
{
    return seq_lt(seq, axn_tcp_sack_lost_edge(c)) && axn_tcp_sack_skip(c, seq) == seq;
}

/* Bytes of [a, b) (empty when b <= a). */
static uint32_t span(uint32_t a, uint32_t b)
{
    return seq_lt(a, b) ? b - a : 0;
}

/* RFC 6675 4 SetPipe() over one hole [a, b): each byte not lost counts,
 * and each retransmitted byte (below HighRxt) counts again. */
static uint32_t hole_pipe(const struct axn_tcp_conn *c, uint32_t a, uint32_t b, uint32_t edge)
{
    return span(seq_max(a, edge), b) + span(a, seq_min(b, c->sb.high_rxt));
}

uint32_t axn_tcp_sack_pipe(const struct axn_tcp_conn *c)
{
    uint32_t edge = axn_tcp_sack_lost_edge(c);
    uint32_t a = c->snd_una;
    uint32_t pipe = 0;

    for (size_t i = 0; i < c->sb.n; i++) {
        pipe += hole_pipe(c, a, c->sb.r[i].left, edge);
        a = c->sb.r[i].right;
    }
    return pipe + hole_pipe(c, a, c->snd_max, edge);
}

uint32_t axn_tcp_sack_lost_bytes(const struct axn_tcp_conn *c)
{
    uint32_t edge = axn_tcp_sack_lost_edge(c);
    uint32_t from = seq_max(c->snd_una, c->sb.high_rxt);
    uint32_t a = c->snd_una;
    uint32_t lost = 0;

    for (size_t i = 0; i <= c->sb.n; i++) {
        uint32_t b = i < c->sb.n ? c->sb.r[i].left : c->snd_max;

        lost += span(seq_max(a, from), seq_min(b, edge));
        if (i < c->sb.n) {
            a = c->sb.r[i].right;
        }
    }
    return lost;
}

/* One segment of retransmission at `seq`: at most SMSS, and not into the
 * next SACKed range. */
static void rxt_seg(const struct axn_tcp_conn *c, enum axn_tcp_sack_kind kind, uint32_t seq,
                    struct axn_tcp_sack_seg *out)
{
    out->kind = kind;
    out->seq = seq;
    out->len = min_u32(c->mss, axn_tcp_sack_next_sacked(c, seq) - seq);
}

/* RFC 6675 4 NextSeg() rule 2: unsent data (or the FIN) and the peer's
 * window allowing it. */
static bool new_data_ok(const struct axn_tcp_conn *c, struct axn_tcp_sack_seg *out)
{
    uint32_t unsent = axn_tcp_unsent(c);
    uint32_t room = span(c->snd_max, c->snd_una + c->snd_wnd);

    if (c->fin_sent || (unsent == 0 && !c->fin_queued) || (unsent > 0 && room == 0)) {
        return false;
    }
    out->kind = AXN_TCP_SACK_NEW;
    out->seq = c->snd_max;
    out->len = unsent > 0 ? min_u32(unsent, room) : 1u;
    return true;
}

/* RFC 6675 4 NextSeg() rule 4: one segment ending at the highest
 * unSACKed sequence number, once per recovery. */
static bool rescue_ok(const struct axn_tcp_conn *c, struct axn_tcp_sack_seg *out)
{
    const struct axn_tcp_scoreboard *sb = &c->sb;
    uint32_t end = c->snd_max;
    uint32_t floor = c->snd_una;

    /* Not while SACKs of the tail may still be on their way: only when a
     * partial ACK arrived (the tail may be all that is left). */
    if (!sb->partial_ack || (sb->rescue_set && !seq_gt(c->snd_una, sb->rescue_rxt))) {
        return false;
    }
    if (sb->n > 0 && sb->r[sb->n - 1].right == c->snd_max) {
        end = sb->r[sb->n - 1].left; /* the tail is SACKed: the last hole */
        floor = sb->n > 1 ? sb->r[sb->n - 2].right : c->snd_una;
    } else if (sb->n > 0) {
        floor = sb->r[sb->n - 1].right;
    }
    floor = seq_max(floor, sb->high_rxt); /* not what already went again */
    if (!seq_lt(floor, end)) {
        return false;
    }
    out->kind = AXN_TCP_SACK_RESCUE;
    out->seq = end - min_u32(c->mss, end - floor);
    out->len = end - out->seq;
    return true;
}

void axn_tcp_sack_next_seg(const struct axn_tcp_conn *c, struct axn_tcp_sack_seg *out)
{
    const struct axn_tcp_scoreboard *sb = &c->sb;
    uint32_t high_sacked = sb->n > 0 ? sb->r[sb->n - 1].right : c->snd_una;
    uint32_t s = axn_tcp_sack_skip(c, seq_max(sb->high_rxt, c->snd_una));

    out->kind = AXN_TCP_SACK_NONE;
    out->seq = s;
    out->len = 0;
    if (sb->rxt_lost && c->snd_una != c->snd_max) {
        rxt_seg(c, AXN_TCP_SACK_LOST, c->snd_una, out); /* TCPLostRetransmit */
        return;
    }
    /* Rule 1: the first unSACKed byte above HighRxt, if lost. */
    if (seq_lt(s, c->snd_max) && seq_lt(s, axn_tcp_sack_lost_edge(c))) {
        rxt_seg(c, AXN_TCP_SACK_LOST, s, out);
        return;
    }
    if (new_data_ok(c, out)) {
        return; /* rule 2 */
    }
    /* Rule 3: a hole below the highest SACKed byte, not yet lost. */
    if (seq_lt(s, high_sacked)) {
        rxt_seg(c, AXN_TCP_SACK_HOLE, s, out);
        return;
    }
    if (!rescue_ok(c, out)) {
        out->kind = AXN_TCP_SACK_NONE;
    }
}
