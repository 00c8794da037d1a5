/* Executor policy: see xpolicy.h. Moved out of executor.c so that the live executor and
 * the backtest share one implementation of the rules. */
#include "xpolicy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clientid.h"

#define XP_SPARE_CMDS 256
#define XP_SPARE_BATCHES 8
#define SQT_EXEC_BAN_MARGIN_MS 250
/* how long buys stop passing the cancels after a margin refusal */
#define SQT_XPOLICY_MARGIN_HOLD_MS 600000u

/* queues in service order: cancels reduce exposure first, reduce-only sells before buys */
enum { Q_CANCEL = 0, Q_QUERY = 1, Q_SELL = 2, Q_BUY = 3, Q_COUNT = 4 };

typedef struct cmd {
    struct cmd *next;
    int kind;                  /* SQT_XB_PLACE / _CANCEL / _QUERY */
    int attempts;              /* sends so far */
    int verify;                /* place whose outcome is unknown: query before resending */
    uint64_t not_before;
    sqt_order_req req;
    char client_id[SQT_CLIENT_ID_MAX];
    char order_id[SQT_ORDER_ID_MAX];
} cmd;

typedef struct queue {
    cmd *head, *tail;
    size_t n;
} queue;

struct sqt_xbatch {
    sqt_xbatch_kind kind;
    size_t n;
    cmd *items[SQT_XPOLICY_MAX_BATCH];
};

struct sqt_xpolicy {
    sqt_log *log;
    sqt_executor_opts o;
    sqt_executor_cbs cbs;
    queue q[Q_COUNT];
    int64_t tokens_milli;      /* token bucket, thousandths of a token */
    uint64_t refill_at;        /* time of the last refill */
    uint64_t paused_until;     /* 0 = not paused */
    int places_first;          /* sqt_xpolicy_set_open_room: places may pass the cancels */
    uint64_t margin_hold_until; /* after a margin refusal: buys wait for the cancels again */
    uint64_t ban_until;        /* end of the last reported ban */
    size_t inflight;
    sqt_executor_stats st;
    /* settled commands and batches kept for reuse: one of each per order and request
     * otherwise goes through malloc and free (a backtest sends millions) */
    cmd *spare;
    size_t nspare;
    sqt_xbatch *bspare[XP_SPARE_BATCHES];
    size_t nbspare;
};

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
    if (c->kind == SQT_XB_CANCEL)
        return Q_CANCEL;
    if (c->kind == SQT_XB_QUERY || c->verify)
        return Q_QUERY;
    return c->req.side == SQT_SIDE_SELL ? Q_SELL : Q_BUY;
}

sqt_xpolicy *sqt_xpolicy_new(const sqt_executor_opts *opts, const sqt_executor_cbs *cbs,
                             sqt_log *log, uint64_t now)
{
    sqt_xpolicy *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->log = log;
    p->o = *opts;
    p->cbs = *cbs;
    if (p->o.rate_per_sec <= 0)
        p->o.rate_per_sec = 25;
    if (p->o.burst <= 0)
        p->o.burst = 30;
    if (p->o.max_batch_place <= 0)
        p->o.max_batch_place = 1;
    if (p->o.max_batch_place > SQT_XPOLICY_MAX_BATCH)
        p->o.max_batch_place = SQT_XPOLICY_MAX_BATCH;
    if (p->o.max_batch_cancel <= 0)
        p->o.max_batch_cancel = 1;
    if (p->o.max_batch_cancel > SQT_XPOLICY_MAX_BATCH)
        p->o.max_batch_cancel = SQT_XPOLICY_MAX_BATCH;
    if (p->o.max_inflight <= 0)
        p->o.max_inflight = 4;
    if (p->o.rate_limit_retry_ms == 0)
        p->o.rate_limit_retry_ms = 1000;
    if (p->o.retry_base_ms == 0)
        p->o.retry_base_ms = 500;
    if (p->o.retry_max_ms == 0)
        p->o.retry_max_ms = 10000;
    if (p->o.max_attempts <= 0)
        p->o.max_attempts = 6;
    p->tokens_milli = (int64_t)p->o.burst * 1000;
    p->refill_at = now;
    return p;
}

void sqt_xpolicy_free(sqt_xpolicy *p)
{
    int i;
    if (p == NULL)
        return;
    for (i = 0; i < Q_COUNT; i++)
        q_free(&p->q[i]);
    while (p->spare != NULL) {
        cmd *c = p->spare;
        p->spare = c->next;
        free(c);
    }
    while (p->nbspare > 0)
        free(p->bspare[--p->nbspare]);
    free(p);
}

