/* The Binance plugin test fixture (see bn_fixture.h). */
#include <stdlib.h>
#include <string.h>

#include "bn_fixture.h"
#include "samples.h"
#include "sign.h"

/* ---- fixture ------------------------------------------------------------------- */

int g_in_api;           /* inside a plugin entry point */
int g_sync_violations;  /* callbacks seen while g_in_api */

int call_end(int rc)
{
    g_in_api = 0;
    return rc;
}

void on_cb(void)
{
    if (g_in_api)
        g_sync_violations++;
}

const sqt_exchange_api *bn_api(void)
{
    return sqt_plugin_entry()->exchange;
}

int fx_create(fx *f, const char *symbol, sqt_error *err)
{
    sqt_create_args args;
    memset(&args, 0, sizeof(args));
    args.struct_size = f->args_size != 0 ? f->args_size : sizeof(args);
    args.symbol = symbol;
    args.exchange_name = "binance";
    args.allow_hedge_mode = f->allow_hedge;
    args.user_stream_keepalive_ms = f->keepalive_ms;
    f->api = bn_api();
    return f->api->create(fake_host_api(), fake_host_handle(f->fh), &args, &f->ex, err);
}

/* A plugin for ETHUSDT with keys; `prefix` NULL = no broker prefix configured. */
void fx_init(fx *f, const char *prefix)
{
    memset(f, 0, sizeof(*f));
    f->fh = fake_host_new();
    fake_host_set_secret(f->fh, "api_key", API_KEY);
    fake_host_set_secret(f->fh, "secret_key", SECRET);
    if (prefix != NULL)
        fake_host_set_config(f->fh, "broker_prefix", prefix);
    g_sync_violations = 0;
}

void fx_start(fx *f)
{
    sqt_error err;
    int rc = fx_create(f, "ETHUSDT", &err);
    SQT_ASSERT_INT_EQ(rc, SQT_OK);
    if (rc != SQT_OK)
        fprintf(stderr, "    create: %s\n", err.message);
}

void shut_cb(void *ud, const sqt_error *err)
{
    int *n = ud;
    on_cb();
    (*n)++;
    CU_ASSERT_EQUAL(err == NULL ? SQT_OK : err->code, SQT_OK);
}

/* Shut down, check the invariants every test shares, free. */
void fx_done(fx *f)
{
    int done = 0;
    if (f->ex != NULL) {
        /* not CALL(): cancelled operations may complete inside shutdown() (they were
         * started by other calls); only shutdown's own callback must wait */
        SQT_ASSERT_INT_EQ(f->api->shutdown(f->ex, shut_cb, &done), SQT_OK);
        SQT_ASSERT_INT_EQ(done, 0); /* never from inside shutdown() */
        fake_host_advance(f->fh, 0);
        SQT_ASSERT_INT_EQ(done, 1);
        SQT_ASSERT_INT_EQ(fake_host_http_pending(f->fh), 0);
        SQT_ASSERT_INT_EQ(fake_host_active_timers(f->fh), 0);
        f->api->destroy(f->ex);
    }
    SQT_ASSERT_INT_EQ(g_sync_violations, 0);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(f->fh), 0);
    /* secrets never reach a log line */
    CU_ASSERT_FALSE(fake_host_log_contains(f->fh, SECRET));
    CU_ASSERT_FALSE(fake_host_log_contains(f->fh, API_KEY));
    fake_host_free(f->fh);
}

/* ---- request helpers ----------------------------------------------------------- */

const char *path_of(const fake_http *r)
{
    const char *p = strstr(r->url, "://");
    return p != NULL ? strchr(p + 3, '/') : NULL;
}

/* Index of the pending request `method` whose path starts with `path`; -1 if none. */
int pending(fx *f, const char *method, const char *path)
{
    size_t i;
    for (i = 0; i < fake_host_http_pending(f->fh); i++) {
        fake_http *r = fake_host_http_at(f->fh, i);
        const char *p = path_of(r);
        if (strcmp(r->method, method) == 0 && p != NULL && strncmp(p, path, strlen(path)) == 0 &&
            (p[strlen(path)] == '\0' || p[strlen(path)] == '?'))
            return (int)i;
    }
    return -1;
}

/* The parameter string of a request: the query for GET/DELETE, else the body. */
const char *params_of(const fake_http *r)
{
    const char *q = strchr(r->url, '?');
    if (q != NULL)
        return q + 1;
    return r->body != NULL ? r->body : "";
}

