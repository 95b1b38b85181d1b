/*
 * Sockets: the BSD socket API with Linux semantics (spec §6, §8, §9, §12).
 *
 * A kernel's syscall layer passes Linux arguments straight through: every
 * constant below has its Linux value, and every struct has the Linux
 * LP64 layout (x86-64, arm64, riscv64), so `struct sockaddr_in`,
 * `struct msghdr`, `struct cmsghdr`, `struct timeval`, ... from user memory
 * can be handed over as they are (after copy-in). Errors are negative
 * Linux errno values (axnet/errno.h).
 *
 * Threads: every call may come from any thread. Calls that may block
 * (connect, accept, send*, recv*) wait on the platform's wait queues and
 * honour the socket's O_NONBLOCK, a per-call MSG_DONTWAIT, and
 * SO_RCVTIMEO / SO_SNDTIMEO — whose expiry returns -EAGAIN, as Linux does
 * (not ETIMEDOUT, the SOCK-13 hazard). With port/none nothing can block:
 * a call that would wait returns -EAGAIN.
 *
 * Readiness: axn_socket_poll() returns the Linux POLL* mask now. A kernel
 * hooks epoll/select onto a socket with a waker (struct axn_waker): it is
 * called, outside every axnet lock, whenever one of the events it is
 * interested in may have become true. axn_socket_add_waker() returns the
 * mask at the moment of registration, under the same lock the stack sets
 * readiness with, so a caller that checks that mask and then sleeps until
 * its waker runs never misses a wake-up (edge-safe).
 */
#ifndef AXNET_SOCKET_H
#define AXNET_SOCKET_H

#include "axnet/stack.h"
#include "axnet/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Families, types, protocols (linux/socket.h, linux/in.h) ---------- */

#define AXN_AF_UNSPEC 0
#define AXN_AF_UNIX   1
#define AXN_AF_INET   2
#define AXN_AF_INET6  10
#define AXN_AF_VSOCK  40

#define AXN_SOCK_STREAM    1
#define AXN_SOCK_DGRAM     2
#define AXN_SOCK_RAW       3
#define AXN_SOCK_SEQPACKET 5
#define AXN_SOCK_TYPE_MASK 0xf
/* Flag bits a socket(2) type may carry. axnet keeps SOCK_NONBLOCK and
 * accepts SOCK_CLOEXEC (a descriptor matter for the kernel). */
#define AXN_SOCK_NONBLOCK 0x800
#define AXN_SOCK_CLOEXEC  0x80000

#define AXN_IPPROTO_IP     0
#define AXN_IPPROTO_ICMP   1
#define AXN_IPPROTO_TCP    6
#define AXN_IPPROTO_UDP    17
#define AXN_IPPROTO_IPV6   41
#define AXN_IPPROTO_ICMPV6 58
#define AXN_IPPROTO_RAW    255
#define AXN_IPPROTO_MAX    256

/* ---- Addresses (Linux layouts; ports and addresses in network order) -- */

typedef uint32_t axn_socklen_t;
typedef uint16_t axn_sa_family_t;

struct axn_sockaddr {
    axn_sa_family_t sa_family;
    char sa_data[14];
};

struct axn_in_addr {
    uint32_t s_addr; /* network byte order */
};

#define AXN_INADDR_ANY       0x00000000u
#define AXN_INADDR_BROADCAST 0xffffffffu

struct axn_sockaddr_in {
    axn_sa_family_t sin_family; /* AXN_AF_INET */
    uint16_t sin_port;          /* network byte order */
    struct axn_in_addr sin_addr;
    uint8_t sin_zero[8];
};

struct axn_in6_addr {
    uint8_t u6_addr8[16]; /* Linux's in6_u.u6_addr8; not s6_addr, a libc macro */
};

struct axn_sockaddr_in6 {
    axn_sa_family_t sin6_family; /* AXN_AF_INET6 */
    uint16_t sin6_port;          /* network byte order */
    uint32_t sin6_flowinfo;
    struct axn_in6_addr sin6_addr;
    uint32_t sin6_scope_id;
};

/* Big enough and aligned enough for every family (Linux: 128 bytes). */
struct axn_sockaddr_storage {
    axn_sa_family_t ss_family;
    uint8_t ss_pad[118];
    uint64_t ss_align;
};

/* ---- Messages (LP64 layouts) ------------------------------------------ */

struct axn_iovec {
    void *iov_base;
    size_t iov_len;
};

