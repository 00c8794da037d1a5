/* Gate.io USDT perpetual futures dialect of the emulator (shared/spec/exchanges/gate.md,
 * API v4): REST under /api/v4/futures/usdt with KEY/SIGN/Timestamp headers and hex
 * HMAC-SHA512 signatures over METHOD\nPATH\nQUERY\nhex(SHA512(body))\nTIMESTAMP, errors
 * as {label, message}; one WebSocket (/v4/ws/usdt) for public and private channels,
 * private subscribes carrying their own auth. Everything about the account is the
 * core's; this file only translates.
 *
 * Contracts, not coins: one contract is the core's quantity step (the contract's
 * quanto_multiplier), order sizes are signed integer contracts (the sign is the side).
 * Sizes are JSON integers, or strings when the request (or the WebSocket handshake)
 * carried X-Gate-Size-Decimal: 1.
 *
 * Emulator choices where Gate documents nothing (gate.md 10, 11): a subscribe to
 * futures.orders / futures.usertrades naming another user id than the account's is
 * refused (code 2); cancelling a finished order answers ORDER_FINISHED, an unknown one
 * ORDER_NOT_FOUND; a duplicate text of an open order is refused (the core keys open
 * orders by client id); X-Gate-RateLimit-Reset-Timestamp is in milliseconds; rate limits
 * are reported, and refused only by the http429 fault. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "emulator.h"

#define GT_PREFIX "/api/v4/futures/usdt"
#define GT_TS_WINDOW_MS 60000
#define GT_KLINE_PUSH_MS 500
#define GT_MAX_SUBS 16
#define GT_BATCH_MAX 10
#define GT_BATCH_CANCEL_MAX 20
#define GT_TEXT_MAX 30           /* "t-" + 28 (gate.md 7) */
#define GT_FIN_MAX 64
#define GT_MAKER_FEE "0.0002"    /* the matching core's default rates */
#define GT_TAKER_FEE "0.0005"
#define GT_SIZE_MAX 1000000

/* JSON values a Jansson tree cannot hold as they must be written: a string starting
 * with MARK_NUM is written as a bare JSON number (prices in WS pushes, float seconds),
 * one starting with MARK_SIZE as a size: a bare integer, or a string for a client that
 * sent X-Gate-Size-Decimal: 1 (resolved per connection for pushes). */
#define MARK_NUM "\001N"
#define MARK_SIZE "\001S"

typedef struct gt_sub {
    char channel[32];
    char contract[SQT_SYMBOL_MAX];
    char iv[SQT_INTERVAL_MAX];  /* candles: the kbars interval */
    char giv[8];                /* candles: Gate's name ("1m") */
    int64_t iv_ms;
    int64_t cur_open;           /* candles: the row being formed, -1 before the first */
    int64_t last_push;
} gt_sub;

typedef struct gt_ws {
    int dec;                    /* X-Gate-Size-Decimal: 1 on the handshake */
    gt_sub subs[GT_MAX_SUBS];
    size_t n_subs;
} gt_ws;

typedef struct gt_fin {
    char order_id[SQT_ORDER_ID_MAX];
    char as[24];
} gt_fin;

enum { RL_ORDER = 0, RL_CANCEL = 1, RL_OTHER = 2, RL_N = 3 };

typedef struct gt_rate {
    int64_t start;
    int used;
} gt_rate;

typedef struct gt_state {
    long long user;
    int dual;
    int cross;
    int32_t cross_limit;
    gt_fin fins[GT_FIN_MAX];    /* finish_as set by the finish_as command, a ring */
    size_t n_fins;
    int64_t next_trade_id;      /* public trades */
    gt_rate rate[RL_N];
    /* the rate headers of the answer being built */
    int rl_class;
    int rl_zero;
    int64_t rl_reset;
    int64_t in_time_us;
} gt_state;

typedef struct ctx {
    sqt_emu *e;
    gt_state *st;
    const sqt_emu_req *req;
    sqt_emu_resp *resp;
    int64_t now;
    int dec;                    /* X-Gate-Size-Decimal: 1 */
    json_t *body;               /* POST: the parsed JSON */
    const char *seg;            /* the path's {contract} / {order_id} */
    char *qv[12];               /* decoded query values, freed at the end */
    size_t nq;
} ctx;

static const int64_t RL_WINDOW[RL_N] = {1000, 1000, 10000};
static const int RL_LIMIT[RL_N] = {100, 200, 200};

/* ------------------------------------------------------------------------------------
 * text helpers
 * ---------------------------------------------------------------------------------- */

/* The decoded query value of key (kept in c until the request ends); NULL when absent. */
static const char *qp(ctx *c, const char *key)
{
    char *v;
    if (c->nq == sizeof(c->qv) / sizeof(c->qv[0]) ||
        (v = sqt_emu_query_get(c->req->query, key)) == NULL)
        return NULL;
    c->qv[c->nq++] = v;
    return v;
}

/* A bare JSON number with exactly these digits. */
static json_t *jnum(sqt_dec d)
{
    char b[48], m[56];
    snprintf(m, sizeof(m), MARK_NUM "%s", sqt_emu_fmt(d, b, sizeof(b)));
    return json_string(m);
}

/* Float seconds from ms: 1765101259.412 */
static json_t *jsec(int64_t ms)
{
    return jnum(sqt_dec_make(ms, 3));
}

static json_t *jsize(long long n)
{
    char m[32];
    snprintf(m, sizeof(m), MARK_SIZE "%lld", n);
    return json_string(m);
}

/* Rewrite the markers of a dumped text: numbers bare, sizes bare (dec 0) or quoted
 * (dec 1); dec -1 leaves the size markers for a later pass. */
static char *unmark(const char *in, int dec)
{
    static const char esc[] = "\"\\u0001";
    size_t n = strlen(in), k = 0, el = strlen(esc);
    char *out = malloc(n + 1);
    const char *p = in;
    if (out == NULL)
        return NULL;
    while (*p != '\0') {
        const char *m = strstr(p, esc);
        size_t len;
        char kind;
        if (m == NULL) {
            len = strlen(p);
            memcpy(out + k, p, len);
            k += len;
            break;
        }
        memcpy(out + k, p, (size_t)(m - p));
        k += (size_t)(m - p);
        kind = m[el];
        p = m + el + 1;
        len = strcspn(p, "\"");
        if ((kind == 'S' && dec < 0) || (kind != 'S' && kind != 'N')) {
            memcpy(out + k, m, el + 1);
            k += el + 1;
            continue;
        }
        if (kind == 'S' && dec > 0)
            out[k++] = '"';
        memcpy(out + k, p, len);
        k += len;
        if (kind == 'S' && dec > 0)
            out[k++] = '"';
        p += len + (p[len] == '"');
    }
    out[k] = '\0';
    return out;
}

static char *dump(json_t *v, int dec)
{
    char *raw = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL,
         *text = raw ? unmark(raw, dec) : NULL;
    json_decref(v);
    free(raw);
    return text;
}

static void reply(ctx *c, int status, json_t *v)
{
    char *text = dump(v, c->dec);
    if (text == NULL)
        sqt_emu_resp_set(c->resp, 500, strdup("{\"label\":\"INTERNAL\",\"message\":\"out of "
                                              "memory\"}"));
    else
        sqt_emu_resp_set(c->resp, status, text);
}

static void fail(ctx *c, int http, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(ctx *c, int http, const char *label, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    reply(c, http, json_pack("{s:s, s:s}", "label", label, "message", msg));
}

/* ------------------------------------------------------------------------------------
 * contracts and sizes
 * ---------------------------------------------------------------------------------- */

/* ETHUSDT -> ETH_USDT */
static void gate_name(const sqt_symbol_info *in, char *out, size_t cap)
{
    snprintf(out, cap, "%s_%s", in->base_asset, in->quote_asset);
}

static int is_ours(sqt_emu *e, const char *contract)
{
    char name[SQT_SYMBOL_MAX + 2];
    gate_name(sqt_emu_info(e), name, sizeof(name));
    return contract != NULL && strcmp(contract, name) == 0;
}

/* X_Y -> XY (other contracts have klines of a flat series); 0 when not a name. */
static int kbars_symbol(const char *contract, char *out, size_t cap)
{
    const char *u = contract ? strchr(contract, '_') : NULL;
    if (u == NULL || u == contract || u[1] == '\0' || strchr(u + 1, '_') != NULL ||
        strlen(contract) >= cap)
        return 0;
    snprintf(out, cap, "%.*s%s", (int)(u - contract), contract, u + 1);
    return 1;
}

/* Coins -> whole contracts (floor); one contract is the core's step. */
static long long contracts_of(sqt_emu *e, sqt_dec qty)
{
    sqt_dec step = sqt_emu_info(e)->step_size, q;
    if (step.mant <= 0 || sqt_dec_rescale(qty, step.scale, &q) != SQT_OK)
        return 0;
    return (long long)(q.mant / step.mant);
}

static sqt_dec coins_of(sqt_emu *e, long long n)
{
    sqt_dec step = sqt_emu_info(e)->step_size;
    return sqt_dec_make((int64_t)n * step.mant, step.scale);
}

/* A size from a request: a JSON integer or an integer string, not 0. */
static int size_from(json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = (long long)json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        sqt_dec d, whole;
        if (sqt_dec_parse(s, strlen(s), &d) != SQT_OK ||
            sqt_dec_rescale(d, 0, &whole) != SQT_OK)
            return -1; /* fractional: this contract does not enable decimals */
        *out = (long long)whole.mant;
    } else {
        return -1;
    }
    return *out != 0 && *out >= -GT_SIZE_MAX && *out <= GT_SIZE_MAX ? 0 : -1;
}

static int text_ok(const char *t)
{
    size_t i, n = t ? strlen(t) : 0;
    if (n < 3 || n > GT_TEXT_MAX || strncmp(t, "t-", 2) != 0)
        return 0;
    for (i = 2; i < n; i++)
        if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '-' && t[i] != '.')
            return 0;
    return 1;
}

static const char *fin_label(const gt_state *st, const char *order_id)
{
    size_t i, n = st->n_fins < GT_FIN_MAX ? st->n_fins : GT_FIN_MAX;
    for (i = 0; i < n; i++)
        if (strcmp(st->fins[i].order_id, order_id) == 0)
            return st->fins[i].as;
    return NULL;
}

