/* Order executor: see executor.h. The decisions are sqt_xpolicy's; this file sends the
 * batches it forms through the plugin and wakes it on a uv timer. */
#include "executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

struct sqt_executor {
    uv_loop_t *loop;
    const sqt_exchange_api *api;
    sqt_exchange *ex;
    sqt_xpolicy *pol;
    uv_timer_t timer;
    int closing;
    int timer_closed;
    void (*close_cb)(void *);
    void *close_ud;
    sqt_executor_send_cb on_send; /* observer of every place batch handed to the plugin */
    void *send_ud;
    int in_answer;             /* inside the policy's result callbacks: no sending now */
    int pumping;               /* inside pump(): a nested flush only asks for another pass */
    int repump;
    struct refusal *refused;   /* synchronous refusals, settled from the timer */
    struct refusal **refused_tail;
};

/* A batch the plugin refused synchronously (place_orders returned < 0). Its results go
 * to the engine from the timer, never inside the call that sent it (a flush from the
 * app's drain must not run engine callbacks in the middle of that drain). */
typedef struct refusal {
    struct refusal *next;
    sqt_xbatch *b;
    int rc;
} refusal;

/* A request in flight: the plugin's callback needs the executor and the batch. */
typedef struct flight {
    sqt_executor *e;
    sqt_xbatch *b;
} flight;

static void pump(sqt_executor *e);
static void settle_refusals(sqt_executor *e);

static void maybe_finish_close(sqt_executor *e)
{
    if (!e->closing)
        return;
    settle_refusals(e); /* closing: refused batches are discarded without callbacks */
    if (sqt_xpolicy_inflight(e->pol) > 0 || !e->timer_closed)
        return;
    sqt_xpolicy_free(e->pol);
    if (e->close_cb)
        e->close_cb(e->close_ud);
    free(e);
}

/* Hand the synchronous refusals to the policy (its callbacks run now), or, closing,
 * forget them. */
static void settle_refusals(sqt_executor *e)
{
    while (e->refused != NULL) {
        refusal *r = e->refused;
        e->refused = r->next;
        if (e->refused == NULL)
            e->refused_tail = &e->refused;
        if (e->closing) {
            sqt_xpolicy_discard(e->pol, r->b);
        } else {
            e->in_answer = 1;
            sqt_xpolicy_on_refused(e->pol, r->b, r->rc, uv_now(e->loop));
            e->in_answer = 0;
        }
        free(r);
    }
}

static void timer_cb(uv_timer_t *t)
{
    sqt_executor *e = t->data;
    settle_refusals(e);
    pump(e);
}

sqt_executor *sqt_executor_new(uv_loop_t *loop, sqt_log *log, const sqt_exchange_api *api,
                               sqt_exchange *ex, const sqt_executor_opts *opts,
                               const sqt_executor_cbs *cbs)
{
    sqt_executor *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->loop = loop;
    e->api = api;
    e->ex = ex;
    e->pol = sqt_xpolicy_new(opts, cbs, log, uv_now(loop));
    if (e->pol == NULL) {
        free(e);
        return NULL;
    }
    if (uv_timer_init(loop, &e->timer) != 0) {
        sqt_xpolicy_free(e->pol);
        free(e);
        return NULL;
    }
    e->timer.data = e;
    e->refused_tail = &e->refused;
    return e;
}

/* Callbacks to the engine never run inside the call that queued the command: commands
 * are sent from pump(), which runs from the timer or from sqt_executor_flush(), and a
 * synchronous refusal is settled from the timer. */
static void schedule_now(sqt_executor *e)
{
    if (!e->closing)
        uv_timer_start(&e->timer, timer_cb, 0, 0);
}

static int queued(sqt_executor *e, int rc)
{
    if (rc == SQT_OK)
        schedule_now(e);
    return rc;
}

