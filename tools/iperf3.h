/*
 * An iperf3-compatible server and client on an axnet stack (`axnet serve
 * --iperf3`, `axnet iperf3`), so the stock iperf3 (3.x) measures axnet and
 * axnet measures a Linux `iperf3 -s`.
 *
 * The iperf3 control protocol, as iperf3 3.x speaks it on the wire:
 *   - The client opens the control connection (TCP, port 5201) and sends a
 *     37-byte cookie (36 printable characters and a NUL).
 *   - Each side then moves through states, one signed byte each on the
 *     control connection: the server sends PARAM_EXCHANGE; the client sends
 *     its parameters as JSON (a 4-byte big-endian length, then the text);
 *     the server sends CREATE_STREAMS; the client opens the data streams
 *     (TCP: connect and send the cookie; UDP: send the 4-byte
 *     UDP_CONNECT_MSG, the server answers UDP_CONNECT_REPLY from the
 *     connected socket); the server sends TEST_START and TEST_RUNNING and
 *     data flows (client to server, or server to client with "reverse").
 *   - After the test time the client sends TEST_END; the server answers
 *     EXCHANGE_RESULTS, reads the client's results JSON, sends its own,
 *     then DISPLAY_RESULTS; the client ends with IPERF_DONE.
 *   - UDP datagrams start with the send time (seconds, microseconds, 32 bits
 *     each, big-endian) and a packet number (32 or 64 bits, from 1), from
 *     which the receiver computes jitter (RFC 3550 style) and loss.
 */
#ifndef AXN_TOOLS_IPERF3_H
#define AXN_TOOLS_IPERF3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "axnet/socket.h"
#include "axnet/stack.h"

/* ---- Protocol constants (iperf3's own values) -------------------------- */

#define AXN_IPERF3_PORT        5201
#define AXN_IPERF3_COOKIE_SIZE 37 /* 36 characters and a NUL */

#define AXN_IPERF3_TEST_START       1
#define AXN_IPERF3_TEST_RUNNING     2
#define AXN_IPERF3_TEST_END         4
#define AXN_IPERF3_PARAM_EXCHANGE   9
#define AXN_IPERF3_CREATE_STREAMS   10
#define AXN_IPERF3_SERVER_TERMINATE 11
#define AXN_IPERF3_CLIENT_TERMINATE 12
#define AXN_IPERF3_EXCHANGE_RESULTS 13
#define AXN_IPERF3_DISPLAY_RESULTS  14
#define AXN_IPERF3_IPERF_DONE       16
#define AXN_IPERF3_ACCESS_DENIED    (-1)
#define AXN_IPERF3_SERVER_ERROR     (-2)

/* The UDP stream handshake: iperf3 writes these 32-bit values in host
 * order, so on the little-endian hosts it runs on the bytes are "9876" and
 * "6789" (each the other reversed, so only that order is accepted); before
 * 3.1 both were 987654321, still accepted. */
#define AXN_IPERF3_UDP_CONNECT_MSG   0x36373839u
#define AXN_IPERF3_UDP_CONNECT_REPLY 0x39383736u
#define AXN_IPERF3_UDP_LEGACY_WORD   987654321u
#define AXN_IPERF3_UDP_HANDSHAKE_LEN 4

/* UDP datagram header: sec, usec, then a 32- or 64-bit packet number. */
#define AXN_IPERF3_UDP_HDR32 12
#define AXN_IPERF3_UDP_HDR64 16

/* Longest JSON blob either side accepts (iperf3's results with server
 * output can be long; ours are short). */
#define AXN_IPERF3_JSON_MAX 16384

#define AXN_IPERF3_MAX_STREAMS 8

/* ---- Test parameters (the client's JSON) ------------------------------- */

struct axn_iperf3_params {
    bool udp;
    bool reverse;
    bool bidir; /* "bidirectional": not supported, refused */
    bool udp_counters_64bit;
    uint32_t seconds;   /* "time" */
    uint32_t parallel;  /* streams */
    uint32_t len;       /* block / datagram size */
    uint64_t bandwidth; /* bits per second, 0: unlimited */
    uint64_t bytes;     /* "num": bytes to send instead of a time (0: time) */
};

