/* The emulator core (see emulator.h): exchange state on sqt_match + the price path,
 * request faults, the user-push pipeline, WebSocket registry, control commands. */
#include "emulator.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pricepath.h"

#define HOUSEKEEP_MS 50
#define HOLD_MAX_MS 1000       /* a reordered push waits at most this for a successor */
#define HISTORY_MINUTES 1500   /* kline history before the start (sqt_kbars keeps 1500) */
#define HISTORY_STEP_MS 15000
#define MAX_STEPS 100000

__extension__ typedef __int128 i128;

typedef struct emu_ord {
    char order_id[SQT_ORDER_ID_MAX];
    int64_t created;
} emu_ord;

/* A request fault: the next `count` exchange requests whose path starts with `path`. */
typedef struct rfault {
    int count;
    int placed;                /* 503/timeout: the request is carried out first */
    int64_t retry_after_ms;
    char path[96];
} rfault;

enum { SCHED_AT = 1, SCHED_ORDERS = 2, SCHED_REQUESTS = 3 };

typedef struct sched {
    struct sched *next;
    int kind;
    uint64_t at;               /* loop ms, or an order / request count */
    char name[32];
    json_t *args;
} sched;

typedef struct deferred {
    struct deferred *next;
    sqt_emu *e;
    sqt_srv_conn *conn;        /* NULL once the client is gone */
    uv_timer_t timer;
    sqt_emu_resp resp;
} deferred;

struct sqt_emu {
    uv_loop_t *loop;
    sqt_emu_opts o;
    char *s_dialect, *s_symbol, *s_key, *s_secret;
    const sqt_emu_dialect *d;
    void *dst;
    sqt_srv *srv;
    uv_timer_t timer;
    int timer_on;
    int closing;
    int pending;               /* handles still closing */
    int def_closing;           /* deferred answers' timers being closed */
    void (*done)(void *);
    void *done_ud;

    /* exchange */
    sqt_match_config mcfg;
    sqt_match *match;
    sqt_symbol_info info;
    sqt_pricepath *path;
    sqt_kbars *bars;
    sqt_dec price;
    int64_t clock_skew;
    uint64_t rng;
    int in_place;              /* fills inside a place took liquidity */
    int fills_pending;
    emu_ord *ords;
    size_t n_ords, cap_ords;
    sqt_emu_fill *fills;
    size_t n_fills, cap_fills;
    int64_t last_trade_id;     /* survives reset: trade ids are never reused */

    sqt_emu_ws *ws;
    deferred *defs;
    sched *scheds;
    uint64_t last_step, last_ping;

    /* faults */
    rfault f429, f503, ftimeout;
    int64_t delay_ms;
    char delay_path[96];
    int64_t ban_until;         /* server time */
    int force_post_only, force_margin;
    int drop_pushes, dup_pushes, reorder_pushes;
    char *held_event, *held_json;
    uint64_t held_since;

    /* counters */
    uint64_t n_requests, n_orders, pushes_sent, pushes_dropped, n_faults;
};

/* ------------------------------------------------------------------------------------
 * small helpers
 * ---------------------------------------------------------------------------------- */

void sqt_emu_opts_default(sqt_emu_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->dialect = "binance";
    o->seed = 1;
    o->tick_ms = 250;
    o->sigma = 0.0002;
    o->symbol = "ETHUSDT";
    o->start_price = sqt_dec_make(300000, 2);
    o->tick_size = sqt_dec_make(1, 2);
    o->step_size = sqt_dec_make(1, 3);
    o->min_qty = sqt_dec_make(1, 3);
    o->min_notional = sqt_dec_make(5, 0);
    o->balance = sqt_dec_make(10000, 0);
    o->leverage = 5;
    o->partial_fill_qty = sqt_dec_make(0, 0);
    o->api_key = SQT_EMU_DEFAULT_KEY;
    o->secret = SQT_EMU_DEFAULT_SECRET;
    o->ping_ms = 180000;
}

void sqt_emu_logf(sqt_emu *e, const char *fmt, ...)
{
    va_list ap;
    if (e == NULL || e->o.log == NULL)
        return;
    fputs("emulator: ", e->o.log);
    va_start(ap, fmt);
    vfprintf(e->o.log, fmt, ap);
    va_end(ap);
    fputc('\n', e->o.log);
    fflush(e->o.log);
}

const char *sqt_emu_fmt(sqt_dec d, char *buf, size_t cap)
{
    if (sqt_dec_format(d, buf, cap) < 0)
        snprintf(buf, cap, "0");
    return buf;
}

sqt_dec sqt_emu_dec_mul(sqt_dec a, sqt_dec b)
{
    i128 m = (i128)a.mant * b.mant;
    int32_t s = a.scale + b.scale;
    while (s > 0 && m % 10 == 0) {
        m /= 10;
        s--;
    }
    while (s > 8) { /* round half away from zero to 8 decimals */
        i128 q = m / 10, r = m % 10;
        if (r >= 5)
            q++;
        else if (r <= -5)
            q--;
        m = q;
        s--;
    }
    if (m > INT64_MAX || m < INT64_MIN || s < 0 || s > SQT_DEC_MAX_SCALE)
        return sqt_dec_make(0, 0);
    return sqt_dec_make((int64_t)m, s);
}

uint64_t sqt_emu_rand(sqt_emu *e)
{
    /* splitmix64: tiny, seedable, good enough for ids */
    uint64_t z = (e->rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

int64_t sqt_emu_now(const sqt_emu *e)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + e->clock_skew;
}

static uint64_t mono(const sqt_emu *e)
{
    return uv_now(e->loop);
}

const sqt_emu_opts *sqt_emu_options(const sqt_emu *e)
{
    return &e->o;
}

sqt_match *sqt_emu_match(sqt_emu *e)
{
    return e->match;
}

const sqt_symbol_info *sqt_emu_info(const sqt_emu *e)
{
    return &e->info;
}

const sqt_kbars *sqt_emu_kbars(const sqt_emu *e)
{
    return e->bars;
}

sqt_dec sqt_emu_price(const sqt_emu *e)
{
    return e->price;
}

sqt_emu_ws *sqt_emu_ws_list(sqt_emu *e)
{
    return e->ws;
}

int sqt_emu_port(const sqt_emu *e)
{
    return e ? sqt_srv_port(e->srv) : 0;
}

void sqt_emu_resp_set(sqt_emu_resp *r, int status, char *body)
{
    free(r->body);
    r->status = status;
    r->body = body;
    r->len = body ? strlen(body) : 0;
}

void sqt_emu_resp_json(sqt_emu_resp *r, int status, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (text == NULL) {
        sqt_emu_resp_set(r, 500, strdup("{\"code\":-1000,\"msg\":\"emulator: out of memory\"}"));
        return;
    }
    sqt_emu_resp_set(r, status, text);
}

void sqt_emu_resp_header(sqt_emu_resp *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    int i;
    for (i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->hname[i], name) == 0)
            break;
    if (i == SQT_EMU_MAX_HEADERS)
        return;
    snprintf(r->hname[i], sizeof(r->hname[i]), "%s", name);
    va_start(ap, fmt);
    vsnprintf(r->hvalue[i], sizeof(r->hvalue[i]), fmt, ap);
    va_end(ap);
    if (i == r->n_headers)
        r->n_headers++;
}

