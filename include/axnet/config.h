/*
 * Every tunable of axnet, in one place.
 *
 * Each value is a default: a porter overrides any of them by defining it on
 * the compiler command line (-DAXN_ARP_QUEUE_LEN=64) or in a header named by
 * AXN_CONFIG_USER_HEADER, which is included first:
 *
 *     -DAXN_CONFIG_USER_HEADER='"my_axnet_config.h"'
 *
 * Defaults follow ax-net (spec §14.1) unless a comment says why not.
 */
#ifndef AXNET_CONFIG_H
#define AXNET_CONFIG_H

#ifdef AXN_CONFIG_USER_HEADER
#include AXN_CONFIG_USER_HEADER
#endif

/* ---- Links and frames -------------------------------------------------- */

/* IP MTU of an Ethernet interface (spec STANDARD_MTU). */
#ifndef AXN_ETH_MTU
#define AXN_ETH_MTU 1500
#endif

/* Largest frame a segmentation-offload device may be handed (TSO/GSO). */
#ifndef AXN_GSO_MAX_SIZE
#define AXN_GSO_MAX_SIZE 65536
#endif

/* TCP hands IPv4 segments of up to AXN_GSO_MAX_SIZE, cut to the path MTU
 * by the stack itself (software GSO, src/ip/ip4_gso.c), even when the
 * device has no TSO: one TCP output pass per 64 KiB instead of per MSS.
 * 0: off (segments of one MSS unless the device segments). */
#ifndef AXN_TCP_SW_GSO
#define AXN_TCP_SW_GSO 0
#endif

/* Large-frame lanes of the router's queues (lib/pktq.h), each buffer
 * AXN_GSO_MAX_SIZE bytes: per TSO device's TX queue, per LRO device's RX
 * batch, and the shared RX queue once an LRO device is attached. Memory
 * is bounded by their sum: 64 KiB x (4 + 4) per device + 64 KiB x 8. */
#ifndef AXN_GSO_TX_BIG_SLOTS
#define AXN_GSO_TX_BIG_SLOTS 4
#endif
#ifndef AXN_LRO_RX_BIG_SLOTS
#define AXN_LRO_RX_BIG_SLOTS 4
#endif
#ifndef AXN_LRO_RXQ_BIG_SLOTS
#define AXN_LRO_RXQ_BIG_SLOTS 8
#endif

/* ---- Wire parsers (bounds against hostile input) ----------------------- */

/* Most IPv6 extension headers walked before the chain is rejected. */
#ifndef AXN_IP6_MAX_EXT_HEADERS
#define AXN_IP6_MAX_EXT_HEADERS 8
#endif

/* Most compression pointers followed while reading one DNS name. */
#ifndef AXN_DNS_MAX_POINTER_HOPS
#define AXN_DNS_MAX_POINTER_HOPS 16
#endif

/* Most NDP options parsed from one ICMPv6 neighbour-discovery message. */
#ifndef AXN_NDP_MAX_OPTIONS
#define AXN_NDP_MAX_OPTIONS 16
#endif

/* Most SACK blocks kept from one TCP header (RFC 2018: at most 4 fit). */
#ifndef AXN_TCP_MAX_SACK_BLOCKS
#define AXN_TCP_MAX_SACK_BLOCKS 4
#endif

/* Most DHCP options kept by the parser (the rest are counted and skipped). */
#ifndef AXN_DHCP_MAX_OPTIONS
#define AXN_DHCP_MAX_OPTIONS 64
#endif

/* Most DNS servers a DHCP reply may name that we keep. */
#ifndef AXN_DHCP_MAX_DNS
#define AXN_DHCP_MAX_DNS 4
#endif

/* Most resource records of one DNS section the parser walks. */
#ifndef AXN_DNS_MAX_RECORDS
#define AXN_DNS_MAX_RECORDS 64
#endif

/* ---- Devices and the router (spec §14.1) ------------------------------- */

#ifndef AXN_ETH_PENDING_PACKETS
#define AXN_ETH_PENDING_PACKETS 128
#endif

#ifndef AXN_DEVICE_RX_QUEUE_LEN
#define AXN_DEVICE_RX_QUEUE_LEN 256
#endif

#ifndef AXN_DEVICE_TX_QUEUE_LEN
#define AXN_DEVICE_TX_QUEUE_LEN 128
#endif

/* Neighbour entry lifetime, seconds (spec NEIGHBOR_TTL). */
#ifndef AXN_ARP_NEIGHBOR_TTL_S
#define AXN_ARP_NEIGHBOR_TTL_S 300
#endif

/* Minimum gap between two ARP requests for one address, ms. */
#ifndef AXN_ARP_REQUEST_RETRY_MS
#define AXN_ARP_REQUEST_RETRY_MS 1000
#endif

/* ---- Simulated wire (hosted driver) ------------------------------------ */

/* Most frames in flight on one simulated wire before new ones are dropped. */
#ifndef AXN_SIM_MAX_IN_FLIGHT
#define AXN_SIM_MAX_IN_FLIGHT 4096
#endif

/* Most frames queued for reception on one simulated port. */
#ifndef AXN_SIM_PORT_RX_QUEUE_LEN
#define AXN_SIM_PORT_RX_QUEUE_LEN 512
#endif