/* Results of one side: what its streams moved. */
struct axn_iperf3_stream_result {
    uint32_t id;
    uint64_t bytes;
    uint64_t packets; /* UDP datagrams */
    uint64_t errors;  /* UDP: lost datagrams (receiver) */
    double jitter_s;  /* UDP receiver's jitter, seconds */
    double end_time;  /* seconds since the test started */
};

struct axn_iperf3_results {
    size_t nstreams;
    struct axn_iperf3_stream_result streams[AXN_IPERF3_MAX_STREAMS];
};

/* ---- JSON (iperf3_json.c): bounded, no allocation ---------------------- */

struct axn_ij_span {
    const char *p;
    size_t n;
};

/* 0 if [s, s+n) is exactly one JSON value (whitespace around it allowed),
 * -1 otherwise. Nesting deeper than a small bound is refused. */
int axn_ij_validate(const char *s, size_t n);
/* The value of member `key` of object `obj` (a validated value): 0, or -1
 * if `obj` is not an object or has no such member. */
int axn_ij_get(struct axn_ij_span obj, const char *key, struct axn_ij_span *val);
/* Element `idx` of array `arr`: 0, or -1. */
int axn_ij_at(struct axn_ij_span arr, size_t idx, struct axn_ij_span *val);
/* A number (finite), a boolean: 0, or -1 if `v` is not one. */
int axn_ij_number(struct axn_ij_span v, double *out);
int axn_ij_bool(struct axn_ij_span v, bool *out);
/* Follows a dotted path of member names ("end.sum_received.bytes"). */
int axn_ij_path(struct axn_ij_span root, const char *path, struct axn_ij_span *val);

/* A writer into a caller's buffer; `overflow` once anything did not fit. */
struct axn_ij_writer {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow;
    bool comma; /* the next member or element needs a ',' first */
};

void axn_ij_writer_init(struct axn_ij_writer *w, char *buf, size_t cap);
void axn_ij_open(struct axn_ij_writer *w, char bracket);  /* '{' or '[' */
void axn_ij_close(struct axn_ij_writer *w, char bracket); /* '}' or ']' */
void axn_ij_key(struct axn_ij_writer *w, const char *key);
void axn_ij_u64(struct axn_ij_writer *w, uint64_t v);
void axn_ij_double(struct axn_ij_writer *w, double v);
void axn_ij_boolean(struct axn_ij_writer *w, bool v);
void axn_ij_string(struct axn_ij_writer *w, const char *s);
/* The text's length, or -1 on overflow (the buffer is NUL-terminated). */
long axn_ij_finish(struct axn_ij_writer *w);

/* ---- Protocol pieces (iperf3_proto.c) ---------------------------------- */

/* Parameters JSON <-> struct: length or -1; 0 or -1. */
long axn_iperf3_params_emit(const struct axn_iperf3_params *p, char *buf, size_t cap);
int axn_iperf3_params_parse(const char *json, size_t n, struct axn_iperf3_params *p);
/* Results JSON <-> struct (iperf3's "cpu_util_*", "sender_has_retransmits",
 * "streams" with "id", "bytes", "retransmits", "jitter", "errors",
 * "packets"). */
long axn_iperf3_results_emit(const struct axn_iperf3_results *r, bool sender, char *buf,
                             size_t cap);
int axn_iperf3_results_parse(const char *json, size_t n, struct axn_iperf3_results *r);

/* iperf3 numbers its streams 1, 3, 4, 5, ... (both sides alike). */
uint32_t axn_iperf3_stream_id(size_t index);

/* A fresh cookie: 36 characters from iperf3's alphabet and a NUL. */
void axn_iperf3_make_cookie(char cookie[AXN_IPERF3_COOKIE_SIZE]);

/* A UDP handshake word is `want` (or the legacy word). */
bool axn_iperf3_udp_word_is(const uint8_t b[AXN_IPERF3_UDP_HANDSHAKE_LEN], uint32_t want);
/* `want` in the byte order iperf3 writes it (host order, little-endian). */
void axn_iperf3_udp_word_put(uint8_t b[AXN_IPERF3_UDP_HANDSHAKE_LEN], uint32_t want);

/* UDP datagram header. */
void axn_iperf3_udp_hdr_put(uint8_t *b, bool counters64, uint32_t sec, uint32_t usec,
                            uint64_t count);
int axn_iperf3_udp_hdr_get(const uint8_t *b, size_t n, bool counters64, uint32_t *sec,
                           uint32_t *usec, uint64_t *count);

