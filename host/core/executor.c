/* Order executor: see executor.h. */
#include "executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQT_EXEC_MAX_BATCH 50
#define SQT_EXEC_BAN_MARGIN_MS 250

enum { CMD_PLACE = 1, CMD_CANCEL = 2, CMD_QUERY = 3 };
/* queues in service order: cancels reduce exposure first, reduce-only sells before buys */
enum { Q_CANCEL = 0, Q_QUERY = 1, Q_SELL = 2, Q_BUY = 3, Q_COUNT = 4 };

typedef struct cmd {
    struct cmd *next;
    int kind;
    int attempts;              /* sends so far */
    int verify;                /* place whose outcome is unknown: query before resending */
    uint64_t not_before;       /* loop ms */
    sqt_order_req req;
    char client_id[SQT_CLIENT_ID_MAX];
    char order_id[SQT_ORDER_ID_MAX];
} cmd;

typedef struct queue {
    cmd *head, *tail;
    size_t n;
} queue;

typedef struct batch {
    sqt_executor *e;
    int kind;
    size_t n;
    cmd *items[];
} batch;

struct sqt_executor {
    uv_loop_t *loop;
    sqt_log *log;
    const sqt_exchange_api *api;
    sqt_exchange *ex;
    sqt_executor_opts o;
    sqt_executor_cbs cbs;
    uv_timer_t timer;
    queue q[Q_COUNT];
    int64_t tokens_milli;      /* token bucket, thousandths of a token */
    uint64_t refill_at;        /* loop ms of the last refill */
    uint64_t paused_until;     /* loop ms; 0 = not paused */
    uint64_t ban_until;        /* loop ms of the end of the last reported ban */
    size_t inflight;
    int closing;
    int timer_closed;
    void (*close_cb)(void *);
    void *close_ud;
    sqt_executor_stats st;
    sqt_executor_send_cb on_send;
    void *send_ud;
};

static void pump(sqt_executor *e);

static void q_push(queue *q, cmd *c)
{
    c->next = NULL;
    if (q->tail)
        q->tail->next = c;
    else
        q->head = c;
    q->tail = c;
    q->n++;
}

static void q_push_front(queue *q, cmd *c)
{
    c->next = q->head;
    q->head = c;
    if (q->tail == NULL)
        q->tail = c;
    q->n++;
}

static cmd *q_pop(queue *q)
{
    cmd *c = q->head;
    if (c == NULL)
        return NULL;
    q->head = c->next;
    if (q->head == NULL)
        q->tail = NULL;
    q->n--;
    c->next = NULL;
    return c;
}

static void q_free(queue *q)
{
    cmd *c;
    while ((c = q_pop(q)) != NULL)
        free(c);
}

static int queue_of(const cmd *c)
{
    if (c->kind == CMD_CANCEL)
        return Q_CANCEL;
    if (c->kind == CMD_QUERY || c->verify)
        return Q_QUERY;
    return c->req.side == SQT_SIDE_SELL ? Q_SELL : Q_BUY;
}

static void maybe_finish_close(sqt_executor *e)
{
    int i;
    if (!e->closing || e->inflight > 0 || !e->timer_closed)
        return;
    for (i = 0; i < Q_COUNT; i++)
        q_free(&e->q[i]);
    if (e->close_cb)
        e->close_cb(e->close_ud);
    free(e);
}

static void timer_cb(uv_timer_t *t)
{
    pump(t->data);
}

sqt_executor *sqt_executor_new(uv_loop_t *loop, sqt_log *log, const sqt_exchange_api *api,
                               sqt_exchange *ex, const sqt_executor_opts *opts,
                               const sqt_executor_cbs *cbs)
{
    sqt_executor *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->loop = loop;
    e->log = log;
    e->api = api;
    e->ex = ex;
    e->o = *opts;
    e->cbs = *cbs;
    if (e->o.rate_per_sec <= 0)
        e->o.rate_per_sec = 25;
    if (e->o.burst <= 0)
        e->o.burst = 30;
    if (e->o.max_batch_place <= 0)
        e->o.max_batch_place = 1;
    if (e->o.max_batch_place > SQT_EXEC_MAX_BATCH)
        e->o.max_batch_place = SQT_EXEC_MAX_BATCH;
    if (e->o.max_batch_cancel <= 0)
        e->o.max_batch_cancel = 1;
    if (e->o.max_batch_cancel > SQT_EXEC_MAX_BATCH)
        e->o.max_batch_cancel = SQT_EXEC_MAX_BATCH;
    if (e->o.max_inflight <= 0)
        e->o.max_inflight = 4;
    if (e->o.rate_limit_retry_ms == 0)
        e->o.rate_limit_retry_ms = 1000;
    if (e->o.retry_base_ms == 0)
        e->o.retry_base_ms = 500;
    if (e->o.retry_max_ms == 0)
        e->o.retry_max_ms = 10000;
    if (e->o.max_attempts <= 0)
        e->o.max_attempts = 6;
    if (uv_timer_init(loop, &e->timer) != 0) {
        free(e);
        return NULL;
    }
    e->timer.data = e;
    e->tokens_milli = (int64_t)e->o.burst * 1000;
    e->refill_at = uv_now(loop);
    return e;
}