void sqt_xpolicy_free_queued(sqt_xpolicy *p)
{
    int i;
    for (i = 0; i < Q_COUNT; i++)
        q_free(&p->q[i]);
}

const sqt_executor_opts *sqt_xpolicy_opts(const sqt_xpolicy *p)
{
    return &p->o;
}

static cmd *cmd_new(sqt_xpolicy *p, int kind)
{
    cmd *c = p->spare;
    if (c != NULL) {
        p->spare = c->next;
        p->nspare--;
        memset(c, 0, sizeof(*c));
    } else if ((c = calloc(1, sizeof(*c))) == NULL) {
        return NULL;
    }
    c->kind = kind;
    return c;
}

static void cmd_release(sqt_xpolicy *p, cmd *c)
{
    if (p->nspare >= XP_SPARE_CMDS) {
        free(c);
        return;
    }
    c->next = p->spare;
    p->spare = c;
    p->nspare++;
}

SQT_HOT int sqt_xpolicy_place(sqt_xpolicy *p, const sqt_order_req *req)
{
    cmd *c;
    if ((c = cmd_new(p, SQT_XB_PLACE)) == NULL)
        return SQT_ENOMEM;
    c->req = *req;
    sqt_clientid_copy(c->client_id, sizeof(c->client_id), req->client_id);
    q_push(&p->q[queue_of(c)], c);
    return SQT_OK;
}

static int queue_ids(sqt_xpolicy *p, int kind, const char *client_id, const char *order_id)
{
    cmd *c;
    if ((client_id == NULL || !client_id[0]) && (order_id == NULL || !order_id[0]))
        return SQT_EINVAL;
    if ((c = cmd_new(p, kind)) == NULL)
        return SQT_ENOMEM;
    sqt_clientid_copy(c->client_id, sizeof(c->client_id), client_id ? client_id : "");
    sqt_clientid_copy(c->order_id, sizeof(c->order_id), order_id ? order_id : "");
    q_push(&p->q[queue_of(c)], c);
    return SQT_OK;
}

int sqt_xpolicy_cancel(sqt_xpolicy *p, const char *client_id, const char *order_id)
{
    return queue_ids(p, SQT_XB_CANCEL, client_id, order_id);
}

int sqt_xpolicy_query(sqt_xpolicy *p, const char *client_id, const char *order_id)
{
    return queue_ids(p, SQT_XB_QUERY, client_id, order_id);
}

static void fail_cmd(sqt_xpolicy *p, cmd *c, const sqt_error *err)
{
    switch (c->kind) {
    case SQT_XB_PLACE:
        if (p->cbs.on_place)
            p->cbs.on_place(p->cbs.ud, c->client_id, err, NULL);
        break;
    case SQT_XB_CANCEL:
        if (p->cbs.on_cancel)
            p->cbs.on_cancel(p->cbs.ud, c->client_id, err);
        break;
    default:
        if (p->cbs.on_query)
            p->cbs.on_query(p->cbs.ud, c->client_id, err, NULL);
        break;
    }
    cmd_release(p, c);
}

void sqt_xpolicy_drop_places(sqt_xpolicy *p)
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
        while ((c = q_pop(&p->q[qi])) != NULL)
            fail_cmd(p, c, &err);
    }
}

static void refill(sqt_xpolicy *p, uint64_t now)
{
    int64_t cap = (int64_t)p->o.burst * 1000;
    if (now <= p->refill_at)
        return;
    p->tokens_milli += (int64_t)(now - p->refill_at) * p->o.rate_per_sec;
    p->refill_at = now;
    if (p->tokens_milli > cap)
        p->tokens_milli = cap;
}

void sqt_xpolicy_pause_until(sqt_xpolicy *p, uint64_t until)
{
    if (until > p->paused_until)
        p->paused_until = until;
}

static uint32_t backoff_ms(const sqt_xpolicy *p, int attempts)
{
    uint64_t d = p->o.retry_base_ms;
    int i;
    for (i = 1; i < attempts && d < p->o.retry_max_ms; i++)
        d *= 2;
    if (d > p->o.retry_max_ms)
        d = p->o.retry_max_ms;
    return (uint32_t)d;
}