/* A UDP receiver's loss and jitter accounting. */
struct axn_iperf3_udp_rx {
    uint64_t packets;    /* datagrams received */
    uint64_t last_count; /* highest packet number seen */
    uint64_t lost;
    uint64_t out_of_order;
    double jitter_s;
    double prev_transit;
    bool have_transit;
};
/* One datagram numbered `count`, sent at `sent_s`, received at `now_s`. */
void axn_iperf3_udp_rx_note(struct axn_iperf3_udp_rx *rx, uint64_t count, double sent_s,
                            double now_s);

/* Control connection I/O on a blocking socket with timeouts: 0 or a
 * negative errno (-EPROTO for a malformed or oversize JSON blob). */
int axn_iperf3_send_all(struct axn_socket *s, const void *buf, size_t len);
/* For the calling thread: the control calls also end with -EINTR, between
 * slices of their wait, once `stop` returns true (NULL: never). */
void axn_iperf3_set_stop(bool (*stop)(void));
int axn_iperf3_recv_all(struct axn_socket *s, void *buf, size_t len);
int axn_iperf3_send_state(struct axn_socket *s, int state);
int axn_iperf3_recv_state(struct axn_socket *s, int *state);
int axn_iperf3_send_json(struct axn_socket *s, const char *json, size_t len);
/* Reads one JSON blob into buf (NUL-terminated); its length in *len. */
int axn_iperf3_recv_json(struct axn_socket *s, char *buf, size_t cap, size_t *len);

/* Wall-clock seconds (CLOCK_REALTIME, as iperf3 stamps UDP) and
 * monotonic seconds. */
double axn_iperf3_wall_s(void);
double axn_iperf3_mono_s(void);

/* Blocking-call timeouts on a socket, in milliseconds. */
int axn_iperf3_set_timeouts(struct axn_socket *s, long ms);

/* ---- Server and client ------------------------------------------------- */

struct axn_iperf3_server;

/* Listens on `port` (TCP, and UDP per test) of every address of `st` and
 * serves one test at a time on a thread of its own. 0 or a negative errno. */
int axn_iperf3_server_start(struct axn_stack *st, uint16_t port, struct axn_iperf3_server **out);
/* Ends the test in progress, if any, and the thread; frees `s`. */
void axn_iperf3_server_stop(struct axn_iperf3_server *s);
/* Tests finished (completed with IPERF_DONE) and failed so far. */
unsigned axn_iperf3_server_tests_done(const struct axn_iperf3_server *s);
unsigned axn_iperf3_server_tests_failed(const struct axn_iperf3_server *s);

struct axn_iperf3_client_opts {
    axn_ip4_t host;   /* host byte order (AXN_IP4) */
    uint16_t port;    /* 0: 5201 */
    uint32_t seconds; /* 0: 10 */
    bool udp;
    uint64_t bitrate; /* bits per second; 0: unlimited TCP, 1 Mbit/s UDP */
    bool reverse;
    uint32_t length;   /* 0: 128 KiB TCP, 1460 UDP */
    uint32_t parallel; /* 0: 1 */
    /* Optional: polled while connecting, between slices of each control
     * wait and each tick of the test; true ends the test with -EINTR (no
     * results exchange). */
    bool (*should_stop)(void);
};

struct axn_iperf3_result {
    double seconds;          /* measured by the data sender's clock */
    uint64_t bytes_sent;     /* by the sending side */
    uint64_t bytes_received; /* by the receiving side */
    uint64_t packets;        /* UDP: datagrams sent */
    uint64_t lost;           /* UDP: datagrams the receiver missed */
    double jitter_ms;        /* UDP: the receiver's jitter */
};

/* Runs one test against an iperf3 server: 0, or a negative errno with one
 * line on stderr saying what went wrong (none for -EINTR, should_stop). */
int axn_iperf3_client_run(struct axn_stack *st, const struct axn_iperf3_client_opts *o,
                          struct axn_iperf3_result *res);

/* iperf3-like summary lines of a client's result ("[SUM] 0.00-2.01 sec
 * ... Mbits/sec sender" and receiver, and for UDP datagrams, loss and
 * jitter). */
void axn_iperf3_result_print(FILE *to, const struct axn_iperf3_client_opts *o,
                             const struct axn_iperf3_result *r);

#endif /* AXN_TOOLS_IPERF3_H */
