/* The loopback exchange emulator: one traded symbol on the shared matching core
 * (common/: sqt_match) and price path (sqt_pricepath, sqt_kbars), served on 127.0.0.1
 * over the loopback server (server.h) in one exchange's dialect, with faults a test can
 * script.
 *
 * The core owns everything that is not dialect: the account and its order book, the
 * price (auto: a seeded path stepped every tick; manual: only control commands move it),
 * the WebSocket connection registry, the user-push pipeline (drop, duplicate, reorder),
 * REST faults (429, 418, 503, timeouts, delays), the control endpoint under /_emu/ and
 * the faults file. The core speaks in exchange-neutral outcomes (sqt_error with an
 * SQT_MATCH_R_* / SQT_EMU_R_* reason); a dialect (dialects/<exchange>.c) translates:
 * REST routes and JSON shapes, its error codes and texts, signing, stream paths and push
 * formats. See docs/emulator.md.
 *
 * Single-threaded on the caller's uv loop. Life: start -> close(done). */
#ifndef SQT_EMULATOR_H
#define SQT_EMULATOR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <uv.h>

#include <opensqt/plugin.h>

#include "kbars.h"
#include "match.h"
#include "server.h"

#define SQT_EMU_CTL_PREFIX "/_emu/"
#define SQT_EMU_DEFAULT_KEY "emulator-key"
#define SQT_EMU_DEFAULT_SECRET "emulator-secret"

typedef struct sqt_emu sqt_emu;

typedef struct sqt_emu_opts {
    const char *dialect;       /* required: one of sqt_emu_dialect_names() */
    int port;                  /* 0 = ephemeral; the address is always 127.0.0.1 */
    uint64_t seed;             /* price path and generated ids */
    int manual_price;          /* 1: the price moves only on control commands */
    uint32_t tick_ms;          /* auto mode: one path step per tick (default 250) */
    double sigma;              /* per-step volatility of the GBM path (default 0.0002) */
    const char *symbol;        /* traded symbol (default "ETHUSDT") */
    sqt_dec start_price;       /* default 3000.00 */
    sqt_dec tick_size, step_size, min_qty, min_notional; /* 0.01 0.001 0.001 5 */
    sqt_dec balance;           /* starting wallet, default 10000 USDT */
    int32_t leverage;          /* default 5 */
    sqt_dec partial_fill_qty;  /* max fill per order per price event; 0 = whole */
    const char *api_key;       /* default SQT_EMU_DEFAULT_KEY */
    const char *secret;        /* default SQT_EMU_DEFAULT_SECRET */
    const char *faults_file;   /* commands run at start (see sqt_emu_command) */
    const char *cert_file;     /* both set: every connection is TLS */
    const char *key_file;
    uint32_t ping_ms;          /* server ping on every WebSocket; 0 = never (default 180000) */
    FILE *log;                 /* one line per request and fault; NULL = quiet */
    /* The price band around the mark price (the emulator's price) a limit order must stay
     * in, as multipliers: default 1.05 / 0.95; {0,0} turns a side off. */
    sqt_dec band_up, band_down;
} sqt_emu_opts;

/* Defaults for everything but the dialect, which stays NULL: the caller names it. */
void sqt_emu_opts_default(sqt_emu_opts *o);
/* The built-in dialects as "a, b" into buf; returns buf. */
const char *sqt_emu_dialect_names(char *buf, size_t cap);

/* Refusals of the core that are not the matching core's (sqt_error.exch_code). */
#define SQT_EMU_R_PRICE_ABOVE_BAND "price_above_band" /* message: the band's upper edge */
#define SQT_EMU_R_PRICE_BELOW_BAND "price_below_band" /* message: the band's lower edge */

/* Validate, build the exchange, bind, run the faults file's untriggered lines. On
 * failure returns a negative code and err says why. */
int sqt_emu_start(uv_loop_t *loop, const sqt_emu_opts *o, sqt_emu **out, char *err,
                  size_t errlen);
int sqt_emu_port(const sqt_emu *e);
/* Close the listener, every connection and timer; `done` (may be NULL) runs once when all
 * is freed. */
void sqt_emu_close(sqt_emu *e, void (*done)(void *ud), void *ud);

/* Run one control command line: "[at N ms | after N orders | after N requests] NAME
 * [JSON object]". *reply (may be NULL) gets a malloc'd JSON answer. Returns 0, or
 * SQT_EINVAL / SQT_ENOENT / SQT_ESTATE with the reason in the reply. */
int sqt_emu_command(sqt_emu *e, const char *line, char **reply);

/* The ground truth as JSON (open orders, position, balance, fills, counters). */
json_t *sqt_emu_state(sqt_emu *e);