static void requeue(sqt_xpolicy *p, cmd *c, uint64_t now, uint64_t delay_ms)
{
    c->not_before = now + delay_ms;
    p->st.retries++;
    q_push(&p->q[queue_of(c)], c);
}

static int transient(int code)
{
    return code == SQT_ENETWORK || code == SQT_ETIMEOUT || code == SQT_EUNKNOWN_STATUS;
}

/* Shared handling of a rate-limit/ban answer for any kind; returns 1 if it took c. */
static int handle_throttle(sqt_xpolicy *p, cmd *c, const sqt_error *err, uint64_t now)
{
    if (err->code == SQT_ERATE_LIMITED) {
        uint64_t wait = err->retry_after_ms > 0 ? (uint64_t)err->retry_after_ms
                                                : p->o.rate_limit_retry_ms;
        p->st.rate_limited++;
        if (p->paused_until <= now)
            p->st.rate_pauses++;
        /* one answer fails every item of its batch: say it once per pause */
        if (now + wait > p->paused_until)
            sqt_logf(p->log, SQT_LV_WARN, "executor: rate limited (%s %s), pausing %llu ms",
                     err->exch_code, err->message, (unsigned long long)wait);
        sqt_xpolicy_pause_until(p, now + wait);
        c->not_before = 0;
        p->st.retries++;
        q_push_front(&p->q[queue_of(c)], c);
        return 1;
    }
    if (err->code == SQT_EBANNED) {
        /* a plugin that refuses locally during a ban may not say for how long: use the
         * ban end it reported through rate_usage, else try again in a second */
        uint64_t wait = err->retry_after_ms > 0 ? (uint64_t)err->retry_after_ms
                        : p->ban_until > now ? p->ban_until - now
                                             : 1000;
        sqt_xpolicy_pause_until(p, now + wait);
        /* said once per ban: the plugin's rate usage may have announced it already, and
         * every request in flight when it began fails with it too */
        if (p->ban_until <= now) {
            p->st.bans++;
            sqt_logf(p->log, SQT_LV_ERROR,
                     "executor: BANNED by the exchange (%s %s): no requests for %llu ms",
                     err->exch_code, err->message, (unsigned long long)wait);
            if (p->cbs.on_fatal)
                p->cbs.on_fatal(p->cbs.ud, err);
        }
        if (now + wait > p->ban_until)
            p->ban_until = now + wait;
        q_push_front(&p->q[queue_of(c)], c);
        return 1;
    }
    return 0;
}

static void settle_place(sqt_xpolicy *p, cmd *c, const sqt_error *err, const sqt_order *o,
                         uint64_t now)
{
    if (err->code == SQT_OK) {
        if (p->cbs.on_place)
            p->cbs.on_place(p->cbs.ud, c->client_id, err, o);
        cmd_release(p, c);
        return;
    }
    if (handle_throttle(p, c, err, now))
        return;
    if (transient(err->code) || err->code == SQT_EDUP_CLIENT_ID) {
        /* the order may exist: look before resending */
        if (c->attempts >= p->o.max_attempts) {
            fail_cmd(p, c, err);
            return;
        }
        sqt_logf(p->log, SQT_LV_WARN, "executor: place %s: %s (%s); verifying by query",
                 c->client_id, sqt_strerror(err->code), err->message);
        c->verify = 1;
        requeue(p, c, now, err->code == SQT_EDUP_CLIENT_ID ? 0 : backoff_ms(p, c->attempts));
        return;
    }
    if ((err->code == SQT_EAUTH || err->code == SQT_ETIMESTAMP) && p->cbs.on_fatal)
        p->cbs.on_fatal(p->cbs.ud, err);
    if (err->code == SQT_EMARGIN && p->places_first && now >= p->margin_hold_until)
        sqt_logf(p->log, SQT_LV_NOTICE, "executor: a buy was refused for margin; new buys wait "
                                        "for the cancels of far ones for %d min",
                 (int)(SQT_XPOLICY_MARGIN_HOLD_MS / 60000));
    if (err->code == SQT_EMARGIN)
        p->margin_hold_until = now + SQT_XPOLICY_MARGIN_HOLD_MS;
    fail_cmd(p, c, err);
}