/* Most ports on one simulated wire (switch). */
#ifndef AXN_SIM_MAX_PORTS
#define AXN_SIM_MAX_PORTS 16
#endif

/* ---- Logging ------------------------------------------------------------ */

/* Longest formatted log line handed to the platform; longer lines are cut. */
#ifndef AXN_LOG_LINE_MAX
#define AXN_LOG_LINE_MAX 256
#endif

/* ---- Control plane ------------------------------------------------------ */

/* Static DNS servers one interface configuration may carry. */
#ifndef AXN_IFACE_MAX_DNS
#define AXN_IFACE_MAX_DNS 4
#endif

/* Stack-wide fallback DNS servers. */
#ifndef AXN_MAX_FALLBACK_DNS
#define AXN_MAX_FALLBACK_DNS 4
#endif

/* Metric of an Ethernet interface with none configured (spec §14.1). */
#ifndef AXN_DEFAULT_ETH_METRIC
#define AXN_DEFAULT_ETH_METRIC 100
#endif

/* ---- Route table -------------------------------------------------------- */

/* Most IPv4 routes the table holds; adding one more fails with -ENOSPC. */
#ifndef AXN_ROUTE_TABLE_MAX
#define AXN_ROUTE_TABLE_MAX 64
#endif

/* Most devices one stack holds at once, loopback included. */
#ifndef AXN_MAX_DEVICES
#define AXN_MAX_DEVICES 16
#endif

/* Packets an RX worker moves from its device per round (spec §14.1). */
#ifndef AXN_DEVICE_RX_BATCH
#define AXN_DEVICE_RX_BATCH 16
#endif

/* How often a device with no wake source is polled, ms (spec: 10 ms). */
#ifndef AXN_DEVICE_IDLE_POLL_MS
#define AXN_DEVICE_IDLE_POLL_MS 10
#endif

/* Bytes of one packet slot in the router's queues: an IP packet of the
 * largest MTU a device may have. */
#ifndef AXN_PKT_SLOT_SIZE
#define AXN_PKT_SLOT_SIZE 1500
#endif

/* Loopback fast-path queue (packets looped within one poll). */
#ifndef AXN_LOOPBACK_QUEUE_LEN
#define AXN_LOOPBACK_QUEUE_LEN 64
#endif

/* ARP: packets waiting for one next hop, at most (ax-net has no bound). */
#ifndef AXN_ARP_PENDING_PER_HOP
#define AXN_ARP_PENDING_PER_HOP 16
#endif

/* ARP: a packet waiting for resolution longer than this is dropped, ms. */
#ifndef AXN_ARP_PENDING_MAX_AGE_MS
#define AXN_ARP_PENDING_MAX_AGE_MS 3000
#endif

/* ARP: requests sent for one address before resolution fails (Linux
 * mcast_solicit = 3). */
#ifndef AXN_ARP_MAX_REQUESTS
#define AXN_ARP_MAX_REQUESTS 3
#endif

/* ARP: neighbours one device remembers (oldest replaced first). */
#ifndef AXN_ARP_CACHE_SIZE
#define AXN_ARP_CACHE_SIZE 64
#endif

/* Bytes of a dropped packet kept in an unreachable report for the protocol
 * core: the start of the IP packet, as an ICMP error quotes it (RFC 792:
 * IP header plus 8 bytes; RFC 1812 4.3.2.3: more is better). 128 holds a
 * 60-byte IPv4 header with options and a 60-byte TCP header. */
#ifndef AXN_UNREACH_REPORT_BYTES
#define AXN_UNREACH_REPORT_BYTES 128
#endif

/* Unreachable reports waiting for the protocol core; more are dropped and
 * counted (axn_stack_stats.unreach_reports_dropped). One report is enough
 * to fail a socket, so this need not hold a whole pending ARP queue. */
#ifndef AXN_UNREACH_QUEUE_LEN
#define AXN_UNREACH_QUEUE_LEN 32
#endif

/* ---- Simulated wire: switch internals (hosted driver) ------------------ */

/* Most frames waiting for serialisation on one bandwidth-limited sim port. */
#ifndef AXN_SIM_EGRESS_QUEUE_LEN
#define AXN_SIM_EGRESS_QUEUE_LEN 256
#endif

/* Most MAC addresses the simulated switch learns; the stalest is replaced. */
#ifndef AXN_SIM_MAC_TABLE_LEN
#define AXN_SIM_MAC_TABLE_LEN 64
#endif

/* ---- Logging: compile-time ceiling ------------------------------------ */

/* Highest log level compiled in (0 error .. 4 trace, as enum axn_log_level);
 * lines above it vanish at compile time, arguments unevaluated. */
#ifndef AXN_LOG_COMPILE_MAX
#define AXN_LOG_COMPILE_MAX 4
#endif

/* ---- NDP (wire/ndp.h) ------------------------------------------------- */

/* Prefix-information options kept from one router advertisement; further
 * ones are counted (axn_ndp.prefix_dropped), not stored. */
#ifndef AXN_NDP_MAX_PREFIXES
#define AXN_NDP_MAX_PREFIXES 4
#endif