struct axn_msghdr {
    void *msg_name; /* struct axn_sockaddr_* or NULL */
    axn_socklen_t msg_namelen;
    struct axn_iovec *msg_iov;
    size_t msg_iovlen;
    void *msg_control; /* cmsghdr chain, or NULL */
    size_t msg_controllen;
    int msg_flags; /* recvmsg: MSG_TRUNC, MSG_CTRUNC, ... on return */
};

struct axn_cmsghdr {
    size_t cmsg_len; /* header + data, unpadded */
    int cmsg_level;
    int cmsg_type;
    /* data follows, aligned to sizeof(size_t) */
};

#define AXN_CMSG_ALIGN(len) (((len) + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1))
#define AXN_CMSG_SPACE(len) (AXN_CMSG_ALIGN(sizeof(struct axn_cmsghdr)) + AXN_CMSG_ALIGN(len))
#define AXN_CMSG_LEN(len)   (AXN_CMSG_ALIGN(sizeof(struct axn_cmsghdr)) + (len))
#define AXN_CMSG_DATA(c)    ((unsigned char *)(c) + AXN_CMSG_ALIGN(sizeof(struct axn_cmsghdr)))

/* MSG_* flags (linux/socket.h). Unknown bits are ignored, as on Linux. */
#define AXN_MSG_OOB       0x1
#define AXN_MSG_PEEK      0x2
#define AXN_MSG_DONTROUTE 0x4
#define AXN_MSG_CTRUNC    0x8
#define AXN_MSG_TRUNC     0x20
#define AXN_MSG_DONTWAIT  0x40
#define AXN_MSG_EOR       0x80
#define AXN_MSG_WAITALL   0x100
#define AXN_MSG_CONFIRM   0x800
#define AXN_MSG_ERRQUEUE  0x2000
#define AXN_MSG_NOSIGNAL  0x4000
#define AXN_MSG_MORE      0x8000

#define AXN_SHUT_RD   0
#define AXN_SHUT_WR   1
#define AXN_SHUT_RDWR 2

/* ---- Options (asm-generic/socket.h, linux/in.h) ----------------------- */

#define AXN_SOL_IP     0
#define AXN_SOL_SOCKET 1
#define AXN_SOL_TCP    6
#define AXN_SOL_UDP    17
#define AXN_SOL_RAW    255

#define AXN_SO_DEBUG         1
#define AXN_SO_REUSEADDR     2
#define AXN_SO_TYPE          3
#define AXN_SO_ERROR         4
#define AXN_SO_DONTROUTE     5
#define AXN_SO_BROADCAST     6
#define AXN_SO_SNDBUF        7
#define AXN_SO_RCVBUF        8
#define AXN_SO_KEEPALIVE     9
#define AXN_SO_OOBINLINE     10
#define AXN_SO_NO_CHECK      11
#define AXN_SO_PRIORITY      12
#define AXN_SO_LINGER        13
#define AXN_SO_REUSEPORT     15
#define AXN_SO_RCVLOWAT      18
#define AXN_SO_SNDLOWAT      19
#define AXN_SO_RCVTIMEO      20 /* SO_RCVTIMEO_OLD: struct axn_timeval */
#define AXN_SO_SNDTIMEO      21 /* SO_SNDTIMEO_OLD */
#define AXN_SO_BINDTODEVICE  25
#define AXN_SO_TIMESTAMP     29
#define AXN_SO_ACCEPTCONN    30
#define AXN_SO_SNDBUFFORCE   32
#define AXN_SO_RCVBUFFORCE   33
#define AXN_SO_PROTOCOL      38
#define AXN_SO_DOMAIN        39
#define AXN_SO_BINDTOIFINDEX 62

#define AXN_IP_TOS             1
#define AXN_IP_TTL             2
#define AXN_IP_HDRINCL         3
#define AXN_IP_OPTIONS         4
#define AXN_IP_RECVOPTS        6
#define AXN_IP_PKTINFO         8
#define AXN_IP_MTU_DISCOVER    10
#define AXN_IP_RECVERR         11
#define AXN_IP_RECVTTL         12
#define AXN_IP_RECVTOS         13
#define AXN_IP_MTU             14
#define AXN_IP_FREEBIND        15
#define AXN_IP_MULTICAST_IF    32
#define AXN_IP_MULTICAST_TTL   33
#define AXN_IP_MULTICAST_LOOP  34
#define AXN_IP_ADD_MEMBERSHIP  35
#define AXN_IP_DROP_MEMBERSHIP 36