/* finish_as of a finished order (gate.md 5); "" / "open" while open. */
static const char *finish_as(const gt_state *st, const sqt_order *o, int ws)
{
    const char *set;
    switch (o->status) {
    case SQT_ORDER_NEW:
    case SQT_ORDER_PARTIALLY_FILLED: return ws ? "open" : "";
    case SQT_ORDER_FILLED: return "filled";
    case SQT_ORDER_EXPIRED: /* the core expires a reduce-only order with nothing to reduce */
        return "position_closed";
    default:
        set = fin_label(st, o->order_id);
        return set != NULL ? set : "cancelled";
    }
}

static int finished(const sqt_order *o)
{
    return o->status != SQT_ORDER_NEW && o->status != SQT_ORDER_PARTIALLY_FILLED;
}

/* The order's updates so far: 1 for its creation, one per fill, one for its end. */
static long long update_id(sqt_emu *e, const sqt_order *o)
{
    size_t i, n = sqt_emu_fill_count(e);
    long long k = 1;
    for (i = 0; i < n; i++)
        if (strcmp(sqt_emu_fill_at(e, i)->o.order_id, o->order_id) == 0)
            k++;
    return k + (finished(o) && o->status != SQT_ORDER_FILLED);
}

/* A REST FuturesOrder. */
static json_t *order_obj(ctx *c, const sqt_order *o)
{
    char name[SQT_SYMBOL_MAX + 2];
    long long size = contracts_of(c->e, o->qty),
              left = size - contracts_of(c->e, o->filled_qty);
    int64_t created = sqt_emu_order_created(c->e, o->order_id);
    json_t *j;
    int sell = o->side == SQT_SIDE_SELL;
    gate_name(sqt_emu_info(c->e), name, sizeof(name));
    j = json_pack("{s:I, s:I, s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:b, "
                  "s:b, s:b, s:I, s:s, s:s, s:I, s:I, s:s, s:s}",
                  "id", (json_int_t)strtoll(o->order_id, NULL, 10), "user",
                  (json_int_t)c->st->user, "contract", name, "create_time",
                  jsec(created ? created : o->update_time_ms), "update_time",
                  jsec(o->update_time_ms), "status", finished(o) ? "finished" : "open",
                  "finish_as", finish_as(c->st, o, 0), "size", jsize(sell ? -size : size),
                  "left", jsize(sell ? -left : left), "price", sqt_emu_jdec(o->price), "fill_price",
                  o->filled_qty.mant != 0 ? sqt_emu_jdec(o->avg_price) : json_string("0"), "text",
                  o->client_id, "tif", o->tif == SQT_TIF_POST_ONLY ? "poc" : "gtc",
                  "is_reduce_only", o->reduce_only != 0, "is_close", 0, "is_liq", 0, "iceberg",
                  (json_int_t)0, "tkfr", GT_TAKER_FEE, "mkfr", GT_MAKER_FEE, "refu",
                  (json_int_t)0, "stp_id", (json_int_t)0, "stp_act", "-", "amend_text", "-");
    if (j != NULL && finished(o))
        json_object_set_new(j, "finish_time", jsec(o->update_time_ms));
    return j;
}

/* ------------------------------------------------------------------------------------
 * the core's refusals as Gate's labels
 * ---------------------------------------------------------------------------------- */

typedef struct gt_reason {
    const char *reason;
    int http;
    const char *label;
    const char *text;           /* NULL: the core's message */
} gt_reason;

static const gt_reason GT_REASONS[] = {
    {SQT_MATCH_R_BAD_REQUEST, 400, "INVALID_PARAM_VALUE", NULL},
    {SQT_MATCH_R_CLIENT_ID, 400, "INVALID_PARAM_VALUE", "Invalid text"},
    {SQT_MATCH_R_PRICE_PRECISION, 400, "INVALID_PARAM_VALUE",
     "price must be a multiple of order_price_round"},
    {SQT_MATCH_R_PRICE_TICK, 400, "INVALID_PARAM_VALUE",
     "price must be a multiple of order_price_round"},
    {SQT_MATCH_R_QTY_PRECISION, 400, "INVALID_PARAM_VALUE", "invalid size"},
    {SQT_MATCH_R_QTY_STEP, 400, "INVALID_PARAM_VALUE", "invalid size"},
    {SQT_MATCH_R_QTY_NOT_POSITIVE, 400, "SIZE_TOO_SMALL", "order size too small"},
    {SQT_MATCH_R_QTY_MIN, 400, "SIZE_TOO_SMALL", "order size too small"},
    {SQT_MATCH_R_MIN_NOTIONAL, 400, "ERR_QUOTA_LOWER_LIMIT", "order amount below the minimum"},
    {SQT_MATCH_R_TOO_LARGE, 400, "SIZE_TOO_LARGE", "order size too large"},
    {SQT_MATCH_R_MAX_OPEN, 400, "TOO_MANY_ORDERS", "too many open orders of the contract"},
    {SQT_MATCH_R_DUP_CLIENT_ID, 400, "INVALID_PARAM_VALUE", "duplicate text of an open order"},
    {SQT_MATCH_R_REDUCE_ONLY, 400, "INCREASE_POSITION",
     "reduce-only order would increase position"},
    {SQT_MATCH_R_POST_ONLY, 400, "ORDER_POC_IMMEDIATE",
     "order would match and take immediately so it's cancelled"},
    {SQT_MATCH_R_MARGIN, 400, "INSUFFICIENT_AVAILABLE", "balance not enough"},
    {SQT_MATCH_R_CANCEL_UNKNOWN, 404, "ORDER_NOT_FOUND", "order not found"},
    {SQT_MATCH_R_QUERY_UNKNOWN, 404, "ORDER_NOT_FOUND", "order not found"},
    {SQT_MATCH_R_LEVERAGE, 400, "LEVERAGE_TOO_HIGH", NULL},
    {SQT_EMU_R_PRICE_ABOVE_BAND, 400, "PRICE_TOO_DEVIATED",
     "order price deviates too much from the mark price"},
    {SQT_EMU_R_PRICE_BELOW_BAND, 400, "PRICE_TOO_DEVIATED",
     "order price deviates too much from the mark price"},
};

static const gt_reason *reason_of(const sqt_error *err)
{
    static const gt_reason other = {"", 400, "INVALID_PARAM_VALUE", NULL};
    size_t i;
    for (i = 0; i < sizeof(GT_REASONS) / sizeof(GT_REASONS[0]); i++)
        if (strcmp(err->exch_code, GT_REASONS[i].reason) == 0)
            return &GT_REASONS[i];
    return &other;
}

static const char *reason_text(const gt_reason *r, const sqt_error *err)
{
    return r->text != NULL ? r->text : err->message;
}

static void fail_core(ctx *c, const sqt_error *err)
{
    const gt_reason *r = reason_of(err);
    fail(c, r->http, r->label, "%s", reason_text(r, err));
}

/* ------------------------------------------------------------------------------------
 * signing, rate headers, faults
 * ---------------------------------------------------------------------------------- */

static void hex_of(const unsigned char *md, unsigned int n, char *out)
{
    unsigned int i;
    for (i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int hmac512_hex(const char *secret, const char *msg, size_t len, char out[129])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (HMAC(EVP_sha512(), secret, (int)strlen(secret), (const unsigned char *)msg, len, md,
             &n) == NULL || n != 64)
        return -1;
    hex_of(md, n, out);
    return 0;
}

static int sha512_hex(const char *data, size_t len, char out[129])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, md, &n, EVP_sha512(), NULL) != 1 || n != 64)
        return -1;
    hex_of(md, n, out);
    return 0;
}

static int sig_equal(const char *want, const char *got)
{
    return strlen(got) == 128 && CRYPTO_memcmp(want, got, 128) == 0;
}

/* Seconds, maybe fractional ("1700000000.123"), as ms (digits past the third decimal
 * ignored); -1 when not a time. */
static int64_t ts_ms(const char *s)
{
    size_t n = strspn(s, "0123456789"), i;
    int64_t ms = 0, f = 100;
    if (n == 0 || n > 12)
        return -1;
    for (i = 0; i < n; i++)
        ms = ms * 10 + (s[i] - '0');
    ms *= 1000;
    if (s[n] == '\0')
        return ms;
    if (s[n] != '.' || s[n + 1] == '\0')
        return -1;
    for (i = n + 1; s[i] != '\0'; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        ms += (s[i] - '0') * f;
        f /= 10;
    }
    return ms;
}

static int check_auth(ctx *c)
{
    const sqt_emu_opts *o = sqt_emu_options(c->e);
    const char *key = sqt_emu_req_header(c->req, "KEY"), *sig = sqt_emu_req_header(c->req, "SIGN"),
               *ts = sqt_emu_req_header(c->req, "Timestamp");
    char body_hex[129], want[129], *q, *msg;
    int64_t t;
    size_t n;
    int good;
    if (key == NULL || sig == NULL || ts == NULL) {
        fail(c, 400, "MISSING_REQUIRED_HEADER", "Missing required header: %s",
             key == NULL ? "KEY" : sig == NULL ? "SIGN" : "Timestamp");
        return 0;
    }
    if ((t = ts_ms(ts)) < 0) {
        fail(c, 400, "INVALID_PARAM_VALUE", "Timestamp is not a valid Unix time in seconds");
        return 0;
    }
    if (t < c->now - GT_TS_WINDOW_MS || t > c->now + GT_TS_WINDOW_MS) {
        fail(c, 403, "REQUEST_EXPIRED", "gap between request Timestamp and server time "
             "exceeds 60");
        return 0;
    }
    if (strcmp(key, o->api_key) != 0) {
        fail(c, 401, "INVALID_KEY", "Invalid key provided");
        return 0;
    }
    if (sha512_hex(c->req->body ? c->req->body : "", c->req->body_len, body_hex) != 0 ||
        (q = sqt_emu_url_decode(c->req->query, strlen(c->req->query))) == NULL) {
        fail(c, 500, "INTERNAL", "out of memory");
        return 0;
    }
    n = strlen(c->req->method) + strlen(c->req->path) + strlen(q) + 128 + strlen(ts) + 8;
    if ((msg = malloc(n)) == NULL) {
        free(q);
        fail(c, 500, "INTERNAL", "out of memory");
        return 0;
    }
    n = (size_t)snprintf(msg, n, "%s\n%s\n%s\n%s\n%s", c->req->method, c->req->path, q,
                         body_hex, ts);
    good = hmac512_hex(o->secret, msg, n, want) == 0 && sig_equal(want, sig);
    free(q);
    free(msg);
    if (!good) {
        fail(c, 401, "INVALID_SIGNATURE", "Signature mismatch");
        return 0;
    }
    return 1;
}

