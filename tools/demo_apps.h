/*
 * The programs `axnet demo` runs on its two stacks, written against the
 * public socket API only (axnet/socket.h), as a kernel's users would call
 * it through socket(2), sendto(2), recvfrom(2): a ping over an ICMP ping
 * socket, a UDP echo service, and a UDP client of it; then a TCP echo
 * service and a TCP client that connects, sends, reads the echo back,
 * half-closes and closes, and a TCP connect to a port nobody listens on.
 *
 * The demo polls the stacks itself (caller-polled mode) and owns the
 * clock, so every call here is non-blocking (MSG_DONTWAIT): a program is a
 * small state machine that demo_apps_step() advances whenever the stacks
 * have been polled.
 */
#ifndef AXN_TOOLS_DEMO_APPS_H
#define AXN_TOOLS_DEMO_APPS_H

#include <stdbool.h>

#include "axnet/socket.h"

#define DEMO_PINGS    8
#define DEMO_UDP_MSGS 4
/* The TCP client's message: more than two full segments at MSS 1460. */
#define DEMO_TCP_MSG_LEN 4000

/* What the programs achieved: the demo's verdict. */
struct demo_result {
    int pings_sent;
    int pings_answered;
    int udp_echoed;  /* of DEMO_UDP_MSGS, each came back intact */
    int udp_resends; /* datagrams sent again after a timeout */
    bool refused_seen;
    bool tcp_connected;   /* non-blocking connect completed, SO_ERROR 0 */
    bool tcp_echoed;      /* every byte of the message came back, in order */
    bool tcp_server_eof;  /* the server read EOF after the client's SHUT_WR */
    bool tcp_client_eof;  /* the client read EOF after the server closed */
    bool tcp_refused;     /* connect to a closed port: SO_ERROR ECONNREFUSED */
    uint32_t tcp_retrans; /* tcpi_total_retrans of the client's connection */
};

enum demo_udp_state {
    UDP_WAIT_START, /* the pings are still running */
    UDP_ECHO,       /* message `msg` sent, waiting for its echo */
    UDP_REFUSED,    /* probe sent to a closed port, waiting for the error */
    UDP_DONE,
};

enum demo_tcp_state {
    TCP_WAIT_START, /* the UDP client is still running */
    TCP_CONNECTING, /* connect() said EINPROGRESS: waiting for POLLOUT */
    TCP_ECHO,       /* sending the message, reading its echo */
    TCP_DRAIN,      /* SHUT_WR done: reading until the server's EOF */
    TCP_REFUSED,    /* connect() to a closed port in progress */
    TCP_DONE,
};

/* The gateway's TCP echo service: one connection at a time. */
struct demo_tcp_server {
    struct axn_socket *listener;
    struct axn_socket *conn; /* the accepted connection */
    uint8_t pending[DEMO_TCP_MSG_LEN];
    size_t pending_len; /* bytes read and not yet echoed */
};

/* The client's TCP socket and how far its message got. */
struct demo_tcp_client {
    struct axn_socket *sock;
    enum demo_tcp_state state;
    size_t sent;
    size_t received;
    uint8_t echo[DEMO_TCP_MSG_LEN];
};

struct demo_apps {
    struct axn_stack *client, *gw;
    axn_ip4_t gw_ip; /* host order */
    /* ICMP ping socket on the client. */
    struct axn_socket *ping;
    int ping_seq;
    axn_time_t next_ping;
    axn_time_t ping_sent_at[DEMO_PINGS];
    bool ping_answered[DEMO_PINGS];
    /* UDP echo service on the gateway. */
    struct axn_socket *echo_srv;
    /* UDP client on the client. */
    struct axn_socket *udp;
    enum demo_udp_state udp_state;
    int msg;   /* message in flight */
    int tries; /* sends of it so far */
    axn_time_t udp_sent_at;
    axn_time_t udp_deadline;
    /* TCP echo service on the gateway, TCP client on the client. */
    struct demo_tcp_server tsrv;
    struct demo_tcp_client tcl;
    struct demo_result res;
};