static cmd *cmd_new(int kind)
{
    cmd *c = calloc(1, sizeof(*c));
    if (c)
        c->kind = kind;
    return c;
}

/* Callbacks to the engine never run inside the call that queued the command: commands
 * are only sent from pump(), which runs from the timer. */
static void schedule_now(sqt_executor *e)
{
    if (!e->closing)
        uv_timer_start(&e->timer, timer_cb, 0, 0);
}

int sqt_executor_place(sqt_executor *e, const sqt_order_req *req)
{
    cmd *c;
    if (e->closing)
        return SQT_ESTATE;
    if ((c = cmd_new(CMD_PLACE)) == NULL)
        return SQT_ENOMEM;
    c->req = *req;
    snprintf(c->client_id, sizeof(c->client_id), "%s", req->client_id);
    q_push(&e->q[queue_of(c)], c);
    schedule_now(e);
    return SQT_OK;
}

static int queue_ids(sqt_executor *e, int kind, const char *client_id, const char *order_id)
{
    cmd *c;
    if (e->closing)
        return SQT_ESTATE;
    if ((client_id == NULL || !client_id[0]) && (order_id == NULL || !order_id[0]))
        return SQT_EINVAL;
    if ((c = cmd_new(kind)) == NULL)
        return SQT_ENOMEM;
    snprintf(c->client_id, sizeof(c->client_id), "%s", client_id ? client_id : "");
    snprintf(c->order_id, sizeof(c->order_id), "%s", order_id ? order_id : "");
    q_push(&e->q[queue_of(c)], c);
    schedule_now(e);
    return SQT_OK;
}

int sqt_executor_cancel(sqt_executor *e, const char *client_id, const char *order_id)
{
    return queue_ids(e, CMD_CANCEL, client_id, order_id);
}

int sqt_executor_query(sqt_executor *e, const char *client_id, const char *order_id)
{
    return queue_ids(e, CMD_QUERY, client_id, order_id);
}

static void fail_cmd(sqt_executor *e, cmd *c, const sqt_error *err)
{
    switch (c->kind) {
    case CMD_PLACE:
        if (e->cbs.on_place)
            e->cbs.on_place(e->cbs.ud, c->client_id, err, NULL);
        break;
    case CMD_CANCEL:
        if (e->cbs.on_cancel)
            e->cbs.on_cancel(e->cbs.ud, c->client_id, err);
        break;
    default:
        if (e->cbs.on_query)
            e->cbs.on_query(e->cbs.ud, c->client_id, err, NULL);
        break;
    }
    free(c);
}

void sqt_executor_drop_places(sqt_executor *e)
{
    sqt_error err;
    int qi;
    /* Everything in these queues is certainly not on the exchange (never sent, or sent
     * and refused definitively; an unknown outcome waits in the query queue), so the
     * answer is a definite "not placed", not "cancelled", which would mean "may exist". */
    memset(&err, 0, sizeof(err));
    err.code = SQT_ESTATE;
    snprintf(err.message, sizeof(err.message), "not sent: shutting down");
    for (qi = Q_SELL; qi <= Q_BUY; qi++) {
        cmd *c;
        while ((c = q_pop(&e->q[qi])) != NULL)
            fail_cmd(e, c, &err);
    }
}

static void refill(sqt_executor *e, uint64_t now)
{
    uint64_t dt = now - e->refill_at;
    int64_t cap = (int64_t)e->o.burst * 1000;
    e->refill_at = now;
    e->tokens_milli += (int64_t)dt * e->o.rate_per_sec;
    if (e->tokens_milli > cap)
        e->tokens_milli = cap;
}

static void pause_until(sqt_executor *e, uint64_t until)
{
    if (until > e->paused_until)
        e->paused_until = until;
}