/* Count one request (n units: a batch counts each order) against its class. */
static void rate_count(gt_state *st, int cls, int n, int64_t now)
{
    gt_rate *r = &st->rate[cls];
    if (now - r->start >= RL_WINDOW[cls]) {
        r->start = now - (now % RL_WINDOW[cls]);
        r->used = 0;
    }
    r->used += n;
    st->rl_class = cls;
}

static void gt_finish(sqt_emu *e, void *stv, sqt_emu_resp *r)
{
    gt_state *st = stv;
    const gt_rate *rt = &st->rate[st->rl_class];
    int remain = RL_LIMIT[st->rl_class] - rt->used;
    int64_t reset = rt->start + RL_WINDOW[st->rl_class];
    if (st->rl_zero) {
        remain = 0;
        reset = st->rl_reset;
    }
    sqt_emu_resp_header(r, "X-Gate-RateLimit-Requests-Remain", "%d", remain > 0 ? remain : 0);
    sqt_emu_resp_header(r, "X-Gate-RateLimit-Limit", "%d", RL_LIMIT[st->rl_class]);
    sqt_emu_resp_header(r, "X-Gate-RateLimit-Reset-Timestamp", "%lld", (long long)reset);
    sqt_emu_resp_header(r, "X-In-Time", "%lld", (long long)st->in_time_us);
    sqt_emu_resp_header(r, "X-Out-Time", "%lld", (long long)sqt_emu_now(e) * 1000 + 7);
    st->rl_zero = 0;
}

static int class_of(const sqt_emu_req *req)
{
    size_t n = strlen(GT_PREFIX);
    if (strncmp(req->path, GT_PREFIX, n) != 0)
        return RL_OTHER;
    if (strcmp(req->method, "DELETE") == 0 ||
        strcmp(req->path + n, "/batch_cancel_orders") == 0)
        return RL_CANCEL;
    if (strcmp(req->method, "POST") == 0 && (strcmp(req->path + n, "/orders") == 0 ||
                                             strcmp(req->path + n, "/batch_orders") == 0))
        return RL_ORDER;
    return RL_OTHER;
}

static void gt_fault_resp(sqt_emu *e, void *stv, int fault, const sqt_emu_req *req,
                          int64_t retry_ms, sqt_emu_resp *r)
{
    gt_state *st = stv;
    ctx c;
    memset(&c, 0, sizeof(c));
    c.e = e;
    c.st = st;
    c.req = req;
    c.resp = r;
    c.now = sqt_emu_now(e);
    st->in_time_us = c.now * 1000;
    st->rl_class = class_of(req);
    if (fault == SQT_EMU_FAULT_UNKNOWN) {
        fail(&c, 503, "SERVER_ERROR", "Internal server error"); /* outcome unknown */
        return;
    }
    /* Gate has no ban answer of its own: a 429 until the reset time either way */
    st->rl_zero = 1;
    st->rl_reset = c.now + (retry_ms > 0 ? retry_ms : 1000);
    fail(&c, 429, "TOO_MANY_REQUESTS", "Request Rate limit Exceeded");
}

/* ------------------------------------------------------------------------------------
 * market data
 * ---------------------------------------------------------------------------------- */

static void h_time(ctx *c)
{
    reply(c, 200, json_pack("{s:I}", "server_time", (json_int_t)c->now));
}

static json_t *contract_obj(ctx *c)
{
    const sqt_symbol_info *in = sqt_emu_info(c->e);
    const sqt_emu_opts *o = sqt_emu_options(c->e);
    char name[SQT_SYMBOL_MAX + 2];
    sqt_dec p = sqt_emu_price(c->e), dev = sqt_dec_make(5, 2);
    long long min = contracts_of(c->e, in->min_qty);
    gate_name(in, name, sizeof(name));
    if (o->band_up.mant != 0 && o->band_up.scale >= 0 && o->band_up.scale < 18) {
        int64_t one = 1;
        int i;
        for (i = 0; i < o->band_up.scale; i++)
            one *= 10;
        dev = sqt_dec_make(o->band_up.mant - one, o->band_up.scale);
    }
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:b, s:o, s:I, s:s, s:s, s:s, "
                     "s:s, s:s, s:b, s:o, s:o, s:o, s:s, s:s}",
                     "name", name, "type", "direct", "quanto_multiplier",
                     sqt_emu_jdec(sqt_dec_normalize(in->step_size)), "order_price_round",
                     sqt_emu_jdec(sqt_dec_normalize(in->tick_size)), "mark_price_round",
                     sqt_emu_jdec(sqt_dec_normalize(in->tick_size)), "order_size_min",
                     (json_int_t)(min > 0 ? min : 1), "order_size_max", (json_int_t)GT_SIZE_MAX,
                     "enable_decimal", 0, "order_price_deviate", sqt_emu_jdec(dev), "orders_limit",
                     (json_int_t)(in->max_open_orders > 0 ? in->max_open_orders : 100),
                     "leverage_min", "1", "leverage_max", "125", "maker_fee_rate", GT_MAKER_FEE,
                     "taker_fee_rate", GT_TAKER_FEE, "status", "trading", "in_delisting", 0,
                     "last_price", sqt_emu_jdec(p), "mark_price", sqt_emu_jdec(p), "index_price",
                     sqt_emu_jdec(p), "funding_rate", "0.0001", "settle", "usdt");
}

static void h_contracts(ctx *c)
{
    reply(c, 200, json_pack("[o]", contract_obj(c)));
}

static void h_contract(ctx *c)
{
    if (!is_ours(c->e, c->seg)) {
        fail(c, 400, "CONTRACT_NOT_FOUND", "contract %s not found", c->seg);
        return;
    }
    reply(c, 200, contract_obj(c));
}

static void h_tickers(ctx *c)
{
    const char *k = qp(c, "contract");
    char name[SQT_SYMBOL_MAX + 2];
    sqt_dec p = sqt_emu_price(c->e);
    if (k != NULL && !is_ours(c->e, k)) {
        fail(c, 400, "CONTRACT_NOT_FOUND", "contract %s not found", k);
        return;
    }
    gate_name(sqt_emu_info(c->e), name, sizeof(name));
    reply(c, 200,
          json_pack("[{s:s, s:o, s:o, s:o, s:s}]", "contract", name, "last", sqt_emu_jdec(p),
                    "mark_price", sqt_emu_jdec(p), "index_price", sqt_emu_jdec(p), "funding_rate",
                    "0.0001"));
}