static void resp_free(sqt_emu_resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* ------------------------------------------------------------------------------------
 * exchange state
 * ---------------------------------------------------------------------------------- */

static int ledger_add(sqt_emu *e, const sqt_order *o)
{
    if (e->n_ords == e->cap_ords) {
        size_t cap = e->cap_ords ? e->cap_ords * 2 : 64;
        emu_ord *p = realloc(e->ords, cap * sizeof(*p));
        if (p == NULL)
            return SQT_ENOMEM;
        e->ords = p;
        e->cap_ords = cap;
    }
    memcpy(e->ords[e->n_ords].order_id, o->order_id, sizeof(o->order_id));
    e->ords[e->n_ords].created = o->update_time_ms;
    e->n_ords++;
    return SQT_OK;
}

int64_t sqt_emu_order_created(const sqt_emu *e, const char *order_id)
{
    size_t i;
    for (i = e->n_ords; i > 0; i--)
        if (strcmp(e->ords[i - 1].order_id, order_id) == 0)
            return e->ords[i - 1].created;
    return 0;
}

static void fill_add(sqt_emu *e, const sqt_order *o, int maker)
{
    if (e->n_fills == e->cap_fills) {
        size_t cap = e->cap_fills ? e->cap_fills * 2 : 64;
        sqt_emu_fill *p = realloc(e->fills, cap * sizeof(*p));
        if (p == NULL) {
            sqt_emu_logf(e, "out of memory: fill of %s not in the ledger", o->client_id);
            return;
        }
        e->fills = p;
        e->cap_fills = cap;
    }
    e->fills[e->n_fills].o = *o;
    e->fills[e->n_fills].trade_id = ++e->last_trade_id;
    e->fills[e->n_fills].maker = maker;
    e->n_fills++;
}

size_t sqt_emu_fill_count(const sqt_emu *e)
{
    return e->n_fills;
}

const sqt_emu_fill *sqt_emu_fill_at(const sqt_emu *e, size_t i)
{
    return i < e->n_fills ? &e->fills[i] : NULL;
}

static void on_emit(void *ud, const sqt_order *o)
{
    sqt_emu *e = ud;
    int maker = !e->in_place;
    if (o->status == SQT_ORDER_NEW && o->filled_qty.mant == 0 &&
        sqt_emu_order_created(e, o->order_id) == 0 && ledger_add(e, o) != SQT_OK)
        sqt_emu_logf(e, "out of memory: order %s not in the ledger", o->order_id);
    if (o->last_fill_qty.mant != 0) {
        fill_add(e, o, maker);
        e->fills_pending = 1;
    }
    if (e->d->on_order)
        e->d->on_order(e, e->dst, o, maker, o->update_time_ms);
}

static void account_if_filled(sqt_emu *e, int64_t now)
{
    if (e->fills_pending && e->d->on_account)
        e->d->on_account(e, e->dst, now);
    e->fills_pending = 0;
}

static int match_create(sqt_emu *e, char *err, size_t errlen)
{
    sqt_error me;
    sqt_match *m = NULL;
    int rc = sqt_match_new(&e->mcfg, on_emit, e, &m, &me);
    if (rc != SQT_OK) {
        snprintf(err, errlen, "%s", me.message);
        return rc;
    }
    sqt_match_free(e->match);
    e->match = m;
    sqt_match_symbol_info(m, &e->info);
    if (e->price.mant > 0)
        sqt_match_on_price(m, e->price, sqt_emu_now(e));
    return SQT_OK;
}

/* Move the market to `price` (on the tick): market pushes, then resting orders fill. */
static int apply_price(sqt_emu *e, sqt_dec price, sqt_dec qty)
{
    int64_t now = sqt_emu_now(e);
    sqt_dec p;
    int rc;
    if (sqt_dec_rescale(price, e->info.tick_size.scale, &p) != SQT_OK || p.mant <= 0 ||
        p.mant % e->info.tick_size.mant != 0)
        return SQT_EINVAL;
    e->price = p;
    sqt_kbars_trade(e->bars, p, qty, now);
    if (e->d->on_trade)
        e->d->on_trade(e, e->dst, p, qty, now);
    e->in_place = 0;
    e->fills_pending = 0;
    rc = sqt_match_on_price(e->match, p, now);
    account_if_filled(e, now);
    return rc < 0 ? rc : SQT_OK;
}

static int step_path(sqt_emu *e, char *err, size_t errlen)
{
    sqt_price_point pt;
    int r = sqt_pricepath_next(e->path, &pt, err, errlen);
    if (r != 1) {
        if (r == 0)
            snprintf(err, errlen, "the price path has no more points");
        return SQT_ESTATE;
    }
    return apply_price(e, pt.price, pt.qty);
}

int sqt_emu_place(sqt_emu *e, const sqt_order_req *req, sqt_order *out, sqt_error *err)
{
    int64_t now = sqt_emu_now(e);
    int rc;
    if (e->force_post_only > 0 && req->tif == SQT_TIF_POST_ONLY) {
        e->force_post_only--;
        memset(err, 0, sizeof(*err));
        err->code = SQT_EPOST_ONLY;
        snprintf(err->exch_code, sizeof(err->exch_code), "-5022");
        snprintf(err->message, sizeof(err->message),
                 "Due to the order could not be executed as maker, the Post Only order will be "
                 "rejected. The order will not be recorded in the order history");
        sqt_emu_logf(e, "fault: post-only rejection forced on %s", req->client_id);
        e->n_faults++;
        return SQT_EPOST_ONLY;
    }
    if (e->force_margin > 0 && !req->reduce_only) {
        e->force_margin--;
        memset(err, 0, sizeof(*err));
        err->code = SQT_EMARGIN;
        snprintf(err->exch_code, sizeof(err->exch_code), "-2019");
        snprintf(err->message, sizeof(err->message), "Margin is insufficient.");
        sqt_emu_logf(e, "fault: insufficient margin forced on %s", req->client_id);
        e->n_faults++;
        return SQT_EMARGIN;
    }
    e->in_place = 1;
    e->fills_pending = 0;
    rc = sqt_match_place(e->match, req, now, out, err);
    e->in_place = 0;
    if (rc == SQT_OK)
        e->n_orders++;
    account_if_filled(e, now);
    return rc;
}

int sqt_emu_cancel(sqt_emu *e, const char *client_id, const char *order_id, sqt_order *out,
                   sqt_error *err)
{
    return sqt_match_cancel(e->match, client_id, order_id, sqt_emu_now(e), out, err);
}

/* ------------------------------------------------------------------------------------
 * user pushes: drop, duplicate, reorder
 * ---------------------------------------------------------------------------------- */

void sqt_emu_ws_text(sqt_emu_ws *w, const char *text)
{
    if (w != NULL && w->open)
        sqt_srv_ws_send(w->conn, SQT_SRV_OP_TEXT, text, strlen(text));
}

static void deliver(sqt_emu *e, const char *event, const char *json)
{
    sqt_emu_ws *w;
    e->pushes_sent++;
    for (w = e->ws; w != NULL; w = w->next)
        if (w->open && w->kind == SQT_EMU_WS_USER && e->d->user_send)
            e->d->user_send(e, e->dst, w, event, json);
}

static void held_release(sqt_emu *e)
{
    char *ev = e->held_event, *js = e->held_json;
    if (ev == NULL)
        return;
    e->held_event = e->held_json = NULL;
    deliver(e, ev, js);
    free(ev);
    free(js);
}

void sqt_emu_user_push(sqt_emu *e, const char *event, const char *json)
{
    if (e->drop_pushes > 0) {
        e->drop_pushes--;
        e->pushes_dropped++;
        sqt_emu_logf(e, "fault: %s push dropped", event);
        return;
    }
    if (e->reorder_pushes > 0 && e->held_event == NULL) {
        e->held_event = strdup(event);
        e->held_json = strdup(json);
        if (e->held_event != NULL && e->held_json != NULL) {
            e->reorder_pushes--;
            e->held_since = mono(e);
            sqt_emu_logf(e, "fault: %s push held back to go after the next one", event);
            return;
        }
        free(e->held_event);
        free(e->held_json);
        e->held_event = e->held_json = NULL;
    }
    deliver(e, event, json);
    if (e->dup_pushes > 0) {
        e->dup_pushes--;
        sqt_emu_logf(e, "fault: %s push sent twice", event);
        deliver(e, event, json);
    }
    held_release(e);
}

/* ------------------------------------------------------------------------------------
 * WebSocket registry
 * ---------------------------------------------------------------------------------- */

static void ws_unlink(sqt_emu *e, sqt_emu_ws *w)
{
    sqt_emu_ws **p;
    for (p = &e->ws; *p != NULL; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            return;
        }
}

static void ws_free(sqt_emu *e, sqt_emu_ws *w)
{
    if (e->d->ws_free)
        e->d->ws_free(e->dst, w);
    free(w);
}

static int srv_on_upgrade(void *ud, sqt_srv_conn *c, const sqt_srv_request *req)
{
    sqt_emu *e = ud;
    sqt_emu_ws *w;
    if (e->closing || (w = calloc(1, sizeof(*w))) == NULL)
        return SQT_SRV_UPGRADE_REJECT;
    w->emu = e;
    w->conn = c;
    if (e->d->ws_accept(e, e->dst, w, req->target) != 0) {
        sqt_emu_logf(e, "WebSocket %s refused", req->target);
        ws_free(e, w);
        return SQT_SRV_UPGRADE_REJECT;
    }
    w->next = e->ws;
    e->ws = w;
    sqt_srv_conn_set_ud(c, w);
    return SQT_SRV_UPGRADE_ACCEPT;
}

static void srv_on_ws_open(void *ud, sqt_srv_conn *c)
{
    sqt_emu_ws *w = sqt_srv_conn_ud(c);
    (void)ud;
    if (w != NULL) {
        w->open = 1;
        sqt_emu_logf(w->emu, "WebSocket %llu open (%s)", (unsigned long long)sqt_srv_conn_id(c),
                     w->kind == SQT_EMU_WS_USER ? "user" : "market");
    }
}

static void srv_on_ws_message(void *ud, sqt_srv_conn *c, int opcode, const char *data,
                              size_t len)
{
    sqt_emu *e = ud;
    sqt_emu_ws *w = sqt_srv_conn_ud(c);
    if (w != NULL && opcode == SQT_SRV_OP_TEXT && e->d->ws_message && !e->closing)
        e->d->ws_message(e, e->dst, w, data, len);
}

static void srv_on_conn_closed(void *ud, sqt_srv_conn *c)
{
    sqt_emu *e = ud;
    sqt_emu_ws *w = sqt_srv_conn_ud(c);
    deferred *d;
    for (d = e->defs; d != NULL; d = d->next)
        if (d->conn == c)
            d->conn = NULL;
    if (w != NULL) {
        ws_unlink(e, w);
        ws_free(e, w);
        sqt_srv_conn_set_ud(c, NULL);
    }
}

enum { WHICH_ALL = 0, WHICH_MARKET = SQT_EMU_WS_MARKET, WHICH_USER = SQT_EMU_WS_USER };

/* act: 0 drop (RST), 1 close (close frame), 2 stall, 3 unstall. Returns how many. */
static int ws_act(sqt_emu *e, int which, int act)
{
    sqt_emu_ws *w, *next;
    int n = 0;
    for (w = e->ws; w != NULL; w = next) {
        next = w->next; /* dropping closes later, but be safe */
        if (which != WHICH_ALL && w->kind != which)
            continue;
        n++;
        switch (act) {
        case 0:
            sqt_srv_conn_drop(w->conn);
            break;
        case 1:
            sqt_srv_ws_close(w->conn, 1000, "emulator closes");
            break;
        case 2:
            w->stalled = 1;
            sqt_srv_conn_stall(w->conn, 1);
            break;
        default:
            w->stalled = 0;
            sqt_srv_conn_stall(w->conn, 0);
            break;
        }
    }
    return n;
}

/* ------------------------------------------------------------------------------------
 * control commands
 * ---------------------------------------------------------------------------------- */

static int run_cmd(sqt_emu *e, const char *name, json_t *args, json_t *reply);

static void reply_err(json_t *reply, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply_err(json_t *reply, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_object_set_new(reply, "ok", json_false());
    json_object_set_new(reply, "error", json_string(msg));
}

static int64_t arg_int(json_t *args, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(args, key);
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_string(v)) {
        char *end;
        long long n = strtoll(json_string_value(v), &end, 10);
        if (end != json_string_value(v) && *end == '\0')
            return n;
    }
    return dflt;
}

static int arg_bool(json_t *args, const char *key, int dflt)
{
    json_t *v = json_object_get(args, key);
    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    return dflt;
}

static const char *arg_str(json_t *args, const char *key, const char *dflt)
{
    json_t *v = json_object_get(args, key);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

static int arg_dec(json_t *args, const char *key, sqt_dec *out)
{
    json_t *v = json_object_get(args, key);
    char num[48];
    const char *s = num;
    if (json_is_string(v))
        s = json_string_value(v);
    else if (json_is_integer(v))
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
    else
        return SQT_EINVAL;
    return sqt_dec_parse(s, strlen(s), out);
}

static int arg_which(json_t *args, int *which)
{
    const char *s = arg_str(args, "which", "all");
    if (strcmp(s, "all") == 0)
        *which = WHICH_ALL;
    else if (strcmp(s, "market") == 0)
        *which = WHICH_MARKET;
    else if (strcmp(s, "user") == 0)
        *which = WHICH_USER;
    else
        return SQT_EINVAL;
    return SQT_OK;
}

static int set_rfault(rfault *f, json_t *args, int64_t dflt_retry_ms)
{
    const char *p = arg_str(args, "path", "");
    int64_t n = arg_int(args, "count", 1);
    if (n < 0 || n > 1000000 || strlen(p) >= sizeof(f->path))
        return SQT_EINVAL;
    f->count = (int)n;
    f->placed = arg_bool(args, "placed", 0);
    f->retry_after_ms = arg_int(args, "retry_after_ms", dflt_retry_ms);
    if (f->retry_after_ms < 0)
        return SQT_EINVAL;
    snprintf(f->path, sizeof(f->path), "%s", p);
    return SQT_OK;
}

static void clear_faults(sqt_emu *e)
{
    memset(&e->f429, 0, sizeof(e->f429));
    memset(&e->f503, 0, sizeof(e->f503));
    memset(&e->ftimeout, 0, sizeof(e->ftimeout));
    e->delay_ms = 0;
    e->delay_path[0] = '\0';
    e->ban_until = 0;
    e->force_post_only = e->force_margin = 0;
    e->drop_pushes = e->dup_pushes = e->reorder_pushes = 0;
    held_release(e);
    while (e->scheds != NULL) {
        sched *s = e->scheds;
        e->scheds = s->next;
        json_decref(s->args);
        free(s);
    }
}

static json_t *order_json(const sqt_order *o, int64_t created)
{
    char b[7][48];
    static const char *const st[] = {"UNKNOWN", "NEW", "PARTIALLY_FILLED", "FILLED",
                                     "CANCELED", "EXPIRED", "REJECTED"};
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
                     "order_id", o->order_id, "client_id", o->client_id, "side",
                     o->side == SQT_SIDE_BUY ? "BUY" : "SELL", "tif",
                     o->tif == SQT_TIF_POST_ONLY ? "POST_ONLY" : "GTC", "reduce_only",
                     o->reduce_only, "status",
                     (unsigned)o->status < sizeof(st) / sizeof(st[0]) ? st[o->status] : "UNKNOWN",
                     "price", sqt_emu_fmt(o->price, b[0], 48), "qty",
                     sqt_emu_fmt(o->qty, b[1], 48), "filled_qty",
                     sqt_emu_fmt(o->filled_qty, b[2], 48), "avg_price",
                     sqt_emu_fmt(o->avg_price, b[3], 48), "created", (json_int_t)created,
                     "updated", (json_int_t)o->update_time_ms);
}

json_t *sqt_emu_state(sqt_emu *e)
{
    sqt_account a;
    sqt_position p;
    sqt_match_stats ms;
    sqt_order o;
    json_t *root, *orders, *fills;
    sqt_emu_ws *w;
    char b[8][48];
    size_t i, n;
    int nm = 0, nu = 0;
    sqt_match_account(e->match, &a);
    sqt_match_position(e->match, &p);
    sqt_match_stats_get(e->match, &ms);
    for (w = e->ws; w != NULL; w = w->next) {
        nm += w->open && w->kind == SQT_EMU_WS_MARKET;
        nu += w->open && w->kind == SQT_EMU_WS_USER;
    }
    root = json_pack(
        "{s:s, s:s, s:s, s:I, s:b, s:s, s:s, s:i, s:{s:s, s:s, s:s}, "
        "s:{s:I, s:s, s:s, s:s}, s:{s:I, s:I, s:I, s:I, s:I}, s:{s:i, s:i}}",
        "dialect", e->d->name, "symbol", e->info.symbol, "price",
        sqt_emu_fmt(e->price, b[0], 48), "server_time", (json_int_t)sqt_emu_now(e),
        "manual_price", e->o.manual_price, "balance", sqt_emu_fmt(a.balance, b[1], 48),
        "available", sqt_emu_fmt(a.available, b[2], 48), "leverage", (int)a.leverage,
        "position", "size", sqt_emu_fmt(p.size, b[3], 48), "entry_price",
        sqt_emu_fmt(p.entry_price, b[4], 48), "unrealized_pnl",
        sqt_emu_fmt(p.unrealized_pnl, b[5], 48), "stats", "fills", (json_int_t)ms.fills,
        "fees", sqt_emu_fmt(ms.fees, b[6], 48), "realized_pnl",
        sqt_emu_fmt(ms.realized_pnl, b[7], 48), "volume",
        sqt_emu_fmt(ms.volume, b[0], 48), "counters", "requests",
        (json_int_t)e->n_requests, "orders", (json_int_t)e->n_orders, "pushes_sent",
        (json_int_t)e->pushes_sent, "pushes_dropped", (json_int_t)e->pushes_dropped,
        "faults", (json_int_t)e->n_faults, "connections", "market", nm, "user", nu);
    if (root == NULL)
        return NULL;
    orders = json_array();
    n = sqt_match_open_count(e->match);
    for (i = 0; i < n && orders != NULL; i++)
        if (sqt_match_open_at(e->match, i, &o) == SQT_OK)
            json_array_append_new(orders, order_json(&o, sqt_emu_order_created(e, o.order_id)));
    json_object_set_new(root, "open_orders", orders);
    fills = json_array();
    for (i = 0; i < e->n_fills && fills != NULL; i++) {
        const sqt_order *f = &e->fills[i].o;
        json_array_append_new(
            fills,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I}",
                      "trade_id", (json_int_t)e->fills[i].trade_id, "order_id",
                      f->order_id, "client_id", f->client_id, "side",
                      f->side == SQT_SIDE_BUY ? "BUY" : "SELL", "qty",
                      sqt_emu_fmt(f->last_fill_qty, b[0], 48), "price",
                      sqt_emu_fmt(f->last_fill_price, b[1], 48), "fee",
                      sqt_emu_fmt(f->fee, b[2], 48), "fee_asset", f->fee_asset, "realized_pnl",
                      sqt_emu_fmt(f->realized_pnl, b[3], 48), "filled_qty",
                      sqt_emu_fmt(f->filled_qty, b[4], 48), "maker", e->fills[i].maker, "time",
                      (json_int_t)f->update_time_ms));
    }
    json_object_set_new(root, "fills", fills);
    if (e->d->state)
        e->d->state(e, e->dst, root);
    return root;
}