/* IP_MTU_DISCOVER values. */
#define AXN_IP_PMTUDISC_DONT      0
#define AXN_IP_PMTUDISC_WANT      1
#define AXN_IP_PMTUDISC_DO        2
#define AXN_IP_PMTUDISC_PROBE     3
#define AXN_IP_PMTUDISC_INTERFACE 4
#define AXN_IP_PMTUDISC_OMIT      5

#define AXN_UDP_CORK    1
#define AXN_ICMP_FILTER 1 /* SOL_RAW, IPPROTO_ICMP raw sockets */

/* SOL_TCP options (Linux include/uapi/linux/tcp.h, same numbers). axnet
 * answers those tcp(7) documents for part 1; others are ENOPROTOOPT. */
#define AXN_TCP_NODELAY       1
#define AXN_TCP_MAXSEG        2
#define AXN_TCP_CORK          3
#define AXN_TCP_KEEPIDLE      4
#define AXN_TCP_KEEPINTVL     5
#define AXN_TCP_KEEPCNT       6
#define AXN_TCP_SYNCNT        7
#define AXN_TCP_LINGER2       8
#define AXN_TCP_DEFER_ACCEPT  9
#define AXN_TCP_WINDOW_CLAMP  10
#define AXN_TCP_INFO          11
#define AXN_TCP_QUICKACK      12
#define AXN_TCP_CONGESTION    13
#define AXN_TCP_MD5SIG        14
#define AXN_TCP_USER_TIMEOUT  18
#define AXN_TCP_FASTOPEN      23
#define AXN_TCP_NOTSENT_LOWAT 25

/* TCP_CONGESTION names are at most this long, NUL included (TCP_CA_NAME_MAX). */
#define AXN_TCP_CA_NAME_MAX 16

/* tcpi_options bits (uapi/linux/tcp.h TCPI_OPT_*). */
#define AXN_TCPI_OPT_TIMESTAMPS 1
#define AXN_TCPI_OPT_SACK       2
#define AXN_TCPI_OPT_WSCALE     4
#define AXN_TCPI_OPT_ECN        8
#define AXN_TCPI_OPT_ECN_SEEN   16
#define AXN_TCPI_OPT_SYN_DATA   32
#define AXN_TCPI_OPT_USEC_TS    64

/* tcpi_ca_state values (enum tcp_ca_state). */
#define AXN_TCP_CA_OPEN     0
#define AXN_TCP_CA_DISORDER 1
#define AXN_TCP_CA_CWR      2
#define AXN_TCP_CA_RECOVERY 3
#define AXN_TCP_CA_LOSS     4

/*
 * getsockopt(SOL_TCP, TCP_INFO): Linux's struct tcp_info byte for byte as
 * of Linux 6.7 (248 bytes, through tcpi_total_rto_time; later kernels
 * append fields, and Linux copies min(optlen, sizeof) either way). The two
 * 4-bit window scales share one byte with snd_wscale in the low nibble,
 * the bit-field order of GCC and Clang on the little-endian ABIs Linux
 * uses. Times in microseconds unless the name says otherwise.
 */
struct axn_tcp_info {
    uint8_t tcpi_state;
    uint8_t tcpi_ca_state;
    uint8_t tcpi_retransmits;
    uint8_t tcpi_probes;
    uint8_t tcpi_backoff;
    uint8_t tcpi_options;
    uint8_t tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
    uint8_t tcpi_delivery_rate_app_limited : 1, tcpi_fastopen_client_fail : 2;

    uint32_t tcpi_rto;
    uint32_t tcpi_ato;
    uint32_t tcpi_snd_mss;
    uint32_t tcpi_rcv_mss;

    uint32_t tcpi_unacked;
    uint32_t tcpi_sacked;
    uint32_t tcpi_lost;
    uint32_t tcpi_retrans;
    uint32_t tcpi_fackets;

    /* Times, milliseconds ago. */
    uint32_t tcpi_last_data_sent;
    uint32_t tcpi_last_ack_sent; /* not remembered (Linux: 0 too) */
    uint32_t tcpi_last_data_recv;
    uint32_t tcpi_last_ack_recv;

