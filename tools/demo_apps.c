/*
 * The demo's programs (demo_apps.h): only the public socket API, with
 * Linux's constants and sockaddr layouts, so each call reads like the
 * system call a user program would make.
 */
#include "demo_apps.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "axnet/errno.h"
#include "tools.h"

/* ---- The script ------------------------------------------------------------ */

#define PING_GAP      AXN_MSEC(250) /* as ping -i 0.25 */
#define PING_WAIT     AXN_SEC(1)    /* after the last request, for late replies */
#define PING_DATA_LEN 56            /* as ping(8): 64 bytes of ICMP */
#define UDP_TIMEOUT   AXN_MSEC(200) /* no echo by then: send the datagram again */
/* Sends of one datagram before giving up. The 3000-byte echo is three
 * fragments each way: at 20 % loss a try gets through with p = 0.8^6 =
 * 0.26, so 16 tries failed about one seed in a hundred; 48 fail about
 * one in 10^6. */
#define UDP_TRIES       48
#define ECHO_PORT       7    /* RFC 862 echo: the gateway's service */
#define CLOSED_PORT     9    /* RFC 863 discard: nobody listens on it */
#define FULL_FRAME      1472 /* 1500 MTU - 20 IPv4 - 8 UDP: largest unfragmented */
#define FRAGMENTED      3000 /* three fragments each way */
#define MSG_MAX         FRAGMENTED
#define BUF_LEN         4096   /* receive buffers: more than any message */
#define USEC_PER_MSEC_F 1000.0 /* TCP_INFO times are in µs */

/* ICMP echo layout (RFC 792): what a ping program builds and reads. */
#define ICMP_ECHO_REQUEST 8
#define ICMP_ECHO_REPLY   0
#define ICMP_HDR_LEN      8
#define ICMP_SEQ_OFF      6

static const char greeting[] = "hello, gateway";
static const char farewell[] = "bye";
static const char probe[] = "anyone on port 9?";

/* The UDP client's messages: two texts, and two sizes either side of one
 * frame's worth of payload. */
static const struct {
    const char *text; /* NULL: `len` bytes of a counting pattern */
    size_t len;
    const char *what;
} messages[DEMO_UDP_MSGS] = {
    {greeting, sizeof(greeting) - 1, "a greeting"},
    {NULL, FULL_FRAME, "the largest datagram one frame carries"},
    {NULL, FRAGMENTED, "too big for one frame: IPv4 fragments it"},
    {farewell, sizeof(farewell) - 1, "a last word"},
};

/* ---- Printing ---------------------------------------------------------------- */