static int cmd_price(sqt_emu *e, json_t *args, json_t *reply)
{
    sqt_dec p;
    char b[48];
    if (arg_dec(args, "price", &p) != SQT_OK || p.mant <= 0) {
        reply_err(reply, "price: needs \"price\" as a positive decimal string");
        return SQT_EINVAL;
    }
    if (apply_price(e, p, e->info.min_qty.mant > 0 ? e->info.min_qty : e->info.step_size) !=
        SQT_OK) {
        reply_err(reply, "price: %s is not a positive multiple of the tick size %s",
                  arg_str(args, "price", "?"), sqt_emu_fmt(e->info.tick_size, b, sizeof(b)));
        return SQT_EINVAL;
    }
    json_object_set_new(reply, "price", json_string(sqt_emu_fmt(e->price, b, sizeof(b))));
    return SQT_OK;
}

static int cmd_step(sqt_emu *e, json_t *args, json_t *reply)
{
    int64_t n = arg_int(args, "n", 1), i;
    char err[256], b[48];
    if (n < 1 || n > MAX_STEPS) {
        reply_err(reply, "step: n must be 1..%d", MAX_STEPS);
        return SQT_EINVAL;
    }
    for (i = 0; i < n; i++)
        if (step_path(e, err, sizeof(err)) != SQT_OK) {
            reply_err(reply, "step: %s", err);
            return SQT_ESTATE;
        }
    json_object_set_new(reply, "price", json_string(sqt_emu_fmt(e->price, b, sizeof(b))));
    return SQT_OK;
}