/* Gate's interval -> the kbars interval; NULL when not emulated (10s, 1w, 30d). */
static const char *kb_interval(const char *g)
{
    static const char *const map[][2] = {{"1m", "1m"}, {"5m", "5m"}, {"15m", "15m"},
                                         {"30m", "30m"}, {"1h", "1h"}, {"2h", "2h"},
                                         {"4h", "4h"}, {"8h", "8h"}, {"1d", "1d"},
                                         {"7d", "1w"}};
    size_t i;
    for (i = 0; g != NULL && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(g, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static void h_candles(ctx *c)
{
    const char *k = qp(c, "contract"), *g = qp(c, "interval"), *ls = qp(c, "limit"),
               *from = qp(c, "from"), *to = qp(c, "to"), *iv = kb_interval(g);
    char sym[SQT_SYMBOL_MAX];
    long limit = 100;
    long long t_from = -1, t_to = -1;
    sqt_kline *kl;
    size_t n, i;
    json_t *arr;
    if (k == NULL || !kbars_symbol(k, sym, sizeof(sym))) {
        fail(c, 400, "MISSING_REQUIRED_PARAM", "contract required");
        return;
    }
    if (iv == NULL) {
        fail(c, 400, "INVALID_PARAM_VALUE", "interval %s not supported", g ? g : "(none)");
        return;
    }
    /* ccxt sends limit with to (gate.md 11): accepted; limit with from is refused */
    if ((ls != NULL && (!sqt_emu_all_digits(ls) || (limit = strtol(ls, NULL, 10)) < 1 ||
                        limit > 2000)) ||
        (from != NULL && !sqt_emu_all_digits(from)) || (to != NULL && !sqt_emu_all_digits(to)) ||
        (ls != NULL && from != NULL)) {
        fail(c, 400, "INVALID_PARAM_VALUE", "limit, from and to: limit 1..2000 or a time range");
        return;
    }
    if (from != NULL)
        t_from = strtoll(from, NULL, 10);
    if (to != NULL)
        t_to = strtoll(to, NULL, 10);
    if ((kl = calloc(2000, sizeof(*kl))) == NULL) {
        fail(c, 500, "INTERNAL", "out of memory");
        return;
    }
    n = sqt_kbars_recent(sqt_emu_kbars(c->e), sym, iv, 2000, c->now, kl);
    arr = json_array();
    {
        size_t keep = 0, first;
        for (i = 0; i < n; i++) {
            long long t = kl[i].open_time_ms / 1000;
            if ((t_from < 0 || t >= t_from) && (t_to < 0 || t <= t_to))
                kl[keep++] = kl[i];
        }
        first = from == NULL && keep > (size_t)limit ? keep - (size_t)limit : 0;
        for (i = first; i < keep && arr != NULL; i++)
            json_array_append_new(
                arr, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "t",
                               (json_int_t)(kl[i].open_time_ms / 1000), "v",
                               jsize(contracts_of(c->e, kl[i].volume)), "c",
                               sqt_emu_jdec(kl[i].close), "h", sqt_emu_jdec(kl[i].high), "l",
                               sqt_emu_jdec(kl[i].low), "o", sqt_emu_jdec(kl[i].open), "sum",
                               sqt_emu_jdec(sqt_emu_dec_mul(kl[i].volume, kl[i].close))));
    }
    free(kl);
    reply(c, 200, arr);
}

/* ------------------------------------------------------------------------------------
 * account and position
 * ---------------------------------------------------------------------------------- */

static json_t *account_obj(ctx *c)
{
    sqt_account a;
    sqt_position p;
    sqt_match_account(sqt_emu_match(c->e), &a);
    sqt_match_position(sqt_emu_match(c->e), &p);
    return json_pack("{s:I, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:o, s:o}",
                     "user", (json_int_t)c->st->user, "currency", "USDT", "total",
                     sqt_emu_jdec(a.balance), "available", sqt_emu_jdec(a.available),
                     "unrealised_pnl", sqt_emu_jdec(p.unrealized_pnl), "position_margin", "0",
                     "order_margin", "0", "point", "0", "bonus", "0", "in_dual_mode", c->st->dual,
                     "position_mode", c->st->dual ? "dual" : "single", "enable_credit", 0,
                     "cross_available", sqt_emu_jdec(a.available), "cross_margin_balance",
                     sqt_emu_jdec(a.balance));
}

static void h_accounts(ctx *c)
{
    reply(c, 200, account_obj(c));
}

static void h_account_detail(ctx *c)
{
    reply(c, 200, json_pack("{s:I, s:[]}", "user_id", (json_int_t)c->st->user, "ip_whitelist"));
}

/* The position of `mode` (single, dual_long, dual_short). */
static json_t *position_obj(ctx *c, const char *mode)
{
    sqt_position p;
    char name[SQT_SYMBOL_MAX + 2], lev[16], cll[16];
    long long size;
    sqt_match_position(sqt_emu_match(c->e), &p);
    gate_name(sqt_emu_info(c->e), name, sizeof(name));
    size = strcmp(mode, "dual_short") == 0 ? 0
           : p.size.mant < 0 ? -contracts_of(c->e, sqt_dec_make(-p.size.mant, p.size.scale))
                             : contracts_of(c->e, p.size);
    snprintf(lev, sizeof(lev), "%d", c->st->cross ? 0 : (int)p.leverage);
    snprintf(cll, sizeof(cll), "%d", c->st->cross ? (int)c->st->cross_limit : 0);
    return json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:s, s:s, s:s, "
                     "s:s, s:I, s:I}",
                     "user", (json_int_t)c->st->user, "contract", name, "size", jsize(size),
                     "leverage", lev, "cross_leverage_limit", cll, "leverage_max", "125",
                     "entry_price", size != 0 ? sqt_emu_jdec(p.entry_price) : json_string("0"),
                     "mark_price", sqt_emu_jdec(sqt_emu_price(c->e)), "unrealised_pnl",
                     size != 0 ? sqt_emu_jdec(p.unrealized_pnl) : json_string("0"), "realised_pnl",
                     "0", "value", sqt_emu_jdec(sqt_emu_dec_mul(p.size, sqt_emu_price(c->e))),
                     "margin", "0", "liq_price", "0", "mode", mode, "pnl_fee", "0",
                     "pending_orders", (json_int_t)sqt_match_open_count(sqt_emu_match(c->e)),
                     "update_time", (json_int_t)(c->now / 1000));
}

static int contract_seg_ok(ctx *c)
{
    if (!is_ours(c->e, c->seg)) {
        fail(c, 400, "CONTRACT_NOT_FOUND", "contract %s not found", c->seg);
        return 0;
    }
    return 1;
}

static void h_position(ctx *c)
{
    if (!contract_seg_ok(c))
        return;
    if (c->st->dual) {
        fail(c, 400, "POSITION_DUAL_MODE", "position is in dual mode; use the dual_comp "
             "endpoints");
        return;
    }
    reply(c, 200, position_obj(c, "single"));
}

static void h_dual_positions(ctx *c)
{
    if (!contract_seg_ok(c))
        return;
    if (!c->st->dual) {
        fail(c, 400, "POSITION_NOT_DUAL_MODE", "position is not in dual mode");
        return;
    }
    reply(c, 200, json_pack("[o, o]", position_obj(c, "dual_long"),
                            position_obj(c, "dual_short")));
}

static void h_positions(ctx *c)
{
    const char *holding = qp(c, "holding");
    sqt_position p;
    json_t *arr = json_array();
    sqt_match_position(sqt_emu_match(c->e), &p);
    if (arr != NULL && (p.size.mant != 0 || holding == NULL || strcmp(holding, "true") != 0)) {
        if (c->st->dual) {
            json_array_append_new(arr, position_obj(c, "dual_long"));
            json_array_append_new(arr, position_obj(c, "dual_short"));
        } else {
            json_array_append_new(arr, position_obj(c, "single"));
        }
    }
    reply(c, 200, arr);
}

static void h_leverage(ctx *c)
{
    const char *l = qp(c, "leverage"), *cl = qp(c, "cross_leverage_limit");
    long lev, clim = 0;
    sqt_error err;
    if (!contract_seg_ok(c))
        return;
    if (!sqt_emu_all_digits(l) || strlen(l) > 4 ||
        (cl != NULL && (!sqt_emu_all_digits(cl) || strlen(cl) > 4))) {
        fail(c, 400, "INVALID_PARAM_VALUE", "leverage: a whole number in the query");
        return;
    }
    lev = strtol(l, NULL, 10);
    if (cl != NULL)
        clim = strtol(cl, NULL, 10);
    if (lev == 0 && clim == 0) {
        fail(c, 400, "INVALID_PARAM_VALUE", "cross margin needs cross_leverage_limit");
        return;
    }
    if (lev > 125 || clim > 125) {
        fail(c, 400, "LEVERAGE_TOO_HIGH", "leverage too high");
        return;
    }
    if (sqt_match_set_leverage(sqt_emu_match(c->e), (int32_t)(lev ? lev : clim), &err) !=
        SQT_OK) {
        fail_core(c, &err);
        return;
    }
    c->st->cross = lev == 0;
    c->st->cross_limit = (int32_t)clim;
    reply(c, 200, position_obj(c, c->st->dual ? "dual_long" : "single"));
}

static void h_dual_mode(ctx *c)
{
    const char *m = qp(c, "dual_mode");
    sqt_position p;
    if (m == NULL || (strcmp(m, "true") != 0 && strcmp(m, "false") != 0)) {
        fail(c, 400, "INVALID_PARAM_VALUE", "dual_mode: true or false");
        return;
    }
    sqt_match_position(sqt_emu_match(c->e), &p);
    if (p.size.mant != 0) {
        fail(c, 400, "POSITION_HOLDING", "position holding; dual mode cannot change");
        return;
    }
    if (sqt_match_open_count(sqt_emu_match(c->e)) > 0) {
        fail(c, 400, "ORDER_PENDING", "orders pending; dual mode cannot change");
        return;
    }
    c->st->dual = strcmp(m, "true") == 0;
    reply(c, 200, account_obj(c));
}

/* ------------------------------------------------------------------------------------
 * orders
 * ---------------------------------------------------------------------------------- */

/* One order of a create request; -1 with label and msg when it is malformed. */
static int order_from(ctx *c, json_t *item, sqt_order_req *r, const char **label,
                      const char **msg)
{
    json_t *pv = json_object_get(item, "price"), *ro = json_object_get(item, "reduce_only"),
           *ice = json_object_get(item, "iceberg");
    const char *k = sqt_emu_jstr(item, "contract"), *tif = sqt_emu_jstr(item, "tif"),
               *text = sqt_emu_jstr(item, "text");
    long long size;
    char pb[48];
    memset(r, 0, sizeof(*r));
    r->struct_size = sizeof(*r);
    *label = "INVALID_PARAM_VALUE";
    if (!json_is_object(item)) {
        *label = "INVALID_REQUEST_BODY";
        *msg = "an order must be a JSON object";
        return -1;
    }
    if (k == NULL) {
        *label = "MISSING_REQUIRED_PARAM";
        *msg = "contract required";
        return -1;
    }
    if (!is_ours(c->e, k)) {
        *label = "CONTRACT_NOT_FOUND";
        *msg = "contract not found";
        return -1;
    }
    if (size_from(json_object_get(item, "size"), &size) != 0) {
        *msg = "size must be a non-zero whole number of contracts";
        return -1;
    }
    if (json_is_integer(pv))
        snprintf(pb, sizeof(pb), "%lld", (long long)json_integer_value(pv));
    else if (json_is_string(pv) && strlen(json_string_value(pv)) < sizeof(pb))
        snprintf(pb, sizeof(pb), "%s", json_string_value(pv));
    else
        pb[0] = '\0';
    if (pb[0] == '\0' || sqt_dec_parse(pb, strlen(pb), &r->price) != SQT_OK ||
        r->price.mant < 0) {
        *msg = "price must be a decimal string";
        return -1;
    }
    if (r->price.mant == 0) {
        *msg = "market orders (price 0) are not emulated";
        return -1;
    }
    if (tif == NULL || strcmp(tif, "gtc") == 0)
        r->tif = SQT_TIF_GTC;
    else if (strcmp(tif, "poc") == 0)
        r->tif = SQT_TIF_POST_ONLY;
    else {
        *msg = "only tif gtc and poc are emulated";
        return -1;
    }
    if ((ro != NULL && !json_is_boolean(ro)) ||
        (ice != NULL && !(json_is_integer(ice) && json_integer_value(ice) == 0) &&
         !(json_is_string(ice) && strcmp(json_string_value(ice), "0") == 0)) ||
        json_is_true(json_object_get(item, "close")) || json_object_get(item, "auto_size")) {
        *msg = "reduce_only must be a boolean; iceberg, close and auto_size are not emulated";
        return -1;
    }
    r->reduce_only = json_is_true(ro);
    r->side = size > 0 ? SQT_SIDE_BUY : SQT_SIDE_SELL;
    /* dual mode: long only here (a buy opens, a reduce-only sell closes) */
    if (c->st->dual && r->side == SQT_SIDE_SELL && !r->reduce_only) {
        *msg = "only the long side is emulated in dual mode";
        return -1;
    }
    r->qty = coins_of(c->e, size < 0 ? -size : size);
    if (text != NULL) {
        if (!text_ok(text)) {
            *msg = "text must start with t- and hold at most 28 of [0-9A-Za-z_-.] after it";
            return -1;
        }
        snprintf(r->client_id, sizeof(r->client_id), "%s", text);
    } else {
        /* Gate sets "api"; the core needs an id of its own, unique while open */
        snprintf(r->client_id, sizeof(r->client_id), "api-%llu",
                 (unsigned long long)(sqt_emu_rand(c->e) % 1000000000000ULL));
    }
    return 0;
}

static void h_place(ctx *c)
{
    sqt_order_req r;
    sqt_order o;
    sqt_error err;
    const char *label, *msg;
    rate_count(c->st, RL_ORDER, 1, c->now);
    if (order_from(c, c->body, &r, &label, &msg) != 0) {
        fail(c, 400, label, "%s", msg);
        return;
    }
    if (sqt_emu_place(c->e, &r, &o, &err) != SQT_OK) {
        fail_core(c, &err);
        return;
    }
    reply(c, 201, order_obj(c, &o));
}

static void h_batch_place(ctx *c)
{
    json_t *item, *out;
    size_t i;
    if (!json_is_array(c->body) || json_array_size(c->body) == 0 ||
        json_array_size(c->body) > GT_BATCH_MAX) {
        fail(c, 400, "INVALID_REQUEST_BODY", "a JSON array of 1 to %d orders", GT_BATCH_MAX);
        return;
    }
    rate_count(c->st, RL_ORDER, (int)json_array_size(c->body), c->now);
    /* a malformed item fails the whole request (gate.md 3.6); text on every item (11) */
    json_array_foreach(c->body, i, item) {
        sqt_order_req r;
        const char *label, *msg;
        if (sqt_emu_jstr(item, "text") == NULL) {
            fail(c, 400, "MISSING_REQUIRED_PARAM", "order %zu: text required in a batch", i);
            return;
        }
        if (order_from(c, item, &r, &label, &msg) != 0) {
            fail(c, 400, label, "order %zu: %s", i, msg);
            return;
        }
    }
    out = json_array();
    json_array_foreach(c->body, i, item) {
        sqt_order_req r;
        sqt_order o;
        sqt_error err;
        const char *label, *msg;
        json_t *res;
        order_from(c, item, &r, &label, &msg);
        if (sqt_emu_place(c->e, &r, &o, &err) != SQT_OK) {
            const gt_reason *rs = reason_of(&err);
            json_array_append_new(out, json_pack("{s:b, s:s, s:s, s:s, s:s}", "succeeded", 0,
                                                 "label", rs->label, "message",
                                                 reason_text(rs, &err), "detail",
                                                 reason_text(rs, &err), "text", r.client_id));
            continue;
        }
        res = order_obj(c, &o);
        if (res != NULL)
            json_object_set_new(res, "succeeded", json_true());
        json_array_append_new(out, res);
    }
    reply(c, 200, out);
}

/* {order_id}: a numeric id, or our text (t-...) while open and up to 60 s after. */
static int find_order(ctx *c, const char *id, sqt_order *o, sqt_error *err)
{
    int by_text = strncmp(id, "t-", 2) == 0;
    if (!by_text && !sqt_emu_all_digits(id)) {
        memset(err, 0, sizeof(*err));
        snprintf(err->exch_code, sizeof(err->exch_code), "%s", SQT_MATCH_R_QUERY_UNKNOWN);
        return SQT_EUNKNOWN_ORDER;
    }
    if (sqt_match_query(sqt_emu_match(c->e), by_text ? id : NULL, by_text ? NULL : id, o,
                        err) != SQT_OK)
        return SQT_EUNKNOWN_ORDER;
    if (by_text && finished(o) && c->now - o->update_time_ms > 60000) {
        snprintf(err->exch_code, sizeof(err->exch_code), "%s", SQT_MATCH_R_QUERY_UNKNOWN);
        return SQT_EUNKNOWN_ORDER;
    }
    return SQT_OK;
}

static void h_get_order(ctx *c)
{
    sqt_order o;
    sqt_error err;
    if (find_order(c, c->seg, &o, &err) != SQT_OK) {
        fail(c, 404, "ORDER_NOT_FOUND", "order %s not found", c->seg);
        return;
    }
    reply(c, 200, order_obj(c, &o));
}

/* Cancel one order by {order_id}: 0 with *out, or the label and message of the refusal. */
static int cancel_one(ctx *c, const char *id, sqt_order *out, int *http, const char **label,
                      const char **msg)
{
    sqt_order o;
    sqt_error err;
    *http = 404;
    *label = "ORDER_NOT_FOUND";
    *msg = "order not found";
    if (find_order(c, id, &o, &err) != SQT_OK)
        return -1;
    if (finished(&o)) {
        *http = 400;
        *label = "ORDER_FINISHED";
        *msg = "order finished";
        return -1;
    }
    if (sqt_emu_cancel(c->e, NULL, o.order_id, out, &err) != SQT_OK) {
        const gt_reason *r = reason_of(&err);
        *http = r->http;
        *label = r->label;
        *msg = r->text != NULL ? r->text : "order not found";
        return -1;
    }
    return 0;
}

static void h_cancel(ctx *c)
{
    const char *k = qp(c, "contract"), *label, *msg;
    sqt_order o;
    int http;
    rate_count(c->st, RL_CANCEL, 1, c->now);
    if (k != NULL && !is_ours(c->e, k)) { /* a signed ?contract= is allowed (gate.md 11) */
        fail(c, 400, "CONTRACT_NOT_FOUND", "contract %s not found", k);
        return;
    }
    if (cancel_one(c, c->seg, &o, &http, &label, &msg) != 0) {
        fail(c, http, label, "%s", msg);
        return;
    }
    reply(c, 200, order_obj(c, &o));
}

static void h_batch_cancel(ctx *c)
{
    json_t *item, *out;
    size_t i;
    if (!json_is_array(c->body) || json_array_size(c->body) == 0 ||
        json_array_size(c->body) > GT_BATCH_CANCEL_MAX) {
        fail(c, 400, "INVALID_REQUEST_BODY", "a JSON array of 1 to %d order ids",
             GT_BATCH_CANCEL_MAX);
        return;
    }
    json_array_foreach(c->body, i, item) if (!json_is_string(item))
    {
        fail(c, 400, "INVALID_REQUEST_BODY", "order ids must be strings");
        return;
    }
    rate_count(c->st, RL_CANCEL, (int)json_array_size(c->body), c->now);
    out = json_array();
    json_array_foreach(c->body, i, item) {
        const char *id = json_string_value(item), *label, *msg;
        sqt_order o;
        int http;
        int ok = cancel_one(c, id, &o, &http, &label, &msg) == 0;
        json_array_append_new(out, json_pack("{s:s, s:I, s:b, s:s}", "id",
                                             ok ? o.order_id : id, "user_id",
                                             (json_int_t)c->st->user, "succeeded", ok,
                                             "message", ok ? "" : label));
    }
    reply(c, 200, out);
}

static void h_cancel_all(ctx *c)
{
    const char *k = qp(c, "contract"), *side = qp(c, "side");
    sqt_match *m = sqt_emu_match(c->e);
    json_t *out;
    size_t i = 0;
    rate_count(c->st, RL_CANCEL, 1, c->now);
    if (k == NULL) {
        fail(c, 400, "MISSING_REQUIRED_PARAM", "contract required");
        return;
    }
    if (!is_ours(c->e, k)) {
        fail(c, 400, "CONTRACT_NOT_FOUND", "contract %s not found", k);
        return;
    }
    if (side != NULL && strcmp(side, "bid") != 0 && strcmp(side, "ask") != 0) {
        fail(c, 400, "INVALID_PARAM_VALUE", "side: bid or ask");
        return;
    }
    out = json_array();
    while (i < sqt_match_open_count(m)) {
        sqt_order o, done;
        sqt_error err;
        if (sqt_match_open_at(m, i, &o) != SQT_OK)
            break;
        if (side != NULL && (o.side == SQT_SIDE_BUY) != (strcmp(side, "bid") == 0)) {
            i++;
            continue;
        }
        if (sqt_emu_cancel(c->e, NULL, o.order_id, &done, &err) != SQT_OK)
            break;
        json_array_append_new(out, order_obj(c, &done));
    }
    reply(c, 200, out);
}

/* The contract (ours when given), limit (100, 1..1000), offset and one id argument (a
 * whole number when given) of a list; 0 when refused (the answer is set). */
static int page_args(ctx *c, const char *contract, const char *id, long *limit, long *offset)
{
    const char *ls = qp(c, "limit"), *os = qp(c, "offset");
    *limit = 100;
    *offset = 0;
    if (contract != NULL && !is_ours(c->e, contract)) {
        fail(c, 400, "CONTRACT_NOT_FOUND", "contract %s not found", contract);
        return 0;
    }
    if ((ls != NULL &&
         (!sqt_emu_all_digits(ls) || (*limit = strtol(ls, NULL, 10)) < 1 || *limit > 1000)) ||
        (os != NULL && (!sqt_emu_all_digits(os) || strlen(os) > 9)) ||
        (id != NULL && !sqt_emu_all_digits(id))) {
        fail(c, 400, "INVALID_PARAM_VALUE", "limit 1..1000, offset and ids: whole numbers");
        return 0;
    }
    if (os != NULL)
        *offset = strtol(os, NULL, 10);
    return 1;
}

static int by_id_desc(const void *a, const void *b)
{
    long long x = strtoll(((const sqt_order *)a)->order_id, NULL, 10),
              y = strtoll(((const sqt_order *)b)->order_id, NULL, 10);
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Open orders newest first; limit (100, at most 1000), offset, last_id (ids below it). */
static void h_list(ctx *c)
{
    const char *k = qp(c, "contract"), *status = qp(c, "status"), *last = qp(c, "last_id");
    sqt_match *m = sqt_emu_match(c->e);
    size_t n = sqt_match_open_count(m), i, kept = 0;
    long limit, offset;
    long long below = -1;
    sqt_order *all;
    json_t *arr;
    if (status == NULL) {
        fail(c, 400, "MISSING_REQUIRED_PARAM", "status required");
        return;
    }
    if (strcmp(status, "open") != 0 && strcmp(status, "finished") != 0) {
        fail(c, 400, "INVALID_PARAM_VALUE", "status: open or finished");
        return;
    }
    if (!page_args(c, k, last, &limit, &offset))
        return;
    if (last != NULL)
        below = strtoll(last, NULL, 10);
    if (strcmp(status, "finished") == 0)
        n = 0; /* finished orders are not listed by the emulator: by id only */
    if ((all = calloc(n + 1, sizeof(*all))) == NULL) {
        fail(c, 500, "INTERNAL", "out of memory");
        return;
    }
    for (i = 0; i < n; i++)
        if (sqt_match_open_at(m, i, &all[kept]) == SQT_OK &&
            (below < 0 || strtoll(all[kept].order_id, NULL, 10) < below))
            kept++;
    qsort(all, kept, sizeof(*all), by_id_desc);
    arr = json_array();
    for (i = (size_t)offset; i < kept && i < (size_t)offset + (size_t)limit && arr != NULL; i++)
        json_array_append_new(arr, order_obj(c, &all[i]));
    free(all);
    sqt_emu_resp_header(c->resp, "X-Pagination-Limit", "%ld", limit);
    sqt_emu_resp_header(c->resp, "X-Pagination-Offset", "%ld", offset);
    reply(c, 200, arr);
}

/* My trades from the fill ledger, newest first: contract, order, limit, offset. */
static void h_my_trades(ctx *c)
{
    const char *k = qp(c, "contract"), *oid = qp(c, "order");
    char name[SQT_SYMBOL_MAX + 2];
    long limit, offset, skipped = 0;
    size_t n = sqt_emu_fill_count(c->e), i;
    json_t *arr;
    if (!page_args(c, k, oid, &limit, &offset))
        return;
    gate_name(sqt_emu_info(c->e), name, sizeof(name));
    arr = json_array();
    for (i = n; i-- > 0 && arr != NULL && (long)json_array_size(arr) < limit;) {
        const sqt_emu_fill *f = sqt_emu_fill_at(c->e, i);
        long long sz = contracts_of(c->e, f->o.last_fill_qty);
        if (oid != NULL && strcmp(f->o.order_id, oid) != 0)
            continue;
        if (skipped++ < offset)
            continue;
        json_array_append_new(
            arr, json_pack("{s:I, s:o, s:s, s:s, s:o, s:I, s:o, s:s, s:s, s:o, s:s}", "id",
                           (json_int_t)f->trade_id, "create_time", jsec(f->o.update_time_ms),
                           "contract", name, "order_id", f->o.order_id[0] ? f->o.order_id : "0",
                           "size", jsize(f->o.side == SQT_SIDE_SELL ? -sz : sz), "close_size",
                           (json_int_t)0, "price", sqt_emu_jdec(f->o.last_fill_price), "role",
                           f->maker ? "maker" : "taker", "text",
                           f->o.client_id[0] ? f->o.client_id : "web", "fee",
                           sqt_emu_jdec(f->o.fee), "point_fee", "0"));
    }
    reply(c, 200, arr);
}

typedef struct route {
    const char *method;
    const char *path;           /* '*' is one path segment */
    int auth;
    void (*fn)(ctx *c);
} route;

static const route routes[] = {
    {"GET", "/api/v4/spot/time", 0, h_time},
    {"GET", GT_PREFIX "/contracts", 0, h_contracts},
    {"GET", GT_PREFIX "/contracts/*", 0, h_contract},
    {"GET", GT_PREFIX "/tickers", 0, h_tickers},
    {"GET", GT_PREFIX "/candlesticks", 0, h_candles},
    {"GET", "/api/v4/account/detail", 1, h_account_detail},
    {"GET", GT_PREFIX "/accounts", 1, h_accounts},
    {"GET", GT_PREFIX "/positions", 1, h_positions},
    {"GET", GT_PREFIX "/positions/*", 1, h_position},
    {"POST", GT_PREFIX "/positions/*/leverage", 1, h_leverage},
    {"GET", GT_PREFIX "/dual_comp/positions/*", 1, h_dual_positions},
    {"POST", GT_PREFIX "/dual_mode", 1, h_dual_mode},
    {"POST", GT_PREFIX "/orders", 1, h_place},
    {"GET", GT_PREFIX "/orders", 1, h_list},
    {"DELETE", GT_PREFIX "/orders", 1, h_cancel_all},
    {"GET", GT_PREFIX "/orders/*", 1, h_get_order},
    {"DELETE", GT_PREFIX "/orders/*", 1, h_cancel},
    {"POST", GT_PREFIX "/batch_orders", 1, h_batch_place},
    {"POST", GT_PREFIX "/batch_cancel_orders", 1, h_batch_cancel},
    {"GET", GT_PREFIX "/my_trades", 1, h_my_trades},
};

/* path against pattern; *seg gets the '*' segment (pointer into path, length in *seglen). */
static int path_match(const char *pat, const char *path, const char **seg, size_t *seglen)
{
    while (*pat != '\0') {
        if (*pat == '*') {
            size_t n = strcspn(path, "/");
            if (n == 0)
                return 0;
            *seg = path;
            *seglen = n;
            path += n;
            pat++;
        } else if (*pat++ != *path++) {
            return 0;
        }
    }
    return *path == '\0';
}

static void gt_rest(sqt_emu *e, void *stv, const sqt_emu_req *req, sqt_emu_resp *resp)
{
    gt_state *st = stv;
    ctx c;
    const route *rt = NULL;
    const char *seg = NULL, *dec;
    size_t i, seglen = 0;
    char segbuf[128] = "";
    memset(&c, 0, sizeof(c));
    c.e = e;
    c.st = st;
    c.req = req;
    c.resp = resp;
    c.now = sqt_emu_now(e);
    dec = sqt_emu_req_header(req, "X-Gate-Size-Decimal");
    c.dec = dec != NULL && strcmp(dec, "1") == 0;
    st->in_time_us = c.now * 1000;
    st->rl_class = RL_OTHER;
    for (i = 0; i < sizeof(routes) / sizeof(routes[0]) && rt == NULL; i++)
        if (strcmp(routes[i].method, req->method) == 0 &&
            path_match(routes[i].path, req->path, &seg, &seglen))
            rt = &routes[i];
    if (rt == NULL) {
        fail(&c, 404, "NOT_FOUND", "%s %s not found", req->method, req->path);
        return;
    }
    if (seg != NULL) {
        char *d = sqt_emu_url_decode(seg, seglen);
        snprintf(segbuf, sizeof(segbuf), "%s", d ? d : "");
        free(d);
    }
    c.seg = segbuf;
    if (rt->fn != h_place && rt->fn != h_batch_place && rt->fn != h_cancel &&
        rt->fn != h_batch_cancel && rt->fn != h_cancel_all)
        rate_count(st, RL_OTHER, 1, c.now);
    if (rt->auth && !check_auth(&c))
        goto out;
    if (strcmp(req->method, "POST") == 0 && req->body_len > 0) {
        const char *ct = sqt_emu_req_header(req, "Content-Type");
        if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0) {
            fail(&c, 400, "INVALID_CONTENT_TYPE", "Content-Type must be application/json");
            goto out;
        }
        c.body = json_loadb(req->body, req->body_len, 0, NULL);
        if (c.body == NULL) {
            fail(&c, 400, "INVALID_REQUEST_BODY", "the body is not JSON");
            goto out;
        }
    }
    if ((rt->fn == h_place || rt->fn == h_batch_place || rt->fn == h_batch_cancel) &&
        c.body == NULL) {
        fail(&c, 400, "INVALID_REQUEST_BODY", "a JSON body is required");
        goto out;
    }
    rt->fn(&c);
out:
    for (i = 0; i < c.nq; i++)
        free(c.qv[i]);
    json_decref(c.body);
}

/* ------------------------------------------------------------------------------------
 * the WebSocket
 * ---------------------------------------------------------------------------------- */

static int gt_ws_accept(sqt_emu *e, void *stv, sqt_emu_ws *w, const char *target)
{
    gt_ws *gw;
    const char *dec;
    (void)e;
    (void)stv;
    if (strcmp(target, "/v4/ws/usdt") != 0 && strcmp(target, "/v4/ws/futures/usdt") != 0)
        return -1;
    if ((gw = calloc(1, sizeof(*gw))) == NULL)
        return -1;
    dec = sqt_emu_header(w->up_headers, w->n_up_headers, "X-Gate-Size-Decimal");
    gw->dec = dec != NULL && strcmp(dec, "1") == 0;
    /* one socket for both: its kind bits follow its subscriptions */
    w->kind = 0;
    w->dstate = gw;
    return 0;
}

static void ws_send(sqt_emu_ws *w, json_t *v)
{
    gt_ws *gw = w->dstate;
    char *text = dump(v, gw != NULL && gw->dec);
    if (text != NULL)
        sqt_emu_ws_text(w, text);
    free(text);
}

static void ws_answer(sqt_emu *e, sqt_emu_ws *w, json_t *req, const char *channel,
                      const char *event, int code, const char *msg)
{
    int64_t now = sqt_emu_now(e);
    json_t *j = json_pack("{s:I, s:I, s:s, s:s}", "time", (json_int_t)(now / 1000), "time_ms",
                          (json_int_t)now, "channel", channel, "event", event);
    json_t *id = json_object_get(req, "id");
    if (j == NULL)
        return;
    if (id != NULL)
        json_object_set(j, "id", id);
    json_object_set_new(j, "conn_id", json_string("emu"));
    if (code == 0) {
        json_object_set_new(j, "error", json_null());
        json_object_set_new(j, "result", json_pack("{s:s}", "status", "success"));
    } else {
        json_object_set_new(j, "error", json_pack("{s:i, s:s}", "code", code, "message", msg));
        json_object_set_new(j, "result", json_null());
    }
    ws_send(w, j);
}

/* code 4 carries a label body as its message (gate.md 11). */
static int ws_auth(sqt_emu *e, json_t *m, const char *channel, const char *event, char *why,
                   size_t cap)
{
    const sqt_emu_opts *o = sqt_emu_options(e);
    json_t *auth = json_object_get(m, "auth"), *tv = json_object_get(m, "time");
    const char *method = sqt_emu_jstr(auth, "method"), *key = sqt_emu_jstr(auth, "KEY"),
               *sign = sqt_emu_jstr(auth, "SIGN");
    char msg[160], want[129];
    long long t;
    int64_t now = sqt_emu_now(e);
    const char *label = NULL, *text = NULL;
    if (!json_is_object(auth) || method == NULL || strcmp(method, "api_key") != 0 ||
        key == NULL || sign == NULL) {
        label = "MISSING_REQUIRED_HEADER";
        text = "auth with method api_key, KEY and SIGN required";
    } else if (!json_is_integer(tv)) {
        label = "INVALID_PARAM_VALUE";
        text = "time: Unix seconds required";
    } else if ((t = (long long)json_integer_value(tv)) * 1000 < now - GT_TS_WINDOW_MS ||
               t * 1000 > now + GT_TS_WINDOW_MS) {
        label = "REQUEST_EXPIRED";
        text = "gap between request time and server time exceeds 60";
    } else if (strcmp(key, o->api_key) != 0) {
        label = "INVALID_KEY";
        text = "Invalid key provided";
    } else {
        int n = snprintf(msg, sizeof(msg), "channel=%s&event=%s&time=%lld", channel, event, t);
        if (n < 0 || (size_t)n >= sizeof(msg) ||
            hmac512_hex(o->secret, msg, (size_t)n, want) != 0 || !sig_equal(want, sign)) {
            label = "INVALID_SIGNATURE";
            text = "Signature mismatch";
        }
    }
    if (label == NULL)
        return 0;
    snprintf(why, cap, "{\"label\":\"%s\",\"message\":\"%s\"}", label, text);
    return -1;
}

static int is_private(const char *ch)
{
    return strcmp(ch, "futures.orders") == 0 || strcmp(ch, "futures.usertrades") == 0;
}

/* The subscription a request names; -1 with why. */
static int sub_make(sqt_emu *e, gt_state *st, const char *ch, json_t *payload, gt_sub *s,
                    char *why, size_t cap)
{
    char sym[SQT_SYMBOL_MAX];
    const char *a0 = json_string_value(json_array_get(payload, 0)),
               *a1 = json_string_value(json_array_get(payload, 1));
    memset(s, 0, sizeof(*s));
    s->cur_open = -1;
    snprintf(s->channel, sizeof(s->channel), "%s", ch);
    if (strcmp(ch, "futures.tickers") == 0 || strcmp(ch, "futures.trades") == 0) {
        if (json_array_size(payload) != 1 || !is_ours(e, a0)) {
            snprintf(why, cap, "unknown contract");
            return -1;
        }
        snprintf(s->contract, sizeof(s->contract), "%s", a0);
        return 0;
    }
    if (strcmp(ch, "futures.candlesticks") == 0) {
        const char *iv = kb_interval(a0);
        if (json_array_size(payload) != 2 || iv == NULL || a1 == NULL ||
            !kbars_symbol(a1, sym, sizeof(sym)) || strlen(a0) >= sizeof(s->giv) ||
            strlen(a1) >= sizeof(s->contract)) {
            snprintf(why, cap, "payload: [interval, contract]");
            return -1;
        }
        snprintf(s->iv, sizeof(s->iv), "%s", iv);
        snprintf(s->giv, sizeof(s->giv), "%s", a0);
        snprintf(s->contract, sizeof(s->contract), "%s", a1);
        s->iv_ms = sqt_kbars_interval_ms(iv);
        return s->iv_ms > 0 ? 0 : -1;
    }
    if (is_private(ch)) {
        char uid[24];
        snprintf(uid, sizeof(uid), "%lld", st->user);
        if (json_array_size(payload) != 2 || a0 == NULL || strcmp(a0, uid) != 0) {
            snprintf(why, cap, "payload: [user id, contract]; the user id is the account's "
                               "numeric user");
            return -1;
        }
        if (a1 == NULL || (strcmp(a1, "!all") != 0 && !is_ours(e, a1))) {
            snprintf(why, cap, "unknown contract");
            return -1;
        }
        snprintf(s->contract, sizeof(s->contract), "%s", a1);
        return 0;
    }
    snprintf(why, cap, "unknown channel %s", ch);
    return -1;
}

static void ws_subscribe(sqt_emu *e, gt_state *st, sqt_emu_ws *w, gt_ws *gw, json_t *m,
                         const char *ch, const char *event)
{
    char why[200];
    gt_sub s;
    size_t k;
    int on = strcmp(event, "subscribe") == 0;
    json_t *payload = json_object_get(m, "payload");
    if (!json_is_array(payload)) {
        ws_answer(e, w, m, ch, event, 1, "invalid argument struct: payload must be an array");
        return;
    }
    if (sub_make(e, st, ch, payload, &s, why, sizeof(why)) != 0) {
        ws_answer(e, w, m, ch, event, 2, why);
        return;
    }
    if (is_private(ch) && ws_auth(e, m, ch, event, why, sizeof(why)) != 0) {
        ws_answer(e, w, m, ch, event, 4, why);
        return;
    }
    for (k = 0; k < gw->n_subs; k++)
        if (strcmp(gw->subs[k].channel, s.channel) == 0 &&
            strcmp(gw->subs[k].contract, s.contract) == 0 &&
            strcmp(gw->subs[k].giv, s.giv) == 0)
            break;
    if (on && k == gw->n_subs) {
        if (gw->n_subs == GT_MAX_SUBS) {
            ws_answer(e, w, m, ch, event, 2, "too many subscriptions");
            return;
        }
        gw->subs[gw->n_subs++] = s;
    } else if (!on && k < gw->n_subs) {
        gw->subs[k] = gw->subs[--gw->n_subs];
    }
    if (on)
        w->kind |= is_private(ch) ? SQT_EMU_WS_USER : SQT_EMU_WS_MARKET;
    ws_answer(e, w, m, ch, event, 0, NULL);
}

static void gt_ws_message(sqt_emu *e, void *stv, sqt_emu_ws *w, const char *data, size_t len)
{
    gt_ws *gw = w->dstate;
    json_t *m;
    const char *ch, *ev;
    if (gw == NULL)
        return;
    m = json_loadb(data, len, 0, NULL);
    ch = sqt_emu_jstr(m, "channel");
    ev = sqt_emu_jstr(m, "event");
    if (!json_is_object(m) || ch == NULL) {
        ws_answer(e, w, m, ch ? ch : "", ev ? ev : "", 1, "invalid argument struct");
    } else if (strcmp(ch, "futures.ping") == 0) {
        int64_t now = sqt_emu_now(e);
        json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:n}", "time", (json_int_t)(now / 1000),
                              "time_ms", (json_int_t)now, "channel", "futures.pong", "event",
                              "", "result");
        if (j != NULL && json_object_get(m, "id") != NULL)
            json_object_set(j, "id", json_object_get(m, "id"));
        ws_send(w, j);
    } else if (ev != NULL && (strcmp(ev, "subscribe") == 0 || strcmp(ev, "unsubscribe") == 0)) {
        ws_subscribe(e, stv, w, gw, m, ch, ev);
    } else {
        ws_answer(e, w, m, ch, ev ? ev : "", 2, "event: subscribe or unsubscribe");
    }
    json_decref(m);
}