static uint32_t backoff_ms(const sqt_executor *e, int attempts)
{
    uint64_t d = e->o.retry_base_ms;
    int i;
    for (i = 1; i < attempts && d < e->o.retry_max_ms; i++)
        d *= 2;
    if (d > e->o.retry_max_ms)
        d = e->o.retry_max_ms;
    return (uint32_t)d;
}

static void requeue(sqt_executor *e, cmd *c, uint64_t delay_ms)
{
    c->not_before = uv_now(e->loop) + delay_ms;
    e->st.retries++;
    q_push(&e->q[queue_of(c)], c);
}

static int transient(int code)
{
    return code == SQT_ENETWORK || code == SQT_ETIMEOUT || code == SQT_EUNKNOWN_STATUS;
}

/* Shared handling of a rate-limit/ban answer for any kind; returns 1 if it took c. */
static int handle_throttle(sqt_executor *e, cmd *c, const sqt_error *err)
{
    uint64_t now = uv_now(e->loop);
    if (err->code == SQT_ERATE_LIMITED) {
        uint64_t wait = err->retry_after_ms > 0 ? (uint64_t)err->retry_after_ms
                                                : e->o.rate_limit_retry_ms;
        e->st.rate_limited++;
        if (e->paused_until <= now)
            e->st.rate_pauses++;
        /* one answer fails every item of its batch: say it once per pause */
        if (now + wait > e->paused_until)
            sqt_logf(e->log, SQT_LV_WARN, "executor: rate limited (%s %s), pausing %llu ms",
                     err->exch_code, err->message, (unsigned long long)wait);
        pause_until(e, now + wait);
        c->not_before = 0;
        e->st.retries++;
        q_push_front(&e->q[queue_of(c)], c);
        return 1;
    }
    if (err->code == SQT_EBANNED) {
        /* a plugin that refuses locally during a ban may not say for how long: use the
         * ban end it reported through rate_usage, else try again in a second */
        uint64_t wait = err->retry_after_ms > 0 ? (uint64_t)err->retry_after_ms
                        : e->ban_until > now ? e->ban_until - now
                                             : 1000;
        pause_until(e, now + wait);
        /* said once per ban: the plugin's rate usage may have announced it already, and
         * every request in flight when it began fails with it too */
        if (e->ban_until <= now) {
            e->st.bans++;
            sqt_logf(e->log, SQT_LV_ERROR,
                     "executor: BANNED by the exchange (%s %s): no requests for %llu ms",
                     err->exch_code, err->message, (unsigned long long)wait);
            if (e->cbs.on_fatal)
                e->cbs.on_fatal(e->cbs.ud, err);
        }
        if (now + wait > e->ban_until)
            e->ban_until = now + wait;
        q_push_front(&e->q[queue_of(c)], c);
        return 1;
    }
    return 0;
}

static void settle_place(sqt_executor *e, cmd *c, const sqt_error *err, const sqt_order *o)
{
    if (err->code == SQT_OK) {
        if (e->cbs.on_place)
            e->cbs.on_place(e->cbs.ud, c->client_id, err, o);
        free(c);
        return;
    }
    if (handle_throttle(e, c, err))
        return;
    if (transient(err->code) || err->code == SQT_EDUP_CLIENT_ID) {
        /* the order may exist: look before resending */
        if (c->attempts >= e->o.max_attempts) {
            fail_cmd(e, c, err);
            return;
        }
        sqt_logf(e->log, SQT_LV_WARN, "executor: place %s: %s (%s); verifying by query",
                 c->client_id, sqt_strerror(err->code), err->message);
        c->verify = 1;
        requeue(e, c, err->code == SQT_EDUP_CLIENT_ID ? 0 : backoff_ms(e, c->attempts));
        return;
    }
    if ((err->code == SQT_EAUTH || err->code == SQT_ETIMESTAMP) && e->cbs.on_fatal)
        e->cbs.on_fatal(e->cbs.ud, err);
    fail_cmd(e, c, err);
}