static int cmd_reset(sqt_emu *e, json_t *reply)
{
    char err[256];
    /* a fresh account, but order ids keep counting: a client may still remember old ones */
    e->mcfg.balance = e->o.balance;
    if (e->n_ords > 0)
        e->mcfg.first_order_id = strtoll(e->ords[e->n_ords - 1].order_id, NULL, 10) + 1;
    if (match_create(e, err, sizeof(err)) != SQT_OK) {
        reply_err(reply, "reset: %s", err);
        return SQT_ESTATE;
    }
    e->n_ords = e->n_fills = 0;
    e->n_orders = 0;
    clear_faults(e);
    return SQT_OK;
}

static int cmd_partial(sqt_emu *e, json_t *args, json_t *reply)
{
    sqt_match_config old = e->mcfg;
    sqt_position p;
    sqt_account a;
    char err[256];
    sqt_dec q;
    if (arg_dec(args, "qty", &q) != SQT_OK || q.mant < 0) {
        reply_err(reply, "partial_fill: needs \"qty\" (0 = whole fills)");
        return SQT_EINVAL;
    }
    /* sqt_match fixes the fill size at creation: change it only while nothing is at
     * stake, carrying the wallet and the order ids over */
    sqt_match_position(e->match, &p);
    if (sqt_match_open_count(e->match) > 0 || p.size.mant != 0) {
        reply_err(reply, "partial_fill: only while there are no open orders and no position "
                         "(or at start, in the faults file)");
        return SQT_ESTATE;
    }
    sqt_match_account(e->match, &a);
    e->mcfg.partial_fill_qty = q;
    e->mcfg.balance = a.balance;
    if (e->n_ords > 0)
        e->mcfg.first_order_id = strtoll(e->ords[e->n_ords - 1].order_id, NULL, 10) + 1;
    if (match_create(e, err, sizeof(err)) != SQT_OK) {
        e->mcfg = old;
        reply_err(reply, "partial_fill: %s", err);
        return SQT_EINVAL;
    }
    return SQT_OK;
}