/* A call's result as the C programmer reads it: a count or -ENAME. */
const char *demo_result(long rc, char *buf, size_t cap)
{
    static const struct {
        int err;
        const char *name;
    } names[] = {
        {AXN_EAGAIN, "EAGAIN"},
        {AXN_ECONNREFUSED, "ECONNREFUSED"},
        {AXN_EHOSTUNREACH, "EHOSTUNREACH"},
        {AXN_ENETUNREACH, "ENETUNREACH"},
        {AXN_EMSGSIZE, "EMSGSIZE"},
        {AXN_EINVAL, "EINVAL"},
        {AXN_ENOMEM, "ENOMEM"},
        {AXN_ENOBUFS, "ENOBUFS"},
        {AXN_EINPROGRESS, "EINPROGRESS"},
        {AXN_EALREADY, "EALREADY"},
        {AXN_ENOTCONN, "ENOTCONN"},
        {AXN_ECONNRESET, "ECONNRESET"},
        {AXN_ETIMEDOUT, "ETIMEDOUT"},
        {AXN_EPIPE, "EPIPE"},
    };
    if (rc >= 0) {
        snprintf(buf, cap, "%ld", rc);
        return buf;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (rc == -names[i].err) {
            snprintf(buf, cap, "-%s", names[i].name);
            return buf;
        }
    snprintf(buf, cap, "-errno %ld", -rc);
    return buf;
}

struct axn_sockaddr_in demo_sin4(axn_ip4_t host_order, uint16_t port)
{
    struct axn_sockaddr_in sa = {.sin_family = AXN_AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(host_order);
    return sa;
}

const char *demo_fmt_sin(const struct axn_sockaddr_in *sa, char *buf)
{
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa->sin_addr.s_addr, ip, sizeof(ip));
    snprintf(buf, DEMO_ADDR_LEN, "%s:%u", ip, ntohs(sa->sin_port));
    return buf;
}

/* Ping sockets have no ports on the wire: the address alone. */
static const char *fmt_ip(const struct axn_sockaddr_in *sa, char *buf)
{
    inet_ntop(AF_INET, &sa->sin_addr.s_addr, buf, INET_ADDRSTRLEN);
    return buf;
}

#define IP(sa) fmt_ip((sa), (char[INET_ADDRSTRLEN]){0})

/* ---- Ping: an ICMP ping socket on the client ---------------------------------- */

static bool ping_send(struct demo_apps *a, axn_time_t now)
{
    if (a->ping_seq >= DEMO_PINGS || now < a->next_ping)
        return false;
    if (!a->ping) {
        long rc = axn_socket(a->client, AXN_AF_INET, AXN_SOCK_DGRAM, AXN_IPPROTO_ICMP, &a->ping);
        axn_tool_say(now, "client",
                     "socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) = %s   (a ping socket)",
                     DEMO_RES(rc));
        if (rc < 0) {
            a->ping_seq = DEMO_PINGS; /* no pings at all: the verdict says so */
            return false;
        }
        /* As ping(8): errors about our requests (an unresolved neighbour,
         * ICMP unreachables) come back from recvfrom. */
        const int on = 1;
        rc = axn_setsockopt(a->ping, AXN_SOL_IP, AXN_IP_RECVERR, &on, sizeof(on));
        axn_tool_say(now, "client",
                     "setsockopt(ping, SOL_IP, IP_RECVERR, 1) = %s   (as ping(8) does)",
                     DEMO_RES(rc));
    }
    /* Echo request: the stack fills in the identifier (the socket's "port")
     * and the checksum, as Linux does for ping sockets. */
    uint8_t msg[ICMP_HDR_LEN + PING_DATA_LEN] = {ICMP_ECHO_REQUEST};
    const uint16_t seq = htons((uint16_t)a->ping_seq);
    memcpy(msg + ICMP_SEQ_OFF, &seq, sizeof(seq));
    for (size_t i = ICMP_HDR_LEN; i < sizeof(msg); i++)
        msg[i] = (uint8_t)i;
    const struct axn_sockaddr_in to = demo_sin4(a->gw_ip, 0);
    long rc =
        axn_sendto(a->ping, msg, sizeof(msg), 0, (const struct axn_sockaddr *)&to, sizeof(to));
    axn_tool_say(now, "client", "sendto(ping, %zu bytes, %s) = %s   echo request seq=%d",
                 sizeof(msg), IP(&to), DEMO_RES(rc), a->ping_seq);
    if (a->ping_seq == 0) {
        struct axn_sockaddr_in me;
        axn_socklen_t melen = sizeof(me);
        memset(&me, 0, sizeof(me));
        rc = axn_getsockname(a->ping, (struct axn_sockaddr *)&me, &melen);
        axn_tool_say(now, "client", "getsockname(ping) = %s   identifier %u: the stack picked it",
                     DEMO_RES(rc), ntohs(me.sin_port));
    }
    a->ping_sent_at[a->ping_seq] = now;
    a->ping_seq++;
    a->res.pings_sent++;
    a->next_ping = now + PING_GAP;
    return true;
}

/* An event loop's other half: poll(2) says POLLERR, SO_ERROR says which
 * (recvfrom reports it too on Linux; this catches it either way). */
static bool ping_error(struct demo_apps *a, axn_time_t now)
{
    if (!(axn_socket_poll(a->ping) & AXN_POLLERR))
        return false;
    int err = 0;
    axn_socklen_t len = sizeof(err);
    long rc = axn_getsockopt(a->ping, AXN_SOL_SOCKET, AXN_SO_ERROR, &err, &len);
    axn_tool_say(now, "client", "poll(ping) has POLLERR; getsockopt(ping, SO_ERROR) = %s: %s%s",
                 DEMO_RES(rc), DEMO_RES(-(long)err),
                 err == AXN_EHOSTUNREACH ? "   (ARP went unanswered: queued requests dropped)"
                                         : "");
    return true;
}

static bool ping_receive(struct demo_apps *a, axn_time_t now)
{
    bool got = false;
    uint8_t buf[BUF_LEN];
    for (long n; a->ping;) {
        struct axn_sockaddr_in from;
        axn_socklen_t fromlen = sizeof(from);
        n = axn_recvfrom(a->ping, buf, sizeof(buf), AXN_MSG_DONTWAIT, (struct axn_sockaddr *)&from,
                         &fromlen);
        if (n == -AXN_EAGAIN) {
            got |= ping_error(a, now);
            break;
        }
        got = true;
        if (n < 0) {
            axn_tool_say(now, "client", "recvfrom(ping) = %s   an error about our echo requests",
                         DEMO_RES(n));
            continue;
        }
        if (n < ICMP_HDR_LEN || buf[0] != ICMP_ECHO_REPLY) {
            axn_tool_say(now, "client", "recvfrom(ping) = %s   (not an echo reply)", DEMO_RES(n));
            continue;
        }
        uint16_t seq;
        memcpy(&seq, buf + ICMP_SEQ_OFF, sizeof(seq));
        seq = ntohs(seq);
        if (seq >= a->ping_seq || a->ping_answered[seq]) {
            axn_tool_say(now, "client", "recvfrom(ping) = %ld   duplicate or stray reply seq=%u", n,
                         seq);
            continue;
        }
        a->ping_answered[seq] = true;
        a->res.pings_answered++;
        axn_tool_say(now, "client", "recvfrom(ping) = %ld from %s   echo reply seq=%u, rtt %.3f ms",
                     n, IP(&from), seq, axn_tool_ms(now - a->ping_sent_at[seq]));
    }
    return got;
}

static bool pings_over(const struct demo_apps *a, axn_time_t now)
{
    return a->ping_seq >= DEMO_PINGS && now >= a->next_ping - PING_GAP + PING_WAIT;
}

/* ---- The echo service on the gateway (RFC 862 over UDP) ----------------------- */

static bool echo_serve(struct demo_apps *a, axn_time_t now)
{
    bool got = false;
    uint8_t buf[BUF_LEN];
    for (;;) {
        struct axn_sockaddr_in from;
        axn_socklen_t fromlen = sizeof(from);
        long n = axn_recvfrom(a->echo_srv, buf, sizeof(buf), AXN_MSG_DONTWAIT,
                              (struct axn_sockaddr *)&from, &fromlen);
        if (n == -AXN_EAGAIN)
            break;
        got = true;
        if (n < 0) {
            axn_tool_say(now, "gateway", "recvfrom(echo) = %s", DEMO_RES(n));
            break;
        }
        long rc =
            axn_sendto(a->echo_srv, buf, (size_t)n, 0, (const struct axn_sockaddr *)&from, fromlen);
        axn_tool_say(now, "gateway", "recvfrom(echo) = %ld from %s; sendto back = %s", n,
                     DEMO_SIN(&from), DEMO_RES(rc));
    }
    return got;
}

/* ---- The UDP client ------------------------------------------------------------ */

static size_t message(int i, uint8_t *buf)
{
    if (messages[i].text) {
        memcpy(buf, messages[i].text, messages[i].len);
    } else {
        for (size_t k = 0; k < messages[i].len; k++)
            buf[k] = (uint8_t)(k + (size_t)i);
    }
    return messages[i].len;
}

static void udp_send_msg(struct demo_apps *a, axn_time_t now)
{
    uint8_t buf[MSG_MAX];
    const size_t len = message(a->msg, buf);
    long rc = axn_send(a->udp, buf, len, 0);
    if (messages[a->msg].text)
        axn_tool_say(now, "client", "send(udp, \"%s\", %zu) = %s%s", messages[a->msg].text, len,
                     DEMO_RES(rc), a->tries ? "   (again: no echo yet)" : "");
    else
        axn_tool_say(now, "client", "send(udp, %zu bytes) = %s   %s%s", len, DEMO_RES(rc),
                     messages[a->msg].what, a->tries ? " (again: no echo yet)" : "");
    if (a->tries)
        a->res.udp_resends++;
    a->tries++;
    a->udp_sent_at = now;
    a->udp_deadline = now + UDP_TIMEOUT;
}

static void udp_send_probe(struct demo_apps *a, axn_time_t now)
{
    long rc = axn_send(a->udp, probe, sizeof(probe) - 1, 0);
    axn_tool_say(now, "client", "send(udp, \"%s\", %zu) = %s%s", probe, sizeof(probe) - 1,
                 DEMO_RES(rc), a->tries ? "   (again: no answer yet)" : "");
    if (a->tries)
        a->res.udp_resends++;
    a->tries++;
    a->udp_deadline = now + UDP_TIMEOUT;
}

static void udp_open(struct demo_apps *a, axn_time_t now)
{
    printf("\n--- UDP: an echo service on gateway port %d, a connected client socket ---\n",
           ECHO_PORT);
    long rc = axn_socket(a->client, AXN_AF_INET, AXN_SOCK_DGRAM, 0, &a->udp);
    axn_tool_say(now, "client", "socket(AF_INET, SOCK_DGRAM, 0) = %s", DEMO_RES(rc));
    if (rc < 0) {
        a->udp_state = UDP_DONE;
        return;
    }
    const struct axn_sockaddr_in srv = demo_sin4(a->gw_ip, ECHO_PORT);
    rc = axn_connect(a->udp, (const struct axn_sockaddr *)&srv, sizeof(srv));
    struct axn_sockaddr_in me;
    axn_socklen_t melen = sizeof(me);
    memset(&me, 0, sizeof(me));
    axn_getsockname(a->udp, (struct axn_sockaddr *)&me, &melen);
    axn_tool_say(now, "client", "connect(udp, %s) = %s   local address %s (getsockname)",
                 DEMO_SIN(&srv), DEMO_RES(rc), DEMO_SIN(&me));
    if (rc < 0) {
        a->udp_state = UDP_DONE;
        return;
    }
    a->udp_state = UDP_ECHO;
    a->msg = 0;
    a->tries = 0;
    udp_send_msg(a, now);
}

static void udp_start_refused(struct demo_apps *a, axn_time_t now)
{
    printf("\n--- UDP: a datagram to a closed port; the error reaches the socket ---\n");
    const struct axn_sockaddr_in closed = demo_sin4(a->gw_ip, CLOSED_PORT);
    long rc = axn_connect(a->udp, (const struct axn_sockaddr *)&closed, sizeof(closed));
    axn_tool_say(now, "client", "connect(udp, %s) = %s   (nothing listens there)",
                 DEMO_SIN(&closed), DEMO_RES(rc));
    a->udp_state = rc < 0 ? UDP_DONE : UDP_REFUSED;
    a->tries = 0;
    if (rc == 0)
        udp_send_probe(a, now);
}

/* Next message, or on to the closed-port step when all are through. */
static void udp_next(struct demo_apps *a, axn_time_t now)
{
    a->tries = 0;
    if (++a->msg < DEMO_UDP_MSGS)
        udp_send_msg(a, now);
    else
        udp_start_refused(a, now);
}

static void udp_on_echo(struct demo_apps *a, axn_time_t now, const uint8_t *buf, long n)
{
    uint8_t want[MSG_MAX];
    const size_t len = message(a->msg, want);
    if ((size_t)n != len || memcmp(buf, want, len) != 0) {
        axn_tool_say(now, "client",
                     "recv(udp) = %ld   not the echo of the message in flight: ignored", n);
        return;
    }
    a->res.udp_echoed++;
    axn_tool_say(now, "client", "recv(udp) = %ld   echo %d/%d intact, rtt %.3f ms", n, a->msg + 1,
                 DEMO_UDP_MSGS, axn_tool_ms(now - a->udp_sent_at));
    udp_next(a, now);
}

static bool udp_receive(struct demo_apps *a, axn_time_t now)
{
    bool got = false;
    uint8_t buf[BUF_LEN];
    while (a->udp && a->udp_state != UDP_DONE) {
        long n = axn_recv(a->udp, buf, sizeof(buf), AXN_MSG_DONTWAIT);
        if (n == -AXN_EAGAIN)
            break;
        got = true;
        if (a->udp_state == UDP_REFUSED && n == -AXN_ECONNREFUSED) {
            a->res.refused_seen = true;
            axn_tool_say(
                now, "client",
                "recv(udp) = -ECONNREFUSED   the ICMP port unreachable, on the connected socket");
            n = axn_recv(a->udp, buf, sizeof(buf), AXN_MSG_DONTWAIT);
            axn_tool_say(now, "client", "recv(udp) = %s   the error is reported once, as on Linux",
                         DEMO_RES(n));
            a->udp_state = UDP_DONE;
        } else if (n < 0) {
            axn_tool_say(now, "client", "recv(udp) = %s", DEMO_RES(n));
        } else if (a->udp_state == UDP_ECHO) {
            udp_on_echo(a, now, buf, n);
        } else {
            axn_tool_say(now, "client", "recv(udp) = %ld   unexpected datagram", n);
        }
    }
    return got;
}

/* No answer by the deadline: send again, or give up on this step. */
static bool udp_timeout(struct demo_apps *a, axn_time_t now)
{
    if (a->udp_state != UDP_ECHO && a->udp_state != UDP_REFUSED)
        return false;
    if (now < a->udp_deadline)
        return false;
    if (a->tries < UDP_TRIES) {
        if (a->udp_state == UDP_ECHO)
            udp_send_msg(a, now);
        else
            udp_send_probe(a, now);
        return true;
    }
    axn_tool_say(now, "client", "no answer after %d sends: giving up on this step", a->tries);
    if (a->udp_state == UDP_ECHO)
        udp_next(a, now);
    else
        a->udp_state = UDP_DONE;
    return true;
}

static bool udp_client(struct demo_apps *a, axn_time_t now)
{
    if (a->udp_state == UDP_WAIT_START) {
        if (!pings_over(a, now))
            return false;
        udp_open(a, now);
        return true;
    }
    bool did = udp_receive(a, now);
    return udp_timeout(a, now) || did;
}

/* ---- TCP: an echo service on the gateway, a client on the client ----------------- */

/* What one non-blocking call of a program's loop came to. */
enum step_result {
    STEP_WAIT, /* EAGAIN: nothing to do until the stacks move */
    STEP_MORE, /* progress: call again */
    STEP_DONE, /* the socket was closed */
};

/* A poll(2) mask in words. */
const char *demo_poll_names(unsigned mask, char *buf, size_t cap)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {AXN_POLLIN, "POLLIN"},   {AXN_POLLOUT, "POLLOUT"},     {AXN_POLLERR, "POLLERR"},
        {AXN_POLLHUP, "POLLHUP"}, {AXN_POLLRDHUP, "POLLRDHUP"},
    };
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if ((mask & names[i].bit) && n < cap)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "|" : "", names[i].name);
    if (n == 0)
        snprintf(buf, cap, "0");
    return buf;
}

