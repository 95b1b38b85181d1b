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

#endif /* AXN_TOOLS_DEMO_APPS_H */