SQT_HOT int sqt_executor_place(sqt_executor *e, const sqt_order_req *req)
{
    if (e->closing)
        return SQT_ESTATE;
    return queued(e, sqt_xpolicy_place(e->pol, req));
}

int sqt_executor_cancel(sqt_executor *e, const char *client_id, const char *order_id)
{
    if (e->closing)
        return SQT_ESTATE;
    return queued(e, sqt_xpolicy_cancel(e->pol, client_id, order_id));
}

int sqt_executor_query(sqt_executor *e, const char *client_id, const char *order_id)
{
    if (e->closing)
        return SQT_ESTATE;
    return queued(e, sqt_xpolicy_query(e->pol, client_id, order_id));
}

void sqt_executor_drop_places(sqt_executor *e)
{
    sqt_xpolicy_drop_places(e->pol);
}

/* An answer arrived: while closing it is dropped, else the policy settles it. Returns
 * 1 when the caller must stop (the executor may be gone). */
static int landed(flight *f, sqt_executor **out)
{
    sqt_executor *e = f->e;
    *out = e;
    if (!e->closing)
        return 0;
    sqt_xpolicy_discard(e->pol, f->b);
    free(f);
    maybe_finish_close(e);
    return 1;
}

static void after_answer(sqt_executor *e)
{
    if (e->closing)
        maybe_finish_close(e);
    else
        schedule_now(e);
}

static void on_placed(void *ud, int status, const sqt_place_result *res, size_t n)
{
    flight *f = ud;
    sqt_executor *e;
    sqt_xbatch *b = f->b;
    if (landed(f, &e))
        return;
    free(f);
    e->in_answer = 1;
    sqt_xpolicy_on_placed(e->pol, b, status, res, n, uv_now(e->loop));
    e->in_answer = 0;
    after_answer(e);
}

static void on_cancelled(void *ud, int status, const sqt_cancel_result *res, size_t n)
{
    flight *f = ud;
    sqt_executor *e;
    sqt_xbatch *b = f->b;
    if (landed(f, &e))
        return;
    free(f);
    e->in_answer = 1;
    sqt_xpolicy_on_cancelled(e->pol, b, status, res, n, uv_now(e->loop));
    e->in_answer = 0;
    after_answer(e);
}

static void on_queried(void *ud, const sqt_error *err, const sqt_order *orders, size_t n)
{
    flight *f = ud;
    sqt_executor *e;
    sqt_xbatch *b = f->b;
    if (landed(f, &e))
        return;
    free(f);
    e->in_answer = 1;
    sqt_xpolicy_on_queried(e->pol, b, err, orders, n, uv_now(e->loop));
    e->in_answer = 0;
    after_answer(e);
}

static void refuse_later(sqt_executor *e, sqt_xbatch *b, int rc)
{
    refusal *r = malloc(sizeof(*r));
    if (r == NULL) { /* cannot defer: settle now (the engine sees it inside this turn) */
        e->in_answer = 1;
        sqt_xpolicy_on_refused(e->pol, b, rc, uv_now(e->loop));
        e->in_answer = 0;
        return;
    }
    r->next = NULL;
    r->b = b;
    r->rc = rc;
    *e->refused_tail = r;
    e->refused_tail = &r->next;
    uv_timer_start(&e->timer, timer_cb, 0, 0);
}