    /* Metrics. */
    uint32_t tcpi_pmtu;
    uint32_t tcpi_rcv_ssthresh;
    uint32_t tcpi_rtt;
    uint32_t tcpi_rttvar;
    uint32_t tcpi_snd_ssthresh;
    uint32_t tcpi_snd_cwnd;
    uint32_t tcpi_advmss;
    uint32_t tcpi_reordering;

    uint32_t tcpi_rcv_rtt;
    uint32_t tcpi_rcv_space;

    uint32_t tcpi_total_retrans;

    uint64_t tcpi_pacing_rate;
    uint64_t tcpi_max_pacing_rate;
    uint64_t tcpi_bytes_acked;    /* RFC 4898 tcpEStatsAppHCThruOctetsAcked */
    uint64_t tcpi_bytes_received; /* RFC 4898 tcpEStatsAppHCThruOctetsReceived */
    uint32_t tcpi_segs_out;
    uint32_t tcpi_segs_in;

    uint32_t tcpi_notsent_bytes;
    uint32_t tcpi_min_rtt;
    uint32_t tcpi_data_segs_in;
    uint32_t tcpi_data_segs_out;

    uint64_t tcpi_delivery_rate;

    uint64_t tcpi_busy_time;
    uint64_t tcpi_rwnd_limited;
    uint64_t tcpi_sndbuf_limited;

    uint32_t tcpi_delivered;
    uint32_t tcpi_delivered_ce;

    uint64_t tcpi_bytes_sent;
    uint64_t tcpi_bytes_retrans;
    uint32_t tcpi_dsack_dups;
    uint32_t tcpi_reord_seen;

    uint32_t tcpi_rcv_ooopack;

    uint32_t tcpi_snd_wnd;
    uint32_t tcpi_rcv_wnd;

    uint32_t tcpi_rehash;

    uint16_t tcpi_total_rto;
    uint16_t tcpi_total_rto_recoveries;
    uint32_t tcpi_total_rto_time;
};

/* LP64 struct timeval (SO_RCVTIMEO / SO_SNDTIMEO). */
struct axn_timeval {
    int64_t tv_sec;
    int64_t tv_usec;
};

struct axn_linger {
    int l_onoff;
    int l_linger;
};

/* IP_PKTINFO control message. */
struct axn_in_pktinfo {
    int ipi_ifindex;
    struct axn_in_addr ipi_spec_dst;
    struct axn_in_addr ipi_addr;
};

struct axn_ip_mreq {
    struct axn_in_addr imr_multiaddr;
    struct axn_in_addr imr_interface;
};

struct axn_ip_mreqn {
    struct axn_in_addr imr_multiaddr;
    struct axn_in_addr imr_address;
    int imr_ifindex;
};

struct axn_icmp_filter {
    uint32_t data; /* bit n set: drop ICMP type n */
};

/* ---- ioctl requests ---------------------------------------------------- */

#define AXN_FIONREAD    0x541B       /* bytes (stream) or next datagram's size (dgram) */
#define AXN_FIONBIO     0x5421       /* int: nonzero sets O_NONBLOCK */
#define AXN_SIOCOUTQ    0x5411       /* bytes not yet sent */
#define AXN_SIOCINQ     AXN_FIONREAD /* stream: bytes readable (Linux: the same number) */
#define AXN_SIOCOUTQNSD 0x894B       /* stream: bytes queued and not yet sent */

/* ---- Readiness (poll.h values) ----------------------------------------- */

#define AXN_POLLIN     0x001
#define AXN_POLLPRI    0x002
#define AXN_POLLOUT    0x004
#define AXN_POLLERR    0x008
#define AXN_POLLHUP    0x010
#define AXN_POLLNVAL   0x020
#define AXN_POLLRDNORM 0x040
#define AXN_POLLWRNORM 0x100
#define AXN_POLLWRBAND 0x200
#define AXN_POLLRDHUP  0x2000

/*
 * A readiness subscription (the kernel's epoll entry, a select waiter, a
 * thread parked in its own poll). Owned by the caller, linked into the
 * socket while registered. `wake` runs with no axnet lock held, on a
 * thread that has just released the core lock after changing some state
 * (a socket call or the poll path), usually the one that changed this
 * socket's; it must not block, and may call axnet (e.g. axn_socket_poll).
 * One waker's calls never overlap; events that came in meanwhile are
 * ORed into the next call.
 */