/* A verification query for a place with unknown outcome answered. */
static void settle_verify(sqt_xpolicy *p, cmd *c, const sqt_error *err, const sqt_order *o,
                          uint64_t now)
{
    if (err->code == SQT_OK && o != NULL) {
        sqt_error ok;
        memset(&ok, 0, sizeof(ok));
        p->st.verified++;
        sqt_logf(p->log, SQT_LV_INFO, "executor: place %s verified: the order exists", c->client_id);
        if (p->cbs.on_place)
            p->cbs.on_place(p->cbs.ud, c->client_id, &ok, o);
        cmd_release(p, c);
        return;
    }
    if (handle_throttle(p, c, err, now))
        return;
    if (err->code == SQT_EUNKNOWN_ORDER) {
        /* the order never arrived: safe to send again */
        c->verify = 0;
        p->st.verified++;
        if (c->attempts >= p->o.max_attempts) {
            sqt_error gone = *err;
            snprintf(gone.message, sizeof(gone.message), "not placed after %d attempts",
                     c->attempts);
            gone.code = SQT_ENETWORK;
            fail_cmd(p, c, &gone);
            return;
        }
        requeue(p, c, now, 0);
        return;
    }
    if (transient(err->code) && c->attempts < p->o.max_attempts * 2) {
        requeue(p, c, now, backoff_ms(p, c->attempts));
        return;
    }
    /* cannot tell: report it as unknown; the engine keeps the slot blocked until the
     * reconciler sees the order (or its absence) */
    {
        sqt_error u = *err;
        u.code = SQT_EUNKNOWN_STATUS;
        fail_cmd(p, c, &u);
    }
}

static void settle_cancel(sqt_xpolicy *p, cmd *c, const sqt_error *err, uint64_t now)
{
    if (handle_throttle(p, c, err, now))
        return;
    if (transient(err->code) && c->attempts < p->o.max_attempts) {
        requeue(p, c, now, backoff_ms(p, c->attempts));
        return;
    }
    if (p->cbs.on_cancel)
        p->cbs.on_cancel(p->cbs.ud, c->client_id, err);
    cmd_release(p, c);
}

static void settle_query(sqt_xpolicy *p, cmd *c, const sqt_error *err, const sqt_order *o,
                         uint64_t now)
{
    if (handle_throttle(p, c, err, now))
        return;
    if (transient(err->code) && c->attempts < p->o.max_attempts) {
        requeue(p, c, now, backoff_ms(p, c->attempts));
        return;
    }
    if (p->cbs.on_query)
        p->cbs.on_query(p->cbs.ud, c->client_id, err, err->code == SQT_OK ? o : NULL);
    cmd_release(p, c);
}

static void batch_done(sqt_xpolicy *p, sqt_xbatch *b)
{
    p->inflight--;
    if (p->nbspare < XP_SPARE_BATCHES)
        p->bspare[p->nbspare++] = b;
    else
        free(b);
}

/* The error of item i of a batch answer: its own, the request's status, or a protocol
 * error when the plugin answered fewer items than asked. */
/* The outcome of item i of a batch answer: the item's own error when the plugin gave
 * one (by reference: no copy of the record per order), else written into buf. */
static const sqt_error *item_error(int status, const sqt_error *item, size_t i, size_t n,
                                   size_t asked, sqt_error *buf)
{
    if (item != NULL && i < n) {
        if (status >= 0 || item->code != SQT_OK)
            return item;
        *buf = *item;
        buf->code = status;
        return buf;
    }
    memset(buf, 0, sizeof(*buf));
    buf->code = status < 0 ? status : SQT_EPROTO;
    snprintf(buf->message, sizeof(buf->message), "plugin returned %zu results for %zu orders", n,
             asked);
    return buf;
}

void sqt_xpolicy_on_placed(sqt_xpolicy *p, sqt_xbatch *b, int status, const sqt_place_result *res,
                           size_t n, uint64_t now)
{
    size_t i;
    for (i = 0; i < b->n; i++) {
        int have = res != NULL && i < n;
        sqt_error buf;
        const sqt_error *err = item_error(status, have ? &res[i].err : NULL, i, n, b->n, &buf);
        settle_place(p, b->items[i], err, (have && err->code == SQT_OK) ? &res[i].order : NULL,
                     now);
    }
    batch_done(p, b);
}

void sqt_xpolicy_on_cancelled(sqt_xpolicy *p, sqt_xbatch *b, int status,
                              const sqt_cancel_result *res, size_t n, uint64_t now)
{
    size_t i;
    for (i = 0; i < b->n; i++) {
        int have = res != NULL && i < n;
        sqt_error buf;
        const sqt_error *err = item_error(status, have ? &res[i].err : NULL, i, n, b->n, &buf);
        settle_cancel(p, b->items[i], err, now);
    }
    batch_done(p, b);
}