/* Byte k of the client's message: a counting pattern the echo must match. */
static uint8_t tcp_msg_byte(size_t k)
{
    return (uint8_t)('a' + k % ('z' - 'a' + 1));
}

long demo_so_error(struct axn_socket *s)
{
    int err = 0;
    axn_socklen_t len = sizeof(err);
    long rc = axn_getsockopt(s, AXN_SOL_SOCKET, AXN_SO_ERROR, &err, &len);
    return rc < 0 ? rc : -(long)err;
}

/* The gateway: a listening socket on the echo port, non-blocking as an
 * event loop's are. */
static const struct demo_sock_name tsrv_listener = {"gateway", "tcp"};
static const struct demo_sock_name tsrv_conn = {"gateway", "conn"};
static const struct demo_sock_name tcl_sock = {"client", "tcp"};

static int tcp_server_open(struct demo_apps *a, axn_time_t now)
{
    return demo_tcp_listen(a->gw, tsrv_listener, ECHO_PORT, "the TCP echo service", now,
                           &a->tsrv.listener);
}

static bool tcp_server_accept(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_server *sv = &a->tsrv;
    if (sv->conn || !sv->listener)
        return false;
    return demo_tcp_accept(sv->listener, tsrv_listener, now, &sv->conn) != -AXN_EAGAIN;
}

