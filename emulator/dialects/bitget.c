/* Bitget USDT-M futures dialect of the emulator (shared/spec/exchanges/bitget.md, mix
 * API v2): REST under /api/v2 with ACCESS-* headers and base64 HMAC-SHA256 signatures
 * over timestamp + METHOD + path[?query] + body, every answer in the envelope
 * {code, msg, requestTime, data}; the public socket (/v2/ws/public: ticker, candle<g>)
 * and the private one (/v2/ws/private: login, then orders), both with text ping/pong.
 * Everything about the account is the core's; this file only translates.
 *
 * Emulator choices where Bitget documents nothing (bitget.md 10): a post-only order that
 * would take is refused synchronously (code 40099 below, a text that says post only),
 * the passphrase is BG_PASSPHRASE (or the dialect command set_passphrase), the
 * timestamp window is 30 s, and no rate-limit headers are sent. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "emulator.h"

#define BG_PASSPHRASE "emulator-passphrase"
#define BG_PRODUCT "USDT-FUTURES"
#define BG_TS_WINDOW_MS 30000
#define BG_KLINE_PUSH_MS 500
#define BG_MAX_SUBS 32
#define BG_BATCH_MAX 50
#define BG_PAGE_MAX 100

typedef struct bg_sub {
    char channel[24];          /* ticker, candle1m, ..., orders */
    char inst[SQT_SYMBOL_MAX];
    char iv[SQT_INTERVAL_MAX]; /* candles: the kbars interval ("1h") */
    int64_t iv_ms;
    int64_t cur_open;          /* candles: the row being formed, -1 before the first */
    int64_t last_push;
} bg_sub;

typedef struct bg_ws {
    int logged_in;
    bg_sub subs[BG_MAX_SUBS];
    size_t n_subs;
} bg_ws;

typedef struct bg_state {
    char passphrase[64];
    int hedge;
    int isolated;
} bg_state;

typedef struct ctx {
    sqt_emu *e;
    bg_state *st;
    const sqt_emu_req *req;
    sqt_emu_resp *resp;
    int64_t now;
    json_t *body;              /* POST: the parsed object */
} ctx;

/* ------------------------------------------------------------------------------------
 * helpers
 * ---------------------------------------------------------------------------------- */

static json_t *jneg(sqt_dec d)
{
    d.mant = -d.mant;
    return sqt_emu_jdec(d);
}

static json_t *jms(int64_t ms)
{
    char b[24];
    snprintf(b, sizeof(b), "%lld", (long long)ms);
    return json_string(b);
}

static void bg_reply(ctx *c, int http, const char *code, const char *msg, json_t *data)
{
    sqt_emu_resp_json(c->resp, http,
                      json_pack("{s:s, s:s, s:I, s:o}", "code", code, "msg", msg, "requestTime",
                                (json_int_t)c->now, "data", data != NULL ? data : json_null()));
}

static void ok(ctx *c, json_t *data)
{
    bg_reply(c, 200, "00000", "success", data);
}