static json_t *update_msg(const char *channel, json_t *result, int64_t now)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:o}", "time", (json_int_t)(now / 1000), "time_ms",
                     (json_int_t)now, "channel", channel, "event", "update", "result", result);
}

static int subscribed(const gt_ws *gw, const char *channel, const char *contract)
{
    size_t i;
    for (i = 0; gw != NULL && i < gw->n_subs; i++)
        if (strcmp(gw->subs[i].channel, channel) == 0 &&
            (strcmp(gw->subs[i].contract, contract) == 0 ||
             strcmp(gw->subs[i].contract, "!all") == 0))
            return 1;
    return 0;
}

static void gt_on_trade(sqt_emu *e, void *stv, sqt_dec price, sqt_dec qty, int64_t now)
{
    gt_state *st = stv;
    char name[SQT_SYMBOL_MAX + 2];
    sqt_emu_ws *w;
    long long trade_id = ++st->next_trade_id, size = contracts_of(e, qty);
    gate_name(sqt_emu_info(e), name, sizeof(name));
    for (w = sqt_emu_ws_list(e); w != NULL; w = w->next) {
        gt_ws *gw = w->dstate;
        if (!w->open || gw == NULL)
            continue;
        if (subscribed(gw, "futures.tickers", name))
            ws_send(w,
                    update_msg("futures.tickers",
                               json_pack("[{s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:s}]", "contract",
                                         name, "last", sqt_emu_jdec(price), "mark_price",
                                         sqt_emu_jdec(price), "index_price", sqt_emu_jdec(price),
                                         "funding_rate", "0.0001", "change_percentage", "0",
                                         "total_size", "0", "volume_24h", "0"),
                               now));
        if (subscribed(gw, "futures.trades", name))
            ws_send(w, update_msg("futures.trades",
                                  json_pack("[{s:s, s:o, s:I, s:I, s:I, s:o}]", "contract",
                                            name, "size", jsize(size > 0 ? size : 1), "id",
                                            (json_int_t)trade_id, "create_time",
                                            (json_int_t)(now / 1000), "create_time_ms",
                                            (json_int_t)now, "price", sqt_emu_jdec(price)),
                                  now));
    }
}

