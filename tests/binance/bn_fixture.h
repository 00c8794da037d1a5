/* The Binance plugin test fixture: a plugin instance on the fake host, request
 * matchers, answer helpers and callback recorders shared by the plugin test files. */
#ifndef SQT_TEST_BN_FIXTURE_H
#define SQT_TEST_BN_FIXTURE_H

#include "fake_host.h"
#include "sqt_test.h"

#define SECRET "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
#define API_KEY "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83"
#define PREFIX "x-zdfVM8vY"
#define T0 INT64_C(1735000000000) /* the fake host's wall clock at start */

const sqt_plugin *sqt_plugin_entry(void);

extern int g_in_api;           /* inside a plugin entry point */
extern int g_sync_violations;  /* callbacks seen while g_in_api */

/* Run a plugin entry point with the "inside the plugin" flag up. */
#define CALL(expr) (g_in_api = 1, call_end(expr))

typedef struct fx {
    fake_host *fh;
    const sqt_exchange_api *api;
    sqt_exchange *ex;
    /* host settings handed over in sqt_create_args (set before fx_start) */
    int allow_hedge;           /* trading.allow_hedge_mode */
    int64_t keepalive_ms;      /* timing.listen_key_keepalive_interval; 0 = default */
    size_t args_size;          /* 0 = sizeof(sqt_create_args); smaller = an older host */
} fx;

typedef struct rec {
    int calls;
    int status;
    sqt_error err;
    sqt_symbol_info info;
    sqt_account acct;
    sqt_position pos[4];
    sqt_order orders[32];
    sqt_kline klines[8];
    sqt_place_result place[8];
    sqt_cancel_result cancel[64];
    size_t n;
} rec;

typedef struct sink_rec {
    int ticks, klines, orders;
    sqt_price_tick tick;
    sqt_kline kline;
    sqt_order order;
    char states[64];           /* U D R F per on_state */
} sink_rec;

int call_end(int rc);
void on_cb(void);
const sqt_exchange_api *bn_api(void);
int fx_create(fx *f, const char *symbol, sqt_error *err);
void fx_init(fx *f, const char *prefix);
void fx_start(fx *f);
void shut_cb(void *ud, const sqt_error *err);
void fx_done(fx *f);
const char *path_of(const fake_http *r);
int pending(fx *f, const char *method, const char *path);
const char *params_of(const fake_http *r);
const char *param(const char *qs, const char *key, char *out, size_t cap);
void url_decode(const char *in, char *out, size_t cap);
void assert_signed(const fake_http *r);
void reply(fx *f, int i, int status, const char *body);
void answer_time(fx *f, int64_t offset);
void set_err(rec *r, const sqt_error *e);
void info_cb(void *ud, const sqt_error *e, const sqt_symbol_info *info);
void acct_cb(void *ud, const sqt_error *e, const sqt_account *a);
void pos_cb(void *ud, const sqt_error *e, const sqt_position *p, size_t n);
void orders_cb(void *ud, const sqt_error *e, const sqt_order *o, size_t n);
void klines_cb(void *ud, const sqt_error *e, const sqt_kline *k, size_t n);
void place_cb(void *ud, int status, const sqt_place_result *res, size_t n);
void cancel_cb(void *ud, int status, const sqt_cancel_result *res, size_t n);
void load_info(fx *f);
sqt_order_req order_req(const char *cid, sqt_side side, sqt_tif tif, int64_t price_mant,
                        int32_t price_scale, int64_t qty_mant, int32_t qty_scale);
void add_state(sink_rec *s, sqt_stream_state st);
void sink_price(void *ud, const sqt_price_tick *t);
void sink_kline(void *ud, const sqt_kline *k);
void sink_order(void *ud, const sqt_order *o);
void sink_state(void *ud, sqt_stream_state st, const sqt_error *err);
long long last_sent_id(fx *f, size_t i, const char *method);
void lk_reply(fx *f, const char *key);
void user_sink(sink_rec *s, sqt_order_sink *sink);
void price_sink(sink_rec *s, sqt_price_sink *sink);
void fx_done_lk(fx *f, int status, const char *body);

#endif
