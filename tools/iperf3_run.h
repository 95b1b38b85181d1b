/*
 * The data streams of one iperf3 test, shared by the server and the
 * client: each stream runs on a thread of its own, sending or receiving
 * until the test's `done` flag is set.
 */
#ifndef AXN_TOOLS_IPERF3_RUN_H
#define AXN_TOOLS_IPERF3_RUN_H

#include <pthread.h>
#include <stdatomic.h>

#include "iperf3.h"

/* Blocking calls on data sockets wait at most this long, so a thread sees
 * `done` promptly. */
#define AXN_IPERF3_DATA_SLICE_MS 100
/* Control sockets: each wait is a slice of the patience in iperf3_proto.c. */
#define AXN_IPERF3_CTRL_SLICE_MS 250
/* Datagram size and rate when nobody said. */
#define AXN_IPERF3_UDP_DEFAULT_LEN  1460
#define AXN_IPERF3_UDP_DEFAULT_RATE 1000000u
#define AXN_IPERF3_TCP_DEFAULT_LEN  131072u
/* Largest block either side accepts (iperf3's own limit for TCP). */
#define AXN_IPERF3_MAX_LEN (1u << 20)
/* Largest UDP datagram payload. */
#define AXN_IPERF3_UDP_MAX_LEN 65507u

struct axn_iperf3_test;

struct axn_iperf3_stream {
    struct axn_socket *s;
    struct axn_iperf3_test *t;
    uint32_t id;
    pthread_t thread;
    bool started;
    uint64_t bytes;
    uint64_t packets;
    struct axn_iperf3_udp_rx rx;
};

struct axn_iperf3_test {
    struct axn_iperf3_params p;
    bool sending; /* this side sends the data */
    atomic_bool done;
    double start_mono;
    double end_mono;
    size_t n;
    struct axn_iperf3_stream streams[AXN_IPERF3_MAX_STREAMS];
};

/* Starts a thread per stream (test `start_mono` set first): 0 or -errno. */
int axn_iperf3_streams_start(struct axn_iperf3_test *t);
/* Sets done, joins the threads, notes `end_mono`; sockets stay open. */
void axn_iperf3_streams_stop(struct axn_iperf3_test *t);
/* Closes every stream socket. */
void axn_iperf3_streams_close(struct axn_iperf3_test *t);
/* This side's results of the test. */
void axn_iperf3_streams_results(const struct axn_iperf3_test *t, struct axn_iperf3_results *r);

#endif /* AXN_TOOLS_IPERF3_RUN_H */