void sqt_xpolicy_on_queried(sqt_xpolicy *p, sqt_xbatch *b, const sqt_error *err,
                            const sqt_order *orders, size_t n, uint64_t now)
{
    cmd *c = b->items[0];
    sqt_error ok;
    memset(&ok, 0, sizeof(ok));
    if (err == NULL || err->code == SQT_OK) {
        if (orders == NULL || n == 0) {
            ok.code = SQT_EUNKNOWN_ORDER;
            snprintf(ok.message, sizeof(ok.message), "query returned no order");
        }
        err = &ok;
    }
    if (c->kind == SQT_XB_PLACE)
        settle_verify(p, c, err, n > 0 ? &orders[0] : NULL, now);
    else
        settle_query(p, c, err, n > 0 ? &orders[0] : NULL, now);
    batch_done(p, b);
}

void sqt_xpolicy_on_refused(sqt_xpolicy *p, sqt_xbatch *b, int rc, uint64_t now)
{
    sqt_error err;
    size_t i;
    memset(&err, 0, sizeof(err));
    err.code = rc;
    snprintf(err.message, sizeof(err.message), "plugin refused the request: %s", sqt_strerror(rc));
    for (i = 0; i < b->n; i++) {
        cmd *c = b->items[i];
        if (c->kind == SQT_XB_PLACE && c->verify)
            settle_verify(p, c, &err, NULL, now);
        else if (c->kind == SQT_XB_PLACE)
            settle_place(p, c, &err, NULL, now);
        else if (c->kind == SQT_XB_CANCEL)
            settle_cancel(p, c, &err, now);
        else
            settle_query(p, c, &err, NULL, now);
    }
    batch_done(p, b);
}

void sqt_xpolicy_discard(sqt_xpolicy *p, sqt_xbatch *b)
{
    size_t i;
    for (i = 0; i < b->n; i++)
        free(b->items[i]);
    batch_done(p, b);
}

