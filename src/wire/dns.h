/*
 * DNS messages (RFC 1035 4, RFC 3596 for AAAA), the UDP payload of port 53.
 * Follows the conventions of wire/wire.h.
 *
 * Parsing checks the header, every question and every resource record of
 * the answer, authority and additional sections, and every owner name and
 * CNAME target, then keeps the first question and the first
 * AXN_DNS_MAX_RECORDS records of the message (later ones are still checked,
 * then counted in `rr_skipped`). A, AAAA and CNAME data are decoded; other
 * types keep their raw rdata. Names are not copied: a record holds the
 * offset of its name in the message, and axn_dns_name_decode() turns it into
 * text when wanted.
 *
 * Names (RFC 1035 3.1, 4.1.4): labels of at most 63 bytes, at most 255
 * bytes in all on the wire, label types 01 and 10 rejected (ENAME). A
 * compression pointer must point into the message (not into the header,
 * EPTR) and strictly before the start of the run of labels it ends, so
 * every jump goes backwards; at most AXN_DNS_MAX_POINTER_HOPS are followed
 * (ELOOP). Together these make every name walk finite and short.
 *
 * Errors: data ends inside an item -> ETRUNC; a count promises an item but
 * no byte is left -> ECOUNT; A/AAAA rdata not 4/16 bytes, or a CNAME target
 * not filling its rdata exactly -> ELEN. Bytes after the last record are
 * ignored.
 *
 * Text form of names: labels joined by '.', no trailing dot, the root is
 * ".". A '.' or '\' inside a label is written "\." or "\\", and a byte
 * outside printable ASCII as "\DDD" (decimal), as in RFC 1035 5.1 master
 * files; the encoder reads the same escapes, so decode/encode round-trips.
 */
#ifndef AXN_WIRE_DNS_H
#define AXN_WIRE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "axnet/config.h"
#include "axnet/types.h"
#include "wire/wire.h"

#define AXN_DNS_PORT    53
#define AXN_DNS_HDR_LEN 12
/* RFC 1035 2.3.4: size limits. */
#define AXN_DNS_MAX_LABEL_LEN 63
#define AXN_DNS_MAX_NAME_LEN  255
#define AXN_DNS_UDP_MAX_LEN   512
/*
 * Text buffer that holds any name: 250 label bytes all escaped as \DDD,
 * 3 dots, NUL. Ordinary host names fit in 254 bytes.
 */
#define AXN_DNS_TEXT_MAX 1004

/* RR types (RFC 1035 3.2.2, RFC 3596 2.1, RFC 6891 6.1.1). */
enum axn_dns_type {
    AXN_DNS_TYPE_A = 1,
    AXN_DNS_TYPE_NS = 2,
    AXN_DNS_TYPE_CNAME = 5,
    AXN_DNS_TYPE_SOA = 6,
    AXN_DNS_TYPE_PTR = 12,
    AXN_DNS_TYPE_MX = 15,
    AXN_DNS_TYPE_TXT = 16,
    AXN_DNS_TYPE_AAAA = 28,
    AXN_DNS_TYPE_OPT = 41,
    AXN_DNS_TYPE_ANY = 255,
};

#define AXN_DNS_CLASS_IN 1

#define AXN_DNS_OPCODE_QUERY 0

/* RFC 1035 4.1.1 RCODE values. */
enum axn_dns_rcode {
    AXN_DNS_RCODE_NOERROR = 0,
    AXN_DNS_RCODE_FORMERR = 1,
    AXN_DNS_RCODE_SERVFAIL = 2,
    AXN_DNS_RCODE_NXDOMAIN = 3,
    AXN_DNS_RCODE_NOTIMP = 4,
    AXN_DNS_RCODE_REFUSED = 5,
};

/* Header (RFC 1035 4.1.1), flags decoded. */
struct axn_dns_header {
    uint16_t id;
    bool qr;
    uint8_t opcode; /* 4 bits */
    bool aa;
    bool tc;
    bool rd;
    bool ra;
    uint8_t z;     /* the 3 bits between RA and RCODE (Z, AD, CD) */
    uint8_t rcode; /* 4 bits */
    uint16_t qdcount;
    uint16_t ancount;
    uint16_t nscount;
    uint16_t arcount;
};

struct axn_dns_question {
    uint16_t name_off; /* offset of the name in the message */
    uint16_t type;
    uint16_t qclass;
};

enum axn_dns_section {
    AXN_DNS_SEC_ANSWER = 1,
    AXN_DNS_SEC_AUTHORITY = 2,
    AXN_DNS_SEC_ADDITIONAL = 3,
};