/* A verification query for a place with unknown outcome answered. */
static void settle_verify(sqt_executor *e, cmd *c, const sqt_error *err, const sqt_order *o)
{
    if (err->code == SQT_OK && o != NULL) {
        sqt_error ok;
        memset(&ok, 0, sizeof(ok));
        e->st.verified++;
        sqt_logf(e->log, SQT_LV_INFO, "executor: place %s verified: the order exists", c->client_id);
        if (e->cbs.on_place)
            e->cbs.on_place(e->cbs.ud, c->client_id, &ok, o);
        free(c);
        return;
    }
    if (handle_throttle(e, c, err))
        return;
    if (err->code == SQT_EUNKNOWN_ORDER) {
        /* the order never arrived: safe to send again */
        c->verify = 0;
        e->st.verified++;
        if (c->attempts >= e->o.max_attempts) {
            sqt_error gone = *err;
            snprintf(gone.message, sizeof(gone.message), "not placed after %d attempts",
                     c->attempts);
            gone.code = SQT_ENETWORK;
            fail_cmd(e, c, &gone);
            return;
        }
        requeue(e, c, 0);
        return;
    }
    if (transient(err->code) && c->attempts < e->o.max_attempts * 2) {
        requeue(e, c, backoff_ms(e, c->attempts));
        return;
    }
    /* cannot tell: report it as unknown; the engine keeps the slot blocked until the
     * reconciler sees the order (or its absence) */
    {
        sqt_error u = *err;
        u.code = SQT_EUNKNOWN_STATUS;
        fail_cmd(e, c, &u);
    }
}

static void settle_cancel(sqt_executor *e, cmd *c, const sqt_error *err)
{
    if (handle_throttle(e, c, err))
        return;
    if (transient(err->code) && c->attempts < e->o.max_attempts) {
        requeue(e, c, backoff_ms(e, c->attempts));
        return;
    }
    if (e->cbs.on_cancel)
        e->cbs.on_cancel(e->cbs.ud, c->client_id, err);
    free(c);
}

static void settle_query(sqt_executor *e, cmd *c, const sqt_error *err, const sqt_order *o)
{
    if (handle_throttle(e, c, err))
        return;
    if (transient(err->code) && c->attempts < e->o.max_attempts) {
        requeue(e, c, backoff_ms(e, c->attempts));
        return;
    }
    if (e->cbs.on_query)
        e->cbs.on_query(e->cbs.ud, c->client_id, err, err->code == SQT_OK ? o : NULL);
    free(c);
}

static void batch_done(batch *b)
{
    sqt_executor *e = b->e;
    e->inflight--;
    free(b);
    if (e->closing)
        maybe_finish_close(e);
    else
        schedule_now(e);
}

/* While closing, results are dropped. */
static int batch_drop_if_closing(batch *b)
{
    size_t i;
    if (!b->e->closing)
        return 0;
    for (i = 0; i < b->n; i++)
        free(b->items[i]);
    batch_done(b);
    return 1;
}

/* The error of item i of a batch answer: its own, the request's status, or a protocol
 * error when the plugin answered fewer items than asked. */
static sqt_error item_error(int status, const sqt_error *item, size_t i, size_t n, size_t asked)
{
    sqt_error err;
    memset(&err, 0, sizeof(err));
    if (item != NULL && i < n) {
        err = *item;
        if (status < 0 && err.code == SQT_OK)
            err.code = status;
    } else {
        err.code = status < 0 ? status : SQT_EPROTO;
        snprintf(err.message, sizeof(err.message), "plugin returned %zu results for %zu orders", n,
                 asked);
    }
    return err;
}

static void on_placed(void *ud, int status, const sqt_place_result *res, size_t n)
{
    batch *b = ud;
    size_t i;
    if (batch_drop_if_closing(b))
        return;
    for (i = 0; i < b->n; i++) {
        int have = res != NULL && i < n;
        sqt_error err = item_error(status, have ? &res[i].err : NULL, i, n, b->n);
        settle_place(b->e, b->items[i], &err, (have && err.code == SQT_OK) ? &res[i].order : NULL);
    }
    batch_done(b);
}

static void on_cancelled(void *ud, int status, const sqt_cancel_result *res, size_t n)
{
    batch *b = ud;
    size_t i;
    if (batch_drop_if_closing(b))
        return;
    for (i = 0; i < b->n; i++) {
        int have = res != NULL && i < n;
        sqt_error err = item_error(status, have ? &res[i].err : NULL, i, n, b->n);
        settle_cancel(b->e, b->items[i], &err);
    }
    batch_done(b);
}

static void on_queried(void *ud, const sqt_error *err, const sqt_order *orders, size_t n)
{
    batch *b = ud;
    sqt_executor *e = b->e;
    cmd *c = b->items[0];
    sqt_error ok;
    if (batch_drop_if_closing(b))
        return;
    memset(&ok, 0, sizeof(ok));
    if (err == NULL || err->code == SQT_OK) {
        if (orders == NULL || n == 0) {
            ok.code = SQT_EUNKNOWN_ORDER;
            snprintf(ok.message, sizeof(ok.message), "query returned no order");
        }
        err = &ok;
    }
    if (c->kind == CMD_PLACE)
        settle_verify(e, c, err, n > 0 ? &orders[0] : NULL);
    else
        settle_query(e, c, err, n > 0 ? &orders[0] : NULL);
    batch_done(b);
}