static json_t *candle_obj(sqt_emu *e, const gt_sub *s, const sqt_kline *k, int closed)
{
    char n[48];
    snprintf(n, sizeof(n), "%s_%s", s->giv, s->contract);
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:b}", "t",
                     (json_int_t)(k->open_time_ms / 1000), "v", jsize(contracts_of(e, k->volume)),
                     "c", sqt_emu_jdec(k->close), "h", sqt_emu_jdec(k->high), "l",
                     sqt_emu_jdec(k->low), "o", sqt_emu_jdec(k->open), "n", n, "a",
                     sqt_emu_jdec(k->volume), "w", closed);
}

/* Candles: the forming one every GT_KLINE_PUSH_MS; when a new one starts, the one
 * before it once more with w:true. */
static void gt_on_timer(sqt_emu *e, void *stv, int64_t now)
{
    const sqt_kbars *kb = sqt_emu_kbars(e);
    sqt_emu_ws *w;
    size_t i;
    (void)stv;
    for (w = sqt_emu_ws_list(e); w != NULL; w = w->next) {
        gt_ws *gw = w->dstate;
        if (!w->open || gw == NULL)
            continue;
        for (i = 0; i < gw->n_subs; i++) {
            gt_sub *s = &gw->subs[i];
            char sym[SQT_SYMBOL_MAX];
            sqt_kline k;
            int64_t open;
            if (s->iv_ms == 0 || !kbars_symbol(s->contract, sym, sizeof(sym)))
                continue;
            open = sqt_kbars_current_open(kb, sym, s->iv_ms, now);
            if (open != s->cur_open) {
                if (s->cur_open >= 0 && sqt_kbars_get(kb, sym, s->iv, s->cur_open, now, &k))
                    ws_send(w, update_msg("futures.candlesticks",
                                          json_pack("[o]", candle_obj(e, s, &k, 1)), now));
                s->last_push = 0;
            }
            if (now - s->last_push < GT_KLINE_PUSH_MS ||
                !sqt_kbars_get(kb, sym, s->iv, open, now, &k))
                continue;
            ws_send(w, update_msg("futures.candlesticks",
                                  json_pack("[o]", candle_obj(e, s, &k, 0)), now));
            s->cur_open = open;
            s->last_push = now;
        }
    }
}

