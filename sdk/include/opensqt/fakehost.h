/* A fake host for plugin unit tests: implements sqt_host_api with no sockets and a
 * virtual clock. Timers fire only from fake_host_advance(); HTTP requests are queued for
 * the test to inspect and answer; WebSocket connections are recorded and the test
 * injects messages and state changes. Everything a plugin logs is kept for asserts. */
#ifndef SQT_FAKE_HOST_H
#define SQT_FAKE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

typedef struct fake_host fake_host;

typedef struct fake_http {
    /* the request as the plugin sent it (copies) */
    char *method;
    char *url;
    char **header_names;
    char **header_values;
    size_t n_headers;
    char *body;
    size_t body_len;
    int answered;
} fake_http;

typedef struct fake_ws {
    char *url;
    char **sent;               /* messages the plugin sent, in order */
    size_t n_sent;
    int open;                  /* on_open delivered and not closed */
    int closed;                /* ws_close() called by the plugin */
    uint32_t flags;            /* sqt_ws_options.flags (SQT_WS_*); 0 when the plugin's
                                * struct_size does not reach it, as a host reads it */
} fake_ws;

fake_host *fake_host_new(void);
void fake_host_free(fake_host *fh);

const sqt_host_api *fake_host_api(void);
sqt_host *fake_host_handle(fake_host *fh);

/* Secrets and exchange-block config keys the plugin may look up. */
void fake_host_set_secret(fake_host *fh, const char *name, const char *value);
void fake_host_set_config(fake_host *fh, const char *key, const char *value);

/* Virtual clocks: wall starts at 1735000000000 ms, monotonic at 0. */
void fake_host_set_wall_ms(fake_host *fh, int64_t ms);
/* Advance both clocks by ms, firing due timers in time order. Returns timers fired. */
int fake_host_advance(fake_host *fh, uint64_t ms);
size_t fake_host_active_timers(const fake_host *fh);

/* HTTP: pending (unanswered) requests in arrival order. */
size_t fake_host_http_pending(const fake_host *fh);
fake_http *fake_host_http_at(fake_host *fh, size_t i);      /* i-th pending */
/* Answer the i-th pending request (removes it from the pending list). `headers` is a
 * NULL-terminated list of "Name: value" strings, may be NULL. */
void fake_host_http_reply(fake_host *fh, size_t i, int status, const char *body,
                          const char *const *headers);
/* Fail it at transport level (SQT_ENETWORK, SQT_ETIMEOUT, ...). */
void fake_host_http_fail(fake_host *fh, size_t i, int sqt_code);

/* WebSocket */
size_t fake_host_ws_count(const fake_host *fh);
fake_ws *fake_host_ws_at(fake_host *fh, size_t i);
void fake_host_ws_connect(fake_host *fh, size_t i);          /* delivers on_open */
void fake_host_ws_message(fake_host *fh, size_t i, const char *text);
void fake_host_ws_drop(fake_host *fh, size_t i);             /* delivers on_down */

/* Log lines the plugin wrote, "LEVEL message". */
size_t fake_host_log_count(const fake_host *fh);
const char *fake_host_log_at(const fake_host *fh, size_t i);
/* 1 if any logged line contains needle. */
int fake_host_log_contains(const fake_host *fh, const char *needle);

/* Rate usage the plugin reported last (zeroed when none). */
sqt_rate_usage fake_host_last_rate_usage(const fake_host *fh);

/* ---- additions (beyond the original contract) ---------------------------------- */

/* Monotonic virtual time in ms (starts at 0). */
uint64_t fake_host_now_ms(const fake_host *fh);
/* Timers follow the real host: a one-shot timer is released right after its callback
 * (calling timer_stop() on it later is a misuse); the callback may stop its own timer. */

/* Every request ever sent, answered or not, in order. */
size_t fake_host_http_total(const fake_host *fh);
fake_http *fake_host_http_sent(fake_host *fh, size_t i);
/* Value of a request header (case-insensitive name), NULL when absent. */
const char *fake_http_header(const fake_http *r, const char *name);
/* 0 (default): http_cancel() runs the callback with SQT_ECANCELLED inside the call.
 * 1: it runs at the next fake_host_advance(), as a host that defers would. */
void fake_host_set_cancel_deferred(fake_host *fh, int deferred_mode);

/* The host gave up on connection i: on_down (if open) then on_closed. */
void fake_host_ws_give_up(fake_host *fh, size_t i);
/* 1 once on_closed was delivered for connection i (after ws_close, at the next
 * fake_host_advance(), or after give_up). */
int fake_host_ws_finished(const fake_host *fh, size_t i);
/* 0 (default): on_closed comes at the next fake_host_advance(). ms > 0: it comes ms
 * later, from a timer (counted by fake_host_active_timers until then), so a plugin's
 * own zero-delay timers run first, as with a real close handshake. */
void fake_host_set_ws_close_delay(fake_host *fh, uint64_t ms);
/* The options the plugin opened connection i with (copies; members past the plugin's
 * struct_size read as 0, flags included). */
const sqt_ws_options *fake_host_ws_options(const fake_host *fh, size_t i);

/* How many times rate_usage() was called. */
size_t fake_host_rate_usage_count(const fake_host *fh);
/* Contract violations seen (cancel of a finished call, unknown timer_stop, send or
 * close on a closed socket, answering a request that is not pending). */
int fake_host_misuse_count(const fake_host *fh);

#endif
