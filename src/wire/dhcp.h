/*
 * DHCPv4 messages (RFC 2131) and their options (RFC 2132), carried in the
 * payload of UDP ports 67/68. Follows the conventions of wire/wire.h.
 *
 * Parsing checks the BOOTP header, the magic cookie and the framing of every
 * option area (the options field, then `file` and `sname` when option 52
 * says they are overloaded, RFC 2131 4.1), then decodes the options a DHCP
 * client or server needs into `struct axn_dhcp_msg`. An option that appears
 * several times is one option whose value is the concatenation of the pieces
 * (RFC 3396), so a long or split option decodes like a single one. Any other
 * code is read with the iterator or axn_dhcp_opt_gather().
 *
 * Tolerated: an options area that ends without the end option (255), as long
 * as its last option ends exactly at the end of the area (some relays and
 * old servers trim it); bytes after the end option (they should be pad).
 *
 * Emitting writes the header, the cookie, the decoded fields marked present,
 * raw extra options, the end option, and pads with zeros to the BOOTP
 * minimum of 300 bytes (RFC 1542 2.1), which Linux and embedded clients
 * expect. Emit never overloads `file`/`sname`; a value longer than 255 bytes
 * is split into several options (RFC 3396).
 */
#ifndef AXN_WIRE_DHCP_H
#define AXN_WIRE_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/types.h"
#include "wire/wire.h"

#define AXN_DHCP_SERVER_PORT 67
#define AXN_DHCP_CLIENT_PORT 68

/* RFC 2131 2: the fixed BOOTP part, then the 4-byte magic cookie. */
#define AXN_DHCP_CHADDR_LEN 16
#define AXN_DHCP_SNAME_LEN  64
#define AXN_DHCP_FILE_LEN   128
#define AXN_DHCP_FIXED_LEN  236
#define AXN_DHCP_COOKIE_LEN 4
#define AXN_DHCP_HDR_LEN    (AXN_DHCP_FIXED_LEN + AXN_DHCP_COOKIE_LEN)
/* RFC 2131 3: 99.130.83.99 */
#define AXN_DHCP_MAGIC_COOKIE 0x63825363u
/* RFC 1542 2.1: a BOOTP message is at least 300 bytes. */
#define AXN_DHCP_MIN_LEN 300
/* Largest value of one option (its length octet). */
#define AXN_DHCP_OPT_MAX_LEN 255

/* op (RFC 2131 2) */
#define AXN_DHCP_OP_REQUEST 1
#define AXN_DHCP_OP_REPLY   2
/* htype (RFC 1700 "ARP hardware types") */
#define AXN_DHCP_HTYPE_ETHER 1
/* flags: RFC 2131 2, figure 2 */
#define AXN_DHCP_FLAG_BROADCAST 0x8000u

/* Message types, option 53 (RFC 2132 9.6). */
enum axn_dhcp_msg_type {
    AXN_DHCP_DISCOVER = 1,
    AXN_DHCP_OFFER = 2,
    AXN_DHCP_REQUEST = 3,
    AXN_DHCP_DECLINE = 4,
    AXN_DHCP_ACK = 5,
    AXN_DHCP_NAK = 6,
    AXN_DHCP_RELEASE = 7,
    AXN_DHCP_INFORM = 8,
};

/* Option codes (RFC 2132). */
enum axn_dhcp_opt_code {
    AXN_DHCP_OPT_PAD = 0,
    AXN_DHCP_OPT_SUBNET_MASK = 1,
    AXN_DHCP_OPT_ROUTER = 3,
    AXN_DHCP_OPT_DNS = 6,
    AXN_DHCP_OPT_HOSTNAME = 12,
    AXN_DHCP_OPT_DOMAIN = 15,
    AXN_DHCP_OPT_MTU = 26,
    AXN_DHCP_OPT_BROADCAST = 28,
    AXN_DHCP_OPT_NTP = 42,
    AXN_DHCP_OPT_REQUESTED_IP = 50,
    AXN_DHCP_OPT_LEASE_TIME = 51,
    AXN_DHCP_OPT_OVERLOAD = 52,
    AXN_DHCP_OPT_MSG_TYPE = 53,
    AXN_DHCP_OPT_SERVER_ID = 54,
    AXN_DHCP_OPT_PARAM_LIST = 55,
    AXN_DHCP_OPT_MESSAGE = 56,
    AXN_DHCP_OPT_MAX_MSG_SIZE = 57,
    AXN_DHCP_OPT_T1 = 58,
    AXN_DHCP_OPT_T2 = 59,
    AXN_DHCP_OPT_VENDOR_CLASS = 60,
    AXN_DHCP_OPT_CLIENT_ID = 61,
    AXN_DHCP_OPT_END = 255,
};

/* Values of option 52 (RFC 2132 9.3). */
#define AXN_DHCP_OVERLOAD_FILE  1
#define AXN_DHCP_OVERLOAD_SNAME 2
#define AXN_DHCP_OVERLOAD_BOTH  3