/* DNS registry entries, all interfaces and sources together. */
#ifndef AXN_MAX_DNS_ENTRIES
#define AXN_MAX_DNS_ENTRIES 32
#endif

/* IP MTU of `lo`. LO-1/CTL-14 say 1500 (ax-net), which we follow so both
 * stacks agree; Linux gives lo 65536. */
#ifndef AXN_LOOPBACK_MTU
#define AXN_LOOPBACK_MTU 1500
#endif

/* Deliver-then-poll rounds one stack poll runs while loopback traffic
 * keeps producing more (RT-21); what is left waits for an immediate next
 * poll, so a loopback ping-pong cannot hold the core lock forever. */
#ifndef AXN_POLL_MAX_ROUNDS
#define AXN_POLL_MAX_ROUNDS 16
#endif

/* ---- IPv4 and ICMPv4 (src/ip/) ----------------------------------------- */

/* TTL of the packets the stack originates (Linux net.ipv4.ip_default_ttl). */
#ifndef AXN_IP4_DEFAULT_TTL
#define AXN_IP4_DEFAULT_TTL 64
#endif

/* Transport protocols that can register an input or ICMP-error handler
 * with the IPv4 layer (UDP, raw, TCP, ...); ICMP itself is built in. */
#ifndef AXN_IP4_MAX_PROTO_HANDLERS
#define AXN_IP4_MAX_PROTO_HANDLERS 8
#endif

/* IP ID counters, each shared by the destinations that hash to it (as
 * Linux's ip_idents): a destination sees its own sequence, never one
 * global counter (RFC 6864, RFC 7739). */
#ifndef AXN_IP4_ID_BUCKETS
#define AXN_IP4_ID_BUCKETS 256
#endif

/* ICMP error rate limit, one token bucket for the stack (Linux
 * net.ipv4.icmp_msgs_per_sec and icmp_msgs_burst). */
#ifndef AXN_ICMP_MSGS_PER_SEC
#define AXN_ICMP_MSGS_PER_SEC 1000
#endif
#ifndef AXN_ICMP_MSGS_BURST
#define AXN_ICMP_MSGS_BURST 50
#endif

/* Largest ICMP error, IP header included (Linux: 576, the minimum
 * datagram every host accepts, RFC 1812 4.3.2.3). */
#ifndef AXN_ICMP_ERROR_MAX
#define AXN_ICMP_ERROR_MAX 576
#endif

/* Echo requests to a broadcast or multicast address are ignored (Linux
 * net.ipv4.icmp_echo_ignore_broadcasts = 1, against smurf attacks); the
 * starting value of a per-stack switch. */
#ifndef AXN_ICMP_ECHO_IGNORE_BROADCASTS
#define AXN_ICMP_ECHO_IGNORE_BROADCASTS 1
#endif

/* ---- IPv4 fragment reassembly (src/ip/ip4_reasm.h) ------------------- */

/* Datagrams reassembled at once; a fragment of one more is dropped and
 * counted. The slot table is allocated at init (about 120 bytes a slot)
 * and searched linearly, so keep this small. */
#ifndef AXN_IP4_REASM_MAX_DATAGRAMS
#define AXN_IP4_REASM_MAX_DATAGRAMS 64
#endif

/* Bytes buffered over all datagrams in reassembly: fragment data plus the
 * bookkeeping of each fragment (16 bytes on 64-bit). 256 KiB holds three
 * maximal 64 KiB datagrams at once, or about 175 full-MTU fragments.
 * Linux's net.ipv4.ipfrag_high_thresh is 4 MiB, sized for servers; the
 * kernels and unikernels axnet targets have less to give to an attacker
 * who sends first fragments only. */
#ifndef AXN_IP4_REASM_MAX_BYTES
#define AXN_IP4_REASM_MAX_BYTES (256u * 1024u)
#endif

/* Fragments one datagram may be made of; one more drops the datagram and
 * counts it (over_limit). Bounds the per-fragment walk of the sorted list
 * an attacker could otherwise make 8191 long. 65535 bytes at MTU 576 are
 * at most 128 fragments; 256 leaves room for fragments split again on a
 * smaller path. FreeBSD's net.inet.ip.maxfragsperpacket is 16. */
#ifndef AXN_IP4_REASM_MAX_FRAGS
#define AXN_IP4_REASM_MAX_FRAGS 256
#endif

/* A datagram not complete this long after its first fragment came is
 * dropped, ms. RFC 1122 3.3.2 suggests 60-120 s; we follow Linux
 * net.ipv4.ipfrag_time (30 s): on today's links a fragment later than
 * that is lost, and a shorter hold frees memory sooner under attack. */
#ifndef AXN_IP4_REASM_TIMEOUT_MS
#define AXN_IP4_REASM_TIMEOUT_MS 30000
#endif

/* ---- Wi-Fi control (include/axnet/wifi.h, CTL-27) --------------------- */

/* Wi-Fi control handles one stack keeps, one per interface name; ax-net's
 * list is unbounded, but a system has few Wi-Fi NICs. */
#ifndef AXN_MAX_WIFI_CONTROLS
#define AXN_MAX_WIFI_CONTROLS 4
#endif

/* ---- UDP (src/udp/udp.h) ------------------------------------------------ */