/* Value of key in a k=v&k=v string (not decoded); "" when absent. */
const char *param(const char *qs, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    const char *p = qs;
    out[0] = '\0';
    while (p != NULL && *p != '\0') {
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            const char *v = p + kl + 1, *end = strchr(v, '&');
            size_t n = end != NULL ? (size_t)(end - v) : strlen(v);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
        p = strchr(p, '&');
        if (p != NULL)
            p++;
    }
    return out;
}

void url_decode(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    while (*in != '\0' && n + 1 < cap) {
        if (in[0] == '%' && in[1] != '\0' && in[2] != '\0') {
            char hex[3] = {in[1], in[2], '\0'};
            out[n++] = (char)strtol(hex, NULL, 16);
            in += 3;
        } else {
            out[n++] = *in++;
        }
    }
    out[n] = '\0';
}

/* Signed: key header, signature last and valid over exactly what precedes it. */
void assert_signed(const fake_http *r)
{
    const char *qs = params_of(r), *sig = strstr(qs, "&signature=");
    char hex[SQT_BN_SIG_HEX_LEN + 1];
    SQT_ASSERT_STR_EQ(fake_http_header(r, "X-MBX-APIKEY"), API_KEY);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sig);
    CU_ASSERT_PTR_NULL(strchr(sig + 1, '&'));
    sqt_bn_sign_hex(SECRET, qs, (size_t)(sig - qs), hex);
    SQT_ASSERT_STR_EQ(sig + 11, hex);
}

void reply(fx *f, int i, int status, const char *body)
{
    CU_ASSERT_TRUE_FATAL(i >= 0);
    fake_host_http_reply(f->fh, (size_t)i, status, body, NULL);
}

/* Answer the pending server-time request with server = local + offset. */
void answer_time(fx *f, int64_t offset)
{
    char body[64];
    int i = pending(f, "GET", "/fapi/v1/time");
    CU_ASSERT_TRUE_FATAL(i >= 0);
    snprintf(body, sizeof(body), "{\"serverTime\":%lld}",
             (long long)(fake_host_api()->wall_ms(fake_host_handle(f->fh)) + offset));
    reply(f, i, 200, body);
}

/* ---- callback recorders -------------------------------------------------------- */

void set_err(rec *r, const sqt_error *e)
{
    on_cb();
    r->calls++;
    memset(&r->err, 0, sizeof(r->err));
    if (e != NULL)
        r->err = *e;
}

void info_cb(void *ud, const sqt_error *e, const sqt_symbol_info *info)
{
    rec *r = ud;
    set_err(r, e);
    CU_ASSERT_EQUAL(info != NULL, r->err.code == SQT_OK);
    if (info != NULL)
        r->info = *info;
}

void acct_cb(void *ud, const sqt_error *e, const sqt_account *a)
{
    rec *r = ud;
    set_err(r, e);
    if (a != NULL)
        r->acct = *a;
}

void pos_cb(void *ud, const sqt_error *e, const sqt_position *p, size_t n)
{
    rec *r = ud;
    set_err(r, e);
    r->n = n;
    if (n > 0 && n <= 4)
        memcpy(r->pos, p, n * sizeof(*p));
}

void orders_cb(void *ud, const sqt_error *e, const sqt_order *o, size_t n)
{
    rec *r = ud;
    set_err(r, e);
    r->n = n;
    if (n > 0 && n <= 32)
        memcpy(r->orders, o, n * sizeof(*o));
}

void klines_cb(void *ud, const sqt_error *e, const sqt_kline *k, size_t n)
{
    rec *r = ud;
    set_err(r, e);
    r->n = n;
    if (n > 0 && n <= 8)
        memcpy(r->klines, k, n * sizeof(*k));
}

void place_cb(void *ud, int status, const sqt_place_result *res, size_t n)
{
    rec *r = ud;
    set_err(r, NULL);
    r->status = status;
    r->n = n;
    if (n <= 8)
        memcpy(r->place, res, n * sizeof(*res));
}

void cancel_cb(void *ud, int status, const sqt_cancel_result *res, size_t n)
{
    rec *r = ud;
    set_err(r, NULL);
    r->status = status;
    r->n = n;
    if (n <= 64 && n > 0)
        memcpy(r->cancel, res, n * sizeof(*res));
}

/* ---- set-up helpers ------------------------------------------------------------ */

void load_info(fx *f)
{
    rec r;
    memset(&r, 0, sizeof(r));
    SQT_ASSERT_INT_EQ(CALL(f->api->symbol_info(f->ex, info_cb, &r)), SQT_OK);
    reply(f, pending(f, "GET", "/fapi/v1/exchangeInfo"), 200, BN_EXCHANGE_INFO);
    SQT_ASSERT_INT_EQ(r.calls, 1);
    SQT_ASSERT_INT_EQ(r.err.code, SQT_OK);
}

