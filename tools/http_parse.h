/*
 * HTTP/1.1 message heads (RFC 9112) and chunked bodies, parsed strictly
 * and within fixed bounds, for the `axnet` HTTP client and server.
 *
 * Both parsers work on a buffer that holds the message from its first
 * byte; they copy nothing: names, values and the target point into it.
 * They return the head's length (through the blank line) once it is
 * complete, AXN_HTTP_INCOMPLETE while more bytes may still complete it,
 * or a negative HTTP status saying why the head is refused:
 *   -400 malformed (bad request line, bad header syntax, obs-fold, a bare
 *        LF, a bad or conflicting Content-Length, HTTP/1.1 without Host)
 *   -414 request target longer than AXN_HTTP_TARGET_MAX
 *   -431 head longer than AXN_HTTP_HEAD_MAX, or more than
 *        AXN_HTTP_MAX_HEADERS header fields
 *   -505 an HTTP version other than 1.0 and 1.1
 * Line ends must be CRLF: a lone LF or CR is refused rather than guessed
 * at, since two parsers disagreeing on where a head ends is how request
 * smuggling starts.
 */
#ifndef AXN_TOOLS_HTTP_PARSE_H
#define AXN_TOOLS_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AXN_HTTP_HEAD_MAX    8192u /* request line or status line + fields + CRLF */
#define AXN_HTTP_TARGET_MAX  2048u
#define AXN_HTTP_MAX_HEADERS 48u
#define AXN_HTTP_METHOD_MAX  16u
#define AXN_HTTP_INCOMPLETE  0

/* Negative statuses the parsers return. */
#define AXN_HTTP_E_BAD      (-400)
#define AXN_HTTP_E_URI_LONG (-414)
#define AXN_HTTP_E_HEAD_BIG (-431)
#define AXN_HTTP_E_VERSION  (-505)

/* No Content-Length field. */
#define AXN_HTTP_NO_LENGTH (-1)

struct axn_http_header {
    const char *name;
    size_t name_len;
    const char *value; /* without surrounding whitespace */
    size_t value_len;
};

/* What both kinds of head share. */
struct axn_http_fields {
    struct axn_http_header h[AXN_HTTP_MAX_HEADERS];
    size_t n;
    int64_t content_length; /* AXN_HTTP_NO_LENGTH when absent */
    bool chunked;           /* Transfer-Encoding ends in "chunked" */
    bool has_te;            /* any Transfer-Encoding field */
    bool conn_close;        /* Connection: close */
    bool conn_keep_alive;   /* Connection: keep-alive */
    bool has_host;
};

struct axn_http_request {
    const char *method;
    size_t method_len;
    const char *target;
    size_t target_len;
    int minor; /* HTTP/1.<minor>: 0 or 1 */
    struct axn_http_fields f;
};

struct axn_http_response {
    int minor;
    int status; /* 100..999 */
    const char *reason;
    size_t reason_len;
    struct axn_http_fields f;
};

int axn_http_parse_request(const char *buf, size_t len, struct axn_http_request *req);
int axn_http_parse_response(const char *buf, size_t len, struct axn_http_response *resp);

/* The first field called `name` (ASCII case ignored), or NULL. */
const struct axn_http_header *axn_http_find(const struct axn_http_fields *f, const char *name);

/* Whether the connection stays open after this request (RFC 9112 9.3). */
bool axn_http_request_keep_alive(const struct axn_http_request *req);

/* ---- Chunked transfer coding (RFC 9112 7.1) ----------------------------- */

#define AXN_HTTP_CHUNK_LINE_MAX 256u /* size line with extensions, trailer line */

enum axn_http_chunk_state {
    AXN_CHUNK_SIZE,     /* reading the size line */
    AXN_CHUNK_DATA,     /* `left` bytes of data to go */
    AXN_CHUNK_DATA_END, /* the CRLF after a chunk's data */
    AXN_CHUNK_TRAILER,  /* trailer lines after the last chunk */
    AXN_CHUNK_DONE,
};

struct axn_http_chunked {
    enum axn_http_chunk_state state;
    uint64_t left;
    char line[AXN_HTTP_CHUNK_LINE_MAX];
    size_t line_len;
    unsigned trailers; /* trailer lines seen */
};

void axn_http_chunked_init(struct axn_http_chunked *c);

/*
 * Decodes `len` bytes of chunked coding in place: the data bytes they
 * carry are moved to the front of `buf` and counted in *out_len (never more
 * than len). Returns 0 while the body goes on, 1 once the last chunk and
 * its trailers ended (*used: the bytes of `buf` the body took; the rest
 * belong to whatever follows), or AXN_HTTP_E_BAD.
 */
int axn_http_chunked_decode(struct axn_http_chunked *c, uint8_t *buf, size_t len, size_t *out_len,
                            size_t *used);

/* ---- Small helpers shared by the client and the server ------------------ */

/* The reason phrase of a status (RFC 9110 15), "Unknown" otherwise. */
const char *axn_http_reason(int status);

/* A Content-Type for a file name, by its extension. */
const char *axn_http_content_type(const char *path);

/* Percent-decodes the path of an origin-form target (the query dropped)
 * into out (NUL-terminated). -1 on a bad escape, an encoded NUL or no room. */
int axn_http_decode_path(const char *target, size_t len, char *out, size_t cap);

#endif /* AXN_TOOLS_HTTP_PARSE_H */