/* Ephemeral ports for bind(port 0) and autobind, drawn per RFC 6056 3.3.1
 * (a random start each time, then the first free one). The IANA dynamic
 * range (RFC 6335) as the issue asks; Linux's ip_local_port_range default
 * is 32768..60999. */
#ifndef AXN_UDP_EPHEMERAL_MIN
#define AXN_UDP_EPHEMERAL_MIN 49152
#endif
#ifndef AXN_UDP_EPHEMERAL_MAX
#define AXN_UDP_EPHEMERAL_MAX 65535
#endif

/* Chains of the bound-port hash table (a power of two), allocated with
 * the UDP layer: 8 bytes each. */
#ifndef AXN_UDP_PORT_BUCKETS
#define AXN_UDP_PORT_BUCKETS 256
#endif

/* Bytes a queued datagram is charged against SO_RCVBUF on top of its
 * payload, as Linux charges an skb's truesize; bounds how many tiny
 * datagrams a receive buffer holds. */
#ifndef AXN_UDP_TRUESIZE_OVERHEAD
#define AXN_UDP_TRUESIZE_OVERHEAD 256
#endif

/* ---- Socket layer (src/sock/) -------------------------------------------- */

/* Most iovecs in one sendmsg/recvmsg; more is -EMSGSIZE (Linux UIO_MAXIOV). */
#ifndef AXN_SOCK_MAX_IOV
#define AXN_SOCK_MAX_IOV 1024
#endif

/* IP_ADD_MEMBERSHIP groups one socket may join; one more is -ENOBUFS
 * (Linux net.ipv4.igmp_max_memberships). */
#ifndef AXN_SOCK_MAX_MEMBERSHIPS
#define AXN_SOCK_MAX_MEMBERSHIPS 20
#endif

/* Largest SO_RCVBUF / SO_SNDBUF a socket may ask for, before Linux's
 * doubling (net.core.rmem_max / wmem_max); the *BUFFORCE options pass it. */
#ifndef AXN_SOCK_RMEM_MAX
#define AXN_SOCK_RMEM_MAX 212992
#endif
#ifndef AXN_SOCK_WMEM_MAX
#define AXN_SOCK_WMEM_MAX 212992
#endif

/* SO_RCVBUF / SO_SNDBUF of a new socket, as getsockopt reports them
 * (net.core.rmem_default / wmem_default). */
#ifndef AXN_SOCK_RCVBUF_DEFAULT
#define AXN_SOCK_RCVBUF_DEFAULT 212992
#endif
#ifndef AXN_SOCK_SNDBUF_DEFAULT
#define AXN_SOCK_SNDBUF_DEFAULT 212992
#endif

/* Transports a stack may add at run time (axn_sock_layer_add_proto), on
 * top of the built-in table (sock_families.c). */
#ifndef AXN_SOCK_MAX_EXTRA_PROTOS
#define AXN_SOCK_MAX_EXTRA_PROTOS 4
#endif

/* ---- ICMPv4 rate limits (src/ip/icmp4_rate.h) ---------------------------- */

/* ICMP types that are rate limited at all, bit n for type n (Linux
 * net.ipv4.icmp_ratemask, default 0x1818: destination unreachable,
 * source quench, time exceeded, parameter problem). Set bit 0 to limit
 * echo replies too. "Fragmentation needed" is never limited. */
#ifndef AXN_ICMP4_RATEMASK
#define AXN_ICMP4_RATEMASK 0x1818
#endif

/* Per destination host: one limited message per this many ms, after a
 * burst of six (Linux net.ipv4.icmp_ratelimit, inet_peer_xrlim_allow). */
#ifndef AXN_ICMP4_RATELIMIT_MS
#define AXN_ICMP4_RATELIMIT_MS 1000
#endif

/* Destination hosts whose buckets are kept (Linux keeps them in the
 * inet_peer tree); one more replaces the least recently used. About 24
 * bytes each, inside the IPv4 layer. */
#ifndef AXN_ICMP4_RATE_PEERS
#define AXN_ICMP4_RATE_PEERS 64
#endif

/* IPv4 path MTU discovery (RFC 1191, src/ip/ip4_pmtu.c): destinations
 * whose learned path MTU is remembered (the least recently used one is
 * replaced); how long one is kept before probing the larger MTU again
 * (Linux net.ipv4.route.mtu_expires, 10 minutes); and the smallest MTU
 * believed (Linux net.ipv4.route.min_pmtu): a smaller one is raised to it
 * and datagrams to that destination then go without DF. */
#ifndef AXN_IP4_PMTU_ENTRIES
#define AXN_IP4_PMTU_ENTRIES 64
#endif
#ifndef AXN_IP4_PMTU_EXPIRE_MS
#define AXN_IP4_PMTU_EXPIRE_MS 600000
#endif
#ifndef AXN_IP4_PMTU_MIN
#define AXN_IP4_PMTU_MIN 552
#endif

/* ---- TCP building blocks (src/tcp/) ------------------------------------- */

/* Ephemeral ports for connect() (src/tcp/tcp_port.c, RFC 6056 3.3.4): the
 * IANA dynamic range (RFC 6335), as for UDP; Linux's ip_local_port_range
 * default is 32768..60999. */