struct axn_waker {
    void (*wake)(void *ctx, unsigned events); /* events: what may now be true */
    void *ctx;
    unsigned interest; /* AXN_POLL* mask; ERR and HUP are always included */
    /* Owned by axnet while registered. */
    struct axn_waker *next;
    unsigned pending; /* events not yet delivered */
    bool queued;
    struct axn_waker *next_deferred; /* the stack's list of wakers to run */
    bool running;                    /* `wake` is being called now */
};

/* ---- Calls ------------------------------------------------------------- */

struct axn_socket;

/*
 * socket(2): AF_INET with SOCK_DGRAM (UDP, or ICMP "ping" sockets with
 * IPPROTO_ICMP), SOCK_RAW (any protocol but 0), and the families and types
 * later issues add. -EAFNOSUPPORT, -ESOCKTNOSUPPORT / -EPROTONOSUPPORT as
 * Linux picks them, -EINVAL for unknown type flags, -ENOMEM.
 */
int axn_socket(struct axn_stack *st, int domain, int type, int protocol, struct axn_socket **out);
/* close(2). Queued output is still sent (a datagram sent just before close
 * leaves). The handle is invalid afterwards. With SO_LINGER on and a
 * nonzero l_linger (seconds; negative: no limit), a TCP close first waits
 * until its FIN is acknowledged or the time passed, as Linux does, even on
 * a non-blocking socket (on a port that cannot block it does not wait);
 * it returns 0 either way. */
int axn_close(struct axn_socket *s);

int axn_bind(struct axn_socket *s, const struct axn_sockaddr *addr, axn_socklen_t addrlen);
int axn_connect(struct axn_socket *s, const struct axn_sockaddr *addr, axn_socklen_t addrlen);
int axn_listen(struct axn_socket *s, int backlog);
/* `flags`: AXN_SOCK_NONBLOCK / AXN_SOCK_CLOEXEC for the new socket. */
int axn_accept(struct axn_socket *s, struct axn_sockaddr *addr, axn_socklen_t *addrlen, int flags,
               struct axn_socket **out);
int axn_shutdown(struct axn_socket *s, int how);

/* Byte counts, or a negative errno. */
long axn_send(struct axn_socket *s, const void *buf, size_t len, int flags);
long axn_sendto(struct axn_socket *s, const void *buf, size_t len, int flags,
                const struct axn_sockaddr *to, axn_socklen_t tolen);
long axn_sendmsg(struct axn_socket *s, const struct axn_msghdr *msg, int flags);
long axn_recv(struct axn_socket *s, void *buf, size_t len, int flags);
long axn_recvfrom(struct axn_socket *s, void *buf, size_t len, int flags, struct axn_sockaddr *from,
                  axn_socklen_t *fromlen);
long axn_recvmsg(struct axn_socket *s, struct axn_msghdr *msg, int flags);

/* *addrlen: in, the room at addr; out, the full length (truncated copy as
 * on Linux). */
int axn_getsockname(struct axn_socket *s, struct axn_sockaddr *addr, axn_socklen_t *addrlen);
int axn_getpeername(struct axn_socket *s, struct axn_sockaddr *addr, axn_socklen_t *addrlen);

int axn_setsockopt(struct axn_socket *s, int level, int optname, const void *optval,
                   axn_socklen_t optlen);
int axn_getsockopt(struct axn_socket *s, int level, int optname, void *optval,
                   axn_socklen_t *optlen);

/* FIONREAD, FIONBIO, SIOCOUTQ; `arg` points at an int. -ENOTTY otherwise. */
int axn_ioctl(struct axn_socket *s, unsigned long request, void *arg);
/* O_NONBLOCK (fcntl F_SETFL). */
int axn_socket_set_nonblock(struct axn_socket *s, bool nonblock);
bool axn_socket_nonblock(const struct axn_socket *s);

/* The AXN_POLL* events true now. */
unsigned axn_socket_poll(struct axn_socket *s);
/* Registers `w` (not already registered) and returns the events true now. */
unsigned axn_socket_add_waker(struct axn_socket *s, struct axn_waker *w);
/* Unregisters `w`; after return, `wake` is not running and will not run.
 * It waits for a call in flight on another thread, so it must not be
 * called from `w`'s own wake callback (other wakers' are fine). Closing a
 * socket unregisters its wakers the same way. */
void axn_socket_remove_waker(struct axn_socket *s, struct axn_waker *w);

#ifdef __cplusplus
}
#endif

#endif /* AXNET_SOCKET_H */