/* ------------------------------------------------------------------------------------
 * The dialect side: what a dialect file sees of the core.
 * ---------------------------------------------------------------------------------- */

typedef struct sqt_emu_req {
    const char *method;
    const char *path;          /* without the query */
    const char *query;         /* raw, "" when none */
    const char *body;
    size_t body_len;
    const sqt_header *headers;
    size_t n_headers;
} sqt_emu_req;

#define SQT_EMU_MAX_HEADERS 8

typedef struct sqt_emu_resp {
    int status;
    char *body;                /* malloc'd; the core frees it */
    size_t len;
    int n_headers;
    char hname[SQT_EMU_MAX_HEADERS][40];
    char hvalue[SQT_EMU_MAX_HEADERS][160];
} sqt_emu_resp;

enum sqt_emu_ws_kind { SQT_EMU_WS_MARKET = 1, SQT_EMU_WS_USER = 2 };

typedef struct sqt_emu_ws {
    struct sqt_emu_ws *next;
    sqt_emu *emu;
    sqt_srv_conn *conn;
    int kind;                  /* sqt_emu_ws_kind bits, set by the dialect (ws_accept; Gate:
                                * per subscription, one socket may carry both) */
    int open;                  /* upgrade done: pushes go out */
    int stalled;
    void *dstate;              /* the dialect's, freed by its ws_free */
    /* The upgrade request's headers: valid during ws_accept only (Gate's
     * X-Gate-Size-Decimal rides on the handshake), NULL afterwards. */
    const sqt_header *up_headers;
    size_t n_up_headers;
} sqt_emu_ws;

/* REST faults a dialect renders in its own error shape. */
enum sqt_emu_fault {
    SQT_EMU_FAULT_RATE = 1,    /* 429 */
    SQT_EMU_FAULT_BAN = 2,     /* 418 */
    SQT_EMU_FAULT_UNKNOWN = 3  /* 503, outcome unknown */
};

typedef struct sqt_emu_dialect {
    const char *name;
    int (*create)(sqt_emu *e, void **st);
    void (*destroy)(void *st);
    /* An exchange request (not under /_emu/): fill resp. */
    void (*rest)(sqt_emu *e, void *st, const sqt_emu_req *req, sqt_emu_resp *resp);
    void (*fault_resp)(sqt_emu *e, void *st, int fault, const sqt_emu_req *req,
                       int64_t retry_after_ms, sqt_emu_resp *resp);
    /* Headers every exchange answer carries (rate-limit counters). */
    void (*finish)(sqt_emu *e, void *st, sqt_emu_resp *resp);
    /* WebSocket upgrade on `target`: 0 accept (set w->kind, w->dstate), < 0 refuse. */
    int (*ws_accept)(sqt_emu *e, void *st, sqt_emu_ws *w, const char *target);
    void (*ws_message)(sqt_emu *e, void *st, sqt_emu_ws *w, const char *data, size_t len);
    void (*ws_free)(void *st, sqt_emu_ws *w);
    /* The market traded (market pushes). */
    void (*on_trade)(sqt_emu *e, void *st, sqt_dec price, sqt_dec qty, int64_t now);
    /* An order changed state: build the push and hand it to sqt_emu_user_push. */
    void (*on_order)(sqt_emu *e, void *st, const sqt_order *o, int maker, int64_t now);
    /* Balances or the position changed (after fills). */
    void (*on_account)(sqt_emu *e, void *st, int64_t now);
    /* Every housekeeping turn (~50 ms): kline pushes, session expiry. */
    void (*on_timer)(sqt_emu *e, void *st, int64_t now);
    /* Send one user push (as built by on_order/on_account) on one user connection. */
    void (*user_send)(sqt_emu *e, void *st, sqt_emu_ws *w, const char *event,
                      const char *json);
    /* Expire the user-stream session now (Binance: listenKeyExpired, close). */
    int (*expire_session)(sqt_emu *e, void *st, int64_t now);
    /* Dialect-only control commands; SQT_ENOENT when the name is not one. */
    int (*command)(sqt_emu *e, void *st, const char *name, json_t *args, json_t *reply);
    /* Dialect facts for the state dump. */
    void (*state)(sqt_emu *e, void *st, json_t *obj);
} sqt_emu_dialect;

extern const sqt_emu_dialect sqt_emu_dialect_binance;
extern const sqt_emu_dialect sqt_emu_dialect_bitget;
extern const sqt_emu_dialect sqt_emu_dialect_gate;