/* Take up to max ready commands from queue qi into b. */
static size_t take_ready(sqt_executor *e, int qi, batch *b, size_t max, uint64_t now)
{
    queue *q = &e->q[qi];
    cmd *prev = NULL, *c = q->head;
    while (c != NULL && b->n < max) {
        cmd *next = c->next;
        if (c->not_before <= now) {
            if (prev)
                prev->next = next;
            else
                q->head = next;
            if (q->tail == c)
                q->tail = prev;
            q->n--;
            c->next = NULL;
            b->items[b->n++] = c;
        } else {
            prev = c;
        }
        c = next;
    }
    return b->n;
}

static uint64_t earliest_ready(const sqt_executor *e)
{
    uint64_t best = UINT64_MAX;
    int i;
    for (i = 0; i < Q_COUNT; i++) {
        const cmd *c;
        for (c = e->q[i].head; c != NULL; c = c->next)
            if (c->not_before < best)
                best = c->not_before;
    }
    return best;
}

static void send_failed_sync(sqt_executor *e, batch *b, int rc)
{
    sqt_error err;
    size_t i;
    memset(&err, 0, sizeof(err));
    err.code = rc;
    snprintf(err.message, sizeof(err.message), "plugin refused the request: %s", sqt_strerror(rc));
    e->inflight++; /* balanced by batch_done */
    for (i = 0; i < b->n; i++) {
        cmd *c = b->items[i];
        if (c->kind == CMD_PLACE && c->verify) {
            settle_verify(e, c, &err, NULL);
        } else if (c->kind == CMD_PLACE) {
            settle_place(e, c, &err, NULL);
        } else if (c->kind == CMD_CANCEL) {
            settle_cancel(e, c, &err);
        } else {
            settle_query(e, c, &err, NULL);
        }
    }
    batch_done(b);
}

static int send_one(sqt_executor *e, uint64_t now)
{
    size_t cap = (size_t)(e->o.max_batch_place > e->o.max_batch_cancel ? e->o.max_batch_place
                                                                       : e->o.max_batch_cancel);
    batch *b = malloc(sizeof(*b) + cap * sizeof(cmd *));
    int rc, qi;
    size_t i;
    if (b == NULL)
        return 0;
    b->e = e;
    b->n = 0;
    for (qi = 0; qi < Q_COUNT; qi++) {
        if (qi == Q_CANCEL) {
            if (take_ready(e, qi, b, (size_t)e->o.max_batch_cancel, now) > 0) {
                b->kind = CMD_CANCEL;
                break;
            }
        } else if (qi == Q_QUERY) {
            if (take_ready(e, qi, b, 1, now) > 0) {
                b->kind = CMD_QUERY;
                break;
            }
        } else {
            /* sells first, buys fill the rest of the batch */
            take_ready(e, Q_SELL, b, (size_t)e->o.max_batch_place, now);
            take_ready(e, Q_BUY, b, (size_t)e->o.max_batch_place, now);
            b->kind = CMD_PLACE;
            break;
        }
    }
    if (b->n == 0) {
        free(b);
        return 0;
    }
    e->tokens_milli -= 1000;
    e->st.requests++;
    e->inflight++; /* before the call: robust even to a plugin that answers synchronously */
    for (i = 0; i < b->n; i++)
        b->items[i]->attempts++;
    if (b->kind == CMD_PLACE) {
        sqt_order_req reqs[SQT_EXEC_MAX_BATCH];
        size_t n = b->n;
        for (i = 0; i < n; i++)
            reqs[i] = b->items[i]->req;
        e->st.places += n;
        if (e->on_send != NULL)
            e->on_send(e->send_ud, reqs, n);
        rc = e->api->place_orders(e->ex, reqs, n, on_placed, b);
    } else if (b->kind == CMD_CANCEL) {
        sqt_cancel_req reqs[SQT_EXEC_MAX_BATCH];
        size_t n = b->n;
        for (i = 0; i < n; i++) {
            memcpy(reqs[i].client_id, b->items[i]->client_id, sizeof(reqs[i].client_id));
            memcpy(reqs[i].order_id, b->items[i]->order_id, sizeof(reqs[i].order_id));
        }
        e->st.cancels += n;
        rc = e->api->cancel_orders(e->ex, reqs, n, on_cancelled, b);
    } else {
        cmd *c = b->items[0];
        e->st.queries++;
        rc = e->api->query_order(e->ex, c->client_id[0] ? c->client_id : NULL,
                                 c->order_id[0] ? c->order_id : NULL, on_queried, b);
    }
    if (rc < 0) {
        e->inflight--;
        send_failed_sync(e, b, rc);
    }
    return 1;
}