static int run_cmd(sqt_emu *e, const char *name, json_t *args, json_t *reply)
{
    int which = WHICH_ALL, rc;
    if (strcmp(name, "price") == 0)
        return cmd_price(e, args, reply);
    if (strcmp(name, "step") == 0)
        return cmd_step(e, args, reply);
    if (strcmp(name, "drop_ws") == 0 || strcmp(name, "close_ws") == 0 ||
        strcmp(name, "stall_ws") == 0) {
        if (arg_which(args, &which) != SQT_OK) {
            reply_err(reply, "%s: \"which\" is all, market or user", name);
            return SQT_EINVAL;
        }
        rc = ws_act(e, which,
                    name[0] == 'd' ? 0 : name[0] == 'c' ? 1 : arg_bool(args, "on", 1) ? 2 : 3);
        json_object_set_new(reply, "connections", json_integer(rc));
        return SQT_OK;
    }
    if (strcmp(name, "delay") == 0) {
        const char *p = arg_str(args, "path", "");
        int64_t ms = arg_int(args, "ms", -1);
        if (ms < 0 || ms > 3600000 || strlen(p) >= sizeof(e->delay_path)) {
            reply_err(reply, "delay: needs \"ms\" 0..3600000 (and an optional \"path\")");
            return SQT_EINVAL;
        }
        e->delay_ms = ms;
        snprintf(e->delay_path, sizeof(e->delay_path), "%s", p);
        return SQT_OK;
    }
    if (strcmp(name, "http429") == 0 || strcmp(name, "unknown_error") == 0 ||
        strcmp(name, "timeout") == 0) {
        rfault *f = name[0] == 'h' ? &e->f429 : name[0] == 'u' ? &e->f503 : &e->ftimeout;
        if (set_rfault(f, args, 1000) != SQT_OK) {
            reply_err(reply, "%s: \"count\" 0..1000000, \"path\" shorter than 96", name);
            return SQT_EINVAL;
        }
        return SQT_OK;
    }
    if (strcmp(name, "ban") == 0) {
        int64_t ms = arg_int(args, "ms", 120000);
        if (ms < 0) {
            reply_err(reply, "ban: \"ms\" must be >= 0");
            return SQT_EINVAL;
        }
        e->ban_until = ms > 0 ? sqt_emu_now(e) + ms : 0;
        return SQT_OK;
    }
    if (strcmp(name, "reject_post_only") == 0 || strcmp(name, "reject_margin") == 0 ||
        strcmp(name, "drop_pushes") == 0 || strcmp(name, "dup_pushes") == 0 ||
        strcmp(name, "reorder_pushes") == 0) {
        int64_t n = arg_int(args, "count", 1);
        if (n < 0 || n > 1000000) {
            reply_err(reply, "%s: \"count\" must be 0..1000000", name);
            return SQT_EINVAL;
        }
        if (strcmp(name, "reject_post_only") == 0)
            e->force_post_only = (int)n;
        else if (strcmp(name, "reject_margin") == 0)
            e->force_margin = (int)n;
        else if (name[1] == 'r')
            e->drop_pushes = (int)n;
        else if (name[1] == 'u')
            e->dup_pushes = (int)n;
        else
            e->reorder_pushes = (int)n;
        return SQT_OK;
    }
    if (strcmp(name, "partial_fill") == 0)
        return cmd_partial(e, args, reply);
    if (strcmp(name, "expire_session") == 0 || strcmp(name, "expire_listen_key") == 0) {
        rc = e->d->expire_session ? e->d->expire_session(e, e->dst, sqt_emu_now(e)) : SQT_ENOTSUP;
        if (rc != SQT_OK) {
            reply_err(reply, "%s: no active user-stream session", name);
            return SQT_ESTATE;
        }
        return SQT_OK;
    }
    if (strcmp(name, "clock_skew") == 0) {
        e->clock_skew = arg_int(args, "ms", 0);
        return SQT_OK;
    }
    if (strcmp(name, "clear") == 0) {
        clear_faults(e);
        return SQT_OK;
    }
    if (strcmp(name, "reset") == 0)
        return cmd_reset(e, reply);
    if (strcmp(name, "state") == 0) {
        json_t *st = sqt_emu_state(e);
        if (st == NULL) {
            reply_err(reply, "state: out of memory");
            return SQT_ENOMEM;
        }
        json_object_update(reply, st);
        json_decref(st);
        return SQT_OK;
    }
    if (e->d->command) {
        rc = e->d->command(e, e->dst, name, args, reply);
        if (rc != SQT_ENOENT)
            return rc;
    }
    reply_err(reply, "unknown command \"%s\"", name);
    return SQT_ENOENT;
}

