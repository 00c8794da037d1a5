/* The executor's policy without a loop: the queues (cancels first, then queries, then
 * sells before buys), the token bucket, batch forming, and what each answer means
 * (retry with backoff, verify an unknown-outcome place by query, pause on a rate limit
 * or ban, report everything else to the engine). Pure: no clock and no I/O; every call
 * that depends on time takes `now` (any millisecond clock, only differences matter).
 * The uv executor (executor.c) drives it from a timer on loop time; the backtest drives
 * it on virtual time, so both trade with the same rules.
 *
 * Order: cancels first, then queries, then sells before buys; places before cancels
 * only when the caller says the open-order limit allows it (sqt_xpolicy_set_open_room).
 *
 * Protocol: queue commands with sqt_xpolicy_place/_cancel/_query; take batches with
 * sqt_xpolicy_next(now) (each takes a token and counts as in flight) and send them;
 * hand each batch's answer back with exactly one of sqt_xpolicy_on_placed /
 * _on_cancelled / _on_queried / _on_refused (or sqt_xpolicy_discard when the answer is
 * to be ignored); then ask sqt_xpolicy_wake_at(now) when to look again. The result
 * callbacks (sqt_executor_cbs) run inside the on_* calls; they may queue commands. */
#ifndef SQT_XPOLICY_H
#define SQT_XPOLICY_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

#include "log.h"

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

#define SQT_XPOLICY_MAX_BATCH 50

typedef enum sqt_xbatch_kind {
    SQT_XB_PLACE = 1,
    SQT_XB_CANCEL = 2,
    SQT_XB_QUERY = 3           /* one order; also the verification of a place */
} sqt_xbatch_kind;

typedef struct sqt_xpolicy sqt_xpolicy;
typedef struct sqt_xbatch sqt_xbatch;

/* Missing options (<= 0) get the defaults above. `log` may be NULL. */
sqt_xpolicy *sqt_xpolicy_new(const sqt_executor_opts *opts, const sqt_executor_cbs *cbs,
                             sqt_log *log, uint64_t now);
/* Frees every queued command without callbacks. Batches still out must have been
 * handed back (or discarded) before. */
void sqt_xpolicy_free(sqt_xpolicy *p);
/* Drop every queued command without callbacks (closing). */
void sqt_xpolicy_free_queued(sqt_xpolicy *p);
const sqt_executor_opts *sqt_xpolicy_opts(const sqt_xpolicy *p);

int sqt_xpolicy_place(sqt_xpolicy *p, const sqt_order_req *req);
int sqt_xpolicy_cancel(sqt_xpolicy *p, const char *client_id, const char *order_id);
int sqt_xpolicy_query(sqt_xpolicy *p, const char *client_id, const char *order_id);
/* Fail every queued place not yet sent with SQT_ESTATE ("not sent"). */
void sqt_xpolicy_drop_places(sqt_xpolicy *p);

/* Send nothing before `until`. */
void sqt_xpolicy_pause_until(sqt_xpolicy *p, uint64_t until);
/* Rate-limit facts from the plugin; `wall_ms` is the wall clock the ban end refers to. */
void sqt_xpolicy_rate_usage(sqt_xpolicy *p, const sqt_rate_usage *u, int64_t wall_ms,
                            uint64_t now);

/* Whether the queued places may go out before the queued cancels. `room` is the
 * exchange's open-order limit minus every order the caller counts as live (open,
 * being placed - the queued places included - or being cancelled): room >= 0 means
 * that even if all of them were open at once the limit would hold, so places go first
 * (the new orders near the market do not wait behind far cancels); room < 0 (or never
 * set) keeps cancels first. The caller sets it again whenever its count changes.
 * For 10 minutes after a place refused for margin (SQT_EMARGIN), buys wait for the
 * cancels again (a buy ahead of a cancel needs margin for both for a moment); sells,
 * reduce-only, still go first. */
void sqt_xpolicy_set_open_room(sqt_xpolicy *p, long room);

/* The next request that may go out at `now` (token, pause and in-flight cap allowing),
 * or NULL. The batch is in flight until handed back. */
sqt_xbatch *sqt_xpolicy_next(sqt_xpolicy *p, uint64_t now);
sqt_xbatch_kind sqt_xbatch_kind_of(const sqt_xbatch *b);
size_t sqt_xbatch_size(const sqt_xbatch *b);
/* PLACE: the i-th request. CANCEL/QUERY: the ids (client id "" when unknown). */
const sqt_order_req *sqt_xbatch_req(const sqt_xbatch *b, size_t i);
const char *sqt_xbatch_client_id(const sqt_xbatch *b, size_t i);
const char *sqt_xbatch_order_id(const sqt_xbatch *b, size_t i);

/* Answers. `status` < 0 fails every item without its own error. */
void sqt_xpolicy_on_placed(sqt_xpolicy *p, sqt_xbatch *b, int status, const sqt_place_result *res,
                           size_t n, uint64_t now);
void sqt_xpolicy_on_cancelled(sqt_xpolicy *p, sqt_xbatch *b, int status,
                              const sqt_cancel_result *res, size_t n, uint64_t now);
void sqt_xpolicy_on_queried(sqt_xpolicy *p, sqt_xbatch *b, const sqt_error *err,
                            const sqt_order *orders, size_t n, uint64_t now);
/* The plugin refused the request synchronously with rc (< 0). */
void sqt_xpolicy_on_refused(sqt_xpolicy *p, sqt_xbatch *b, int rc, uint64_t now);
/* Forget a batch without callbacks (its answer is ignored, e.g. while closing). */
void sqt_xpolicy_discard(sqt_xpolicy *p, sqt_xbatch *b);

/* When sqt_xpolicy_next() may give something again: the pause end, the next token or
 * the next retry; UINT64_MAX when only a new command or an answer can change that. */
uint64_t sqt_xpolicy_wake_at(const sqt_xpolicy *p, uint64_t now);

void sqt_xpolicy_stats_get(const sqt_xpolicy *p, sqt_executor_stats *out);
size_t sqt_xpolicy_inflight(const sqt_xpolicy *p);
/* Nothing queued and nothing in flight. */
int sqt_xpolicy_idle(const sqt_xpolicy *p);

#endif
