/*
 * Deterministic byte streams for TCP transfer tests, and a pump that moves
 * one through a socket.
 *
 * A stream is named by a 64-bit seed: byte i is a function of (seed, i)
 * alone, so the receiver checks each byte where it lands, at any offset,
 * without keeping what was sent; and Linux tools can produce the same
 * bytes (tcp_stream_fill from a helper process, or the digest compared).
 * Both ends also hash what they moved (SHA-256), so a transfer is checked
 * byte for byte and as a whole.
 *
 * The pump drives one socket of a bidirectional transfer: it sends its
 * stream (then SHUT_WR), receives and checks the peer's stream until EOF.
 * tcp_pump_step never blocks when the socket is non-blocking (the
 * simulated-wire tests call it from their event loop); tcp_pump_run_*
 * are the blocking halves a thread runs against a threaded stack.
 */
#ifndef AXN_TEST_TCP_STREAM_H
#define AXN_TEST_TCP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/socket.h"
#include "sha256.h"

/* Bytes [off, off + len) of stream `seed` into `buf`. */
void tcp_stream_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len);

/* The index in `buf` of the first byte that differs from stream `seed` at
 * `off`, or `len` when all match. */
size_t tcp_stream_check(uint64_t seed, uint64_t off, const uint8_t *buf, size_t len);

/* The SHA-256 of the first `len` bytes of stream `seed` (one thread at a
 * time: it uses a static buffer). */
void tcp_stream_digest(uint64_t seed, uint64_t len, uint8_t out[AXN_SHA256_DIGEST_LEN]);

/* Largest piece the pump moves per call (its stack buffer). */
#define TCP_PUMP_CHUNK 16384u

/* No mismatch seen (tcp_pump.bad_at). */
#define TCP_PUMP_NO_MISMATCH UINT64_MAX

struct tcp_pump {
    struct axn_socket *s;
    uint64_t tx_seed; /* the stream we send */
    uint64_t tx_len;
    uint64_t rx_seed; /* the stream the peer sends */
    uint64_t rx_len;  /* what it should total: more is a mismatch */
    /* Progress. */
    uint64_t sent;
    uint64_t received;
    bool shut_wr;    /* our FIN queued, after the whole stream */
    bool eof;        /* recv returned 0 */
    uint64_t bad_at; /* stream offset of the first wrong byte */
    /* First unexpected negative return of send/shutdown, and of recv. */
    long tx_err;
    long rx_err;
    struct axn_sha256 tx_hash;
    struct axn_sha256 rx_hash;
    uint8_t tx_digest[AXN_SHA256_DIGEST_LEN]; /* set once sent / eof */
    uint8_t rx_digest[AXN_SHA256_DIGEST_LEN];
};

void tcp_pump_init(struct tcp_pump *p, struct axn_socket *s, uint64_t tx_seed, uint64_t tx_len,
                   uint64_t rx_seed, uint64_t rx_len);

/* Sends and receives what the socket takes and has now (flags add
 * AXN_MSG_DONTWAIT); returns whether anything moved. */
bool tcp_pump_step(struct tcp_pump *p);

/* Whole stream sent and SHUT_WR done, peer's stream received to EOF, no
 * error and no mismatch. */
bool tcp_pump_done(const struct tcp_pump *p);
/* Something went wrong (an error, a wrong byte, data past the end). */
bool tcp_pump_failed(const struct tcp_pump *p);

/* Blocking halves (a thread each, on a blocking socket): the whole stream
 * sent then SHUT_WR; everything received to EOF. Return tx_err / rx_err (0 if ok). */
long tcp_pump_run_send(struct tcp_pump *p);
long tcp_pump_run_recv(struct tcp_pump *p);

#endif
