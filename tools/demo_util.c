/*
 * The TCP calls both demo programs (demo_apps.c, demo_http.c) make the
 * same way, each printed as the system call it stands for: a listening
 * server, an accept, a non-blocking connect and its completion, a close.
 */
#include "axnet/errno.h"
#include "demo_apps.h"
#include "tools.h"

#define DEMO_BACKLOG 4 /* listen(2): the demo has one client per service */

int demo_tcp_listen(struct axn_stack *st, struct demo_sock_name n, uint16_t port, const char *what,
                    axn_time_t now, struct axn_socket **out)
{
    long rc = axn_socket(st, AXN_AF_INET, AXN_SOCK_STREAM | AXN_SOCK_NONBLOCK, 0, out);
    axn_tool_say(now, n.who, "socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0) = %s", DEMO_RES(rc));
    if (rc < 0)
        return (int)rc;
    const struct axn_sockaddr_in any = demo_sin4(AXN_INADDR_ANY, port);
    rc = axn_bind(*out, (const struct axn_sockaddr *)&any, sizeof(any));
    axn_tool_say(now, n.who, "bind(%s, %s) = %s   (%s)", n.name, DEMO_SIN(&any), DEMO_RES(rc),
                 what);
    if (rc == 0) {
        rc = axn_listen(*out, DEMO_BACKLOG);
        axn_tool_say(now, n.who, "listen(%s, %d) = %s", n.name, DEMO_BACKLOG, DEMO_RES(rc));
    }
    return (int)rc;
}

long demo_tcp_accept(struct axn_socket *listener, struct demo_sock_name n, axn_time_t now,
                     struct axn_socket **conn)
{
    if (!(axn_socket_poll(listener) & AXN_POLLIN))
        return -AXN_EAGAIN;
    struct axn_sockaddr_in peer = {0};
    axn_socklen_t plen = sizeof(peer);
    long rc = axn_accept(listener, (struct axn_sockaddr *)&peer, &plen, AXN_SOCK_NONBLOCK, conn);
    axn_tool_say(now, n.who, "poll(%s) = POLLIN; accept(%s, SOCK_NONBLOCK) = %s from %s", n.name,
                 n.name, rc < 0 ? DEMO_RES(rc) : "a new socket", DEMO_SIN(&peer));
    if (rc < 0)
        *conn = NULL;
    return rc;
}

long demo_tcp_connect(struct axn_stack *st, struct demo_sock_name n,
                      const struct axn_sockaddr_in *to, const char *note, axn_time_t now,
                      struct axn_socket **out)
{
    long rc = axn_socket(st, AXN_AF_INET, AXN_SOCK_STREAM | AXN_SOCK_NONBLOCK, 0, out);
    axn_tool_say(now, n.who, "socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0) = %s", DEMO_RES(rc));
    if (rc < 0) {
        *out = NULL;
        return rc;
    }
    rc = axn_connect(*out, (const struct axn_sockaddr *)to, sizeof(*to));
    axn_tool_say(now, n.who, "connect(%s, %s) = %s   (%s)", n.name, DEMO_SIN(to), DEMO_RES(rc),
                 note);
    return rc;
}

/* POLLOUT (or POLLERR) ends a non-blocking connect; SO_ERROR says how,
 * and reading it clears it (Linux sock_error). */
bool demo_connect_done(struct axn_socket *s, struct demo_sock_name n, axn_time_t now, long *err)
{
    const unsigned mask = axn_socket_poll(s);
    if (!(mask & (AXN_POLLOUT | AXN_POLLERR)))
        return false;
    *err = demo_so_error(s);
    axn_tool_say(now, n.who, "poll(%s) = %s; getsockopt(%s, SO_ERROR) = %s%s", n.name,
                 DEMO_POLLS(mask), n.name, DEMO_RES(*err),
                 *err == -AXN_ECONNREFUSED ? "   (the gateway answered the SYN with a RST)" : "");
    return true;
}

void demo_close(struct axn_socket **s, struct demo_sock_name n, const char *note, axn_time_t now)
{
    long rc = axn_close(*s);
    axn_tool_say(now, n.who, "close(%s) = %s%s", n.name, DEMO_RES(rc), note);
    *s = NULL;
}