struct axn_dns_rr {
    uint16_t name_off; /* offset of the owner name in the message */
    uint16_t type;
    uint16_t rclass;
    uint8_t section; /* enum axn_dns_section */
    /* RFC 2181 8: a TTL with the top bit set is read as 0. */
    uint32_t ttl;
    uint16_t rdlength;
    uint16_t rdata_off;
    const uint8_t *rdata;
    union {
        axn_ip4_t a;         /* type A, class IN: host order */
        struct axn_ip6 aaaa; /* type AAAA, class IN */
        uint16_t cname_off;  /* type CNAME: offset of the target name */
    };
};

/* About 48 bytes per kept record (3 KiB by default): keep it off small stacks. */
struct axn_dns_msg {
    const uint8_t *buf; /* the parsed message, for the name helpers */
    size_t len;
    struct axn_dns_header hdr;
    struct axn_dns_question q; /* the first question, if hdr.qdcount > 0 */
    uint16_t n_rr;             /* records kept in rr[], in message order */
    uint16_t rr_skipped;       /* records checked but not kept */
    struct axn_dns_rr rr[AXN_DNS_MAX_RECORDS];
};

int axn_dns_parse(const uint8_t *buf, size_t len, struct axn_dns_msg *out);

/*
 * Checks the name at `off` of msg[0 .. len) by the rules above and sets
 * *end to the offset just past it in place (past its first pointer, if any).
 * Returns 0 or ETRUNC, ENAME, EPTR, ELOOP.
 */
int axn_dns_name_check(const uint8_t *msg, size_t len, size_t off, size_t *end);

/*
 * Writes the name at `off` of msg[0 .. len) as NUL-terminated text. Returns
 * the text length, a name error (ETRUNC, ENAME, EPTR, ELOOP) or
 * AXN_WIRE_ENOSPC when `cap` is too small (AXN_DNS_TEXT_MAX always fits).
 */
int axn_dns_name_decode(const uint8_t *msg, size_t len, size_t off, char *text, size_t cap);

/*
 * Encodes dotted text as an uncompressed wire name. "" and "." are the
 * root; one trailing dot is allowed. Returns the wire length, AXN_WIRE_ENAME
 * (empty label, label > 63, name > 255, bad escape) or AXN_WIRE_ENOSPC.
 */
int axn_dns_name_encode(const char *text, uint8_t *buf, size_t cap);

/*
 * RFC 4343: names equal ignoring ASCII case. Compares the name at off_a of
 * message a with the name at off_b of message b. A malformed name equals
 * nothing.
 */
bool axn_dns_name_eq(const uint8_t *msg_a, size_t len_a, size_t off_a, const uint8_t *msg_b,
                     size_t len_b, size_t off_b);

/* Same, against dotted text (which may end with a dot). */
bool axn_dns_name_eq_text(const uint8_t *msg, size_t len, size_t off, const char *text);

/* A standard query with one question (RFC 1035 4.1). */
struct axn_dns_query {
    uint16_t id;
    bool rd;
    const char *name; /* dotted text */
    uint16_t qtype;
    uint16_t qclass;
};

/* Returns the message length, AXN_WIRE_ENAME or AXN_WIRE_ENOSPC. */
int axn_dns_query_emit(const struct axn_dns_query *q, uint8_t *buf, size_t cap);

/* One answer record of a response. */
struct axn_dns_answer {
    const char *name; /* owner; NULL means the question name */
    uint16_t type;
    uint16_t rclass;
    uint32_t ttl;
    axn_ip4_t a;          /* type A */
    struct axn_ip6 aaaa;  /* type AAAA */
    const char *cname;    /* type CNAME: the target */
    const uint8_t *rdata; /* any other type: raw rdata */
    uint16_t rdlength;
};

/*
 * A response: header, the question echoed, answer records. Names repeated
 * from earlier in the message (the question name, a CNAME target, or a
 * suffix of one) are compressed with pointers (RFC 1035 4.1.4).
 */
struct axn_dns_response {
    uint16_t id;
    uint8_t opcode;
    bool aa;
    bool tc;
    bool rd;
    bool ra;
    uint8_t rcode;
    const char *qname; /* NULL: no question section */
    uint16_t qtype;
    uint16_t qclass;
    const struct axn_dns_answer *answers;
    uint16_t n_answers;
};

/* Returns the message length, AXN_WIRE_ENAME or AXN_WIRE_ENOSPC. */
int axn_dns_response_emit(const struct axn_dns_response *r, uint8_t *buf, size_t cap);

#endif /* AXN_WIRE_DNS_H */
