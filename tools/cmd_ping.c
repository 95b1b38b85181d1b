/*
 * `axnet ping HOST [-c N] [-i SEC] [-s SIZE] [-W SEC]`: ICMP echo through
 * the stack's ping socket (SOCK_DGRAM, IPPROTO_ICMP: the stack fills in
 * the identifier and the checksum, as Linux does), printed as iputils
 * ping prints it. Exit status as iputils: 0 if any reply came back, 1 if
 * none did, 2 on other errors.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axnet/errno.h"
#include "axnet/port_posix.h"
#include "axnet/socket.h"
#include "cli_cmds.h"
#include "cli_util.h"
#include "runner.h"

#define PROG             "axnet ping"
#define ICMP_HDR_LEN     8
#define ICMP_ECHO_REPLY  0
#define ICMP_ECHO_REQ    8
#define ICMP_SEQ_OFF     6
#define IP_HDR_LEN       20
#define DEFAULT_SIZE     56    /* 64 bytes of ICMP, as ping(8) */
#define MAX_SIZE         65507 /* 65535 - IP header - ICMP header */
#define DEFAULT_INTERVAL AXN_SEC(1)
#define MIN_INTERVAL     AXN_MSEC(10)
#define DEFAULT_WAIT     AXN_SEC(2) /* for the last replies, after the last request */
#define SEQ_RING         1024       /* send times kept, by sequence number */
#define FOREVER          0
#define CMSG_ROOM        64
#define IP_TEXT          16
#define PERCENT          100.0
#define USEC_PER_MS      1000.0
#define RTT_3_DIGITS     1.0  /* below 1 ms: three decimals */
#define RTT_2_DIGITS     10.0 /* below 10 ms: two */
#define RTT_1_DIGIT      100.0

struct ping_opts {
    const char *host;
    unsigned long count; /* FOREVER or how many requests */
    axn_time_t interval;
    size_t size; /* payload bytes after the ICMP header */
    axn_time_t wait;
};

struct ping_run {
    struct ping_opts o;
    struct axn_stack *st;
    struct axn_socket *s;
    axn_ip4_t dst, src;
    char dst_text[IP_TEXT];
    unsigned long sent, received, errors;
    axn_time_t sent_at[SEQ_RING];
    bool answered[SEQ_RING];
    axn_time_t start, last_sent;
    double rtt_min, rtt_max, rtt_sum, rtt_sum2; /* milliseconds */
    uint8_t *buf;
};

static void usage(FILE *to)
{
    fprintf(to, "usage: axnet ping HOST [-c COUNT] [-i SECONDS] [-s SIZE] [-W SECONDS] --tap NAME "
                "[runner options]\n\n"
                "Sends ICMP echo requests to HOST (an address or a name resolved by DNS)\n"
                "every -i seconds (1), -c times (until Ctrl-C), with SIZE data bytes (56);\n"
                "-W: how long to wait for the last replies (2 s). Exit status 0 if a\n"
                "reply came back, 1 if none did, 2 on other errors.\n\n");
    if (to == stdout)
        axn_runner_print_flags();
}

static int parse_opts(int argc, char **argv, struct ping_opts *o)
{
    unsigned long n;
    *o = (struct ping_opts){
        .interval = DEFAULT_INTERVAL, .size = DEFAULT_SIZE, .wait = DEFAULT_WAIT};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (!strcmp(a, "-c"))
            ok = axn_runner_parse_uint(v, &o->count) && o->count > 0;
        else if (!strcmp(a, "-i"))
            ok = axn_runner_parse_seconds(v, &o->interval) && o->interval >= MIN_INTERVAL;
        else if (!strcmp(a, "-W"))
            ok = axn_runner_parse_seconds(v, &o->wait);
        else if (!strcmp(a, "-s")) {
            ok = axn_runner_parse_uint(v, &n) && n <= MAX_SIZE;
            o->size = (size_t)n;
        } else if (a[0] != '-' && !o->host) {
            o->host = a;
            continue;
        } else {
            fprintf(stderr, PROG ": unexpected argument '%s' (try --help)\n", a);
            return -1;
        }
        if (!ok) {
            fprintf(stderr, PROG ": bad value for %s: '%s'\n", a, v ? v : "(missing)");
            return -1;
        }
        i++;
    }
    if (!o->host) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* The ping socket, asking for each reply's TTL (IP_RECVTTL) and for
 * errors about our requests (IP_RECVERR: unreachable, no ARP answer). */