#ifndef AXN_TCP_EPHEMERAL_MIN
#define AXN_TCP_EPHEMERAL_MIN 49152
#endif
#ifndef AXN_TCP_EPHEMERAL_MAX
#define AXN_TCP_EPHEMERAL_MAX 65535
#endif

/* RFC 6056 3.3.4 TABLE_LENGTH: per-bucket increments of the double-hash
 * port selection, 4 bytes each. More buckets make destinations that share
 * one less likely (the RFC suggests 10; Linux uses 65536). */
#ifndef AXN_TCP_PORT_TABLE
#define AXN_TCP_PORT_TABLE 256
#endif

/* Most candidate ports tried by one connect() before -AXN_EADDRNOTAVAIL;
 * the default covers the whole default range, as Linux scans all of it.
 * Lower it to bound the time connect() may spend with a full range. */
#ifndef AXN_TCP_PORT_MAX_PROBES
#define AXN_TCP_PORT_MAX_PROBES 16384
#endif

/* ---- TCP (src/tcp/, RFC 9293) ---------------------------------------------- */

/* Maximum segment lifetime (RFC 9293 3.4.2); TIME-WAIT lasts 2 x MSL.
 * Linux's effective TIME-WAIT is 60 s (TCP_TIMEWAIT_LEN), so MSL 30 s. */
#ifndef AXN_TCP_MSL_MS
#define AXN_TCP_MSL_MS 30000
#endif
/* RFC 6298 2.1/2.4: initial RTO 1 s; Linux TCP_RTO_MIN 200 ms (RFC 6298
 * says 1 s, Linux and most stacks use 200 ms) and TCP_RTO_MAX 120 s. */
#ifndef AXN_TCP_RTO_INITIAL_MS
#define AXN_TCP_RTO_INITIAL_MS 1000
#endif
#ifndef AXN_TCP_RTO_MIN_MS
#define AXN_TCP_RTO_MIN_MS 200
#endif
#ifndef AXN_TCP_RTO_MAX_MS
#define AXN_TCP_RTO_MAX_MS 120000
#endif
/* RFC 6298 5.7: an RTO that fired during the handshake leaves 3 s for
 * data (Linux TCP_TIMEOUT_FALLBACK). */
#ifndef AXN_TCP_RTO_FALLBACK_MS
#define AXN_TCP_RTO_FALLBACK_MS 3000
#endif
/* Retransmissions before giving up (Linux net.ipv4.tcp_syn_retries,
 * tcp_synack_retries, tcp_retries2). */
#ifndef AXN_TCP_SYN_RETRIES
#define AXN_TCP_SYN_RETRIES 6
#endif
#ifndef AXN_TCP_SYNACK_RETRIES
#define AXN_TCP_SYNACK_RETRIES 5
#endif
#ifndef AXN_TCP_RETRIES2
#define AXN_TCP_RETRIES2 15
#endif
/* Delayed ACKs (RFC 1122 4.2.3.2, RFC 5681 4.2): Linux TCP_DELACK_MIN
 * 40 ms and TCP_DELACK_MAX 200 ms; an ACK is due at least every second
 * full-sized segment. The quick-ACK count after start or out-of-order
 * (Linux TCP_MAX_QUICKACKS). */
#ifndef AXN_TCP_DELACK_MIN_MS
#define AXN_TCP_DELACK_MIN_MS 40
#endif
#ifndef AXN_TCP_DELACK_MAX_MS
#define AXN_TCP_DELACK_MAX_MS 200
#endif
#ifndef AXN_TCP_QUICKACKS
#define AXN_TCP_QUICKACKS 16
#endif
/* MSS (RFC 9293 3.7.1): the default when the peer sends no option
 * (RFC 9293 3.7.1: 536 for IPv4) and the smallest accepted (Linux
 * TCP_MIN_SND_MSS 48 plus headers; tcp_min_snd_mss default 48). */
#ifndef AXN_TCP_DEFAULT_MSS
#define AXN_TCP_DEFAULT_MSS 536
#endif
#ifndef AXN_TCP_MIN_MSS
#define AXN_TCP_MIN_MSS 48
#endif
/* RFC 6928: initial window of 10 segments (Linux TCP_INIT_CWND). */
#ifndef AXN_TCP_INIT_CWND
#define AXN_TCP_INIT_CWND 10
#endif
/* RFC 5681 3.2: fast retransmit on the third duplicate ACK. */
#ifndef AXN_TCP_DUPACK_THRESH
#define AXN_TCP_DUPACK_THRESH 3
#endif
/* Socket buffers (Linux net.ipv4.tcp_rmem / tcp_wmem middle values: the
 * defaults getsockopt reports) and the most SO_RCVBUF/SO_SNDBUF may ask
 * (net.core.rmem_max / wmem_max, 212992; the facade doubles it). */
#ifndef AXN_TCP_RCVBUF_DEFAULT
#define AXN_TCP_RCVBUF_DEFAULT 131072
#endif
#ifndef AXN_TCP_SNDBUF_DEFAULT
#define AXN_TCP_SNDBUF_DEFAULT 16384
#endif
/* Out-of-order data kept (RFC 9293 3.10.7.4 "should be held"): ranges of
 * the receive ring past RCV.NXT; more ranges than this drop the newest. */