static void fail(ctx *c, int http, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(ctx *c, int http, const char *code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    bg_reply(c, http, code, msg, NULL);
}

/* A parameter from the query (GET) or the JSON body (POST); NULL when absent. The
 * returned string lives until the request ends (the query copies are kept in c). */
typedef struct params {
    char *v[16];
    size_t n;
} params;

static const char *param(ctx *c, params *ps, const char *key)
{
    if (c->body != NULL) {
        json_t *v = json_object_get(c->body, key);
        return json_is_string(v) ? json_string_value(v) : NULL;
    }
    if (ps->n < sizeof(ps->v) / sizeof(ps->v[0])) {
        char *s = sqt_emu_query_get(c->req->query, key);
        if (s != NULL)
            ps->v[ps->n++] = s;
        return s;
    }
    return NULL;
}

static void params_free(params *ps)
{
    size_t i;
    for (i = 0; i < ps->n; i++)
        free(ps->v[i]);
}

/* productType checked (any case, bitget.md 11); the symbol required when need_symbol,
 * and our traded one unless any_symbol (candles: other symbols get a flat series). */
static int scope_check(ctx *c, params *ps, int need_symbol, int any_symbol)
{
    const char *pt = param(c, ps, "productType"), *sym = param(c, ps, "symbol");
    if (pt == NULL) {
        fail(c, 400, "40019", "Parameter productType cannot be empty");
        return 0;
    }
    if (strcasecmp(pt, BG_PRODUCT) != 0) {
        fail(c, 400, "40020", "Parameter productType error");
        return 0;
    }
    if (need_symbol && sym == NULL) {
        fail(c, 400, "40019", "Parameter symbol cannot be empty");
        return 0;
    }
    if (sym != NULL && !any_symbol && strcmp(sym, sqt_emu_info(c->e)->symbol) != 0) {
        fail(c, 400, "40034", "Parameter %s does not exist", sym);
        return 0;
    }
    return 1;
}

static int scope_ok(ctx *c, params *ps, int need_symbol)
{
    return scope_check(c, ps, need_symbol, 0);
}

static const char *status_word(sqt_order_status s)
{
    switch (s) {
    case SQT_ORDER_PARTIALLY_FILLED: return "partially_filled";
    case SQT_ORDER_FILLED: return "filled";
    case SQT_ORDER_CANCELED:
    case SQT_ORDER_EXPIRED:
    case SQT_ORDER_REJECTED: return "canceled";
    default: return "live";
    }
}

/* The order's fee so far from the fill ledger (SDK sign: positive = paid). */
static sqt_dec order_fee(sqt_emu *e, const char *order_id)
{
    sqt_dec sum = sqt_dec_make(0, 8);
    size_t i, n = sqt_emu_fill_count(e);
    for (i = 0; i < n; i++) {
        const sqt_emu_fill *f = sqt_emu_fill_at(e, i);
        sqt_dec fee;
        if (strcmp(f->o.order_id, order_id) != 0 ||
            sqt_dec_rescale(f->o.fee, 8, &fee) != SQT_OK)
            continue;
        sum.mant += fee.mant;
    }
    return sum;
}

/* A REST order object (entrustedList item or detail: status key differs). */
static json_t *order_obj(ctx *c, const sqt_order *o, const char *status_key)
{
    json_t *j = json_pack(
        "{s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
        "s:s, s:s, s:o, s:o}",
        "symbol", o->symbol, "size", sqt_emu_jdec(o->qty), "orderId", o->order_id, "clientOid",
        o->client_id, "baseVolume", sqt_emu_jdec(o->filled_qty), "fee",
        jneg(order_fee(c->e, o->order_id)), "price", sqt_emu_jdec(o->price), "priceAvg",
        sqt_emu_jdec(o->avg_price), status_key, status_word(o->status), "side",
        o->side == SQT_SIDE_BUY ? "buy" : "sell", "force",
        o->tif == SQT_TIF_POST_ONLY ? "post_only" : "gtc", "posSide",
        c->st->hedge ? "long" : "net", "marginCoin", "USDT", "marginMode",
        c->st->isolated ? "isolated" : "crossed", "orderType", "limit", "reduceOnly",
        o->reduce_only ? "YES" : "NO", "posMode", c->st->hedge ? "hedge_mode" : "one_way_mode",
        "enterPointSource", "API", "cTime", jms(sqt_emu_order_created(c->e, o->order_id)),
        "uTime", jms(o->update_time_ms));
    if (j != NULL && c->st->hedge)
        json_object_set_new(j, "tradeSide",
                            json_string(o->side == SQT_SIDE_BUY ? "open" : "close"));
    return j;
}

/* ------------------------------------------------------------------------------------
 * the core's refusals in Bitget's codes and texts
 * ---------------------------------------------------------------------------------- */

typedef struct bg_reason {
    const char *reason;
    const char *code;
    const char *text;          /* NULL: the core's message */
} bg_reason;

static const bg_reason BG_REASONS[] = {
    {SQT_MATCH_R_BAD_REQUEST, "40017", NULL},
    {SQT_MATCH_R_CLIENT_ID, "40305", "The clientOid length cannot be greater than 50"},
    {SQT_MATCH_R_PRICE_PRECISION, "40808", "Parameter verification exception price checkScale"},
    {SQT_MATCH_R_PRICE_TICK, "40808", "Parameter verification exception price checkScale"},
    {SQT_MATCH_R_QTY_PRECISION, "40808", "Parameter verification exception size checkScale"},
    {SQT_MATCH_R_QTY_STEP, "40808", "Parameter verification exception size checkScale"},
    {SQT_MATCH_R_QTY_NOT_POSITIVE, "45111", "less than the minimum order quantity"},
    {SQT_MATCH_R_QTY_MIN, "45111", "less than the minimum order quantity"},
    {SQT_MATCH_R_MIN_NOTIONAL, "45110", "less than the minimum order amount 5 USDT"},
    {SQT_MATCH_R_TOO_LARGE, "45113", "The maximum order value is exceeded"},
    {SQT_MATCH_R_MAX_OPEN, "40017", "The number of open orders exceeds the limit"},
    {SQT_MATCH_R_DUP_CLIENT_ID, "40786", "Duplicate clientOid"},
    {SQT_MATCH_R_REDUCE_ONLY, "22002", "No position to close"},
    {SQT_MATCH_R_POST_ONLY, "40099",
     "The post only order would be filled immediately and is canceled"},
    {SQT_MATCH_R_MARGIN, "40762", "The order amount exceeds the balance"},
    {SQT_MATCH_R_CANCEL_UNKNOWN, "40768", "Order does not exist"},
    {SQT_MATCH_R_QUERY_UNKNOWN, "40768", "Order does not exist"},
    {SQT_MATCH_R_LEVERAGE, "40017", NULL},
    {SQT_EMU_R_PRICE_ABOVE_BAND, "40808", "The order price is higher than the highest bid price"},
    {SQT_EMU_R_PRICE_BELOW_BAND, "40808", "The order price is lower than the lowest bid price"},
};

static const bg_reason *reason_of(const sqt_error *err)
{
    size_t i;
    for (i = 0; i < sizeof(BG_REASONS) / sizeof(BG_REASONS[0]); i++)
        if (strcmp(err->exch_code, BG_REASONS[i].reason) == 0)
            return &BG_REASONS[i];
    return NULL;
}

static void fail_core(ctx *c, const sqt_error *err)
{
    const bg_reason *r = reason_of(err);
    if (r == NULL)
        fail(c, 400, "40017", "%s", err->message);
    else
        fail(c, 400, r->code, "%s", r->text != NULL ? r->text : err->message);
}

/* ------------------------------------------------------------------------------------
 * faults and authentication
 * ---------------------------------------------------------------------------------- */

static void bg_finish(sqt_emu *e, void *st, sqt_emu_resp *r)
{
    (void)e;
    (void)st;
    (void)r; /* Bitget sends no rate-limit headers (bitget.md 6) */
}

static void bg_fault_resp(sqt_emu *e, void *st, int fault, const sqt_emu_req *req,
                          int64_t retry_ms, sqt_emu_resp *r)
{
    ctx c;
    (void)retry_ms;
    memset(&c, 0, sizeof(c));
    c.e = e;
    c.st = st;
    c.req = req;
    c.resp = r;
    c.now = sqt_emu_now(e);
    if (fault == SQT_EMU_FAULT_UNKNOWN)
        fail(&c, 503, "40725", "service return an error"); /* outcome unknown */
    else /* Bitget has no ban answer of its own: a 429 either way */
        fail(&c, 429, "429", "Too Many Requests");
}

static int sign_b64(const char *secret, const char *msg, size_t len, char out[64])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, len, mac,
             &n) == NULL)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, mac, (int)n);
    return 0;
}