/* A user push goes to a connection subscribed to its channel; the size markers are
 * resolved for that connection. */
static void gt_user_send(sqt_emu *e, void *stv, sqt_emu_ws *w, const char *event,
                         const char *json)
{
    gt_ws *gw = w->dstate;
    char name[SQT_SYMBOL_MAX + 2], *text;
    (void)stv;
    gate_name(sqt_emu_info(e), name, sizeof(name));
    if (!subscribed(gw, event, name))
        return;
    if ((text = unmark(json, gw->dec)) != NULL)
        sqt_emu_ws_text(w, text);
    free(text);
}

static void push_user(sqt_emu *e, const char *channel, json_t *result, int64_t now)
{
    char *text = dump(update_msg(channel, result, now), -1);
    if (text != NULL)
        sqt_emu_user_push(e, channel, text);
    free(text);
}

static void gt_on_order(sqt_emu *e, void *stv, const sqt_order *o, int maker, int64_t now)
{
    gt_state *st = stv;
    char name[SQT_SYMBOL_MAX + 2], user[24];
    long long size = contracts_of(e, o->qty), left = size - contracts_of(e, o->filled_qty),
              sg = o->side == SQT_SIDE_SELL ? -1 : 1;
    int64_t created = sqt_emu_order_created(e, o->order_id), fin = finished(o) ? now : 0;
    gate_name(sqt_emu_info(e), name, sizeof(name));
    snprintf(user, sizeof(user), "%lld", st->user);
    if (created == 0)
        created = now;
    push_user(e, "futures.orders",
              json_pack("[{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:o, "
                        "s:o, s:o, s:s, s:s, s:b, s:b, s:b, s:o, s:o, s:i, s:i, s:o, s:s, "
                        "s:s, s:s}]",
                        "id", (json_int_t)strtoll(o->order_id, NULL, 10), "user", user,
                        "contract", name, "create_time", (json_int_t)(created / 1000),
                        "create_time_ms", (json_int_t)created, "update_time", (json_int_t)now,
                        "update_id", (json_int_t)update_id(e, o), "finish_time",
                        (json_int_t)(fin / 1000), "finish_time_ms", (json_int_t)fin, "status",
                        finished(o) ? "finished" : "open", "finish_as", finish_as(st, o, 1),
                        "size", jsize(sg * size), "left", jsize(sg * left), "price",
                        jnum(o->price), "fill_price",
                        o->filled_qty.mant != 0 ? jnum(o->avg_price) : jnum(sqt_dec_make(0, 0)),
                        "text", o->client_id, "tif", o->tif == SQT_TIF_POST_ONLY ? "poc" : "gtc",
                        "is_reduce_only", o->reduce_only != 0, "is_close", 0, "is_liq", 0,
                        "mkfr", jnum(sqt_dec_make(2, 4)), "tkfr", jnum(sqt_dec_make(5, 4)),
                        "refu", 0, "refr", 0, "iceberg", jsize(0), "stp_id", "0", "stp_act", "-",
                        "amend_text", "-"),
              now);
    if (o->last_fill_qty.mant != 0) {
        char tid[24];
        long long fsz = contracts_of(e, o->last_fill_qty);
        size_t n = sqt_emu_fill_count(e);
        const sqt_emu_fill *f = n > 0 ? sqt_emu_fill_at(e, n - 1) : NULL;
        snprintf(tid, sizeof(tid), "%lld", f ? (long long)f->trade_id : 0LL);
        push_user(e, "futures.usertrades",
                  json_pack("[{s:s, s:I, s:I, s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:o}]", "id",
                            tid, "create_time", (json_int_t)(now / 1000), "create_time_ms",
                            (json_int_t)now, "contract", name, "order_id", o->order_id, "size",
                            jsize(sg * fsz), "price", sqt_emu_jdec(o->last_fill_price), "role",
                            maker ? "maker" : "taker", "text", o->client_id, "fee",
                            jnum(o->fee), "point_fee", jnum(sqt_dec_make(0, 0))),
                  now);
    }
}