static int valid_name(const char *s)
{
    size_t i, n = strlen(s);
    if (n == 0 || n >= 32)
        return 0;
    for (i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

static int schedule(sqt_emu *e, int kind, uint64_t at, const char *name, json_t *args)
{
    sched *s = calloc(1, sizeof(*s)), **p;
    if (s == NULL)
        return SQT_ENOMEM;
    s->kind = kind;
    s->at = at;
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->args = json_incref(args);
    for (p = &e->scheds; *p != NULL; p = &(*p)->next) /* keep them in order given */
        ;
    *p = s;
    return SQT_OK;
}

/* Run now, or schedule when the arguments carry a trigger. */
static int command_exec(sqt_emu *e, const char *name, json_t *args, json_t *reply)
{
    int64_t at = arg_int(args, "at_ms", -1), ao = arg_int(args, "after_orders", -1),
            ar = arg_int(args, "after_requests", -1);
    int rc;
    if (!valid_name(name)) {
        reply_err(reply, "bad command name");
        return SQT_EINVAL;
    }
    if (at >= 0 || ao >= 0 || ar >= 0) {
        json_t *rest = json_deep_copy(args);
        json_object_del(rest, "at_ms");
        json_object_del(rest, "after_orders");
        json_object_del(rest, "after_requests");
        rc = at >= 0   ? schedule(e, SCHED_AT, mono(e) + (uint64_t)at, name, rest)
             : ao >= 0 ? schedule(e, SCHED_ORDERS, e->n_orders + (uint64_t)ao, name, rest)
                       : schedule(e, SCHED_REQUESTS, e->n_requests + (uint64_t)ar, name, rest);
        json_decref(rest);
        if (rc != SQT_OK) {
            reply_err(reply, "out of memory");
            return rc;
        }
        json_object_set_new(reply, "ok", json_true());
        json_object_set_new(reply, "scheduled", json_true());
        return SQT_OK;
    }
    rc = run_cmd(e, name, args, reply);
    if (rc == SQT_OK) {
        json_object_set_new(reply, "ok", json_true());
        sqt_emu_logf(e, "command %s", name);
    }
    return rc;
}

/* Run the scheduled commands whose trigger has come. */
static void sched_check(sqt_emu *e)
{
    int again = 1;
    while (again && !e->closing) {
        sched **p, *s = NULL;
        again = 0;
        for (p = &e->scheds; *p != NULL; p = &(*p)->next) {
            sched *c = *p;
            uint64_t now = c->kind == SCHED_AT       ? mono(e)
                           : c->kind == SCHED_ORDERS ? e->n_orders
                                                     : e->n_requests;
            if (now >= c->at) {
                *p = c->next;
                s = c;
                break;
            }
        }
        if (s != NULL) {
            json_t *reply = json_object();
            if (reply != NULL && run_cmd(e, s->name, s->args, reply) != SQT_OK)
                sqt_emu_logf(e, "triggered command %s failed: %s", s->name,
                             arg_str(reply, "error", "?"));
            else
                sqt_emu_logf(e, "triggered command %s", s->name);
            json_decref(reply);
            json_decref(s->args);
            free(s);
            again = 1; /* the list may have changed: start over */
        }
    }
}

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return s;
}

/* Next word of s into w (cap): returns the rest. */
static const char *word(const char *s, char *w, size_t cap)
{
    size_t n = 0;
    s = skip_ws(s);
    while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '{' && *s != '\r' && *s != '\n') {
        if (n + 1 < cap)
            w[n++] = *s;
        s++;
    }
    w[n] = '\0';
    return s;
}

static int parse_count(const char *s, int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || v < 0 || v > 1000000000LL)
        return -1;
    *out = v;
    return (int)(end - s);
}

int sqt_emu_command(sqt_emu *e, const char *line, char **reply_out)
{
    json_t *reply = json_object(), *args = NULL;
    char w1[64], w2[64], name[64];
    const char *s = line ? line : "";
    int64_t n = -1;
    int rc = SQT_OK, used;
    const char *trig = NULL;
    if (reply_out)
        *reply_out = NULL;
    if (reply == NULL)
        return SQT_ENOMEM;
    s = word(s, w1, sizeof(w1));
    if (strcmp(w1, "at") == 0 || strcmp(w1, "after") == 0) {
        s = word(s, w2, sizeof(w2));
        if ((used = parse_count(w2, &n)) < 0) {
            reply_err(reply, "\"%s\" needs a number", w1);
            rc = SQT_EINVAL;
            goto out;
        }
        if (strcmp(w1, "at") == 0) {
            const char *unit = w2 + used;
            if (*unit == '\0')
                s = word(s, name, sizeof(name)), unit = name;
            if (strcmp(unit, "ms") != 0 && strcmp(unit, "ms:") != 0) {
                reply_err(reply, "\"at N ms\": unit must be ms");
                rc = SQT_EINVAL;
                goto out;
            }
            trig = "at_ms";
        } else {
            s = word(s, name, sizeof(name));
            if (strncmp(name, "order", 5) == 0)
                trig = "after_orders";
            else if (strncmp(name, "request", 7) == 0)
                trig = "after_requests";
            else {
                reply_err(reply, "\"after N\": orders or requests");
                rc = SQT_EINVAL;
                goto out;
            }
        }
        s = word(s, w1, sizeof(w1));
    }
    snprintf(name, sizeof(name), "%s", w1);
    s = skip_ws(s);
    if (*s != '\0') {
        json_error_t je;
        args = json_loads(s, 0, &je);
        if (!json_is_object(args)) {
            reply_err(reply, "arguments must be one JSON object: %s", je.text);
            rc = SQT_EINVAL;
            goto out;
        }
    } else {
        args = json_object();
    }
    if (trig != NULL)
        json_object_set_new(args, trig, json_integer(n));
    rc = command_exec(e, name, args, reply);
out:
    json_decref(args);
    if (reply_out)
        *reply_out = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    return rc;
}

static int faults_file(sqt_emu *e, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int lineno = 0;
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return SQT_ENOENT;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *s = skip_ws(line);
        char *reply = NULL;
        int rc;
        lineno++;
        if (*s == '\0' || *s == '#')
            continue;
        rc = sqt_emu_command(e, s, &reply);
        if (rc != SQT_OK) {
            json_t *r = reply ? json_loads(reply, 0, NULL) : NULL;
            snprintf(err, errlen, "%s:%d: %s", path, lineno, arg_str(r, "error", "failed"));
            json_decref(r);
            free(reply);
            fclose(f);
            return SQT_EINVAL;
        }
        free(reply);
    }
    fclose(f);
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * HTTP
 * ---------------------------------------------------------------------------------- */

static void send_resp(sqt_srv_conn *c, const sqt_emu_resp *r)
{
    sqt_header h[SQT_EMU_MAX_HEADERS + 1];
    int i, n = 0;
    h[n].name = "Content-Type";
    h[n++].value = "application/json";
    for (i = 0; i < r->n_headers; i++) {
        h[n].name = r->hname[i];
        h[n++].value = r->hvalue[i];
    }
    sqt_srv_respond(c, r->status, h, (size_t)n, r->body ? r->body : "", r->len);
}

static void one_closed(sqt_emu *e);

/* Every deferred answer's timer goes through here; during shutdown each one counts. */
static void deferred_closed(uv_handle_t *h)
{
    deferred *d = h->data;
    sqt_emu *e = d->e;
    resp_free(&d->resp);
    free(d);
    e->def_closing--;
    if (e->closing)
        one_closed(e);
}

static void deferred_unlink_close(deferred *d)
{
    sqt_emu *e = d->e;
    deferred **p;
    for (p = &e->defs; *p != NULL; p = &(*p)->next)
        if (*p == d) {
            *p = d->next;
            break;
        }
    uv_timer_stop(&d->timer);
    e->def_closing++;
    uv_close((uv_handle_t *)&d->timer, deferred_closed);
}

static void on_deferred(uv_timer_t *t)
{
    deferred *d = t->data;
    if (d->conn != NULL)
        send_resp(d->conn, &d->resp);
    deferred_unlink_close(d);
}

static int rfault_hit(rfault *f, const char *path)
{
    if (f->count <= 0 || strncmp(path, f->path, strlen(f->path)) != 0)
        return 0;
    f->count--;
    return 1;
}