static int check_auth(ctx *c)
{
    const sqt_emu_opts *o = sqt_emu_options(c->e);
    const char *key = sqt_emu_req_header(c->req, "ACCESS-KEY"),
               *sig = sqt_emu_req_header(c->req, "ACCESS-SIGN"),
               *ts = sqt_emu_req_header(c->req, "ACCESS-TIMESTAMP"),
               *pass = sqt_emu_req_header(c->req, "ACCESS-PASSPHRASE");
    char want[64], *q, *msg;
    size_t n;
    long long t;
    int good;
    if (key == NULL || key[0] == '\0') {
        fail(c, 400, "40001", "ACCESS_KEY cannot be empty");
        return 0;
    }
    if (sig == NULL || sig[0] == '\0') {
        fail(c, 400, "40002", "ACCESS_SIGN cannot be empty");
        return 0;
    }
    if (ts == NULL || ts[0] == '\0') {
        fail(c, 400, "40003", "ACCESS_TIMESTAMP cannot be empty");
        return 0;
    }
    if (pass == NULL || pass[0] == '\0') {
        fail(c, 400, "40011", "ACCESS_PASSPHRASE cannot be empty");
        return 0;
    }
    if (!sqt_emu_all_digits(ts) || strlen(ts) > 15) {
        fail(c, 400, "40005", "Invalid ACCESS_TIMESTAMP");
        return 0;
    }
    t = strtoll(ts, NULL, 10);
    if (t < c->now - BG_TS_WINDOW_MS || t > c->now + BG_TS_WINDOW_MS) {
        fail(c, 400, "40008", "Request timestamp expired");
        return 0;
    }
    if (strcmp(key, o->api_key) != 0) {
        fail(c, 400, "40006", "Invalid ACCESS_KEY");
        return 0;
    }
    if (strcmp(pass, c->st->passphrase) != 0) {
        fail(c, 400, "40012", "apikey/password is incorrect");
        return 0;
    }
    if ((q = sqt_emu_url_decode(c->req->query, strlen(c->req->query))) == NULL)
        return fail(c, 500, "40725", "out of memory"), 0;
    n = strlen(ts) + strlen(c->req->method) + strlen(c->req->path) + strlen(q) + 2 +
        c->req->body_len;
    if ((msg = malloc(n)) == NULL) {
        free(q);
        return fail(c, 500, "40725", "out of memory"), 0;
    }
    n = (size_t)snprintf(msg, n, "%s%s%s%s%s", ts, c->req->method, c->req->path,
                         q[0] != '\0' ? "?" : "", q);
    if (c->req->body_len > 0)
        memcpy(msg + n, c->req->body, c->req->body_len);
    n += c->req->body_len;
    good = sign_b64(o->secret, msg, n, want) == 0 && CRYPTO_memcmp(want, sig, 44) == 0 &&
           strlen(sig) == strlen(want);
    free(q);
    free(msg);
    if (!good) {
        fail(c, 400, "40009", "sign signature error");
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------------------
 * market data
 * ---------------------------------------------------------------------------------- */

static void h_time(ctx *c, params *ps)
{
    (void)ps;
    ok(c, json_pack("{s:o}", "serverTime", jms(c->now)));
}

static int decimals(sqt_dec d)
{
    return sqt_dec_normalize(d).scale;
}

static void h_contracts(ctx *c, params *ps)
{
    const sqt_symbol_info *in = sqt_emu_info(c->e);
    const char *pt = param(c, ps, "productType"), *sym = param(c, ps, "symbol");
    sqt_dec tick = sqt_dec_normalize(in->tick_size), step = sqt_dec_normalize(in->step_size);
    char b[48], place[8], vplace[8], endstep[24];
    json_t *arr = json_array();
    if (pt == NULL) {
        json_decref(arr);
        fail(c, 400, "40019", "Parameter productType cannot be empty");
        return;
    }
    /* every product type answers; only ours lists the traded symbol (bitget.md 11) */
    if (strcasecmp(pt, BG_PRODUCT) == 0 && (sym == NULL || strcmp(sym, in->symbol) == 0)) {
        snprintf(place, sizeof(place), "%d", decimals(tick));
        snprintf(vplace, sizeof(vplace), "%d", decimals(step));
        snprintf(endstep, sizeof(endstep), "%lld", (long long)tick.mant);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:[s], s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, "
                           "s:s, s:s, s:s, s:s, s:s, s:s}",
                           "symbol", in->symbol, "baseCoin", in->base_asset, "quoteCoin",
                           in->quote_asset, "supportMarginCoins", "USDT", "pricePlace", place,
                           "priceEndStep", endstep, "volumePlace", vplace, "sizeMultiplier",
                           sqt_emu_fmt(step, b, sizeof(b)), "minTradeNum",
                           sqt_emu_jdec(sqt_dec_normalize(in->min_qty)), "minTradeUSDT",
                           sqt_emu_jdec(sqt_dec_normalize(in->min_notional)), "maxSymbolOrderNum",
                           "200", "maxProductOrderNum", "400", "makerFeeRate", "0.0002",
                           "takerFeeRate", "0.0006", "symbolStatus", "normal", "symbolType",
                           "perpetual", "minLever", "1", "maxLever", "125"));
    }
    ok(c, arr);
}

/* Bitget granularity -> the kbars interval ("1H" -> "1h"); NULL when unknown. */
static const char *kb_interval(const char *g, char *buf, size_t cap)
{
    static const char *const ok_g[] = {"1m", "3m", "5m", "15m", "30m", "1H", "2H", "4H",
                                       "6H", "12H", "1D", "3D", "1W"};
    size_t i;
    for (i = 0; g != NULL && i < sizeof(ok_g) / sizeof(ok_g[0]); i++)
        if (strcmp(g, ok_g[i]) == 0) {
            snprintf(buf, cap, "%s", g);
            buf[strlen(buf) - 1] = (char)tolower((unsigned char)buf[strlen(buf) - 1]);
            return buf;
        }
    return NULL;
}

static void h_candles(ctx *c, params *ps)
{
    const char *sym = param(c, ps, "symbol"), *g = param(c, ps, "granularity"),
               *ls = param(c, ps, "limit");
    char iv[SQT_INTERVAL_MAX];
    long limit = 100;
    sqt_kline *k;
    size_t n, i, from;
    json_t *arr;
    if (!scope_check(c, ps, 1, 1))
        return;
    if (kb_interval(g, iv, sizeof(iv)) == NULL) {
        fail(c, 400, "40019", "Parameter granularity error");
        return;
    }
    if (ls != NULL &&
        (!sqt_emu_all_digits(ls) || (limit = strtol(ls, NULL, 10)) < 1 || limit > 1000)) {
        fail(c, 400, "40017", "Parameter limit error");
        return;
    }
    if ((k = calloc(1000, sizeof(*k))) == NULL) {
        fail(c, 500, "40725", "out of memory");
        return;
    }
    n = sqt_kbars_recent(sqt_emu_kbars(c->e), sym, iv, 1000, c->now, k);
    from = n > (size_t)limit ? n - (size_t)limit : 0;
    arr = json_array();
    for (i = from; i < n && arr != NULL; i++)
        json_array_append_new(
            arr, json_pack("[o, o, o, o, o, o, o]", jms(k[i].open_time_ms), sqt_emu_jdec(k[i].open),
                           sqt_emu_jdec(k[i].high), sqt_emu_jdec(k[i].low),
                           sqt_emu_jdec(k[i].close), sqt_emu_jdec(k[i].volume),
                           sqt_emu_jdec(sqt_emu_dec_mul(k[i].volume, k[i].close))));
    free(k);
    ok(c, arr);
}

/* ------------------------------------------------------------------------------------
 * account and position
 * ---------------------------------------------------------------------------------- */

static json_t *account_obj(ctx *c)
{
    sqt_account a;
    sqt_position p;
    char lev[16];
    sqt_match_account(sqt_emu_match(c->e), &a);
    sqt_match_position(sqt_emu_match(c->e), &p);
    snprintf(lev, sizeof(lev), "%d", (int)a.leverage);
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:s, s:s, "
                     "s:s, s:s}",
                     "marginCoin", "USDT", "locked", "0", "available", sqt_emu_jdec(a.available),
                     "crossedMaxAvailable", sqt_emu_jdec(a.available), "isolatedMaxAvailable",
                     sqt_emu_jdec(a.available), "maxTransferOut", sqt_emu_jdec(a.available),
                     "accountEquity", sqt_emu_jdec(a.balance), "usdtEquity",
                     sqt_emu_jdec(a.balance), "crossedMarginLeverage", lev, "isolatedLongLever",
                     lev, "isolatedShortLever", lev, "unrealizedPL", sqt_emu_jdec(p.unrealized_pnl),
                     "marginMode", c->st->isolated ? "isolated" : "crossed", "posMode",
                     c->st->hedge ? "hedge_mode" : "one_way_mode", "assetMode", "single", "coupon",
                     "0");
}

static void h_account(ctx *c, params *ps)
{
    const char *coin = param(c, ps, "marginCoin");
    if (!scope_ok(c, ps, 1))
        return;
    if (coin == NULL || strcasecmp(coin, "USDT") != 0) {
        fail(c, 400, "40019", "Parameter marginCoin error");
        return;
    }
    ok(c, account_obj(c));
}

static void h_accounts(ctx *c, params *ps)
{
    if (!scope_ok(c, ps, 0))
        return;
    ok(c, json_pack("[o]", account_obj(c)));
}