/* The server is done with its connection: EOF read, or an error. */
static void tcp_server_close(struct demo_apps *a, axn_time_t now)
{
    demo_close(&a->tsrv.conn, tsrv_conn, "   (our FIN follows; the stack finishes the handshake)",
               now);
}

/* What was read goes back out; EAGAIN (send buffer full) waits. */
static enum step_result tcp_server_flush(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_server *sv = &a->tsrv;
    long n = axn_send(sv->conn, sv->pending, sv->pending_len, AXN_MSG_DONTWAIT);
    if (n == -AXN_EAGAIN)
        return STEP_WAIT;
    axn_tool_say(now, "gateway", "send(conn, %zu bytes) = %s   echoing", sv->pending_len,
                 DEMO_RES(n));
    if (n < 0) {
        tcp_server_close(a, now);
        return STEP_DONE;
    }
    memmove(sv->pending, sv->pending + n, sv->pending_len - (size_t)n);
    sv->pending_len -= (size_t)n;
    return STEP_MORE;
}

static enum step_result tcp_server_read(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_server *sv = &a->tsrv;
    long n = axn_recv(sv->conn, sv->pending, sizeof(sv->pending), AXN_MSG_DONTWAIT);
    if (n == -AXN_EAGAIN)
        return STEP_WAIT;
    if (n > 0) {
        axn_tool_say(now, "gateway", "recv(conn) = %ld", n);
        sv->pending_len = (size_t)n;
        return STEP_MORE;
    }
    a->res.tcp_server_eof = n == 0;
    axn_tool_say(now, "gateway", "recv(conn) = %s%s", DEMO_RES(n),
                 n == 0 ? "   EOF: the client shut down its side" : "");
    tcp_server_close(a, now);
    return STEP_DONE;
}

