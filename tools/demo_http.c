/*
 * The demo's HTTP download (demo_http.h): a server on the gateway and a
 * client on the client stack, both on the public socket API in
 * non-blocking mode, both parsing with http_parse.h.
 *
 * This file makes the file, drives both sides and reports; the server is
 * demo_http_server.c, the client demo_http_client.c.
 */
#include "demo_http.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "axnet/snmp.h"
#include "demo_http_sides.h"
#include "tools.h"

#define BITS_PER_BYTE  8
#define BITS_PER_MBIT  1e6
#define USEC_PER_SEC_F 1e6
/* Keeps the file's bytes apart from the stacks' random stream, which
 * starts from the same seed ("demo.bin" in ASCII). */
#define FILE_SEED_SALT 0x64656d6f2e62696eULL

/* ---- The file ---------------------------------------------------------------- */

_Static_assert(DEMO_HTTP_FILE_LEN % sizeof(uint64_t) == 0, "the file is made 8 bytes at a time");

static uint8_t *make_file(uint64_t seed)
{
    uint8_t *f = malloc(DEMO_HTTP_FILE_LEN);
    if (!f)
        return NULL;
    uint64_t state = seed ^ FILE_SEED_SALT;
    for (size_t off = 0; off < DEMO_HTTP_FILE_LEN; off += sizeof(uint64_t)) {
        const uint64_t r = demo_splitmix64(&state);
        memcpy(f + off, &r, sizeof(r));
    }
    return f;
}

uint64_t demo_http_retrans_segs(struct axn_stack *st)
{
    struct axn_snmp_tcp tcp;
    axn_tcp_snmp(st, &tcp, NULL);
    return tcp.retrans_segs;
}

/* The head's first line, for printing (the head holds CRLFs). */
int demo_http_first_line_len(const char *head, size_t len)
{
    const char *cr = memchr(head, '\r', len);
    return (int)(cr ? (size_t)(cr - head) : len);
}

/* ---- Driving them ------------------------------------------------------------------ */

int demo_http_start(struct demo_http *h, struct axn_stack *client, struct axn_stack *gw,
                    axn_ip4_t gw_ip, const char *host, uint64_t seed, axn_time_t now)
{
    memset(h, 0, sizeof(*h));
    h->client = client;
    h->gw = gw;
    h->gw_ip = gw_ip;
    h->host = host;
    h->res.content_length = AXN_HTTP_NO_LENGTH;
    h->srv.state = HTTP_SRV_DONE;
    h->cl.state = HTTP_CL_DONE;
    h->file = make_file(seed);
    if (!h->file)
        return -AXN_ENOMEM;
    h->gw_retrans0 = demo_http_retrans_segs(gw);
    h->cl_retrans0 = demo_http_retrans_segs(client);
    int rc = demo_http_server_open(h, now);
    if (rc < 0)
        return rc;
    h->srv.state = HTTP_SRV_ACCEPT;
    rc = demo_http_client_open(h, now);
    if (rc == 0)
        h->cl.state = HTTP_CL_CONNECTING;
    return rc;
}

bool demo_http_step(struct demo_http *h, axn_time_t now)
{
    bool did = false;
    for (bool more = true; more;) {
        more = demo_http_server_step(h, now);
        more |= demo_http_client_step(h, now);
        did |= more;
    }
    if (did && demo_http_done(h)) {
        h->res.gw_retrans = demo_http_retrans_segs(h->gw) - h->gw_retrans0;
        h->res.cl_retrans_s = demo_http_retrans_segs(h->client) - h->cl_retrans0;
    }
    return did;
}

/* A server still waiting for a client that gave up is done too. */
bool demo_http_done(const struct demo_http *h)
{
    return h->cl.state == HTTP_CL_DONE &&
           (h->srv.state == HTTP_SRV_DONE || h->srv.state == HTTP_SRV_ACCEPT);
}

bool demo_http_ok(const struct demo_http *h)
{
    const struct demo_http_result *r = &h->res;
    return r->status == STATUS_OK && r->complete && r->content_length == DEMO_HTTP_FILE_LEN &&
           h->srv.body_sent == DEMO_HTTP_FILE_LEN &&
           memcmp(r->sent, r->got, AXN_SHA256_DIGEST_LEN) == 0;
}

static void print_goodput(const struct demo_http_result *r)
{
    const axn_time_t took = r->last_byte_at - r->connect_at;
    const double mbit =
        took ? (double)r->body_bytes * BITS_PER_BYTE * USEC_PER_SEC_F / (double)took / BITS_PER_MBIT
             : 0.0;
    printf("  body: %" PRIu64 " bytes (Content-Length %" PRId64 ") in %.3f ms of virtual time,\n"
           "        connect() to the last byte: %.2f Mbit/s goodput\n",
           r->body_bytes, r->content_length, axn_tool_ms(took), mbit);
}

void demo_http_report(const struct demo_http *h)
{
    const struct demo_http_result *r = &h->res;
    char sent[AXN_SHA256_HEX_LEN], got[AXN_SHA256_HEX_LEN];
    printf("\nHTTP download (GET %s from %s):\n", DEMO_HTTP_PATH, h->host);
    printf("  status: %d %s\n", r->status, r->status ? axn_http_reason(r->status) : "(none)");
    if (r->complete)
        print_goodput(r);
    else
        printf("  body: %" PRIu64 " bytes received: INCOMPLETE\n", r->body_bytes);
    printf("  TCP retransmissions (the wire's losses): gateway %u (its connection's\n"
           "  tcpi_total_retrans; Tcp:RetransSegs +%" PRIu64 "), client %u (+%" PRIu64 ")\n",
           r->srv_retrans, r->gw_retrans, r->cl_retrans, r->cl_retrans_s);
    axn_sha256_hex(r->sent, sent);
    axn_sha256_hex(r->got, got);
    printf("  SHA-256 sent by the server:     %s\n", h->srv.body_sent ? sent : "(nothing)");
    printf("  SHA-256 received by the client: %s\n", r->complete ? got : "(incomplete)");
    printf("  %s\n",
           demo_http_ok(h) ? "SHA-256 matches" : "SHA-256 DOES NOT MATCH: the demo fails");
}

void demo_http_close(struct demo_http *h)
{
    struct axn_socket *socks[] = {h->srv.listener, h->srv.conn, h->cl.sock};
    for (size_t i = 0; i < sizeof(socks) / sizeof(socks[0]); i++)
        if (socks[i])
            axn_close(socks[i]);
    h->srv.listener = h->srv.conn = h->cl.sock = NULL;
    free(h->file);
    h->file = NULL;
}