static json_t *positions(ctx *c)
{
    sqt_position p;
    sqt_dec size;
    json_t *arr = json_array();
    char lev[16];
    sqt_match_position(sqt_emu_match(c->e), &p);
    if (p.size.mant == 0 || arr == NULL)
        return arr;
    size = p.size;
    if (size.mant < 0)
        size.mant = -size.mant;
    snprintf(lev, sizeof(lev), "%d", (int)p.leverage);
    json_array_append_new(
        arr,
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:o, s:s, s:s, s:o, "
                  "s:s, s:o}",
                  "symbol", p.symbol, "marginCoin", "USDT", "holdSide",
                  p.size.mant > 0 ? "long" : "short", "openDelegateSize", "0", "available",
                  sqt_emu_jdec(size), "total", sqt_emu_jdec(size), "locked", "0", "openPriceAvg",
                  sqt_emu_jdec(p.entry_price), "leverage", lev, "unrealizedPL",
                  sqt_emu_jdec(p.unrealized_pnl), "marginMode",
                  c->st->isolated ? "isolated" : "crossed", "posMode",
                  c->st->hedge ? "hedge_mode" : "one_way_mode", "markPrice",
                  sqt_emu_jdec(sqt_emu_price(c->e)), "achievedProfits", "0", "uTime", jms(c->now)));
    return arr;
}

static void h_position(ctx *c, params *ps)
{
    if (!scope_ok(c, ps, 1))
        return;
    ok(c, positions(c));
}

static void h_all_position(ctx *c, params *ps)
{
    if (!scope_ok(c, ps, 0))
        return;
    ok(c, positions(c));
}

static void h_pos_mode(ctx *c, params *ps)
{
    const char *m = param(c, ps, "posMode");
    sqt_position p;
    if (!scope_ok(c, ps, 0))
        return;
    if (m == NULL || (strcmp(m, "one_way_mode") != 0 && strcmp(m, "hedge_mode") != 0)) {
        fail(c, 400, "40019", "Parameter posMode error");
        return;
    }
    sqt_match_position(sqt_emu_match(c->e), &p);
    if (p.size.mant != 0 || sqt_match_open_count(sqt_emu_match(c->e)) > 0) {
        fail(c, 400, "40920", "Position or order exists, the position mode cannot be changed");
        return;
    }
    c->st->hedge = strcmp(m, "hedge_mode") == 0;
    ok(c, json_pack("{s:s}", "posMode", m));
}

static void h_leverage(ctx *c, params *ps)
{
    const char *l = param(c, ps, "leverage");
    sqt_error err;
    if (!scope_ok(c, ps, 1))
        return;
    if (!sqt_emu_all_digits(l) || strlen(l) > 4) {
        fail(c, 400, "40019", "Parameter leverage error");
        return;
    }
    if (sqt_match_set_leverage(sqt_emu_match(c->e), (int32_t)atoi(l), &err) != SQT_OK) {
        fail_core(c, &err);
        return;
    }
    ok(c, json_pack("{s:s, s:s, s:s, s:s}", "symbol", sqt_emu_info(c->e)->symbol, "marginCoin",
                    "USDT", "longLeverage", l, "shortLeverage", l));
}

/* ------------------------------------------------------------------------------------
 * orders
 * ---------------------------------------------------------------------------------- */

/* One order of a place request (the body, or a batch item with its fields). -1 with
 * code and msg set when the request is wrong before the core sees it. */
static int order_from(ctx *c, json_t *item, sqt_order_req *r, const char **code,
                      const char **msg)
{
    const char *size = sqt_emu_jstr(item, "size"), *price = sqt_emu_jstr(item, "price"),
               *side = sqt_emu_jstr(item, "side"), *ot = sqt_emu_jstr(item, "orderType"),
               *force = sqt_emu_jstr(item, "force"), *cid = sqt_emu_jstr(item, "clientOid"),
               *ts = sqt_emu_jstr(item, "tradeSide"), *ro = sqt_emu_jstr(item, "reduceOnly");
    memset(r, 0, sizeof(*r));
    r->struct_size = sizeof(*r);
    *code = "40019";
    if (size == NULL || price == NULL || side == NULL || ot == NULL) {
        *msg = "Parameter size, price, side and orderType cannot be empty";
        return -1;
    }
    if (strcasecmp(ot, "limit") != 0) {
        *msg = "Only limit orders are supported";
        return -1;
    }
    if (sqt_dec_parse(size, strlen(size), &r->qty) != SQT_OK ||
        sqt_dec_parse(price, strlen(price), &r->price) != SQT_OK) {
        *code = "40304";
        *msg = "Parameter type is abnormal";
        return -1;
    }
    /* tradeSide only in hedge mode (bitget.md 11: 40774 for the mismatch) */
    if ((ts != NULL) != (c->st->hedge != 0)) {
        *code = "40774";
        *msg = "The order type for unilateral position must also be the unilateral position "
               "type.";
        return -1;
    }
    if (c->st->hedge) {
        /* long-only: buy+open opens, buy+close closes (a sell) */
        if (strcasecmp(side, "buy") != 0 ||
            (strcasecmp(ts, "open") != 0 && strcasecmp(ts, "close") != 0)) {
            *msg = "Only the long side is emulated in hedge mode";
            return -1;
        }
        r->side = strcasecmp(ts, "open") == 0 ? SQT_SIDE_BUY : SQT_SIDE_SELL;
        r->reduce_only = r->side == SQT_SIDE_SELL;
    } else {
        if (strcasecmp(side, "buy") == 0)
            r->side = SQT_SIDE_BUY;
        else if (strcasecmp(side, "sell") == 0)
            r->side = SQT_SIDE_SELL;
        else {
            *msg = "Parameter side error";
            return -1;
        }
        r->reduce_only = ro != NULL && strcasecmp(ro, "YES") == 0;
    }
    if (force == NULL || strcasecmp(force, "gtc") == 0)
        r->tif = SQT_TIF_GTC;
    else if (strcasecmp(force, "post_only") == 0)
        r->tif = SQT_TIF_POST_ONLY;
    else {
        *msg = "Only gtc and post_only are emulated";
        return -1;
    }
    if (cid != NULL) {
        if (strlen(cid) > 50 || strlen(cid) >= sizeof(r->client_id)) {
            *code = "40305";
            *msg = "The clientOid length cannot be greater than 50";
            return -1;
        }
        snprintf(r->client_id, sizeof(r->client_id), "%s", cid);
    } else {
        snprintf(r->client_id, sizeof(r->client_id), "emu%llu",
                 (unsigned long long)(sqt_emu_rand(c->e) % 1000000000000ULL));
    }
    return 0;
}

static int margin_ok(ctx *c)
{
    const char *coin = sqt_emu_jstr(c->body, "marginCoin"),
               *mode = sqt_emu_jstr(c->body, "marginMode");
    if (coin == NULL || strcasecmp(coin, "USDT") != 0) {
        fail(c, 400, "40019", "Parameter marginCoin error");
        return 0;
    }
    if (mode == NULL || (strcasecmp(mode, "crossed") != 0 && strcasecmp(mode, "isolated") != 0)) {
        fail(c, 400, "40019", "Parameter marginMode error");
        return 0;
    }
    return 1;
}

