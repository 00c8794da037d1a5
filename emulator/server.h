/* Loopback HTTP/1.1 + WebSocket server core for tests and the exchange emulator.
 *
 * uv_tcp listener on 127.0.0.1 (port 0 = ephemeral), requests parsed with http-parser
 * (keep-alive, Content-Length bodies), WebSocket upgrade with a wslay server context,
 * optional TLS through host/net/tls.h. Routing is the caller's: a request callback
 * answers now or later with sqt_srv_respond(); an upgrade callback chooses how to
 * answer (including broken answers). Fault hooks let client tests misbehave on purpose:
 * drop (RST), stall (stop reading and writing), trickle (one byte per loop turn),
 * fragmented messages, pings at any time, raw bytes.
 *
 * Connection pointers stay valid until on_conn_closed has run for them; every function
 * taking one returns SQT_ESTATE (or does nothing) once the connection is closing. */
#ifndef SQT_TEST_SERVER_H
#define SQT_TEST_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <opensqt/plugin.h>

typedef struct sqt_srv sqt_srv;
typedef struct sqt_srv_conn sqt_srv_conn;

/* WebSocket opcodes as they appear in on_ws_message. */
enum {
    SQT_SRV_OP_TEXT = 1,
    SQT_SRV_OP_BINARY = 2,
    SQT_SRV_OP_CLOSE = 8,
    SQT_SRV_OP_PING = 9,
    SQT_SRV_OP_PONG = 10
};

/* Valid during the callback only. */
typedef struct sqt_srv_request {
    const char *method;                /* "GET", "POST", ... */
    const char *target;                /* path and query as sent */
    const sqt_header *headers;
    size_t n_headers;
    const char *body;                  /* NUL-terminated */
    size_t body_len;
    int keep_alive;
} sqt_srv_request;

/* How to answer a WebSocket upgrade request. */
typedef enum sqt_srv_upgrade {
    SQT_SRV_UPGRADE_ACCEPT = 0,
    SQT_SRV_UPGRADE_BAD_ACCEPT,        /* 101 with a wrong Sec-WebSocket-Accept */
    SQT_SRV_UPGRADE_REJECT,            /* 403 with a body, then close */
    SQT_SRV_UPGRADE_TRUNCATE,          /* the first bytes of a 101, then close */
    SQT_SRV_UPGRADE_SILENT             /* never answer */
} sqt_srv_upgrade;

typedef struct sqt_srv_handlers {
    /* An HTTP request: answer with sqt_srv_respond() now or later. NULL = 404. */
    void (*on_request)(void *ud, sqt_srv_conn *c, const sqt_srv_request *req);
    /* A WebSocket upgrade request: return a sqt_srv_upgrade. NULL = accept. */
    int (*on_upgrade)(void *ud, sqt_srv_conn *c, const sqt_srv_request *req);
    void (*on_ws_open)(void *ud, sqt_srv_conn *c);
    /* Every whole message, control frames included (pongs are sent by wslay). */
    void (*on_ws_message)(void *ud, sqt_srv_conn *c, int opcode, const char *data, size_t len);
    /* The connection is gone; its pointer is invalid after this returns. */
    void (*on_conn_closed)(void *ud, sqt_srv_conn *c);
} sqt_srv_handlers;

typedef struct sqt_srv_opts {
    const char *host;                  /* NULL = "127.0.0.1" */
    int port;                          /* 0 = ephemeral */
    const char *cert_file;             /* both set: TLS on every connection */
    const char *key_file;
    sqt_srv_handlers handlers;
    void *ud;
} sqt_srv_opts;

typedef struct sqt_srv_stats {
    uint64_t accepted;                 /* TCP connections accepted */
    uint64_t requests;                 /* HTTP requests dispatched (upgrades included) */
    uint64_t ws_opens;
    uint64_t tls_failures;             /* TLS handshakes that failed */
    int live;                          /* connections not yet freed */
} sqt_srv_stats;

/* Bind and listen. Returns 0 or a negative SQT_E* / UV error code. */
int sqt_srv_start(uv_loop_t *loop, const sqt_srv_opts *opts, sqt_srv **out);
int sqt_srv_port(const sqt_srv *s);
void sqt_srv_get_stats(const sqt_srv *s, sqt_srv_stats *out);
/* Close the listener and every connection; `done` runs once when all is freed. */
void sqt_srv_close(sqt_srv *s, void (*done)(void *ud), void *ud);

/* HTTP: answer the request being handled (Content-Length is added). */
int sqt_srv_respond(sqt_srv_conn *c, int status, const sqt_header *headers, size_t n,
                    const char *body, size_t len);

/* WebSocket. opcode SQT_SRV_OP_TEXT or _BINARY. */
int sqt_srv_ws_send(sqt_srv_conn *c, int opcode, const char *data, size_t len);
/* One message in frames of at most frag bytes (wslay caps a frame at 4096). */
int sqt_srv_ws_send_fragmented(sqt_srv_conn *c, int opcode, const char *data, size_t len,
                               size_t frag);
int sqt_srv_ws_ping(sqt_srv_conn *c, const char *data, size_t len);
int sqt_srv_ws_close(sqt_srv_conn *c, uint16_t code, const char *reason);

/* Faults and plumbing. */
void sqt_srv_conn_drop(sqt_srv_conn *c);             /* RST now */
void sqt_srv_conn_close(sqt_srv_conn *c);            /* FIN after pending output */
void sqt_srv_conn_stall(sqt_srv_conn *c, int on);    /* stop reading and writing */
void sqt_srv_conn_trickle(sqt_srv_conn *c, int on);  /* write one byte per loop turn */
int sqt_srv_conn_write_raw(sqt_srv_conn *c, const char *data, size_t len); /* via TLS if on */
int sqt_srv_conn_is_ws(const sqt_srv_conn *c);
uint64_t sqt_srv_conn_id(const sqt_srv_conn *c);     /* 1, 2, ... in accept order */
void sqt_srv_conn_set_ud(sqt_srv_conn *c, void *ud);
void *sqt_srv_conn_ud(const sqt_srv_conn *c);
/* Close code the peer sent in its close frame, 0 when none yet. */
unsigned sqt_srv_conn_close_code(const sqt_srv_conn *c);

#endif