static void pump(sqt_executor *e)
{
    uint64_t now, next;
    if (e->closing)
        return;
    now = uv_now(e->loop);
    refill(e, now);
    while (now >= e->paused_until && e->inflight < (size_t)e->o.max_inflight &&
           e->tokens_milli >= 1000) {
        if (!send_one(e, now))
            break;
        if (e->closing)
            return;
    }
    /* when to look again: the pause end, the next token, or the next retry */
    next = earliest_ready(e);
    if (next == UINT64_MAX)
        return;
    if (e->inflight >= (size_t)e->o.max_inflight)
        return; /* a completion will pump */
    if (next < e->paused_until)
        next = e->paused_until;
    if (e->tokens_milli < 1000) {
        uint64_t t = now + (uint64_t)((1000 - e->tokens_milli + e->o.rate_per_sec - 1) /
                                      e->o.rate_per_sec);
        if (t > next)
            next = t;
    }
    uv_timer_start(&e->timer, timer_cb, next > now ? next - now : 0, 0);
}

void sqt_executor_pause(sqt_executor *e, uint64_t ms)
{
    pause_until(e, uv_now(e->loop) + ms);
    schedule_now(e); /* re-arm the timer for the pause end */
}

void sqt_executor_rate_usage(sqt_executor *e, const sqt_rate_usage *u)
{
    uint64_t now = uv_now(e->loop);
    if (u->banned_until_ms > 0) {
        uv_timeval64_t tv;
        int64_t wall = 0, wait;
        if (uv_gettimeofday(&tv) == 0)
            wall = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
        wait = u->banned_until_ms - wall;
        if (wait > 0) {
            /* the loop's cached time lags the wall clock a little: resume a bit late,
             * never before the ban ends */
            wait += SQT_EXEC_BAN_MARGIN_MS;
            if (e->ban_until <= now) { /* a new ban, not the same one reported again */
                e->st.bans++;
                sqt_logf(e->log, SQT_LV_ERROR,
                         "executor: exchange ban: all requests stopped for %lld s",
                         (long long)(wait / 1000));
            }
            if (now + (uint64_t)wait > e->ban_until)
                e->ban_until = now + (uint64_t)wait;
            pause_until(e, now + (uint64_t)wait);
        }
    }
    /* near the weight limit: spread the next requests out instead of hitting 429 */
    if (u->weight_limit > 0 && u->used_weight >= 0 &&
        (int64_t)u->used_weight * 10 >= (int64_t)u->weight_limit * 9) {
        pause_until(e, now + 1000);
        sqt_logf(e->log, SQT_LV_WARN, "executor: request weight %d of %d used; slowing down",
                 u->used_weight, u->weight_limit);
    }
}

void sqt_executor_stats_get(const sqt_executor *e, sqt_executor_stats *out)
{
    int i;
    *out = e->st;
    out->queued = 0;
    for (i = 0; i < Q_COUNT; i++)
        out->queued += e->q[i].n;
    out->inflight = e->inflight;
}

void sqt_executor_on_send(sqt_executor *e, sqt_executor_send_cb cb, void *ud)
{
    e->on_send = cb;
    e->send_ud = ud;
}

int sqt_executor_idle(const sqt_executor *e)
{
    int i;
    if (e->inflight > 0)
        return 0;
    for (i = 0; i < Q_COUNT; i++)
        if (e->q[i].n > 0)
            return 0;
    return 1;
}

static void timer_closed(uv_handle_t *h)
{
    sqt_executor *e = h->data;
    e->timer_closed = 1;
    maybe_finish_close(e);
}

void sqt_executor_close(sqt_executor *e, void (*cb)(void *ud), void *ud)
{
    int i;
    if (e->closing)
        return;
    e->closing = 1;
    e->close_cb = cb;
    e->close_ud = ud;
    for (i = 0; i < Q_COUNT; i++)
        q_free(&e->q[i]);
    uv_timer_stop(&e->timer);
    uv_close((uv_handle_t *)&e->timer, timer_closed);
}
