/* The order executor: turns the engine's place/cancel/query commands into plugin
 * requests. One token of a token bucket per HTTP request (default 25/s, burst 30);
 * batching up to the plugin's limits; asynchronous retries with backoff (the loop never
 * blocks); policy by SDK error class (behaviour.md §8 with the §11 fixes):
 *  - rate limited: requeue, pause everything until retry-after (or the configured
 *    delay), then resume; banned: pause until the ban ends, loudly;
 *  - outcome unknown (network, timeout, 5xx) on a place: never blindly resend; query
 *    the order by client id first and report what the exchange says;
 *  - duplicate client id on a place: the order exists: query and report it;
 *  - cancels and queries that fail transiently are retried with backoff;
 *  - everything else is reported to the engine at once (post-only, margin, rules, auth,
 *    timestamp...), which owns the trading decision.
 * Each submitted command gets exactly one result callback (or none after close). */
#ifndef SQT_EXECUTOR_H
#define SQT_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include <opensqt/plugin.h>

#include "log.h"

typedef struct sqt_executor sqt_executor;

typedef struct sqt_executor_cbs {
    void *ud;
    /* err->code SQT_OK: accepted, `order` valid. */
    void (*on_place)(void *ud, const char *client_id, const sqt_error *err, const sqt_order *order);
    /* SQT_OK cancelled; SQT_EUNKNOWN_ORDER: it was not open (filled or gone). */
    void (*on_cancel)(void *ud, const char *client_id, const sqt_error *err);
    /* SQT_OK: `order` is the exchange's current view; SQT_EUNKNOWN_ORDER: no such order. */
    void (*on_query)(void *ud, const char *client_id, const sqt_error *err, const sqt_order *order);
    /* AUTH / TIMESTAMP / BANNED: trading cannot continue as is. */
    void (*on_fatal)(void *ud, const sqt_error *err);
} sqt_executor_cbs;

typedef struct sqt_executor_opts {
    int rate_per_sec;          /* token refill, default 25 */
    int burst;                 /* bucket size, default 30 */
    int max_batch_place;       /* from symbol info */
    int max_batch_cancel;
    int max_inflight;          /* concurrent HTTP requests, default 4 */
    uint32_t rate_limit_retry_ms;  /* wait after a rate limit without retry-after, default 1000 */
    uint32_t retry_base_ms;    /* first backoff for transient errors, default 500 */
    uint32_t retry_max_ms;     /* backoff cap, default 10000 */
    int max_attempts;          /* per command for transient errors, default 6 */
} sqt_executor_opts;

typedef struct sqt_executor_stats {
    uint64_t requests;         /* HTTP requests sent */
    uint64_t places, cancels, queries;
    uint64_t rate_limited;
    uint64_t retries;
    uint64_t verified;         /* unknown-outcome places settled by a query */
    uint64_t rate_pauses;      /* pauses begun by a rate-limit answer (not extensions) */
    uint64_t bans;             /* bans begun (an answer or the plugin's rate usage) */
    size_t queued;
    size_t inflight;
} sqt_executor_stats;

sqt_executor *sqt_executor_new(uv_loop_t *loop, sqt_log *log, const sqt_exchange_api *api,
                               sqt_exchange *ex, const sqt_executor_opts *opts,
                               const sqt_executor_cbs *cbs);
/* Queue commands; they go out as tokens allow. */
int sqt_executor_place(sqt_executor *e, const sqt_order_req *req);
int sqt_executor_cancel(sqt_executor *e, const char *client_id, const char *order_id);
int sqt_executor_query(sqt_executor *e, const char *client_id, const char *order_id);
/* Drop queued (not yet sent) places, e.g. at shutdown; each gets SQT_ECANCELLED. */
void sqt_executor_drop_places(sqt_executor *e);
/* Send nothing for ms (queued commands wait), e.g. after an auth or clock error. */
void sqt_executor_pause(sqt_executor *e, uint64_t ms);
/* Rate-limit facts from the plugin (host service rate_usage). */
void sqt_executor_rate_usage(sqt_executor *e, const sqt_rate_usage *u);
void sqt_executor_stats_get(const sqt_executor *e, sqt_executor_stats *out);
/* An observer of every place batch as it is handed to the plugin (the metrics'
 * tick-to-order clock); NULL removes it. It must not call back into the executor. */
typedef void (*sqt_executor_send_cb)(void *ud, const sqt_order_req *reqs, size_t n);
void sqt_executor_on_send(sqt_executor *e, sqt_executor_send_cb cb, void *ud);
/* Nothing queued and nothing in flight. */
int sqt_executor_idle(const sqt_executor *e);
/* Stop sending; queued commands are dropped without callbacks; results of requests
 * still in flight are ignored when they arrive. Frees everything once the last
 * in-flight request has answered and the timer is closed; cb runs then. */
void sqt_executor_close(sqt_executor *e, void (*cb)(void *ud), void *ud);

#endif