/* Opens the gateway's echo service; the client's sockets open as their
 * turn comes. Returns 0 or a negative errno. */
int demo_apps_start(struct demo_apps *a, struct axn_stack *client, struct axn_stack *gw,
                    axn_ip4_t gw_ip, axn_time_t now);
/* Lets every program act at `now` (the stacks were just polled). Returns
 * true if one sent or received something (poll again before moving time);
 * *next is when a program next wants to run. */
bool demo_apps_step(struct demo_apps *a, axn_time_t now, axn_time_t *next);
/* Every program has finished its script. */
bool demo_apps_done(const struct demo_apps *a);
void demo_apps_close(struct demo_apps *a);

/* ---- Shared by the demo's programs (demo_apps.c, demo_http*.c) ---------- */

/* A call's result as the C programmer reads it: "12" or "-EAGAIN". */
#define DEMO_RESULT_LEN 32
const char *demo_result(long rc, char *buf, size_t cap);
#define DEMO_RES(rc) demo_result((rc), (char[DEMO_RESULT_LEN]){0}, DEMO_RESULT_LEN)

/* An IPv4 socket address from a host-order address and port. */
struct axn_sockaddr_in demo_sin4(axn_ip4_t host_order, uint16_t port);

/* "a.b.c.d:port" */
#define DEMO_ADDR_LEN 24 /* "255.255.255.255:65535" */
const char *demo_fmt_sin(const struct axn_sockaddr_in *sa, char *buf);
#define DEMO_SIN(sa) demo_fmt_sin((sa), (char[DEMO_ADDR_LEN]){0})

/* A poll(2) mask in words: "POLLIN|POLLOUT". */
#define DEMO_POLL_TEXT_LEN 64
const char *demo_poll_names(unsigned mask, char *buf, size_t cap);
#define DEMO_POLLS(m) demo_poll_names((m), (char[DEMO_POLL_TEXT_LEN]){0}, DEMO_POLL_TEXT_LEN)

/* getsockopt(SO_ERROR) as a result: 0 or the pending -errno. */
long demo_so_error(struct axn_socket *s);

/* getsockopt(TCP_INFO) on `s`, printed as `who` sees it; false if it
 * failed. *out gets the whole structure. */
bool demo_print_tcp_info(struct axn_socket *s, const char *who, const char *sock_name,
                         axn_time_t now, struct axn_tcp_info *out);

/* ---- TCP calls both programs make (demo_util.c) ------------------------- */

/* How the printed lines name a socket: `who` makes the call on `name`. */
struct demo_sock_name {
    const char *who;  /* "gateway", "client" */
    const char *name; /* "http", "tcp" */
};

/* socket(SOCK_STREAM|SOCK_NONBLOCK), bind to `port` on every address and
 * listen, each call printed (`what` names the service). 0 or -errno. */
int demo_tcp_listen(struct axn_stack *st, struct demo_sock_name n, uint16_t port, const char *what,
                    axn_time_t now, struct axn_socket **out);
/* accept(SOCK_NONBLOCK) once the listener polls POLLIN: accept's result
 * (*conn NULL on an error), or -AXN_EAGAIN, unprinted, before that. */
long demo_tcp_accept(struct axn_socket *listener, struct demo_sock_name n, axn_time_t now,
                     struct axn_socket **conn);
/* socket(SOCK_STREAM|SOCK_NONBLOCK) and connect to `to`, printed with
 * `note`: socket's error (*out NULL), or connect's result. */
long demo_tcp_connect(struct axn_stack *st, struct demo_sock_name n,
                      const struct axn_sockaddr_in *to, const char *note, axn_time_t now,
                      struct axn_socket **out);
/* False while the non-blocking connect is in progress; then true with
 * *err its outcome (SO_ERROR: 0 or -errno), printed. */
bool demo_connect_done(struct axn_socket *s, struct demo_sock_name n, axn_time_t now, long *err);
/* close(*s), printed with `note` after the result; *s becomes NULL. */
void demo_close(struct axn_socket **s, struct demo_sock_name n, const char *note, axn_time_t now);

#endif /* AXN_TOOLS_DEMO_APPS_H */