#ifndef AXN_TCP_OOO_RANGES
#define AXN_TCP_OOO_RANGES 8
#endif
/* SACKed ranges the sender's scoreboard keeps per connection (RFC 6675
 * 3); when full the smallest is forgotten, which only costs a needless
 * retransmission. 8 bytes each. */
#ifndef AXN_TCP_SACK_SB_RANGES
#define AXN_TCP_SACK_SB_RANGES 8
#endif
/* listen() backlog ceiling (Linux net.core.somaxconn) and the SYN queue
 * bound per listener (Linux tcp_max_syn_backlog default). */
#ifndef AXN_TCP_SOMAXCONN
#define AXN_TCP_SOMAXCONN 4096
#endif
#ifndef AXN_TCP_MAX_SYN_BACKLOG
#define AXN_TCP_MAX_SYN_BACKLOG 128
#endif
/* Keep-alive defaults (tcp(7): tcp_keepalive_time 7200 s, _intvl 75 s,
 * _probes 9). */
#ifndef AXN_TCP_KEEPIDLE_S
#define AXN_TCP_KEEPIDLE_S 7200
#endif
#ifndef AXN_TCP_KEEPINTVL_S
#define AXN_TCP_KEEPINTVL_S 75
#endif
#ifndef AXN_TCP_KEEPCNT_DEFAULT
#define AXN_TCP_KEEPCNT_DEFAULT 9
#endif
/* FIN-WAIT-2 of an orphan (tcp(7) tcp_fin_timeout, 60 s) and how many
 * orphans a stack keeps (tcp_max_orphans spirit; Linux scales it with
 * memory). */
#ifndef AXN_TCP_FIN_TIMEOUT_S
#define AXN_TCP_FIN_TIMEOUT_S 60
#endif
#ifndef AXN_TCP_MAX_ORPHANS
#define AXN_TCP_MAX_ORPHANS 4096
#endif
/* TIME-WAIT connections a stack keeps (Linux tcp_max_tw_buckets, counted
 * apart from the orphans as Linux does). Over it a connection closes at
 * once instead of waiting (TCPTimeWaitOverflow). Each costs only its
 * struct axn_tcp_conn: its rings are freed on entering TIME-WAIT. */
#ifndef AXN_TCP_MAX_TW
#define AXN_TCP_MAX_TW 4096
#endif
/* RFC 5961 7: challenge ACKs sent per second, stack-wide (Linux
 * tcp_challenge_ack_limit was 1000 before it went per-socket). */
#ifndef AXN_TCP_CHALLENGE_ACK_LIMIT
#define AXN_TCP_CHALLENGE_ACK_LIMIT 1000
#endif
/* Persist timer (RFC 9293 3.8.6.1): zero-window probes back off from the
 * RTO to at most this (Linux TCP_RTO_MAX). */
#ifndef AXN_TCP_PERSIST_MAX_MS
#define AXN_TCP_PERSIST_MAX_MS 120000
#endif
/* Out-of-window segments without data (pure ACKs, SYNs) get at most one
 * duplicate ACK in this time per connection (Linux tcp_invalid_ratelimit,
 * 500 ms; RFC 5961 10 asks for such a limit against ACK loops). */
#ifndef AXN_TCP_INVALID_RATELIMIT_MS
#define AXN_TCP_INVALID_RATELIMIT_MS 500
#endif
/* Retransmissions of an orphan (closed by its socket) before it gives
 * up: Linux tcp_orphan_retries with sysctl tcp_orphan_retries 0, "8
 * corresponds to >100 seconds with minimal RTO of 200msec". */
#ifndef AXN_TCP_ORPHAN_RETRIES
#define AXN_TCP_ORPHAN_RETRIES 8
#endif
/* Connection lookup hash buckets per stack (a power of two). */
#ifndef AXN_TCP_HASH_BUCKETS
#define AXN_TCP_HASH_BUCKETS 1024
#endif
/* Buckets of the bound-port table (tcp_table.c), by local port, a power
 * of two: each of the two lists (bind/listen owners with their accepted
 * children; connect's ports) costs a pointer per bucket in every stack. */
#ifndef AXN_TCP_BIND_BUCKETS
#define AXN_TCP_BIND_BUCKETS 512
#endif
/* ---- TCP part 2: options, SACK, congestion control, memory -------------- */
/* net.ipv4.tcp_congestion_control of a new stack (RFC 9438 CUBIC). */
#ifndef AXN_TCP_CC_DEFAULT
#define AXN_TCP_CC_DEFAULT "cubic"
#endif
/* RFC 9438 4.1 / 5: CUBIC's C = 0.4 (segments per second cubed) and
 * beta_cubic = 0.7, in thousandths; fast convergence (4.7) on. */
#ifndef AXN_TCP_CUBIC_C_X1000
#define AXN_TCP_CUBIC_C_X1000 400
#endif
#ifndef AXN_TCP_CUBIC_BETA_X1000
#define AXN_TCP_CUBIC_BETA_X1000 700
#endif
#ifndef AXN_TCP_CUBIC_FAST_CONVERGENCE
#define AXN_TCP_CUBIC_FAST_CONVERGENCE 1
#endif
/* RFC 9406 4.3 HyStart++ constants (its recommended values): RTT
 * threshold clamp, its divisor, samples per round before deciding,
 * Conservative Slow Start growth divisor and length, and L, the most one
 * ACK may grow cwnd by in slow start (segments; 8 without pacing). */