static int open_socket(struct ping_run *p)
{
    const int on = 1;
    int err = axn_socket(p->st, AXN_AF_INET, AXN_SOCK_DGRAM, AXN_IPPROTO_ICMP, &p->s);
    if (!err)
        err = axn_setsockopt(p->s, AXN_SOL_IP, AXN_IP_RECVTTL, &on, sizeof(on));
    if (!err)
        err = axn_setsockopt(p->s, AXN_SOL_IP, AXN_IP_RECVERR, &on, sizeof(on));
    if (err)
        fprintf(stderr, PROG ": ping socket: %s\n", strerror(-err));
    return err;
}

static void send_request(struct ping_run *p, axn_time_t now)
{
    const size_t len = ICMP_HDR_LEN + p->o.size;
    const uint16_t seq = (uint16_t)(p->sent + 1);
    /* Type 8 code 0; the stack sets identifier and checksum. */
    memset(p->buf, 0, ICMP_HDR_LEN);
    p->buf[0] = ICMP_ECHO_REQ;
    const uint16_t be_seq = htons(seq);
    memcpy(p->buf + ICMP_SEQ_OFF, &be_seq, sizeof(be_seq));
    for (size_t i = 0; i < p->o.size; i++)
        p->buf[ICMP_HDR_LEN + i] = (uint8_t)i; /* a pattern, as ping -p would */
    const struct axn_sockaddr_in to = axn_cli_sin(p->dst, 0);
    p->sent_at[seq % SEQ_RING] = now;
    p->answered[seq % SEQ_RING] = false;
    p->sent++;
    p->last_sent = now;
    const long rc = axn_sendto(p->s, p->buf, len, 0, (const struct axn_sockaddr *)&to, sizeof(to));
    if (rc < 0) {
        printf("ping: sendmsg: %s\n", strerror((int)-rc));
        p->errors++;
    }
}

static const char *unreach_text(long err)
{
    if (err == -AXN_EHOSTUNREACH)
        return "Destination Host Unreachable";
    if (err == -AXN_ENETUNREACH)
        return "Destination Net Unreachable";
    return strerror((int)-err);
}

static int reply_ttl(struct axn_msghdr *msg)
{
    const struct axn_cmsghdr *c = msg->msg_control;
    int ttl = -1;
    if (msg->msg_controllen >= sizeof(*c) && c->cmsg_level == AXN_SOL_IP &&
        c->cmsg_type == AXN_IP_TTL)
        memcpy(&ttl, AXN_CMSG_DATA(c), sizeof(ttl));
    return ttl;
}

static void print_rtt(double ms)
{
    if (ms < RTT_3_DIGITS)
        printf("time=%.3f ms\n", ms);
    else if (ms < RTT_2_DIGITS)
        printf("time=%.2f ms\n", ms);
    else if (ms < RTT_1_DIGIT)
        printf("time=%.1f ms\n", ms);
    else
        printf("time=%.0f ms\n", ms);
}

static void take_reply(struct ping_run *p, long n, struct axn_msghdr *msg, axn_time_t now)
{
    uint16_t seq;
    char from[IP_TEXT];
    if (n < ICMP_HDR_LEN || p->buf[0] != ICMP_ECHO_REPLY)
        return;
    memcpy(&seq, p->buf + ICMP_SEQ_OFF, sizeof(seq));
    seq = ntohs(seq);
    if (seq == 0 || seq > p->sent || p->sent - seq >= SEQ_RING || p->answered[seq % SEQ_RING])
        return; /* a stray or duplicate reply */
    p->answered[seq % SEQ_RING] = true;
    p->received++;
    const double ms = (double)(now - p->sent_at[seq % SEQ_RING]) / USEC_PER_MS;
    p->rtt_min = p->received == 1 || ms < p->rtt_min ? ms : p->rtt_min;
    p->rtt_max = ms > p->rtt_max ? ms : p->rtt_max;
    p->rtt_sum += ms;
    p->rtt_sum2 += ms * ms;
    axn_runner_ip4_str(axn_cli_sin_ip(msg->msg_name), from, sizeof(from));
    printf("%ld bytes from %s: icmp_seq=%u ttl=%d ", n, from, (unsigned)seq, reply_ttl(msg));
    print_rtt(ms);
}