sqt_order_req order_req(const char *cid, sqt_side side, sqt_tif tif, int64_t price_mant,
                        int32_t price_scale, int64_t qty_mant, int32_t qty_scale)
{
    sqt_order_req q;
    memset(&q, 0, sizeof(q));
    q.struct_size = sizeof(q);
    snprintf(q.client_id, sizeof(q.client_id), "%s", cid);
    q.side = side;
    q.tif = tif;
    q.price = sqt_dec_make(price_mant, price_scale);
    q.qty = sqt_dec_make(qty_mant, qty_scale);
    return q;
}

/* ---- tests: descriptor and config ------------------------------------------------ */

void add_state(sink_rec *s, sqt_stream_state st)
{
    static const char letters[] = "?UDRF";
    size_t n = strlen(s->states);
    on_cb();
    if (n + 1 < sizeof(s->states)) {
        s->states[n] = letters[st >= 1 && st <= 4 ? st : 0];
        s->states[n + 1] = '\0';
    }
}

void sink_price(void *ud, const sqt_price_tick *t)
{
    sink_rec *s = ud;
    on_cb();
    s->ticks++;
    s->tick = *t;
}

void sink_kline(void *ud, const sqt_kline *k)
{
    sink_rec *s = ud;
    on_cb();
    s->klines++;
    s->kline = *k;
}

void sink_order(void *ud, const sqt_order *o)
{
    sink_rec *s = ud;
    on_cb();
    s->orders++;
    s->order = *o;
}

void sink_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    (void)err;
    add_state(ud, st);
}

/* The id of the last control message sent on connection i, and its method. */
long long last_sent_id(fx *f, size_t i, const char *method)
{
    fake_ws *w = fake_host_ws_at(f->fh, i);
    const char *m, *id;
    if (w == NULL || w->n_sent == 0)
        return -1;
    m = w->sent[w->n_sent - 1];
    if (strstr(m, method) == NULL || (id = strstr(m, "\"id\":")) == NULL)
        return -1;
    return strtoll(id + 5, NULL, 10);
}

/* Answer the pending POST listenKey with `key`, checking USER_STREAM security. */
void lk_reply(fx *f, const char *key)
{
    char body[128];
    int i = pending(f, "POST", "/fapi/v1/listenKey");
    fake_http *req;
    CU_ASSERT_TRUE_FATAL(i >= 0);
    req = fake_host_http_at(f->fh, (size_t)i);
    /* USER_STREAM security: the key header, no timestamp, no signature */
    SQT_ASSERT_STR_EQ(fake_http_header(req, "X-MBX-APIKEY"), API_KEY);
    SQT_ASSERT_STR_EQ(path_of(req), "/fapi/v1/listenKey"); /* no query */
    CU_ASSERT_TRUE(req->body == NULL || req->body_len == 0);
    snprintf(body, sizeof(body), "{\"listenKey\":\"%s\"}", key);
    reply(f, i, 200, body);
}

/* fx_done around the listenKey: shutdown DELETEs a key it holds, answered here with
 * status/body; status 0 = no DELETE may go out. Then the shared checks. */
void fx_done_lk(fx *f, int status, const char *body)
{
    int done = 0;
    SQT_ASSERT_INT_EQ(f->api->shutdown(f->ex, shut_cb, &done), SQT_OK);
    if (status == 0) {
        SQT_ASSERT_INT_EQ(pending(f, "DELETE", "/fapi/v1/listenKey"), -1);
    } else {
        reply(f, pending(f, "DELETE", "/fapi/v1/listenKey"), status, body);
        SQT_ASSERT_INT_EQ(done, 0);
    }
    fake_host_advance(f->fh, 0);
    SQT_ASSERT_INT_EQ(done, 1);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f->fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(f->fh), 0);
    f->api->destroy(f->ex);
    f->ex = NULL;
    fx_done(f);
}

/* A recorder wired as an order / price sink. */
void user_sink(sink_rec *s, sqt_order_sink *sink)
{
    memset(s, 0, sizeof(*s));
    sink->ud = s;
    sink->on_order = sink_order;
    sink->on_state = sink_state;
}

void price_sink(sink_rec *s, sqt_price_sink *sink)
{
    memset(s, 0, sizeof(*s));
    sink->ud = s;
    sink->on_price = sink_price;
    sink->on_state = sink_state;
}