/* Server time in ms (wall clock plus the clock_skew command's offset). */
int64_t sqt_emu_now(const sqt_emu *e);
const sqt_emu_opts *sqt_emu_options(const sqt_emu *e);
sqt_match *sqt_emu_match(sqt_emu *e);
const sqt_symbol_info *sqt_emu_info(const sqt_emu *e);
const sqt_kbars *sqt_emu_kbars(const sqt_emu *e);
sqt_dec sqt_emu_price(const sqt_emu *e);
/* Deterministic pseudo-random numbers from the seed (ids, keys). */
uint64_t sqt_emu_rand(sqt_emu *e);

/* Place / cancel through the core: forced faults, order counting, the fill ledger and
 * the maker flag of pushes are handled here. Same contract as sqt_match_place/cancel. */
int sqt_emu_place(sqt_emu *e, const sqt_order_req *req, sqt_order *out, sqt_error *err);
int sqt_emu_cancel(sqt_emu *e, const char *client_id, const char *order_id, sqt_order *out,
                   sqt_error *err);
/* Creation time of an order the emulator accepted; 0 when unknown. */
int64_t sqt_emu_order_created(const sqt_emu *e, const char *order_id);

/* One fill of the ledger: the order right after it (last_fill_qty/price, fee, fee_asset,
 * realized_pnl of this fill; update_time_ms = its time), its trade id (1, 2, ... in
 * ledger order, never reused: reset empties the ledger but keeps counting) and whether
 * it made liquidity. */
typedef struct sqt_emu_fill {
    sqt_order o;
    int64_t trade_id;
    int maker;
} sqt_emu_fill;

size_t sqt_emu_fill_count(const sqt_emu *e);
/* Fill i, oldest first; NULL past the end. */
const sqt_emu_fill *sqt_emu_fill_at(const sqt_emu *e, size_t i);

sqt_emu_ws *sqt_emu_ws_list(sqt_emu *e);
/* One user-stream event into the fault pipeline, then to every open user connection. */
void sqt_emu_user_push(sqt_emu *e, const char *event, const char *json);
/* Send a text message on a connection unless it is not open. */
void sqt_emu_ws_text(sqt_emu_ws *w, const char *text);

void sqt_emu_logf(sqt_emu *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Response helpers: body is taken over (malloc'd, may be NULL for an empty body). */
void sqt_emu_resp_set(sqt_emu_resp *r, int status, char *body);
void sqt_emu_resp_json(sqt_emu_resp *r, int status, json_t *v); /* v is consumed */
void sqt_emu_resp_header(sqt_emu_resp *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Dialect helpers (dialect.c). A header's value by name (any case); NULL when absent. */
const char *sqt_emu_header(const sqt_header *h, size_t n, const char *name);
const char *sqt_emu_req_header(const sqt_emu_req *r, const char *name);
/* %XX and '+' decoded, malloc'd (NULL: out of memory). */
char *sqt_emu_url_decode(const char *s, size_t n);
/* The decoded value of `key` in a raw query, malloc'd; NULL when absent. */
char *sqt_emu_query_get(const char *q, const char *key);
/* 1 for 1 to 18 decimal digits and nothing else. */
int sqt_emu_all_digits(const char *s);
/* A string member of an object; NULL when absent or not a string. */
const char *sqt_emu_jstr(json_t *o, const char *key);
/* A decimal as a JSON string. */
json_t *sqt_emu_jdec(sqt_dec d);
/* v (taken over) as compact JSON text on the connection. */
void sqt_emu_ws_json(sqt_emu_ws *w, json_t *v);
/* The next open market-data socket after w (NULL: the first) that has its dialect
 * state (w->dstate); NULL after the last. For dialects whose sockets are one kind. */
sqt_emu_ws *sqt_emu_market_next(sqt_emu *e, sqt_emu_ws *w);
/* The session fault of an exchange without a session to expire (Bitget's 24 h cut,
 * Gate's upgrade): every open user-stream socket gets `notice` (NULL: none), then is
 * closed with `reason`; logged as "private connections closed (what): N". SQT_ESTATE
 * when there was none. */
int sqt_emu_user_ws_cut(sqt_emu *e, const char *notice, const char *reason, const char *what);
/* The best bid a book ticker shows: one tick below the price (the price itself when it
 * is no more than one tick). */
sqt_dec sqt_emu_bid_below(const sqt_emu *e, sqt_dec price);
/* A dialect's destroy and ws_free when its state is one malloc'd block. */
void sqt_emu_dstate_free(void *st);
void sqt_emu_ws_dstate_free(void *st, sqt_emu_ws *w);

/* a * b exactly when it fits, else rounded to 8 decimals; {0,0} on overflow. */
sqt_dec sqt_emu_dec_mul(sqt_dec a, sqt_dec b);
/* Formatted decimal into buf (cap >= 48); "0" when it cannot be formatted. */
const char *sqt_emu_fmt(sqt_dec d, char *buf, size_t cap);

#endif