static void gt_on_account(sqt_emu *e, void *stv, int64_t now)
{
    (void)e;
    (void)stv;
    (void)now; /* futures.balances / futures.positions are not subscribed by OpenSQT */
}

/* Gate has no session to expire: the closest is its upgrade notice, then the cut. */
static int gt_expire_session(sqt_emu *e, void *stv, int64_t now)
{
    /* the notice has no size markers: one text fits every socket */
    char *notice =
        dump(update_msg("futures.system", json_pack("{s:s}", "type", "upgrade"), now), 0);
    int rc = sqt_emu_user_ws_cut(e, notice, "server upgrade", "upgrade notice");
    (void)stv;
    free(notice);
    return rc;
}

static const char *const FINISH_AS[] = {
    "cancelled", "liquidated", "liquidate_cancelled", "reduce_only", "position_closed",
    "reduce_out", "auto_deleveraged", "stp", "small", "depth_not_enough", "trader_not_enough",
    "poc", "ioc", "fok"};

/* finish_as {"text"|"id", "as"}: end an open order as Gate would for that reason. */
static int cmd_finish_as(sqt_emu *e, gt_state *st, json_t *args, json_t *reply_obj)
{
    const char *text = sqt_emu_jstr(args, "text"), *id = sqt_emu_jstr(args, "id"),
               *as = sqt_emu_jstr(args, "as");
    sqt_order o, done;
    sqt_error err;
    gt_fin *f;
    size_t i;
    for (i = 0; as != NULL && i < sizeof(FINISH_AS) / sizeof(FINISH_AS[0]); i++)
        if (strcmp(as, FINISH_AS[i]) == 0)
            break;
    if (as == NULL || i == sizeof(FINISH_AS) / sizeof(FINISH_AS[0]) ||
        (text == NULL) == (id == NULL)) {
        json_object_set_new(reply_obj, "error",
                            json_string("finish_as: text or id of an open order, and as: "
                                        "cancelled, liquidated, reduce_only, stp, poc, ..."));
        return SQT_EINVAL;
    }
    if (sqt_match_query(sqt_emu_match(e), text, id, &o, &err) != SQT_OK || finished(&o)) {
        json_object_set_new(reply_obj, "error", json_string("finish_as: no such open order"));
        return SQT_ESTATE;
    }
    f = &st->fins[st->n_fins++ % GT_FIN_MAX];
    snprintf(f->order_id, sizeof(f->order_id), "%s", o.order_id);
    snprintf(f->as, sizeof(f->as), "%s", as);
    if (sqt_emu_cancel(e, NULL, o.order_id, &done, &err) != SQT_OK) {
        f->order_id[0] = '\0';
        json_object_set_new(reply_obj, "error", json_string(err.message));
        return SQT_ESTATE;
    }
    json_object_set_new(reply_obj, "order_id", json_string(o.order_id));
    return SQT_OK;
}

static int gt_command(sqt_emu *e, void *stv, const char *name, json_t *args, json_t *reply_obj)
{
    gt_state *st = stv;
    if (strcmp(name, "finish_as") == 0)
        return cmd_finish_as(e, st, args, reply_obj);
    if (strcmp(name, "dual_mode") == 0) {
        json_t *on = json_object_get(args, "on");
        st->dual = on == NULL || json_is_true(on);
        return SQT_OK;
    }
    return SQT_ENOENT;
}

static void gt_state_dump(sqt_emu *e, void *stv, json_t *obj)
{
    gt_state *st = stv;
    char name[SQT_SYMBOL_MAX + 2];
    gate_name(sqt_emu_info(e), name, sizeof(name));
    json_object_set_new(obj, "user", json_integer((json_int_t)st->user));
    json_object_set_new(obj, "contract", json_string(name));
    json_object_set_new(obj, "quanto_multiplier",
                        sqt_emu_jdec(sqt_dec_normalize(sqt_emu_info(e)->step_size)));
    json_object_set_new(obj, "position_mode", json_string(st->dual ? "dual" : "single"));
    json_object_set_new(obj, "margin_mode", json_string(st->cross ? "cross" : "isolated"));
}

static int gt_create(sqt_emu *e, void **out)
{
    gt_state *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return SQT_ENOMEM;
    st->user = 10000000 + (long long)(sqt_emu_rand(e) % 89999999ULL);
    st->cross = 1;
    st->cross_limit = sqt_emu_options(e)->leverage;
    *out = st;
    return SQT_OK;
}

const sqt_emu_dialect sqt_emu_dialect_gate = {
    "gate",           gt_create,       sqt_emu_dstate_free, gt_rest, gt_fault_resp,
    gt_finish,        gt_ws_accept,    gt_ws_message, sqt_emu_ws_dstate_free, gt_on_trade,
    gt_on_order,      gt_on_account,   gt_on_timer,   gt_user_send, gt_expire_session,
    gt_command,       gt_state_dump};