static void h_place(ctx *c, params *ps)
{
    sqt_order_req r;
    sqt_order o;
    sqt_error err;
    const char *code, *msg;
    if (!scope_ok(c, ps, 1) || !margin_ok(c))
        return;
    if (order_from(c, c->body, &r, &code, &msg) != 0) {
        fail(c, 400, code, "%s", msg);
        return;
    }
    if (sqt_emu_place(c->e, &r, &o, &err) != SQT_OK) {
        fail_core(c, &err);
        return;
    }
    ok(c, json_pack("{s:s, s:s}", "orderId", o.order_id, "clientOid", o.client_id));
}

static void h_batch_place(ctx *c, params *ps)
{
    json_t *list = json_object_get(c->body, "orderList"), *item, *succ, *failed;
    size_t i;
    if (!scope_ok(c, ps, 1) || !margin_ok(c))
        return;
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > BG_BATCH_MAX) {
        fail(c, 400, "40019", "Parameter orderList error (1 to %d orders)", BG_BATCH_MAX);
        return;
    }
    succ = json_array();
    failed = json_array();
    json_array_foreach(list, i, item) {
        sqt_order_req r;
        sqt_order o;
        sqt_error err;
        const char *code, *msg,
            *cid = json_is_object(item) ? sqt_emu_jstr(item, "clientOid") : NULL;
        if (!json_is_object(item) || order_from(c, item, &r, &code, &msg) != 0) {
            json_array_append_new(failed, json_pack("{s:s, s:s, s:s, s:s}", "orderId", "",
                                                    "clientOid", cid ? cid : "", "errorMsg",
                                                    json_is_object(item) ? msg : "bad item",
                                                    "errorCode",
                                                    json_is_object(item) ? code : "40019"));
            continue;
        }
        if (sqt_emu_place(c->e, &r, &o, &err) != SQT_OK) {
            const bg_reason *rs = reason_of(&err);
            json_array_append_new(failed,
                                  json_pack("{s:s, s:s, s:s, s:s}", "orderId", "", "clientOid",
                                            r.client_id, "errorMsg",
                                            rs && rs->text ? rs->text : err.message,
                                            "errorCode", rs ? rs->code : "40017"));
            continue;
        }
        json_array_append_new(succ, json_pack("{s:s, s:s}", "orderId", o.order_id, "clientOid",
                                              o.client_id));
    }
    ok(c, json_pack("{s:o, s:o}", "successList", succ, "failureList", failed));
}

static void h_cancel(ctx *c, params *ps)
{
    const char *oid = sqt_emu_jstr(c->body, "orderId"), *cid = sqt_emu_jstr(c->body, "clientOid");
    sqt_order o;
    sqt_error err;
    if (!scope_ok(c, ps, 1))
        return;
    if (oid == NULL && cid == NULL) {
        fail(c, 400, "40019", "Either orderId or clientOid must be given");
        return;
    }
    /* orderId wins when both are given (bitget.md 3.8) */
    if (sqt_emu_cancel(c->e, oid != NULL ? NULL : cid, oid, &o, &err) != SQT_OK) {
        fail_core(c, &err);
        return;
    }
    ok(c, json_pack("{s:s, s:s}", "orderId", o.order_id, "clientOid", o.client_id));
}

/* Cancel every open order of the symbol (batch without a list, cancel-all). */
static void cancel_all(ctx *c)
{
    json_t *succ = json_array();
    sqt_match *m = sqt_emu_match(c->e);
    while (sqt_match_open_count(m) > 0) {
        sqt_order o, done;
        sqt_error err;
        if (sqt_match_open_at(m, 0, &o) != SQT_OK ||
            sqt_emu_cancel(c->e, NULL, o.order_id, &done, &err) != SQT_OK)
            break;
        json_array_append_new(succ, json_pack("{s:s, s:s}", "orderId", done.order_id,
                                              "clientOid", done.client_id));
    }
    ok(c, json_pack("{s:o, s:[]}", "successList", succ, "failureList"));
}

static void h_batch_cancel(ctx *c, params *ps)
{
    json_t *list = json_object_get(c->body, "orderIdList"), *item, *succ, *failed;
    size_t i;
    if (!scope_ok(c, ps, 1))
        return;
    if (list == NULL || json_is_null(list)) {
        cancel_all(c); /* documented: every order of the symbol (bitget.md 11) */
        return;
    }
    if (!json_is_array(list) || json_array_size(list) > BG_BATCH_MAX) {
        fail(c, 400, "40019", "Parameter orderIdList error (at most %d)", BG_BATCH_MAX);
        return;
    }
    succ = json_array();
    failed = json_array();
    json_array_foreach(list, i, item) {
        const char *oid = json_is_object(item) ? sqt_emu_jstr(item, "orderId") : NULL,
                   *cid = json_is_object(item) ? sqt_emu_jstr(item, "clientOid") : NULL;
        sqt_order o;
        sqt_error err;
        if (oid == NULL && cid == NULL) {
            json_array_append_new(failed, json_pack("{s:s, s:s, s:s, s:s}", "orderId", "",
                                                    "clientOid", "", "errorMsg",
                                                    "orderId or clientOid required", "errorCode",
                                                    "40019"));
            continue;
        }
        if (sqt_emu_cancel(c->e, oid != NULL ? NULL : cid, oid, &o, &err) != SQT_OK) {
            json_array_append_new(failed, json_pack("{s:s, s:s, s:s, s:s}", "orderId",
                                                    oid ? oid : "", "clientOid", cid ? cid : "",
                                                    "errorMsg", "Order does not exist",
                                                    "errorCode", "40768"));
            continue;
        }
        json_array_append_new(succ, json_pack("{s:s, s:s}", "orderId", o.order_id, "clientOid",
                                              o.client_id));
    }
    ok(c, json_pack("{s:o, s:o}", "successList", succ, "failureList", failed));
}

static void h_cancel_all(ctx *c, params *ps)
{
    const char *sym = param(c, ps, "symbol");
    if (!scope_ok(c, ps, 0))
        return;
    (void)sym; /* one traded symbol: with or without it, the same orders */
    cancel_all(c);
}