#ifndef AXN_TCP_HYSTART_MIN_RTT_THRESH_US
#define AXN_TCP_HYSTART_MIN_RTT_THRESH_US 4000
#endif
#ifndef AXN_TCP_HYSTART_MAX_RTT_THRESH_US
#define AXN_TCP_HYSTART_MAX_RTT_THRESH_US 16000
#endif
#ifndef AXN_TCP_HYSTART_MIN_RTT_DIVISOR
#define AXN_TCP_HYSTART_MIN_RTT_DIVISOR 8
#endif
#ifndef AXN_TCP_HYSTART_N_RTT_SAMPLE
#define AXN_TCP_HYSTART_N_RTT_SAMPLE 8
#endif
#ifndef AXN_TCP_HYSTART_CSS_GROWTH_DIVISOR
#define AXN_TCP_HYSTART_CSS_GROWTH_DIVISOR 4
#endif
#ifndef AXN_TCP_HYSTART_CSS_ROUNDS
#define AXN_TCP_HYSTART_CSS_ROUNDS 5
#endif
#ifndef AXN_TCP_HYSTART_L_SEGS
#define AXN_TCP_HYSTART_L_SEGS 8
#endif
/* net.ipv4.tcp_rmem / tcp_wmem: min, default, max (Linux's defaults:
 * 4096 131072 6291456 and 4096 16384 4194304). Auto-tuning grows a
 * connection's buffer from the default up to the max. */
#ifndef AXN_TCP_RMEM_MIN
#define AXN_TCP_RMEM_MIN 4096
#endif
#ifndef AXN_TCP_RMEM_MAX
#define AXN_TCP_RMEM_MAX 6291456
#endif
#ifndef AXN_TCP_WMEM_MIN
#define AXN_TCP_WMEM_MIN 4096
#endif
#ifndef AXN_TCP_WMEM_MAX
#define AXN_TCP_WMEM_MAX 4194304
#endif
/* Lazy rings (src/tcp/tcp_buf.c): a ring is allocated when data first
 * needs it, at least this many bytes, and grows by doubling up to the
 * buffer limit; a drained ring goes back to the allocator after
 * AXN_TCP_RING_IDLE_MS (to AXN_TCP_RING_IDLE_MS x 2) without data. */
#ifndef AXN_TCP_RING_FIRST
#define AXN_TCP_RING_FIRST 4096
#endif
#ifndef AXN_TCP_RING_IDLE_MS
#define AXN_TCP_RING_IDLE_MS 200
#endif
/* net.ipv4.tcp_syncookies of a new stack (1: when the SYN queue is full). */
#ifndef AXN_TCP_SYNCOOKIES_DEFAULT
#define AXN_TCP_SYNCOOKIES_DEFAULT 1
#endif
/* net.ipv4.tcp_ecn of a new stack (2: accept ECN when the peer asks). */
#ifndef AXN_TCP_ECN_DEFAULT
#define AXN_TCP_ECN_DEFAULT 2
#endif

/* ---- Services: DHCP client and server, DNS resolver (src/svc/) --------- */

/* DHCP-14 bootstrap wait: attempts x poll interval (2 s). */
#ifndef AXN_DHCP_BOOTSTRAP_ATTEMPTS
#define AXN_DHCP_BOOTSTRAP_ATTEMPTS 200
#endif
#ifndef AXN_DHCP_BOOTSTRAP_POLL_MS
#define AXN_DHCP_BOOTSTRAP_POLL_MS 10
#endif
/* RFC 2131 4.1: retransmission 4 s, doubling up to 64 s, each randomised
 * by +-1 s. */
#ifndef AXN_DHCP_RETX_FIRST_MS
#define AXN_DHCP_RETX_FIRST_MS 4000
#endif
#ifndef AXN_DHCP_RETX_MAX_MS
#define AXN_DHCP_RETX_MAX_MS 64000
#endif
#ifndef AXN_DHCP_RETX_JITTER_MS
#define AXN_DHCP_RETX_JITTER_MS 1000
#endif
/* REQUESTs sent for one OFFER (or INIT-REBOOT) before going back to
 * DISCOVER (RFC 2131 3.1.5; ax-net waits forever, DHCP-11). */
#ifndef AXN_DHCP_REQUEST_TRIES
#define AXN_DHCP_REQUEST_TRIES 4
#endif
/* Wait after a NAK or a DECLINE before the next DISCOVER (RFC 2131 3.1.5
 * asks 10 s after a DECLINE). */
#ifndef AXN_DHCP_DECLINE_WAIT_MS
#define AXN_DHCP_DECLINE_WAIT_MS 10000
#endif
/* RENEWING/REBINDING retransmit at half the time left, but not more often
 * than this (RFC 2131 4.4.5: "down to a minimum of 60 seconds"). */