/* Hand one batch to the plugin. */
SQT_HOT static void send_batch(sqt_executor *e, sqt_xbatch *b)
{
    size_t i, n = sqt_xbatch_size(b);
    flight *f = malloc(sizeof(*f));
    int rc;
    if (f == NULL) {
        refuse_later(e, b, SQT_ENOMEM);
        return;
    }
    f->e = e;
    f->b = b;
    if (sqt_xbatch_kind_of(b) == SQT_XB_PLACE) {
        sqt_order_req reqs[SQT_XPOLICY_MAX_BATCH];
        for (i = 0; i < n; i++)
            reqs[i] = *sqt_xbatch_req(b, i);
        if (e->on_send != NULL)
            e->on_send(e->send_ud, reqs, n);
        rc = e->api->place_orders(e->ex, reqs, n, on_placed, f);
    } else if (sqt_xbatch_kind_of(b) == SQT_XB_CANCEL) {
        sqt_cancel_req reqs[SQT_XPOLICY_MAX_BATCH];
        for (i = 0; i < n; i++) {
            snprintf(reqs[i].client_id, sizeof(reqs[i].client_id), "%s", sqt_xbatch_client_id(b, i));
            snprintf(reqs[i].order_id, sizeof(reqs[i].order_id), "%s", sqt_xbatch_order_id(b, i));
        }
        rc = e->api->cancel_orders(e->ex, reqs, n, on_cancelled, f);
    } else {
        const char *cid = sqt_xbatch_client_id(b, 0), *oid = sqt_xbatch_order_id(b, 0);
        rc = e->api->query_order(e->ex, cid[0] ? cid : NULL, oid[0] ? oid : NULL, on_queried, f);
    }
    if (rc < 0) {
        free(f);
        refuse_later(e, b, rc);
    }
}

SQT_HOT static void pump(sqt_executor *e)
{
    uint64_t now, next;
    sqt_xbatch *b;
    if (e->closing)
        return;
    if (e->pumping) {
        e->repump = 1;
        return;
    }
    e->pumping = 1;
    now = uv_now(e->loop);
    do {
        e->repump = 0;
        while ((b = sqt_xpolicy_next(e->pol, now)) != NULL) {
            send_batch(e, b);
            if (e->closing) {
                e->pumping = 0;
                return;
            }
        }
    } while (e->repump);
    e->pumping = 0;
    if (e->refused != NULL)
        return; /* the timer is armed for them; it pumps again after */
    /* when to look again: the pause end, the next token, or the next retry */
    next = sqt_xpolicy_wake_at(e->pol, now);
    if (next == UINT64_MAX)
        return;
    uv_timer_start(&e->timer, timer_cb, next > now ? next - now : 0, 0);
}

SQT_HOT void sqt_executor_flush(sqt_executor *e)
{
    /* inside a result callback the policy is mid-call: the answer's own pass follows */
    if (e->closing || e->in_answer)
        return;
    pump(e);
}

SQT_HOT void sqt_executor_set_open_room(sqt_executor *e, long room)
{
    sqt_xpolicy_set_open_room(e->pol, room);
}

void sqt_executor_pause(sqt_executor *e, uint64_t ms)
{
    sqt_xpolicy_pause_until(e->pol, uv_now(e->loop) + ms);
    schedule_now(e); /* re-arm the timer for the pause end */
}

void sqt_executor_rate_usage(sqt_executor *e, const sqt_rate_usage *u)
{
    sqt_xpolicy_rate_usage(e->pol, u, sqt_wall_ms(), uv_now(e->loop));
}

void sqt_executor_stats_get(const sqt_executor *e, sqt_executor_stats *out)
{
    sqt_xpolicy_stats_get(e->pol, out);
}

void sqt_executor_on_send(sqt_executor *e, sqt_executor_send_cb cb, void *ud)
{
    e->on_send = cb;
    e->send_ud = ud;
}

int sqt_executor_idle(const sqt_executor *e)
{
    return sqt_xpolicy_idle(e->pol);
}

static void timer_closed(uv_handle_t *h)
{
    sqt_executor *e = h->data;
    e->timer_closed = 1;
    maybe_finish_close(e);
}

void sqt_executor_close(sqt_executor *e, void (*cb)(void *ud), void *ud)
{
    if (e->closing)
        return;
    e->closing = 1;
    e->close_cb = cb;
    e->close_ud = ud;
    sqt_xpolicy_free_queued(e->pol);
    uv_timer_stop(&e->timer);
    uv_close((uv_handle_t *)&e->timer, timer_closed);
}