/* Open orders newest first (order ids grow), from below idLessThan, `limit` a page. */
static void h_pending(ctx *c, params *ps)
{
    const char *lt = param(c, ps, "idLessThan"), *ls = param(c, ps, "limit");
    sqt_match *m = sqt_emu_match(c->e);
    size_t n = sqt_match_open_count(m), i, k = 0;
    long limit = 100;
    sqt_order *all;
    long long below = lt != NULL ? strtoll(lt, NULL, 10) : -1;
    json_t *arr;
    char end[SQT_ORDER_ID_MAX] = "";
    if (!scope_ok(c, ps, 0))
        return;
    if ((lt != NULL && !sqt_emu_all_digits(lt)) ||
        (ls != NULL && (!sqt_emu_all_digits(ls) || (limit = strtol(ls, NULL, 10)) < 1 ||
                        limit > BG_PAGE_MAX))) {
        fail(c, 400, "40017", "Parameter verification failed");
        return;
    }
    if ((all = calloc(n + 1, sizeof(*all))) == NULL) {
        fail(c, 500, "40725", "out of memory");
        return;
    }
    for (i = 0; i < n; i++)
        if (sqt_match_open_at(m, i, &all[k]) == SQT_OK &&
            (below < 0 || strtoll(all[k].order_id, NULL, 10) < below))
            k++;
    /* newest first: the highest id first */
    for (i = 1; i < k; i++) {
        sqt_order t = all[i];
        size_t j = i;
        while (j > 0 && strtoll(all[j - 1].order_id, NULL, 10) < strtoll(t.order_id, NULL, 10)) {
            all[j] = all[j - 1];
            j--;
        }
        all[j] = t;
    }
    if (k > (size_t)limit)
        k = (size_t)limit;
    arr = k > 0 ? json_array() : NULL;
    for (i = 0; i < k && arr != NULL; i++)
        json_array_append_new(arr, order_obj(c, &all[i], "status"));
    if (k > 0)
        snprintf(end, sizeof(end), "%s", all[k - 1].order_id);
    free(all);
    ok(c, json_pack("{s:o, s:o}", "entrustedList", arr != NULL ? arr : json_null(), "endId",
                    end[0] != '\0' ? json_string(end) : json_null()));
}

static void h_detail(ctx *c, params *ps)
{
    const char *oid = param(c, ps, "orderId"), *cid = param(c, ps, "clientOid");
    sqt_order o;
    sqt_error err;
    if (!scope_ok(c, ps, 1))
        return;
    if (oid == NULL && cid == NULL) {
        fail(c, 400, "40019", "Either orderId or clientOid must be given");
        return;
    }
    if (sqt_match_query(sqt_emu_match(c->e), cid, oid, &o, &err) != SQT_OK) {
        fail_core(c, &err);
        return;
    }
    ok(c, order_obj(c, &o, "state"));
}

typedef struct route {
    const char *method;
    const char *path;
    int auth;
    void (*fn)(ctx *c, params *ps);
} route;

static const route routes[] = {
    {"GET", "/api/v2/public/time", 0, h_time},
    {"GET", "/api/v2/mix/market/contracts", 0, h_contracts},
    {"GET", "/api/v2/mix/market/candles", 0, h_candles},
    {"GET", "/api/v2/mix/market/history-candles", 0, h_candles},
    {"GET", "/api/v2/mix/account/account", 1, h_account},
    {"GET", "/api/v2/mix/account/accounts", 1, h_accounts},
    {"GET", "/api/v2/mix/position/single-position", 1, h_position},
    {"GET", "/api/v2/mix/position/all-position", 1, h_all_position},
    {"POST", "/api/v2/mix/account/set-position-mode", 1, h_pos_mode},
    {"POST", "/api/v2/mix/account/set-leverage", 1, h_leverage},
    {"POST", "/api/v2/mix/order/place-order", 1, h_place},
    {"POST", "/api/v2/mix/order/batch-place-order", 1, h_batch_place},
    {"POST", "/api/v2/mix/order/cancel-order", 1, h_cancel},
    {"POST", "/api/v2/mix/order/batch-cancel-orders", 1, h_batch_cancel},
    {"POST", "/api/v2/mix/order/cancel-all-orders", 1, h_cancel_all},
    {"GET", "/api/v2/mix/order/orders-pending", 1, h_pending},
    {"GET", "/api/v2/mix/order/detail", 1, h_detail},
};

static void bg_rest(sqt_emu *e, void *stv, const sqt_emu_req *req, sqt_emu_resp *resp)
{
    ctx c;
    params ps;
    const route *rt = NULL;
    size_t i;
    memset(&c, 0, sizeof(c));
    memset(&ps, 0, sizeof(ps));
    c.e = e;
    c.st = stv;
    c.req = req;
    c.resp = resp;
    c.now = sqt_emu_now(e);
    for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (strcmp(routes[i].path, req->path) == 0 && strcmp(routes[i].method, req->method) == 0)
            rt = &routes[i];
    if (rt == NULL) {
        fail(&c, 404, "40404", "Request URL NOT FOUND");
        return;
    }
    if (strcmp(req->method, "POST") == 0) {
        const char *ct = sqt_emu_req_header(req, "Content-Type");
        if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0) {
            fail(&c, 400, "40007", "Invalid Content_Type, please use 'application/json' format");
            return;
        }
        c.body = req->body_len > 0 ? json_loadb(req->body, req->body_len, 0, NULL) : NULL;
        if (!json_is_object(c.body)) {
            json_decref(c.body);
            fail(&c, 400, "40017", "Parameter verification failed: the body is not a JSON "
                 "object");
            return;
        }
    }
    if (!rt->auth || check_auth(&c))
        rt->fn(&c, &ps);
    params_free(&ps);
    json_decref(c.body);
}

/* ------------------------------------------------------------------------------------
 * streams
 * ---------------------------------------------------------------------------------- */

static int bg_ws_accept(sqt_emu *e, void *stv, sqt_emu_ws *w, const char *target)
{
    bg_ws *bw;
    (void)e;
    (void)stv;
    if (strcmp(target, "/v2/ws/public") == 0)
        w->kind = SQT_EMU_WS_MARKET;
    else if (strcmp(target, "/v2/ws/private") == 0)
        w->kind = SQT_EMU_WS_USER;
    else
        return -1;
    if ((bw = calloc(1, sizeof(*bw))) == NULL)
        return -1;
    w->dstate = bw;
    return 0;
}

static void ws_error(sqt_emu_ws *w, int code, const char *msg)
{
    sqt_emu_ws_json(w, json_pack("{s:s, s:i, s:s}", "event", "error", "code", code, "msg", msg));
}

static void ws_login(sqt_emu *e, bg_state *st, sqt_emu_ws *w, bg_ws *bw, json_t *args)
{
    const sqt_emu_opts *o = sqt_emu_options(e);
    json_t *a = json_array_get(args, 0);
    const char *key = sqt_emu_jstr(a, "apiKey"), *pass = sqt_emu_jstr(a, "passphrase"),
               *ts = sqt_emu_jstr(a, "timestamp"), *sign = sqt_emu_jstr(a, "sign");
    char msg[64], want[64];
    long long t;
    if (w->kind != SQT_EMU_WS_USER) {
        ws_error(w, 30002, "Illegal request: login on the public channel");
        return;
    }
    if (key == NULL || pass == NULL || ts == NULL || sign == NULL) {
        ws_error(w, 30016, "Param error");
        return;
    }
    if (!sqt_emu_all_digits(ts) || strlen(ts) > 12) {
        ws_error(w, 30013, "Invalid timestamp");
        return;
    }
    t = strtoll(ts, NULL, 10); /* seconds (bitget.md 2.5) */
    if (t * 1000 < sqt_emu_now(e) - BG_TS_WINDOW_MS ||
        t * 1000 > sqt_emu_now(e) + BG_TS_WINDOW_MS) {
        ws_error(w, 30014, "Request timestamp expired");
        return;
    }
    if (strcmp(key, o->api_key) != 0) {
        ws_error(w, 30011, "Invalid ACCESS_KEY");
        return;
    }
    if (strcmp(pass, st->passphrase) != 0) {
        ws_error(w, 30012, "Invalid ACCESS_PASSPHRASE");
        return;
    }
    snprintf(msg, sizeof(msg), "%sGET/user/verify", ts);
    if (sign_b64(o->secret, msg, strlen(msg), want) != 0 || strcmp(want, sign) != 0) {
        ws_error(w, 30015, "Invalid sign");
        return;
    }
    bw->logged_in = 1;
    sqt_emu_ws_json(w, json_pack("{s:s, s:i, s:s}", "event", "login", "code", 0, "msg", ""));
}