static void control(sqt_emu *e, sqt_srv_conn *c, const sqt_srv_request *req, const char *path)
{
    const char *name = path + strlen(SQT_EMU_CTL_PREFIX);
    json_t *reply = json_object(), *args = NULL;
    sqt_emu_resp r;
    int rc;
    memset(&r, 0, sizeof(r));
    if (reply == NULL) {
        sqt_emu_resp_set(&r, 500, NULL);
        goto send;
    }
    if (strcmp(name, "line") == 0 && strcmp(req->method, "POST") == 0) {
        char *text = NULL, *line = strndup(req->body, req->body_len);
        rc = line ? sqt_emu_command(e, line, &text) : SQT_ENOMEM;
        free(line);
        json_decref(reply);
        sqt_emu_resp_set(&r, rc == SQT_OK ? 200 : 400, text);
        goto send;
    }
    if (strcmp(req->method, "GET") == 0 && strcmp(name, "state") != 0) {
        reply_err(reply, "control: GET only for state; POST /_emu/<command> with JSON");
        sqt_emu_resp_json(&r, 405, reply);
        goto send;
    }
    if (req->body_len > 0) {
        json_error_t je;
        args = json_loadb(req->body, req->body_len, 0, &je);
        if (!json_is_object(args)) {
            reply_err(reply, "control: the body must be one JSON object: %s", je.text);
            sqt_emu_resp_json(&r, 400, reply);
            goto send;
        }
    } else {
        args = json_object();
    }
    rc = command_exec(e, name, args, reply);
    sqt_emu_resp_json(&r, rc == SQT_OK ? 200 : rc == SQT_ENOENT ? 404 : 400, reply);
send:
    json_decref(args);
    send_resp(c, &r);
    resp_free(&r);
}

static void srv_on_request(void *ud, sqt_srv_conn *c, const sqt_srv_request *sreq)
{
    sqt_emu *e = ud;
    char *path = NULL;
    const char *q;
    sqt_emu_req req;
    sqt_emu_resp r;
    int process = 1, never = 0, unknown = 0, fault = 0;
    int64_t now = sqt_emu_now(e), delay = 0;
    memset(&r, 0, sizeof(r));
    q = strchr(sreq->target, '?');
    path = q ? strndup(sreq->target, (size_t)(q - sreq->target)) : strdup(sreq->target);
    if (path == NULL) {
        sqt_srv_respond(c, 500, NULL, 0, "", 0);
        return;
    }
    if (strncmp(path, SQT_EMU_CTL_PREFIX, strlen(SQT_EMU_CTL_PREFIX)) == 0) {
        control(e, c, sreq, path);
        free(path);
        return;
    }
    e->n_requests++;
    memset(&req, 0, sizeof(req));
    req.method = sreq->method;
    req.path = path;
    req.query = q ? q + 1 : "";
    req.body = sreq->body;
    req.body_len = sreq->body_len;
    req.headers = sreq->headers;
    req.n_headers = sreq->n_headers;

    if (e->ban_until > now) {
        e->d->fault_resp(e, e->dst, SQT_EMU_FAULT_BAN, &req, e->ban_until - now, &r);
        process = 0;
        fault = 1;
    } else if (rfault_hit(&e->f429, path)) {
        e->d->fault_resp(e, e->dst, SQT_EMU_FAULT_RATE, &req, e->f429.retry_after_ms, &r);
        process = 0;
        fault = 1;
    } else if (rfault_hit(&e->ftimeout, path)) {
        never = 1;
        process = e->ftimeout.placed;
        fault = 1;
    } else if (rfault_hit(&e->f503, path)) {
        unknown = 1;
        process = e->f503.placed;
        fault = 1;
    }
    if (process)
        e->d->rest(e, e->dst, &req, &r);
    if (unknown)
        e->d->fault_resp(e, e->dst, SQT_EMU_FAULT_UNKNOWN, &req, 0, &r);
    if (e->d->finish)
        e->d->finish(e, e->dst, &r);
    if (fault)
        e->n_faults++;
    if (e->delay_ms > 0 && strncmp(path, e->delay_path, strlen(e->delay_path)) == 0)
        delay = e->delay_ms;
    sqt_emu_logf(e, "%s %s -> %s%d%s%s", sreq->method, path, never ? "(never answered) " : "",
                 r.status, process ? "" : " (not carried out)", delay ? " (delayed)" : "");
    free(path);
    if (never) {
        resp_free(&r);
    } else if (delay > 0) {
        deferred *d = calloc(1, sizeof(*d));
        if (d == NULL) {
            send_resp(c, &r);
            resp_free(&r);
        } else {
            d->e = e;
            d->conn = c;
            d->resp = r;
            uv_timer_init(e->loop, &d->timer);
            d->timer.data = d;
            uv_timer_start(&d->timer, on_deferred, (uint64_t)delay, 0);
            d->next = e->defs;
            e->defs = d;
        }
    } else {
        send_resp(c, &r);
        resp_free(&r);
    }
    sched_check(e);
}

/* ------------------------------------------------------------------------------------
 * housekeeping
 * ---------------------------------------------------------------------------------- */

static void on_housekeep(uv_timer_t *t)
{
    sqt_emu *e = t->data;
    uint64_t m = mono(e);
    char err[256];
    if (e->closing)
        return;
    if (!e->o.manual_price && m - e->last_step >= e->o.tick_ms) {
        e->last_step = m;
        if (step_path(e, err, sizeof(err)) != SQT_OK)
            sqt_emu_logf(e, "price path: %s", err);
    }
    if (e->held_event != NULL && m - e->held_since >= HOLD_MAX_MS)
        held_release(e);
    if (e->o.ping_ms > 0 && m - e->last_ping >= e->o.ping_ms) {
        sqt_emu_ws *w;
        e->last_ping = m;
        for (w = e->ws; w != NULL; w = w->next)
            if (w->open && !w->stalled)
                sqt_srv_ws_ping(w->conn, "emu", 3);
    }
    if (e->d->on_timer)
        e->d->on_timer(e, e->dst, sqt_emu_now(e));
    sched_check(e);
}

/* ------------------------------------------------------------------------------------
 * life
 * ---------------------------------------------------------------------------------- */

static const sqt_emu_dialect *dialect_find(const char *name)
{
    if (name != NULL && strcmp(name, "binance") == 0)
        return &sqt_emu_dialect_binance;
    return NULL;
}

static void emu_free(sqt_emu *e)
{
    while (e->ws != NULL) { /* only before the server started */
        sqt_emu_ws *w = e->ws;
        e->ws = w->next;
        ws_free(e, w);
    }
    clear_faults(e);
    if (e->d && e->dst)
        e->d->destroy(e->dst);
    sqt_match_free(e->match);
    sqt_pricepath_close(e->path);
    sqt_kbars_free(e->bars);
    free(e->ords);
    free(e->fills);
    free(e->s_dialect);
    free(e->s_symbol);
    free(e->s_key);
    free(e->s_secret);
    free(e);
}

static int build_history(sqt_emu *e, const sqt_pricepath_config *pc, char *err, size_t errlen)
{
    sqt_pricepath_config hc = *pc;
    size_t n = (size_t)HISTORY_MINUTES * 60000 / HISTORY_STEP_MS, i;
    sqt_price_point *hist = calloc(n, sizeof(*hist));
    int rc;
    if (hist == NULL) {
        snprintf(err, errlen, "out of memory");
        return SQT_ENOMEM;
    }
    /* same statistics on a coarser step */
    hc.sigma = pc->sigma * sqrt((double)HISTORY_STEP_MS / (double)pc->step_ms);
    if (hc.sigma > 0.05)
        hc.sigma = 0.05;
    hc.step_ms = HISTORY_STEP_MS;
    rc = sqt_pricepath_history(&hc, n, hist, err, errlen);
    for (i = 0; rc == SQT_OK && i < n; i++)
        sqt_kbars_trade(e->bars, hist[i].price, hist[i].qty, hist[i].time_ms);
    free(hist);
    return rc;
}