/* Waits up to `until` for one reply or error; false when none came. */
static bool receive_one(struct ping_run *p, axn_time_t now, axn_time_t until)
{
    struct axn_sockaddr_in from;
    uint8_t control[CMSG_ROOM];
    struct axn_iovec iov = {.iov_base = p->buf, .iov_len = ICMP_HDR_LEN + p->o.size};
    struct axn_msghdr msg = {.msg_name = &from,
                             .msg_namelen = sizeof(from),
                             .msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = control,
                             .msg_controllen = sizeof(control)};
    const axn_time_t left = until > now ? until - now : 1;
    axn_cli_set_rcvtimeo(p->s, left < AXN_CLI_SLICE ? left : AXN_CLI_SLICE);
    const long n = axn_recvmsg(p->s, &msg, 0);
    if (n == -AXN_EAGAIN || n == -AXN_EINTR)
        return false;
    if (n < 0) {
        char src[IP_TEXT];
        p->errors++;
        printf("From %s icmp_seq=%lu %s\n", axn_runner_ip4_str(p->src, src, sizeof(src)), p->sent,
               unreach_text(n));
        return true;
    }
    take_reply(p, n, &msg, axn_port_posix_now());
    return true;
}

static bool all_done(const struct ping_run *p, axn_time_t now)
{
    if (p->o.count == FOREVER || p->sent < p->o.count)
        return false;
    return p->received + p->errors >= p->o.count || now >= p->last_sent + p->o.wait;
}

static void run(struct ping_run *p)
{
    axn_time_t next = p->start;
    while (!axn_runner_stopping()) {
        axn_time_t now = axn_port_posix_now();
        const bool more = p->o.count == FOREVER || p->sent < p->o.count;
        if (more && now >= next) {
            send_request(p, now);
            next += p->o.interval;
            continue;
        }
        if (all_done(p, now))
            return;
        receive_one(p, now, more ? next : p->last_sent + p->o.wait);
    }
}

static void summary(const struct ping_run *p)
{
    const axn_time_t took = axn_port_posix_now() - p->start;
    printf("\n--- %s ping statistics ---\n", p->o.host);
    printf("%lu packets transmitted, %lu received, ", p->sent, p->received);
    if (p->errors)
        printf("+%lu errors, ", p->errors);
    printf("%.0f%% packet loss, time %.0fms\n",
           p->sent ? PERCENT * (double)(p->sent - p->received) / (double)p->sent : 0.0,
           (double)took / USEC_PER_MS);
    if (p->received) {
        const double avg = p->rtt_sum / (double)p->received;
        const double var = p->rtt_sum2 / (double)p->received - avg * avg;
        printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", p->rtt_min, avg, p->rtt_max,
               sqrt(var > 0 ? var : 0));
    }
}

static void our_address(struct ping_run *p)
{
    struct axn_sockaddr_in me;
    axn_socklen_t len = sizeof(me);
    /* Connecting a datagram socket picks the source address the route gives. */
    const struct axn_sockaddr_in to = axn_cli_sin(p->dst, 0);
    if (axn_connect(p->s, (const struct axn_sockaddr *)&to, sizeof(to)) == 0 &&
        axn_getsockname(p->s, (struct axn_sockaddr *)&me, &len) == 0)
        p->src = axn_cli_sin_ip(&me);
}

static int ping_host(struct ping_run *p)
{
    if (!axn_cli_host_ip4(p->st, PROG, p->o.host, &p->dst) || open_socket(p) != 0)
        return AXN_EXIT_USAGE;
    p->buf = malloc(ICMP_HDR_LEN + p->o.size);
    if (!p->buf) {
        fprintf(stderr, PROG ": out of memory\n");
        return AXN_EXIT_USAGE;
    }
    our_address(p);
    axn_runner_ip4_str(p->dst, p->dst_text, sizeof(p->dst_text));
    printf("PING %s (%s) %zu(%zu) bytes of data.\n", p->o.host, p->dst_text, p->o.size,
           p->o.size + ICMP_HDR_LEN + IP_HDR_LEN);
    p->start = axn_port_posix_now();
    run(p);
    summary(p);
    return p->received ? 0 : AXN_EXIT_FAIL;
}

int axn_cmd_ping(int argc, char **argv)
{
    struct axn_runner r;
    if (axn_cmd_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    /* Each reply line at once, even into a pipe. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (axn_runner_parse(&r, PROG, &argc, argv) != 0)
        return AXN_EXIT_USAGE;
    struct ping_run *p = calloc(1, sizeof(*p));
    if (!p || parse_opts(argc, argv, &p->o) != 0) {
        free(p);
        return AXN_EXIT_USAGE;
    }
    int status = AXN_EXIT_USAGE;
    if (axn_runner_start(&r) == 0) {
        p->st = axn_runner_stack(&r);
        status = ping_host(p);
        if (p->s)
            axn_close(p->s);
        axn_runner_stop(&r);
    }
    free(p->buf);
    free(p);
    return status;
}