static int sub_make(sqt_emu *e, sqt_emu_ws *w, json_t *a, bg_sub *s)
{
    const char *it = sqt_emu_jstr(a, "instType"), *ch = sqt_emu_jstr(a, "channel"),
               *inst = sqt_emu_jstr(a, "instId");
    memset(s, 0, sizeof(*s));
    if (it == NULL || ch == NULL || inst == NULL || strcasecmp(it, BG_PRODUCT) != 0 ||
        strlen(ch) >= sizeof(s->channel) || strlen(inst) >= sizeof(s->inst))
        return -1;
    snprintf(s->channel, sizeof(s->channel), "%s", ch);
    snprintf(s->inst, sizeof(s->inst), "%s", inst);
    s->cur_open = -1;
    if (w->kind == SQT_EMU_WS_USER)
        return strcmp(ch, "orders") == 0 &&
                       (strcmp(inst, "default") == 0 || strcmp(inst, sqt_emu_info(e)->symbol) == 0)
                   ? 0
                   : -1;
    if (strcmp(ch, "ticker") == 0)
        return 0;
    if (strncmp(ch, "candle", 6) == 0 && kb_interval(ch + 6, s->iv, sizeof(s->iv)) != NULL) {
        s->iv_ms = sqt_kbars_interval_ms(s->iv);
        return s->iv_ms > 0 ? 0 : -1;
    }
    return -1;
}

static void ws_subscribe(sqt_emu *e, sqt_emu_ws *w, bg_ws *bw, json_t *args, int on)
{
    json_t *a;
    size_t i, k;
    if (!json_is_array(args) || json_array_size(args) == 0) {
        ws_error(w, 30016, "Param error");
        return;
    }
    if (w->kind == SQT_EMU_WS_USER && !bw->logged_in) {
        ws_error(w, 30004, "User needs to log in");
        return;
    }
    json_array_foreach(args, i, a) {
        bg_sub s;
        if (sub_make(e, w, a, &s) != 0) {
            sqt_emu_ws_json(w, json_pack("{s:s, s:O, s:i, s:s}", "event", "error", "arg", a,
                                      "code", 30001, "msg", "channel or instId does not exist"));
            continue;
        }
        for (k = 0; k < bw->n_subs; k++)
            if (strcmp(bw->subs[k].channel, s.channel) == 0 &&
                strcmp(bw->subs[k].inst, s.inst) == 0)
                break;
        if (on && k == bw->n_subs) {
            if (bw->n_subs == BG_MAX_SUBS) {
                ws_error(w, 30007, "Too many subscriptions");
                continue;
            }
            bw->subs[bw->n_subs++] = s;
        } else if (!on && k < bw->n_subs) {
            bw->subs[k] = bw->subs[--bw->n_subs];
        }
        sqt_emu_ws_json(w, json_pack("{s:s, s:{s:s, s:s, s:s}}", "event",
                                  on ? "subscribe" : "unsubscribe", "arg", "instType", BG_PRODUCT,
                                  "channel", s.channel, "instId", s.inst));
    }
}

static void bg_ws_message(sqt_emu *e, void *stv, sqt_emu_ws *w, const char *data, size_t len)
{
    bg_ws *bw = w->dstate;
    json_t *m;
    const char *op;
    if (bw == NULL)
        return;
    if (len == 4 && memcmp(data, "ping", 4) == 0) {
        sqt_emu_ws_text(w, "pong");
        return;
    }
    m = json_loadb(data, len, 0, NULL);
    op = json_is_object(m) ? sqt_emu_jstr(m, "op") : NULL;
    if (op == NULL)
        ws_error(w, 30002, "Illegal request");
    else if (strcmp(op, "login") == 0)
        ws_login(e, stv, w, bw, json_object_get(m, "args"));
    else if (strcmp(op, "subscribe") == 0)
        ws_subscribe(e, w, bw, json_object_get(m, "args"), 1);
    else if (strcmp(op, "unsubscribe") == 0)
        ws_subscribe(e, w, bw, json_object_get(m, "args"), 0);
    else
        ws_error(w, 30003, "Invalid op");
    json_decref(m);
}

static void push(sqt_emu_ws *w, const char *action, const char *channel, const char *inst,
                 json_t *data, int64_t now)
{
    sqt_emu_ws_json(w, json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:I}", "action", action, "arg",
                              "instType", BG_PRODUCT, "channel", channel, "instId", inst, "data",
                              data, "ts", (json_int_t)now));
}

static void bg_on_trade(sqt_emu *e, void *stv, sqt_dec price, sqt_dec qty, int64_t now)
{
    const sqt_symbol_info *in = sqt_emu_info(e);
    sqt_emu_ws *w;
    size_t i;
    sqt_dec bid = sqt_emu_bid_below(e, price);
    (void)stv;
    (void)qty;
    for (w = sqt_emu_market_next(e, NULL); w != NULL; w = sqt_emu_market_next(e, w)) {
        bg_ws *bw = w->dstate;
        for (i = 0; i < bw->n_subs; i++)
            if (strcmp(bw->subs[i].channel, "ticker") == 0 &&
                strcmp(bw->subs[i].inst, in->symbol) == 0)
                push(w, "snapshot", "ticker", in->symbol,
                     json_pack("[{s:s, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:s, s:s, s:o}]",
                               "instId", in->symbol, "lastPr", sqt_emu_jdec(price), "bidPr",
                               sqt_emu_jdec(bid), "askPr", sqt_emu_jdec(price), "bidSz", "1",
                               "askSz", "1", "markPrice", sqt_emu_jdec(price), "indexPrice",
                               sqt_emu_jdec(price), "fundingRate", "0.0001", "symbolType", "1",
                               "ts", jms(now)),
                     now);
    }
}

static json_t *candle_row(const sqt_kline *k)
{
    sqt_dec qv = sqt_emu_dec_mul(k->volume, k->close);
    return json_pack("[o, o, o, o, o, o, o, o]", jms(k->open_time_ms), sqt_emu_jdec(k->open),
                     sqt_emu_jdec(k->high), sqt_emu_jdec(k->low), sqt_emu_jdec(k->close),
                     sqt_emu_jdec(k->volume), sqt_emu_jdec(qv), sqt_emu_jdec(qv));
}

/* Candles: the forming row every BG_KLINE_PUSH_MS; no closed flag (the next row's ts
 * tells the client), as on Bitget. */