#ifndef AXN_DHCP_RENEW_MIN_MS
#define AXN_DHCP_RENEW_MIN_MS 60000
#endif
/* Shortest lease we take (a shorter one is raised to this). */
#ifndef AXN_DHCP_MIN_LEASE_SECS
#define AXN_DHCP_MIN_LEASE_SECS 10
#endif
/* RFC 5227 2.1.1 address probe. The RFC's values are PROBE_WAIT 1 s,
 * PROBE_NUM 3, PROBE_MIN 1 s, PROBE_MAX 2 s, ANNOUNCE_WAIT 2 s (4-7 s in
 * all); ours are shorter so that a boot finishes inside the DHCP-14 wait
 * of 2 s (dhcpcd-like clients on a LAN see answers in microseconds). Set
 * these to the RFC's for a network with slow or sleepy hosts. PROBE_NUM 0
 * turns the probe off. */
#ifndef AXN_DHCP_PROBE_WAIT_MS
#define AXN_DHCP_PROBE_WAIT_MS 100
#endif
#ifndef AXN_DHCP_PROBE_NUM
#define AXN_DHCP_PROBE_NUM 3
#endif
#ifndef AXN_DHCP_PROBE_MIN_MS
#define AXN_DHCP_PROBE_MIN_MS 200
#endif
#ifndef AXN_DHCP_PROBE_MAX_MS
#define AXN_DHCP_PROBE_MAX_MS 400
#endif
#ifndef AXN_DHCP_ANNOUNCE_WAIT_MS
#define AXN_DHCP_ANNOUNCE_WAIT_MS 500
#endif
/* Option 57 we send: 1500 - 60 (largest IPv4 header) - 8 (UDP), DHCP-3. */
#ifndef AXN_DHCP_MAX_MSG_SIZE
#define AXN_DHCP_MAX_MSG_SIZE 1432
#endif
/* Longest host name (option 12) and domain (option 15) kept, NUL included. */
#ifndef AXN_DHCP_HOSTNAME_MAX
#define AXN_DHCP_HOSTNAME_MAX 64
#endif
#ifndef AXN_DHCP_DOMAIN_MAX
#define AXN_DHCP_DOMAIN_MAX 64
#endif
/* Longest client identifier (option 61) a server keeps. */
#ifndef AXN_DHCP_CLIENT_ID_MAX
#define AXN_DHCP_CLIENT_ID_MAX 32
#endif
/* Server: lease time offered (DHCPS-4: 86400 s) and lease table bound. */
#ifndef AXN_DHCPS_LEASE_SECS
#define AXN_DHCPS_LEASE_SECS 86400
#endif
#ifndef AXN_DHCPS_MAX_LEASES
#define AXN_DHCPS_MAX_LEASES 64
#endif
/* How long an OFFER holds its address for the client, and how long a
 * DECLINEd address stays out of the pool. */
#ifndef AXN_DHCPS_OFFER_HOLD_MS
#define AXN_DHCPS_OFFER_HOLD_MS 60000
#endif
#ifndef AXN_DHCPS_QUARANTINE_MS
#define AXN_DHCPS_QUARANTINE_MS 600000
#endif
/* Most servers (interfaces served) one stack runs. */
#ifndef AXN_DHCPS_MAX_SERVERS
#define AXN_DHCPS_MAX_SERVERS 4
#endif

/* DNS-2: a query's whole deadline. */
#ifndef AXN_DNS_DEFAULT_TIMEOUT_MS
#define AXN_DNS_DEFAULT_TIMEOUT_MS 5000
#endif
/* Per-server: time to wait for an answer, and how many times to ask. */
#ifndef AXN_DNS_SERVER_TIMEOUT_MS
#define AXN_DNS_SERVER_TIMEOUT_MS 1000
#endif
#ifndef AXN_DNS_TRIES
#define AXN_DNS_TRIES 2
#endif
/* CNAME links followed for one name, addresses returned, cached answers. */
#ifndef AXN_DNS_MAX_CNAME
#define AXN_DNS_MAX_CNAME 8
#endif
#ifndef AXN_DNS_MAX_ADDRS
#define AXN_DNS_MAX_ADDRS 8
#endif
#ifndef AXN_DNS_CACHE_ENTRIES
#define AXN_DNS_CACHE_ENTRIES 32
#endif
/* TTLs above this are cut to it in the cache (a day, as many stubs). */
#ifndef AXN_DNS_CACHE_MAX_TTL
#define AXN_DNS_CACHE_MAX_TTL 86400
#endif
/* Negative answers (NXDOMAIN, NODATA) are cached for their SOA's minimum
 * (RFC 2308 5), at most this long; 0 turns negative caching off. */
#ifndef AXN_DNS_NEG_CACHE_MAX_TTL
#define AXN_DNS_NEG_CACHE_MAX_TTL 300
#endif
/* Text of a name: 253 characters and a NUL (no escapes kept). */
#ifndef AXN_DNS_NAME_TEXT_MAX
#define AXN_DNS_NAME_TEXT_MAX 256
#endif
/* Largest answer read over TCP (RFC 1035 4.2.2 allows 65535). */
#ifndef AXN_DNS_TCP_MAX_LEN
#define AXN_DNS_TCP_MAX_LEN 65535
#endif

#endif /* AXNET_CONFIG_H */