/* Echoes what it read before reading more, so a full send ring holds the
 * client back (TCP flow control does the rest). */
static bool tcp_server_echo(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_server *sv = &a->tsrv;
    bool did = false;
    while (sv->conn) {
        const enum step_result r =
            sv->pending_len > 0 ? tcp_server_flush(a, now) : tcp_server_read(a, now);
        if (r == STEP_WAIT)
            break;
        did = true;
    }
    return did;
}

/* The client's first TCP socket: a non-blocking connect, as an event loop
 * makes it. */
static void tcp_client_open(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_client *c = &a->tcl;
    printf("\n--- TCP: an echo service on gateway port %d; a non-blocking client sends %d\n"
           "    bytes (three segments), reads them back, half-closes, closes ---\n",
           ECHO_PORT, DEMO_TCP_MSG_LEN);
    const struct axn_sockaddr_in srv = demo_sin4(a->gw_ip, ECHO_PORT);
    const long rc =
        demo_tcp_connect(a->client, tcl_sock, &srv,
                         "the SYN is out; POLLOUT will say when it is done", now, &c->sock);
    c->state = rc == -AXN_EINPROGRESS || rc == 0 ? TCP_CONNECTING : TCP_DONE;
}

/* tcpi_state as netstat(8) names it (Linux TCP_* numbering, 1-based). */
static const char *tcp_state_name(unsigned state)
{
    static const char *const names[] = {
        "?",         "ESTABLISHED", "SYN_SENT",   "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
        "TIME_WAIT", "CLOSE",       "CLOSE_WAIT", "LAST_ACK", "LISTEN",    "CLOSING",
    };
    return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

bool demo_print_tcp_info(struct axn_socket *s, const char *who, const char *sock_name,
                         axn_time_t now, struct axn_tcp_info *out)
{
    struct axn_tcp_info ti;
    axn_socklen_t len = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    long rc = axn_getsockopt(s, AXN_SOL_TCP, AXN_TCP_INFO, &ti, &len);
    axn_tool_say(now, who, "getsockopt(%s, SOL_TCP, TCP_INFO) = %s", sock_name, DEMO_RES(rc));
    if (rc < 0)
        return false;
    printf(
        "           state %s, rtt %.3f ms (rttvar %.3f), rto %.3f ms, mss %u, cwnd %u segments,\n"
        "           retransmits %u now / %u in all, %llu bytes acked, %llu received\n",
        tcp_state_name(ti.tcpi_state), ti.tcpi_rtt / USEC_PER_MSEC_F,
        ti.tcpi_rttvar / USEC_PER_MSEC_F, ti.tcpi_rto / USEC_PER_MSEC_F, ti.tcpi_snd_mss,
        ti.tcpi_snd_cwnd, ti.tcpi_retransmits, ti.tcpi_total_retrans,
        (unsigned long long)ti.tcpi_bytes_acked, (unsigned long long)ti.tcpi_bytes_received);
    *out = ti;
    return true;
}

/* POLLOUT (or POLLERR) ends a non-blocking connect; SO_ERROR says how,
 * and reading it clears it (Linux sock_error). */
static bool tcp_connect_done(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_client *c = &a->tcl;
    long err = 0;
    if (!demo_connect_done(c->sock, tcl_sock, now, &err))
        return false;
    if (err != 0) {
        c->state = TCP_DONE;
        return true;
    }
    a->res.tcp_connected = true;
    struct axn_sockaddr_in me;
    axn_socklen_t melen = sizeof(me);
    memset(&me, 0, sizeof(me));
    long rc = axn_getsockname(c->sock, (struct axn_sockaddr *)&me, &melen);
    axn_tool_say(now, "client", "getsockname(tcp) = %s   connected from %s (an RFC 6056 port)",
                 DEMO_RES(rc), DEMO_SIN(&me));
    c->state = TCP_ECHO;
    return true;
}

static bool tcp_client_send(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_client *c = &a->tcl;
    if (c->sent == DEMO_TCP_MSG_LEN)
        return false;
    uint8_t msg[DEMO_TCP_MSG_LEN];
    const size_t len = DEMO_TCP_MSG_LEN - c->sent;
    for (size_t k = 0; k < len; k++)
        msg[k] = tcp_msg_byte(c->sent + k);
    long n = axn_send(c->sock, msg, len, AXN_MSG_DONTWAIT);
    if (n == -AXN_EAGAIN)
        return false;
    axn_tool_say(now, "client", "send(tcp, %zu bytes) = %s%s", len, DEMO_RES(n),
                 n > 0 && (size_t)n < len ? "   (partial: the send buffer is full)" : "");
    if (n < 0)
        c->state = TCP_DONE;
    else
        c->sent += (size_t)n;
    return true;
}

/* The whole echo is in: check it byte by byte, show what TCP_INFO knows,
 * and half-close (the server reads EOF, we can still read). */
static void tcp_echo_complete(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_client *c = &a->tcl;
    size_t bad = 0;
    for (size_t k = 0; k < DEMO_TCP_MSG_LEN; k++)
        bad += c->echo[k] != tcp_msg_byte(k);
    a->res.tcp_echoed = bad == 0;
    axn_tool_say(now, "client", "all %d bytes echoed: %s", DEMO_TCP_MSG_LEN,
                 bad ? "MISMATCH" : "byte-exact, in order, over the lossy wire");
    struct axn_tcp_info ti;
    if (demo_print_tcp_info(c->sock, "client", "tcp", now, &ti))
        a->res.tcp_retrans = ti.tcpi_total_retrans;
    long rc = axn_shutdown(c->sock, AXN_SHUT_WR);
    axn_tool_say(now, "client", "shutdown(tcp, SHUT_WR) = %s   (our FIN: we send no more)",
                 DEMO_RES(rc));
    c->state = TCP_DRAIN;
}

static void tcp_start_refused(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_client *c = &a->tcl;
    printf("\n--- TCP: connect to a closed port; the RST reaches the socket ---\n");
    const struct axn_sockaddr_in closed = demo_sin4(a->gw_ip, CLOSED_PORT);
    const long rc =
        demo_tcp_connect(a->client, tcl_sock, &closed, "nothing listens there", now, &c->sock);
    c->state = rc == -AXN_EINPROGRESS ? TCP_REFUSED : TCP_DONE;
}

/* Reads what is there: the echo, then (after SHUT_WR) the server's EOF,
 * which ends the connection on our side too. */
static bool tcp_client_read(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_client *c = &a->tcl;
    uint8_t buf[DEMO_TCP_MSG_LEN];
    const size_t room = c->received < DEMO_TCP_MSG_LEN ? DEMO_TCP_MSG_LEN - c->received : 1;
    long n = axn_recv(c->sock, buf, room, AXN_MSG_DONTWAIT);
    if (n == -AXN_EAGAIN)
        return false;
    if (n > 0 && c->state == TCP_ECHO && (size_t)n <= room) {
        memcpy(c->echo + c->received, buf, (size_t)n);
        c->received += (size_t)n;
        axn_tool_say(now, "client", "recv(tcp) = %ld   %zu of %d bytes back", n, c->received,
                     DEMO_TCP_MSG_LEN);
        if (c->received == DEMO_TCP_MSG_LEN)
            tcp_echo_complete(a, now);
        return true;
    }
    a->res.tcp_client_eof = n == 0 && c->state == TCP_DRAIN;
    axn_tool_say(now, "client", "recv(tcp) = %s%s", DEMO_RES(n),
                 a->res.tcp_client_eof ? "   EOF: the server closed its side" : "   unexpected");
    demo_close(&c->sock, tcl_sock, "   (the connection waits in TIME-WAIT, 2 x MSL)", now);
    tcp_start_refused(a, now);
    return true;
}

static bool tcp_refused_done(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_client *c = &a->tcl;
    long err = 0;
    if (!demo_connect_done(c->sock, tcl_sock, now, &err))
        return false;
    a->res.tcp_refused = err == -AXN_ECONNREFUSED;
    demo_close(&c->sock, tcl_sock, "", now);
    c->state = TCP_DONE;
    return true;
}

static bool tcp_client(struct demo_apps *a, axn_time_t now)
{
    struct demo_tcp_client *c = &a->tcl;
    switch (c->state) {
    case TCP_WAIT_START:
        if (a->udp_state != UDP_DONE)
            return false;
        tcp_client_open(a, now);
        return true;
    case TCP_CONNECTING:
        return tcp_connect_done(a, now);
    case TCP_ECHO: {
        bool did = tcp_client_send(a, now);
        while (c->state == TCP_ECHO && tcp_client_read(a, now))
            did = true;
        return did;
    }
    case TCP_DRAIN:
        return tcp_client_read(a, now);
    case TCP_REFUSED:
        return tcp_refused_done(a, now);
    case TCP_DONE:
        break;
    }
    return false;
}

/* ---- Driving them ------------------------------------------------------------------ */

int demo_apps_start(struct demo_apps *a, struct axn_stack *client, struct axn_stack *gw,
                    axn_ip4_t gw_ip, axn_time_t now)
{
    memset(a, 0, sizeof(*a));
    a->client = client;
    a->gw = gw;
    a->gw_ip = gw_ip;
    a->next_ping = now;
    long rc = axn_socket(gw, AXN_AF_INET, AXN_SOCK_DGRAM, 0, &a->echo_srv);
    axn_tool_say(now, "gateway", "socket(AF_INET, SOCK_DGRAM, 0) = %s", DEMO_RES(rc));
    if (rc < 0)
        return (int)rc;
    const struct axn_sockaddr_in any = demo_sin4(AXN_INADDR_ANY, ECHO_PORT);
    rc = axn_bind(a->echo_srv, (const struct axn_sockaddr *)&any, sizeof(any));
    axn_tool_say(now, "gateway", "bind(echo, %s) = %s   (the UDP echo service)", DEMO_SIN(&any),
                 DEMO_RES(rc));
    if (rc == 0)
        rc = tcp_server_open(a, now);
    printf("\n--- ping: an ICMP ping socket on the client, %d echo requests; the gateway's\n"
           "    IPv4 layer answers them itself ---\n",
           DEMO_PINGS);
    return (int)rc;
}

bool demo_apps_step(struct demo_apps *a, axn_time_t now, axn_time_t *next)
{
    bool did = echo_serve(a, now);
    did |= ping_receive(a, now);
    did |= ping_send(a, now);
    did |= udp_client(a, now);
    did |= tcp_server_accept(a, now);
    did |= tcp_server_echo(a, now);
    did |= tcp_client(a, now);
    *next = AXN_TIME_NEVER;
    if (a->ping_seq < DEMO_PINGS)
        *next = a->next_ping;
    else if (a->udp_state == UDP_WAIT_START)
        *next = a->next_ping - PING_GAP + PING_WAIT;
    else if (a->udp_state != UDP_DONE)
        *next = a->udp_deadline;
    return did;
}

bool demo_apps_done(const struct demo_apps *a)
{
    return a->udp_state == UDP_DONE && a->tcl.state == TCP_DONE;
}

void demo_apps_close(struct demo_apps *a)
{
    struct axn_socket *socks[] = {a->ping,          a->udp,       a->echo_srv,
                                  a->tsrv.listener, a->tsrv.conn, a->tcl.sock};
    for (size_t i = 0; i < sizeof(socks) / sizeof(socks[0]); i++)
        if (socks[i])
            axn_close(socks[i]);
}