static void bg_on_timer(sqt_emu *e, void *stv, int64_t now)
{
    const sqt_kbars *kb = sqt_emu_kbars(e);
    sqt_emu_ws *w;
    size_t i;
    (void)stv;
    for (w = sqt_emu_market_next(e, NULL); w != NULL; w = sqt_emu_market_next(e, w)) {
        bg_ws *bw = w->dstate;
        for (i = 0; i < bw->n_subs; i++) {
            bg_sub *s = &bw->subs[i];
            sqt_kline k;
            int64_t open;
            if (s->iv_ms == 0)
                continue;
            open = sqt_kbars_current_open(kb, s->inst, s->iv_ms, now);
            if (open != s->cur_open)
                s->last_push = 0; /* a new row: at once */
            if (now - s->last_push < BG_KLINE_PUSH_MS ||
                !sqt_kbars_get(kb, s->inst, s->iv, open, now, &k))
                continue;
            push(w, s->cur_open < 0 ? "snapshot" : "update", s->channel, s->inst,
                 json_pack("[o]", candle_row(&k)), now);
            s->cur_open = open;
            s->last_push = now;
        }
    }
}

static void bg_user_send(sqt_emu *e, void *stv, sqt_emu_ws *w, const char *event,
                         const char *json)
{
    bg_ws *bw = w->dstate;
    size_t i;
    (void)e;
    (void)stv;
    (void)event;
    if (bw == NULL || !bw->logged_in)
        return;
    for (i = 0; i < bw->n_subs; i++)
        if (strcmp(bw->subs[i].channel, "orders") == 0) {
            sqt_emu_ws_text(w, json);
            return;
        }
}

/* Bitget has no session to expire: its 24 h cut closes the private sockets. */
static int bg_expire_session(sqt_emu *e, void *stv, int64_t now)
{
    (void)stv;
    (void)now;
    return sqt_emu_user_ws_cut(e, NULL, "connection lifetime reached", "24 h cut");
}

static void bg_on_order(sqt_emu *e, void *stv, const sqt_order *o, int maker, int64_t now)
{
    bg_state *st = stv;
    int fill = o->last_fill_qty.mant != 0;
    sqt_dec total = order_fee(e, o->order_id);
    json_t *d, *j;
    char *text;
    d = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, "
        "s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}",
        "orderId", o->order_id, "clientOid", o->client_id, "instId", o->symbol, "side",
        st->hedge                 ? "buy"
        : o->side == SQT_SIDE_BUY ? "buy"
                                  : "sell",
        "posSide", st->hedge ? "long" : "net", "posMode", st->hedge ? "hedge_mode" : "one_way_mode",
        "orderType", "limit", "force", o->tif == SQT_TIF_POST_ONLY ? "post_only" : "gtc", "price",
        sqt_emu_jdec(o->price), "size", sqt_emu_jdec(o->qty), "status", status_word(o->status),
        "accBaseVolume", sqt_emu_jdec(o->filled_qty), "priceAvg", sqt_emu_jdec(o->avg_price),
        "totalProfits", sqt_emu_jdec(o->realized_pnl), "reduceOnly", o->reduce_only ? "yes" : "no",
        "marginMode", st->isolated ? "isolated" : "crossed", "marginCoin", "USDT",
        "enterPointSource", "API", "cancelReason",
        o->status == SQT_ORDER_CANCELED ? "normal_cancel" : "", "stpMode", "none", "cTime",
        jms(sqt_emu_order_created(e, o->order_id)), "uTime", jms(now));
    if (d == NULL)
        return;
    if (st->hedge)
        json_object_set_new(d, "tradeSide",
                            json_string(o->side == SQT_SIDE_BUY ? "open" : "close"));
    if (fill) {
        json_object_set_new(d, "baseVolume", sqt_emu_jdec(o->last_fill_qty));
        json_object_set_new(d, "fillPrice", sqt_emu_jdec(o->last_fill_price));
        json_object_set_new(d, "fillFee", jneg(o->fee));
        json_object_set_new(d, "fillFeeCoin", json_string(o->fee_asset));
        json_object_set_new(d, "fillTime", jms(now));
        json_object_set_new(d, "tradeScope", json_string(maker ? "M" : "T"));
        json_object_set_new(d, "pnl", sqt_emu_jdec(o->realized_pnl));
    } else {
        json_object_set_new(d, "baseVolume", json_string("0"));
    }
    json_object_set_new(d, "feeDetail",
                        json_pack("[{s:s, s:o}]", "feeCoin", "USDT", "fee", jneg(total)));
    j = json_pack("{s:s, s:{s:s, s:s, s:s}, s:[o], s:I}", "action", "snapshot", "arg",
                  "instType", BG_PRODUCT, "channel", "orders", "instId", "default", "data", d,
                  "ts", (json_int_t)now);
    text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (text != NULL)
        sqt_emu_user_push(e, "orders", text);
    free(text);
}

static void bg_on_account(sqt_emu *e, void *stv, int64_t now)
{
    (void)e;
    (void)stv;
    (void)now; /* the account channel is not subscribed by OpenSQT */
}

static int bg_command(sqt_emu *e, void *stv, const char *name, json_t *args, json_t *reply)
{
    bg_state *st = stv;
    (void)e;
    if (strcmp(name, "set_passphrase") == 0) {
        const char *p = sqt_emu_jstr(args, "passphrase");
        if (p == NULL || p[0] == '\0' || strlen(p) >= sizeof(st->passphrase)) {
            json_object_set_new(reply, "error", json_string("passphrase: a non-empty string"));
            return SQT_EINVAL;
        }
        snprintf(st->passphrase, sizeof(st->passphrase), "%s", p);
        return SQT_OK;
    }
    if (strcmp(name, "position_mode") == 0) {
        const char *m = sqt_emu_jstr(args, "mode");
        if (m == NULL || (strcmp(m, "hedge") != 0 && strcmp(m, "one_way") != 0)) {
            json_object_set_new(reply, "error", json_string("mode: hedge or one_way"));
            return SQT_EINVAL;
        }
        st->hedge = strcmp(m, "hedge") == 0;
        return SQT_OK;
    }
    return SQT_ENOENT;
}

static void bg_state_dump(sqt_emu *e, void *stv, json_t *obj)
{
    bg_state *st = stv;
    (void)e;
    json_object_set_new(obj, "position_mode",
                        json_string(st->hedge ? "hedge_mode" : "one_way_mode"));
}

static int bg_create(sqt_emu *e, void **out)
{
    bg_state *st = calloc(1, sizeof(*st));
    (void)e;
    if (st == NULL)
        return SQT_ENOMEM;
    snprintf(st->passphrase, sizeof(st->passphrase), "%s", BG_PASSPHRASE);
    *out = st;
    return SQT_OK;
}

const sqt_emu_dialect sqt_emu_dialect_bitget = {
    "bitget",          bg_create,       sqt_emu_dstate_free, bg_rest, bg_fault_resp,
    bg_finish,         bg_ws_accept,    bg_ws_message, sqt_emu_ws_dstate_free, bg_on_trade,
    bg_on_order,       bg_on_account,   bg_on_timer,   bg_user_send, bg_expire_session,
    bg_command,        bg_state_dump};
