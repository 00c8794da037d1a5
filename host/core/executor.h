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
 * Each submitted command gets exactly one result callback (or none after close).
 * The rules themselves are in xpolicy.c (shared with the backtest); this file is their
 * libuv driver: a timer on loop time and the plugin calls. */
#ifndef SQT_EXECUTOR_H
#define SQT_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include <opensqt/plugin.h>

#include "log.h"
#include "xpolicy.h" /* sqt_executor_cbs, _opts, _stats: the policy lives there */

typedef struct sqt_executor sqt_executor;

sqt_executor *sqt_executor_new(uv_loop_t *loop, sqt_log *log, const sqt_exchange_api *api,
                               sqt_exchange *ex, const sqt_executor_opts *opts,
                               const sqt_executor_cbs *cbs);
/* Queue commands; they go out as tokens allow: at the latest on the executor's next
 * timer turn, at once on sqt_executor_flush(). */
int sqt_executor_place(sqt_executor *e, const sqt_order_req *req);
int sqt_executor_cancel(sqt_executor *e, const char *client_id, const char *order_id);
int sqt_executor_query(sqt_executor *e, const char *client_id, const char *order_id);
/* Send what the policy allows now (tokens, pause, in-flight cap), in this loop turn:
 * the caller queues a turn's commands, then flushes, so they batch and leave before
 * anything slower (the audit) is written. No engine callback runs inside it: a
 * synchronous refusal by the plugin is reported from the executor's timer. Inside an
 * executor result callback it does nothing (the executor's own pass follows). */
void sqt_executor_flush(sqt_executor *e);
/* Places before cancels when room >= 0 (sqt_xpolicy_set_open_room: the open-order
 * limit minus every order counted live, queued places included). */
void sqt_executor_set_open_room(sqt_executor *e, long room);
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
