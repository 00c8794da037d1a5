/* HTTP(S) client: libcurl's multi interface driven by the libuv loop (a uv_poll_t per
 * socket, one uv_timer_t for curl's timeout). No threads of ours, no blocking calls.
 *
 * Requests and responses use the SDK's sqt_http_request / sqt_http_response, so the
 * host services table can pass them straight through to plugins.
 *
 * Contract (style.md, plugin.h):
 *  - sqt_http_send() returning 0 calls cb exactly once, later, on the loop, never
 *    from inside sqt_http_send(); returning < 0 never calls it.
 *  - resp->err.code: SQT_OK when an HTTP answer arrived (any status; the caller
 *    classifies 4xx/5xx), SQT_ENETWORK (resolve/connect/TLS/send/receive failure),
 *    SQT_ETIMEOUT (connect or total timeout), SQT_ECANCELLED (sqt_http_cancel or
 *    shutdown), SQT_ERANGE (response body over max_body_bytes).
 *  - Connections are kept alive and reused, and so are curl's easy handles and a
 *    socket's poll handle; a request on a kept-alive connection is written inside
 *    sqt_http_send (same loop turn).
 *    TCP_NODELAY is on.
 *  - https always verifies the peer and the host name against the system CA store,
 *    plus the optional extra CA file. There is no option to disable verification.
 *  - Only http:// and https:// URLs; redirects are not followed. */
#ifndef SQT_NET_HTTP_H
#define SQT_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <opensqt/plugin.h>

typedef struct sqt_http sqt_http;

typedef struct sqt_http_opts {
    const char *extra_ca_file;         /* PEM CA(s) added to the system store; NULL none */
    uint32_t connect_timeout_ms;       /* default per request; 0 = 5000 */
    uint32_t timeout_ms;               /* default total per request; 0 = 10000 */
    size_t max_body_bytes;             /* response body cap; 0 = 16 MiB */
    const char *user_agent;            /* NULL = "opensqt" */
} sqt_http_opts;

/* No I/O. opts may be NULL (defaults); it is copied. NULL on out of memory. */
sqt_http *sqt_http_new(uv_loop_t *loop, const sqt_http_opts *opts);

/* Start a request; everything in req is copied. *out (out may be NULL) identifies the
 * call for sqt_http_cancel() until cb starts. Returns 0, SQT_EINVAL (bad method, URL
 * scheme, header with CR/LF), SQT_ESTATE (closing) or SQT_ENOMEM. */
int sqt_http_send(sqt_http *h, const sqt_http_request *req, sqt_http_cb cb, void *ud,
                     sqt_http_call **out);

/* Cancel a call in flight: its callback runs later, once, with SQT_ECANCELLED. A call
 * whose answer already arrived in full but whose callback has not run yet keeps that
 * answer (never hide that a request reached the server). A call that is no longer
 * known is ignored; the pointer must not be used once its callback started. */
void sqt_http_cancel(sqt_http *h, sqt_http_call *call);

/* Asynchronous shutdown: every call in flight completes with SQT_ECANCELLED, then the
 * handles close and `closed` runs once (it may be NULL); the object is freed before it
 * runs. New requests are refused from the moment this is called. */
void sqt_http_close(sqt_http *h, void (*closed)(void *ud), void *ud);

/* Requests whose callback has not run yet. */
size_t sqt_http_in_flight(const sqt_http *h);

/* The request path of sqt_http_send run dry, so that its code and data are still in
 * the CPU's caches when an order follows a quiet spell (the app's system.keep_warm_ms):
 * an order-sized POST checked and set up on a curl handle of the client's own that is
 * never added to a transfer, then dropped. Nothing is sent, no callback runs, no call
 * counts. Nothing once closing; h may be NULL. */
void sqt_http_warm(sqt_http *h);

/* What was created so far: finished easy handles are pooled and reused, and a kept-alive
 * socket keeps its poll handle between requests, so sequential requests on one
 * connection create one of each. */
typedef struct sqt_http_stats {
    uint64_t easy_created;     /* curl easy handles */
    uint64_t polls_created;    /* uv_poll_t handles (one per socket curl opened) */
} sqt_http_stats;
void sqt_http_get_stats(const sqt_http *h, sqt_http_stats *out);

#endif
