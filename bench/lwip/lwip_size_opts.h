/*
 * Overrides on top of Debian's lwipopts.h for scripts/bench/g_code_size.sh:
 * the lwIP feature sets whose code size lines up with axnet's. The script
 * force-includes Debian's lwipopts.h first and this header second
 * (-include), so lwip/opt.h finds the options already set (lwipopts.h has
 * an include guard) and takes every other default from opt.h.
 *
 *   core  IPv4 only: Debian's options without IPv6 (nor MLD, ICMPv6 and the
 *         6LoWPAN netifs, which need it) and without LWIP_ASSERT; no DHCP,
 *         no DNS (Debian's options have neither). Lines up with axnet's
 *         "core" (src/ without src/svc/).
 *   all   core plus the DHCP client and the DNS resolver (and with it the
 *         sockets API's getaddrinfo/gethostbyname, netdb.c): compile with
 *         -DLWIP_SIZE_SERVICES=1. Lines up with axnet's "all" (src/ with
 *         its DHCP client and server and DNS resolver; lwIP has no DHCP
 *         server).
 */
#ifndef LWIP_SIZE_OPTS_H
#define LWIP_SIZE_OPTS_H

/* axnet is an IPv4 stack: leave IPv6 and what runs over it out. */
#undef LWIP_IPV6
#define LWIP_IPV6 0
#undef LWIP_ICMP6
#define LWIP_ICMP6 0
#undef LWIP_IPV6_MLD
#define LWIP_IPV6_MLD 0

/*
 * axnet has no run-time assertions (errors are return codes), so lwIP's
 * LWIP_ASSERT checks and their message strings go too; LWIP_ERROR checks,
 * which return an error, stay (Debian's cc.h makes them plain checks).
 */
#define LWIP_NOASSERT 1

#if defined(LWIP_SIZE_SERVICES) && LWIP_SIZE_SERVICES
#define LWIP_DHCP 1
#define LWIP_DNS  1
/*
 * Debian's port takes struct sockaddr_in from glibc, which has no sin_len
 * (a BSD and Hurd field), yet netdb.c sets it: store that byte in
 * sin_zero instead, the same one-byte store, so netdb.c builds on Linux.
 */
#define sin_len sin_zero[0]
#endif

#endif /* LWIP_SIZE_OPTS_H */