static int dup_opt(const char *s, char **out, const char **field)
{
    if (s == NULL)
        return SQT_OK;
    if ((*out = strdup(s)) == NULL)
        return SQT_ENOMEM;
    *field = *out;
    return SQT_OK;
}

int sqt_emu_start(uv_loop_t *loop, const sqt_emu_opts *o, sqt_emu **out, char *err,
                  size_t errlen)
{
    sqt_emu *e;
    sqt_pricepath_config pc;
    sqt_srv_opts so;
    sqt_price_point pt;
    int rc;
    if (loop == NULL || o == NULL || out == NULL) {
        snprintf(err, errlen, "no options");
        return SQT_EINVAL;
    }
    *out = NULL;
    if (dialect_find(o->dialect) == NULL) {
        snprintf(err, errlen, "unknown dialect \"%s\" (known: binance)",
                 o->dialect ? o->dialect : "");
        return SQT_EINVAL;
    }
    if (o->tick_ms < 10 || o->tick_ms > 60000 || o->port < 0 || o->port > 65535 ||
        !(o->sigma >= 0 && o->sigma <= 0.1)) {
        snprintf(err, errlen, "tick_ms must be 10..60000, port 0..65535, sigma 0..0.1");
        return SQT_EINVAL;
    }
    if (o->api_key == NULL || o->secret == NULL || o->api_key[0] == '\0' ||
        o->secret[0] == '\0') {
        snprintf(err, errlen, "api key and secret must not be empty");
        return SQT_EINVAL;
    }
    if ((o->cert_file == NULL) != (o->key_file == NULL)) {
        snprintf(err, errlen, "TLS needs both a certificate and a key");
        return SQT_EINVAL;
    }
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        snprintf(err, errlen, "out of memory");
        return SQT_ENOMEM;
    }
    uv_update_time(loop); /* "at N ms" triggers count from now, not the last loop turn */
    e->loop = loop;
    e->o = *o;
    e->d = dialect_find(o->dialect);
    e->rng = o->seed ^ UINT64_C(0x5EED5EED5EED5EED);
    if (dup_opt(o->dialect, &e->s_dialect, &e->o.dialect) || dup_opt(o->symbol, &e->s_symbol, &e->o.symbol) ||
        dup_opt(o->api_key, &e->s_key, &e->o.api_key) ||
        dup_opt(o->secret, &e->s_secret, &e->o.secret)) {
        snprintf(err, errlen, "out of memory");
        rc = SQT_ENOMEM;
        goto fail;
    }
    e->o.faults_file = e->o.cert_file = e->o.key_file = NULL; /* used during start only */

    sqt_match_config_default(&e->mcfg, o->symbol ? o->symbol : "ETHUSDT");
    e->mcfg.tick_size = o->tick_size;
    e->mcfg.step_size = o->step_size;
    e->mcfg.min_qty = o->min_qty;
    e->mcfg.min_notional = o->min_notional;
    e->mcfg.balance = o->balance;
    e->mcfg.leverage = o->leverage;
    e->mcfg.partial_fill_qty = o->partial_fill_qty;
    if ((rc = match_create(e, err, errlen)) != SQT_OK)
        goto fail;

    memset(&pc, 0, sizeof(pc));
    pc.model = SQT_PATH_GBM;
    pc.tick_size = e->info.tick_size;
    pc.step_size = e->info.step_size;
    pc.seed = o->seed;
    pc.start_price = o->start_price;
    pc.sigma = o->sigma;
    pc.step_ms = o->tick_ms;
    pc.start_ms = sqt_emu_now(e);
    if ((rc = sqt_pricepath_open(&pc, &e->path, err, errlen)) != SQT_OK)
        goto fail;
    if ((rc = sqt_kbars_new(e->info.symbol, e->info.tick_size, e->info.step_size, &e->bars)) !=
        SQT_OK) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if ((rc = build_history(e, &pc, err, errlen)) != SQT_OK)
        goto fail;
    if ((rc = e->d->create(e, &e->dst)) != SQT_OK) {
        snprintf(err, errlen, "dialect %s: cannot start", e->d->name);
        goto fail;
    }
    if (sqt_pricepath_next(e->path, &pt, err, errlen) != 1 ||
        apply_price(e, pt.price, pt.qty) != SQT_OK) {
        snprintf(err, errlen, "the price path has no first point");
        rc = SQT_EINVAL;
        goto fail;
    }
    e->last_step = e->last_ping = mono(e);
    if (o->faults_file != NULL && (rc = faults_file(e, o->faults_file, err, errlen)) != SQT_OK)
        goto fail;

    memset(&so, 0, sizeof(so));
    so.host = "127.0.0.1"; /* loopback only, whatever else is asked */
    so.port = o->port;
    so.cert_file = o->cert_file;
    so.key_file = o->key_file;
    so.handlers.on_request = srv_on_request;
    so.handlers.on_upgrade = srv_on_upgrade;
    so.handlers.on_ws_open = srv_on_ws_open;
    so.handlers.on_ws_message = srv_on_ws_message;
    so.handlers.on_conn_closed = srv_on_conn_closed;
    so.ud = e;
    if ((rc = sqt_srv_start(loop, &so, &e->srv)) != 0) {
        snprintf(err, errlen, "cannot listen on 127.0.0.1:%d: %s", o->port,
                 rc < -100 ? uv_strerror(rc) : sqt_strerror(rc));
        goto fail;
    }
    uv_timer_init(loop, &e->timer);
    e->timer.data = e;
    uv_timer_start(&e->timer, on_housekeep, HOUSEKEEP_MS, HOUSEKEEP_MS);
    e->timer_on = 1;
    *out = e;
    return SQT_OK;
fail:
    emu_free(e);
    return rc < 0 ? rc : SQT_EINVAL;
}

static void finish_close(sqt_emu *e)
{
    void (*done)(void *) = e->done;
    void *ud = e->done_ud;
    emu_free(e);
    if (done)
        done(ud);
}

static void one_closed(sqt_emu *e)
{
    if (--e->pending == 0)
        finish_close(e);
}

static void timer_closed(uv_handle_t *h)
{
    one_closed(h->data);
}

static void srv_closed(void *ud)
{
    sqt_emu *e = ud;
    e->srv = NULL;
    one_closed(e);
}

void sqt_emu_close(sqt_emu *e, void (*done)(void *ud), void *ud)
{
    if (e == NULL || e->closing)
        return;
    e->closing = 1;
    e->done = done;
    e->done_ud = ud;
    e->pending = 1; /* ours, dropped at the end of this function */
    while (e->defs != NULL)
        deferred_unlink_close(e->defs);
    e->pending += e->def_closing; /* each of those closes calls one_closed */
    if (e->timer_on) {
        e->pending++;
        uv_timer_stop(&e->timer);
        uv_close((uv_handle_t *)&e->timer, timer_closed);
    }
    e->pending++;
    sqt_srv_close(e->srv, srv_closed, e);
    one_closed(e);
}