/* Which decoded fields of struct axn_dhcp_msg are present. */
enum axn_dhcp_present {
    AXN_DHCP_HAS_MSG_TYPE = 1u << 0,
    AXN_DHCP_HAS_SUBNET_MASK = 1u << 1,
    AXN_DHCP_HAS_ROUTER = 1u << 2,
    AXN_DHCP_HAS_DNS = 1u << 3,
    AXN_DHCP_HAS_HOSTNAME = 1u << 4,
    AXN_DHCP_HAS_DOMAIN = 1u << 5,
    AXN_DHCP_HAS_MTU = 1u << 6,
    AXN_DHCP_HAS_BROADCAST = 1u << 7,
    AXN_DHCP_HAS_REQUESTED_IP = 1u << 8,
    AXN_DHCP_HAS_LEASE_TIME = 1u << 9,
    AXN_DHCP_HAS_SERVER_ID = 1u << 10,
    AXN_DHCP_HAS_PARAM_LIST = 1u << 11,
    AXN_DHCP_HAS_MAX_MSG_SIZE = 1u << 12,
    AXN_DHCP_HAS_T1 = 1u << 13,
    AXN_DHCP_HAS_T2 = 1u << 14,
    AXN_DHCP_HAS_CLIENT_ID = 1u << 15,
};

/*
 * A variable-length option value (host name, domain, parameter list,
 * client id). `len` is the total over all pieces. When the option came in
 * one piece, `ptr` points at its value in the parsed buffer. When it was
 * split (`split`, RFC 3396), `ptr` points at the first piece only: read the
 * whole value with axn_dhcp_opt_gather(). To emit, set ptr/len, split false.
 */
struct axn_dhcp_bytes {
    const uint8_t *ptr;
    uint16_t len;
    bool split;
};

/* One area of a parsed message that holds options (set by parse). */
struct axn_dhcp_area {
    const uint8_t *ptr;
    uint16_t len;
};

/* Areas in RFC 2131 4.1 reading order: options, then file, then sname. */
#define AXN_DHCP_MAX_AREAS 3

struct axn_dhcp_msg {
    /* BOOTP header (RFC 2131 2). Addresses in host order. */
    uint8_t op;
    uint8_t htype;
    uint8_t hlen;
    uint8_t hops;
    uint32_t xid;
    uint16_t secs;
    uint16_t flags;
    axn_ip4_t ciaddr;
    axn_ip4_t yiaddr;
    axn_ip4_t siaddr;
    axn_ip4_t giaddr;
    uint8_t chaddr[AXN_DHCP_CHADDR_LEN];
    /*
     * The 64-byte sname and 128-byte file fields, or NULL when all zero
     * (emit) or when the field carries overloaded options (parse).
     */
    const uint8_t *sname;
    const uint8_t *file;

    /* Decoded options; a field is meaningful only if its bit is in `present`. */
    uint32_t present;
    uint8_t msg_type;                 /* 53 */
    axn_ip4_t subnet_mask;            /* 1 */
    axn_ip4_t router;                 /* 3: the first router ... */
    uint16_t router_count;            /*    ... and how many the option listed */
    axn_ip4_t dns[AXN_DHCP_MAX_DNS];  /* 6: the first AXN_DHCP_MAX_DNS servers */
    uint8_t dns_count;                /*    how many of dns[] are valid */
    struct axn_dhcp_bytes hostname;   /* 12 */
    struct axn_dhcp_bytes domain;     /* 15 */
    uint16_t mtu;                     /* 26 */
    axn_ip4_t broadcast;              /* 28 */
    axn_ip4_t requested_ip;           /* 50 */
    uint32_t lease_time;              /* 51, seconds */
    axn_ip4_t server_id;              /* 54 */
    struct axn_dhcp_bytes param_list; /* 55 */
    uint16_t max_msg_size;            /* 57 */
    uint32_t t1;                      /* 58, seconds */
    uint32_t t2;                      /* 59, seconds */
    struct axn_dhcp_bytes client_id;  /* 61 */

    /* Parse: option 52 value (0 if absent) and the option areas. */
    uint8_t overload;
    uint8_t n_areas;
    struct axn_dhcp_area areas[AXN_DHCP_MAX_AREAS];

    /*
     * Emit: already-encoded options (code, length, value ...) written
     * verbatim after the decoded fields and before the end option. The
     * caller answers for their framing. Parse sets these to NULL/0.
     */
    const uint8_t *extra;
    size_t extra_len;
};

/* One option as found by the iterator: one piece, never concatenated. */
struct axn_dhcp_opt {
    uint8_t code;
    uint8_t len;
    const uint8_t *data;
};

/* Walks every option of a parsed message, pad and end excluded. */
struct axn_dhcp_opt_iter {
    const struct axn_dhcp_msg *msg;
    uint8_t area;
    uint16_t off;
};

/* Parses a DHCP message (the UDP payload). See the file comment. */
int axn_dhcp_parse(const uint8_t *buf, size_t len, struct axn_dhcp_msg *out);

/* Emits `in`; returns the length (>= AXN_DHCP_MIN_LEN) or AXN_WIRE_ENOSPC. */
int axn_dhcp_emit(const struct axn_dhcp_msg *in, uint8_t *buf, size_t cap);

void axn_dhcp_opt_iter_init(struct axn_dhcp_opt_iter *it, const struct axn_dhcp_msg *msg);

/* Next option in reading order; false when there are no more. */
bool axn_dhcp_opt_next(struct axn_dhcp_opt_iter *it, struct axn_dhcp_opt *opt);

/* axn_dhcp_opt_gather() of an option the message does not carry. */
#define AXN_DHCP_OPT_ABSENT (-1)

/*
 * The value of option `code` with all its pieces concatenated (RFC 3396):
 * copies at most `cap` bytes to `out` and returns the total length (which
 * may exceed `cap`), or AXN_DHCP_OPT_ABSENT.
 */
int axn_dhcp_opt_gather(const struct axn_dhcp_msg *msg, uint8_t code, uint8_t *out, size_t cap);

#endif /* AXN_WIRE_DHCP_H */