/* Take up to max ready commands from queue qi into b. */
static size_t take_ready(sqt_xpolicy *p, int qi, sqt_xbatch *b, size_t max, uint64_t now)
{
    queue *q = &p->q[qi];
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

static uint64_t earliest_ready(const sqt_xpolicy *p)
{
    uint64_t best = UINT64_MAX;
    int i;
    for (i = 0; i < Q_COUNT; i++) {
        const cmd *c;
        for (c = p->q[i].head; c != NULL; c = c->next)
            if (c->not_before < best)
                best = c->not_before;
    }
    return best;
}

SQT_HOT sqt_xbatch *sqt_xpolicy_next(sqt_xpolicy *p, uint64_t now)
{
    sqt_xbatch *b;
    size_t i;
    if (p->q[Q_CANCEL].n + p->q[Q_QUERY].n + p->q[Q_SELL].n + p->q[Q_BUY].n == 0)
        return NULL; /* the common case in a backtest: nothing to send, no allocation */
    refill(p, now);
    if (now < p->paused_until || p->inflight >= (size_t)p->o.max_inflight ||
        p->tokens_milli < 1000)
        return NULL;
    if (p->nbspare > 0)
        b = p->bspare[--p->nbspare];
    else if ((b = malloc(sizeof(*b))) == NULL)
        return NULL;
    b->n = 0;
    /* places first when the caller vouched for the open-order limit: the new orders
     * near the market do not wait behind the cancels of far ones */
    if (p->places_first) {
        take_ready(p, Q_SELL, b, (size_t)p->o.max_batch_place, now);
        /* a buy ahead of the cancels needs margin for a moment: not after the account
         * said it has none to spare (a sell is reduce-only and needs none) */
        if (now >= p->margin_hold_until)
            take_ready(p, Q_BUY, b, (size_t)p->o.max_batch_place, now);
    }
    if (b->n > 0) {
        b->kind = SQT_XB_PLACE;
    } else if (take_ready(p, Q_CANCEL, b, (size_t)p->o.max_batch_cancel, now) > 0) {
        b->kind = SQT_XB_CANCEL;
    } else if (take_ready(p, Q_QUERY, b, 1, now) > 0) {
        b->kind = SQT_XB_QUERY;
    } else {
        /* sells first, buys fill the rest of the batch */
        take_ready(p, Q_SELL, b, (size_t)p->o.max_batch_place, now);
        take_ready(p, Q_BUY, b, (size_t)p->o.max_batch_place, now);
        b->kind = SQT_XB_PLACE;
    }
    if (b->n == 0) {
        p->bspare[p->nbspare++] = b; /* taken from the spares or new: there is room */
        return NULL;
    }
    p->tokens_milli -= 1000;
    p->st.requests++;
    p->inflight++;
    for (i = 0; i < b->n; i++)
        b->items[i]->attempts++;
    if (b->kind == SQT_XB_PLACE)
        p->st.places += b->n;
    else if (b->kind == SQT_XB_CANCEL)
        p->st.cancels += b->n;
    else
        p->st.queries++;
    return b;
}

SQT_HOT void sqt_xpolicy_set_open_room(sqt_xpolicy *p, long room)
{
    p->places_first = room >= 0;
}

SQT_HOT sqt_xbatch_kind sqt_xbatch_kind_of(const sqt_xbatch *b)
{
    return b->kind;
}

SQT_HOT size_t sqt_xbatch_size(const sqt_xbatch *b)
{
    return b->n;
}

SQT_HOT const sqt_order_req *sqt_xbatch_req(const sqt_xbatch *b, size_t i)
{
    return &b->items[i]->req;
}

const char *sqt_xbatch_client_id(const sqt_xbatch *b, size_t i)
{
    return b->items[i]->client_id;
}

const char *sqt_xbatch_order_id(const sqt_xbatch *b, size_t i)
{
    return b->items[i]->order_id;
}

SQT_HOT uint64_t sqt_xpolicy_wake_at(const sqt_xpolicy *p, uint64_t now)
{
    uint64_t next = earliest_ready(p);
    if (next == UINT64_MAX)
        return UINT64_MAX;
    if (p->inflight >= (size_t)p->o.max_inflight)
        return UINT64_MAX; /* a completion will pump */
    if (next < p->paused_until)
        next = p->paused_until;
    if (p->tokens_milli < 1000) {
        uint64_t t = now + (uint64_t)((1000 - p->tokens_milli + p->o.rate_per_sec - 1) /
                                      p->o.rate_per_sec);
        if (t > next)
            next = t;
    }
    return next;
}

void sqt_xpolicy_rate_usage(sqt_xpolicy *p, const sqt_rate_usage *u, int64_t wall_ms,
                            uint64_t now)
{
    if (u->banned_until_ms > 0) {
        int64_t wait = u->banned_until_ms - wall_ms;
        if (wait > 0) {
            /* the loop's cached time lags the wall clock a little: resume a bit late,
             * never before the ban ends */
            wait += SQT_EXEC_BAN_MARGIN_MS;
            if (p->ban_until <= now) { /* a new ban, not the same one reported again */
                p->st.bans++;
                sqt_logf(p->log, SQT_LV_ERROR,
                         "executor: exchange ban: all requests stopped for %lld s",
                         (long long)(wait / 1000));
            }
            if (now + (uint64_t)wait > p->ban_until)
                p->ban_until = now + (uint64_t)wait;
            sqt_xpolicy_pause_until(p, now + (uint64_t)wait);
        }
    }
    /* near the weight limit: spread the next requests out instead of hitting 429 */
    if (u->weight_limit > 0 && u->used_weight >= 0 &&
        (int64_t)u->used_weight * 10 >= (int64_t)u->weight_limit * 9) {
        sqt_xpolicy_pause_until(p, now + 1000);
        sqt_logf(p->log, SQT_LV_WARN, "executor: request weight %d of %d used; slowing down",
                 u->used_weight, u->weight_limit);
    }
}

void sqt_xpolicy_stats_get(const sqt_xpolicy *p, sqt_executor_stats *out)
{
    int i;
    *out = p->st;
    out->queued = 0;
    for (i = 0; i < Q_COUNT; i++)
        out->queued += p->q[i].n;
    out->inflight = p->inflight;
}

size_t sqt_xpolicy_inflight(const sqt_xpolicy *p)
{
    return p->inflight;
}

int sqt_xpolicy_idle(const sqt_xpolicy *p)
{
    int i;
    if (p->inflight > 0)
        return 0;
    for (i = 0; i < Q_COUNT; i++)
        if (p->q[i].n > 0)
            return 0;
    return 1;
}
