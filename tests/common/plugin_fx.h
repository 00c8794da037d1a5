/* The fixture every exchange plugin's unit test drives its plugin with: the fake host,
 * create / shutdown / destroy with the checks each test ends on (shutdown completes
 * once, never inside the call; no secret in any log line; no misuse of the host), and
 * the requests the plugin sent, by method and path, a recorder (rec) with a callback
 * for every kind of answer, and one (sink_rec) for every kind of stream.
 *
 * Before including, define PFX_EXCHANGE (the exchange name, "gate") and PFX_SECRETS
 * (the secrets that must never be logged, comma-separated string literals). */
#ifndef SQT_PLUGIN_FX_H
#define SQT_PLUGIN_FX_H

#include <stdio.h>
#include <string.h>

#include "fake_host.h"
#include "sqt_test.h"

#if !defined(PFX_EXCHANGE) || !defined(PFX_SECRETS)
#error "define PFX_EXCHANGE and PFX_SECRETS before including plugin_fx.h"
#endif

const sqt_plugin *sqt_plugin_entry(void);

typedef struct fx {
    fake_host *fh;
    const sqt_exchange_api *api;
    sqt_exchange *ex;
    int allow_hedge;
} fx;

/* What an operation's callback handed back: a recorder for every kind of answer. */
typedef struct rec {
    int calls;
    int status;
    sqt_error err;
    sqt_symbol_info info;
    sqt_account acct;
    sqt_position pos[4];
    sqt_order orders[160];
    sqt_kline klines[8];
    sqt_place_result place[10];
    sqt_cancel_result cancel[20];
    size_t n;
} rec;

#define PFX_FITS(r, field, n) ((n) > 0 && (n) <= sizeof((r)->field) / sizeof((r)->field[0]))

static inline void set_err(rec *r, const sqt_error *e)
{
    r->calls++;
    memset(&r->err, 0, sizeof(r->err));
    if (e != NULL)
        r->err = *e;
}

static inline void info_cb(void *ud, const sqt_error *e, const sqt_symbol_info *info)
{
    rec *r = ud;
    set_err(r, e);
    if (info != NULL)
        r->info = *info;
}

static inline void acct_cb(void *ud, const sqt_error *e, const sqt_account *a)
{
    rec *r = ud;
    set_err(r, e);
    if (a != NULL)
        r->acct = *a;
}

static inline void pos_cb(void *ud, const sqt_error *e, const sqt_position *p, size_t n)
{
    rec *r = ud;
    set_err(r, e);
    r->n = n;
    if (PFX_FITS(r, pos, n))
        memcpy(r->pos, p, n * sizeof(*p));
}

static inline void orders_cb(void *ud, const sqt_error *e, const sqt_order *o, size_t n)
{
    rec *r = ud;
    set_err(r, e);
    r->n = n;
    if (PFX_FITS(r, orders, n))
        memcpy(r->orders, o, n * sizeof(*o));
}

static inline void klines_cb(void *ud, const sqt_error *e, const sqt_kline *k, size_t n)
{
    rec *r = ud;
    set_err(r, e);
    r->n = n;
    if (PFX_FITS(r, klines, n))
        memcpy(r->klines, k, n * sizeof(*k));
}

static inline void place_cb(void *ud, int status, const sqt_place_result *res, size_t n)
{
    rec *r = ud;
    r->calls++;
    r->status = status;
    r->n = n;
    if (PFX_FITS(r, place, n))
        memcpy(r->place, res, n * sizeof(*res));
}

static inline void cancel_cb(void *ud, int status, const sqt_cancel_result *res, size_t n)
{
    rec *r = ud;
    r->calls++;
    r->status = status;
    r->n = n;
    if (PFX_FITS(r, cancel, n))
        memcpy(r->cancel, res, n * sizeof(*res));
}

static inline int fx_create(fx *f, sqt_error *err)
{
    sqt_create_args args;
    memset(&args, 0, sizeof(args));
    args.struct_size = sizeof(args);
    args.symbol = "ETHUSDT";
    args.exchange_name = PFX_EXCHANGE;
    args.allow_hedge_mode = f->allow_hedge;
    f->api = sqt_plugin_entry()->exchange;
    return f->api->create(fake_host_api(), fake_host_handle(f->fh), &args, &f->ex, err);
}

static inline void fx_start(fx *f)
{
    sqt_error err;
    int rc = fx_create(f, &err);
    SQT_ASSERT_INT_EQ(rc, SQT_OK);
    if (rc != SQT_OK)
        fprintf(stderr, "    create: %s\n", err.message);
}

static inline void fx_shut_cb(void *ud, const sqt_error *err)
{
    (*(int *)ud)++;
    CU_ASSERT_EQUAL(err == NULL ? SQT_OK : err->code, SQT_OK);
}

