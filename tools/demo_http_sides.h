/*
 * What the demo's HTTP download (demo_http.h) shares between its parts:
 * the server on the gateway is demo_http_server.c, the client
 * demo_http_client.c, and demo_http.c drives both, makes the file and
 * reports. Private to those three files.
 */
#ifndef AXN_TOOLS_DEMO_HTTP_SIDES_H
#define AXN_TOOLS_DEMO_HTTP_SIDES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "demo_http.h"

#define STATUS_OK 200

/* The stack's Tcp:RetransSegs (RFC 4022 tcpRetransSegs). */
uint64_t demo_http_retrans_segs(struct axn_stack *st);
/* The head's first line, for printing (the head holds CRLFs). */
int demo_http_first_line_len(const char *head, size_t len);

/* ---- The server on the gateway (demo_http_server.c) ------------------------------- */

/* Opens the gateway's listener on DEMO_HTTP_PORT; 0 or a negative errno. */
int demo_http_server_open(struct demo_http *h, axn_time_t now);
/* Moves the server on at `now`; true if it sent or received something. */
bool demo_http_server_step(struct demo_http *h, axn_time_t now);

/* ---- The client (demo_http_client.c) --------------------------------------------- */

/* Starts the client's connect to the gateway; 0 or a negative errno. */
int demo_http_client_open(struct demo_http *h, axn_time_t now);
/* Moves the client on at `now`; true if it sent or received something. */
bool demo_http_client_step(struct demo_http *h, axn_time_t now);

#endif /* AXN_TOOLS_DEMO_HTTP_SIDES_H */
