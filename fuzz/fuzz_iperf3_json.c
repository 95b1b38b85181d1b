/*
 * iperf3's control JSON (tools/iperf3_json.c, tools/iperf3_proto.c): any
 * input is validated without reading out of bounds; parameters and
 * results that parse are emitted again and re-parse to the same content;
 * a validated document's members and elements are reachable and valid
 * themselves.
 *
 * The two sources are compiled into this target (hosted code from
 * tools/, not part of the fuzz support library).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "support/fuzz_check.h"
#include "tools/iperf3_json.c"
#include "tools/iperf3_proto.c"

#define OUT_MAX (AXN_IPERF3_JSON_MAX + 1)
/* Elements of an array walked per input. */
#define WALK_MAX 16

static void params_roundtrip(const char *s, size_t n)
{
    static char out[OUT_MAX];
    struct axn_iperf3_params a, b;
    if (axn_iperf3_params_parse(s, n, &a))
        return;
    a.bidir = false; /* refused by the server, never emitted */
    const long len = axn_iperf3_params_emit(&a, out, sizeof out);
    CHECK(len > 0 && (size_t)len < sizeof out);
    CHECK(axn_ij_validate(out, (size_t)len) == 0);
    CHECK(axn_iperf3_params_parse(out, (size_t)len, &b) == 0);
    CHECK(!memcmp(&a, &b, sizeof a));
}

static void results_roundtrip(const char *s, size_t n)
{
    static char out[OUT_MAX];
    struct axn_iperf3_results a, b;
    if (axn_iperf3_results_parse(s, n, &a))
        return;
    const long len = axn_iperf3_results_emit(&a, true, out, sizeof out);
    CHECK(len > 0);
    CHECK(axn_iperf3_results_parse(out, (size_t)len, &b) == 0);
    CHECK(a.nstreams == b.nstreams);
    for (size_t i = 0; i < a.nstreams; i++) {
        CHECK(a.streams[i].id == b.streams[i].id && a.streams[i].bytes == b.streams[i].bytes);
        CHECK(a.streams[i].packets == b.streams[i].packets);
        CHECK(a.streams[i].errors == b.streams[i].errors);
        CHECK(a.streams[i].jitter_s == b.streams[i].jitter_s);
    }
}

/* Every element of a validated array is a valid value. */
static void walk(struct axn_ij_span v)
{
    struct axn_ij_span e;
    double d;
    bool b;
    for (size_t i = 0; i < WALK_MAX && !axn_ij_at(v, i, &e); i++) {
        CHECK(axn_ij_validate(e.p, e.n) == 0);
        CHECK(e.p >= v.p && e.p + e.n <= v.p + v.n);
        (void)axn_ij_number(e, &d);
        (void)axn_ij_bool(e, &b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct axn_ij_span v;
    uint32_t sec, usec;
    uint64_t count;
    (void)axn_iperf3_udp_hdr_get(data, size, size % 2, &sec, &usec, &count);
    if (axn_ij_validate(s, size))
        return 0;
    const struct axn_ij_span root = {s, size};
    walk(root);
    if (!axn_ij_path(root, "streams", &v) || !axn_ij_path(root, "end.sum_received", &v)) {
        CHECK(axn_ij_validate(v.p, v.n) == 0);
        walk(v);
    }
    params_roundtrip(s, size);
    results_roundtrip(s, size);
    return 0;
}