static inline void fx_done(fx *f)
{
    static const char *const secrets[] = {PFX_SECRETS};
    int done = 0;
    size_t i;
    if (f->ex != NULL) {
        SQT_ASSERT_INT_EQ(f->api->shutdown(f->ex, fx_shut_cb, &done), SQT_OK);
        SQT_ASSERT_INT_EQ(done, 0); /* never inside shutdown() */
        for (i = 0; i < 20 && done == 0; i++)
            fake_host_advance(f->fh, 10);
        SQT_ASSERT_INT_EQ(done, 1);
        f->api->destroy(f->ex);
    }
    /* secrets never reach a log line */
    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        CU_ASSERT_FALSE(fake_host_log_contains(f->fh, secrets[i]));
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(f->fh), 0);
    fake_host_free(f->fh);
}

/* path of a request URL (after the host) and its query (after '?', "" none) */
static inline void split_url(const char *url, char *path, size_t pcap, char *query,
                             size_t qcap)
{
    const char *p = strstr(url, "://"), *q;
    p = p != NULL ? strchr(p + 3, '/') : url;
    q = strchr(p, '?');
    snprintf(path, pcap, "%.*s", (int)(q != NULL ? (size_t)(q - p) : strlen(p)), p);
    snprintf(query, qcap, "%s", q != NULL ? q + 1 : "");
}

/* index of the pending request with that method and path, or -1 */
static inline int pending(fx *f, const char *method, const char *path)
{
    size_t i;
    char p[256], q[1024];
    for (i = 0; i < fake_host_http_pending(f->fh); i++) {
        fake_http *r = fake_host_http_at(f->fh, i);
        split_url(r->url, p, sizeof(p), q, sizeof(q));
        if (strcmp(r->method, method) == 0 && strcmp(p, path) == 0)
            return (int)i;
    }
    return -1;
}

static inline const char *query_of(fake_http *r, char *buf, size_t cap)
{
    char p[256];
    split_url(r->url, p, sizeof(p), buf, cap);
    return buf;
}

/* Answer pending request i (it must be there). */
static inline void reply(fx *f, int i, int status, const char *body)
{
    CU_ASSERT_FATAL(i >= 0);
    fake_host_http_reply(f->fh, (size_t)i, status, body, NULL);
}

/* symbol_info answered from `body` on GET path: the info the orders need is loaded. */
static inline void fx_load_info(fx *f, const char *path, const char *body)
{
    rec r;
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(f->api->symbol_info(f->ex, info_cb, &r), SQT_OK);
    reply(f, pending(f, "GET", path), 200, body);
    SQT_ASSERT_INT_EQ(r.calls, 1);
}

/* A post-only limit order request. */
static inline sqt_order_req order_req(const char *cid, sqt_side side, int64_t pm, int32_t ps,
                                      int64_t qm, int32_t qs)
{
    sqt_order_req q;
    memset(&q, 0, sizeof(q));
    q.struct_size = sizeof(q);
    snprintf(q.client_id, sizeof(q.client_id), "%s", cid);
    q.side = side;
    q.tif = SQT_TIF_POST_ONLY;
    q.price = sqt_dec_make(pm, ps);
    q.qty = sqt_dec_make(qm, qs);
    return q;
}

/* What a stream handed over: counts, the last tick, the first eight klines and orders,
 * the states as letters (U up, D down, R resync, F failed) and the last state error. */
typedef struct sink_rec {
    int ticks, klines, orders;
    sqt_price_tick tick;
    sqt_kline kline[8];
    sqt_order order[8];
    char states[32];
    sqt_error state_err;
} sink_rec;

static inline void sink_price(void *ud, const sqt_price_tick *t)
{
    sink_rec *s = ud;
    s->ticks++;
    s->tick = *t;
}

static inline void sink_kline(void *ud, const sqt_kline *k)
{
    sink_rec *s = ud;
    if (s->klines < 8)
        s->kline[s->klines] = *k;
    s->klines++;
}

static inline void sink_order(void *ud, const sqt_order *o)
{
    sink_rec *s = ud;
    if (s->orders < 8)
        s->order[s->orders] = *o;
    s->orders++;
}

static inline void sink_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    sink_rec *s = ud;
    size_t n = strlen(s->states);
    if (n + 1 < sizeof(s->states)) {
        s->states[n] = st == SQT_STREAM_UP       ? 'U'
                       : st == SQT_STREAM_DOWN   ? 'D'
                       : st == SQT_STREAM_RESYNC ? 'R'
                                                 : 'F';
        s->states[n + 1] = '\0';
    }
    if (err != NULL)
        s->state_err = *err;
}

#endif
