/* The paper plugin through the fake host (virtual clock): descriptor, config, every
 * call asynchronous, a full buy -> fill -> sell -> fill cycle, cancel_own, klines,
 * streams, CSV replay, and shutdown failing pending callbacks exactly once. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "config.h" /* host config: the demo file must load and feed the plugin */
#include "fake_host.h"
#include "sqt_test.h"

const sqt_plugin *sqt_plugin_entry(void); /* paper.c is compiled into this test */

#define MAXEV 4096

/* Everything the plugin called back, in order. */
typedef struct events {
    int symbol, account, positions, orders, place, cancel, klines, done;
    int prices, pushes, kline_pushes, price_states, order_states, kline_states;
    sqt_error last_err;
    int last_status;
    sqt_symbol_info info;
    sqt_account acct;
    sqt_position pos;
    size_t n_pos;
    sqt_order orders_got[64];
    size_t n_orders;
    sqt_place_result place_res[8];
    size_t n_place;
    sqt_cancel_result cancel_res[16];
    size_t n_cancel;
    sqt_kline kl[200];
    size_t n_kl;
    sqt_price_tick last_tick;
    sqt_order push[MAXEV];
    size_t n_push;
    sqt_kline kpush[MAXEV];
    size_t n_kpush;
    sqt_stream_state last_price_state;
    char seq[MAXEV]; /* one letter per callback: the order things arrived in */
    size_t n_seq;
    /* re-entrancy */
    sqt_exchange *ex;
    int shutdown_in_price;
} events;

static events *E;

static void note(char c)
{
    if (E->n_seq < MAXEV - 1)
        E->seq[E->n_seq++] = c;
}

static void on_symbol(void *ud, const sqt_error *err, const sqt_symbol_info *info)
{
    (void)ud;
    E->symbol++;
    E->last_err = *err;
    if (info)
        E->info = *info;
    note('S');
}

static void on_account(void *ud, const sqt_error *err, const sqt_account *a)
{
    (void)ud;
    E->account++;
    E->last_err = *err;
    if (a)
        E->acct = *a;
    note('A');
}

static void on_positions(void *ud, const sqt_error *err, const sqt_position *p, size_t n)
{
    (void)ud;
    E->positions++;
    E->last_err = *err;
    E->n_pos = n;
    if (n > 0)
        E->pos = p[0];
    note('P');
}

static void on_orders(void *ud, const sqt_error *err, const sqt_order *o, size_t n)
{
    (void)ud;
    E->orders++;
    E->last_err = *err;
    E->n_orders = n < 64 ? n : 64;
    if (n > 0)
        memcpy(E->orders_got, o, E->n_orders * sizeof *o);
    note('O');
}

static void on_place(void *ud, int status, const sqt_place_result *r, size_t n)
{
    (void)ud;
    E->place++;
    E->last_status = status;
    E->n_place = n < 8 ? n : 8;
    memcpy(E->place_res, r, E->n_place * sizeof *r);
    note('L');
}

static void on_cancel(void *ud, int status, const sqt_cancel_result *r, size_t n)
{
    (void)ud;
    E->cancel++;
    E->last_status = status;
    E->n_cancel = n < 16 ? n : 16;
    if (n > 0)
        memcpy(E->cancel_res, r, E->n_cancel * sizeof *r);
    note('C');
}

static void on_klines(void *ud, const sqt_error *err, const sqt_kline *k, size_t n)
{
    (void)ud;
    E->klines++;
    E->last_err = *err;
    E->n_kl = n < 200 ? n : 200;
    if (n > 0)
        memcpy(E->kl, k, E->n_kl * sizeof *k);
    note('K');
}

static void on_done(void *ud, const sqt_error *err)
{
    (void)ud;
    E->done++;
    CU_ASSERT_EQUAL(err->code, SQT_OK);
    note('D');
}

static void on_price(void *ud, const sqt_price_tick *t)
{
    (void)ud;
    E->prices++;
    E->last_tick = *t;
    note('p');
    if (E->shutdown_in_price) {
        E->shutdown_in_price = 0;
        CU_ASSERT_EQUAL(sqt_plugin_entry()->exchange->shutdown(E->ex, on_done, NULL), SQT_OK);
        CU_ASSERT_EQUAL(E->done, 0); /* not from inside shutdown() */
    }
}

static void on_price_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    (void)ud;
    (void)err;
    E->price_states++;
    E->last_price_state = st;
    note('s');
}

static void on_order(void *ud, const sqt_order *o)
{
    (void)ud;
    E->pushes++;
    if (E->n_push < MAXEV)
        E->push[E->n_push++] = *o;
    note('o');
}

static void on_order_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    (void)ud;
    (void)err;
    CU_ASSERT_EQUAL(st, SQT_STREAM_UP);
    E->order_states++;
    note('u');
}

static void on_kline(void *ud, const sqt_kline *k)
{
    (void)ud;
    E->kline_pushes++;
    if (E->n_kpush < MAXEV)
        E->kpush[E->n_kpush++] = *k;
}

static void on_kline_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    (void)ud;
    (void)err;
    CU_ASSERT_EQUAL(st, SQT_STREAM_UP);
    E->kline_states++;
}

/* ------------------------------------------------------------------------------------ */

static const sqt_exchange_api *X(void)
{
    return sqt_plugin_entry()->exchange;
}

static sqt_dec D(const char *s)
{
    sqt_dec d;
    CU_ASSERT_EQUAL_FATAL(sqt_dec_parse(s, strlen(s), &d), SQT_OK);
    return d;
}

static const char *S(sqt_dec d)
{
    static char buf[8][48];
    static int k;
    char *b = buf[k++ % 8];
    sqt_dec_format(sqt_dec_normalize(d), b, 48);
    return b;
}

typedef struct env {
    fake_host *fh;
    sqt_exchange *ex;
    events ev;
} env;

/* kv: NULL-terminated key, value pairs for the exchange block. */
static void open_env(env *v, const char *const *kv)
{
    sqt_create_args args;
    sqt_error err;
    int rc;
    memset(v, 0, sizeof *v);
    E = &v->ev;
    v->fh = fake_host_new();
    for (; kv != NULL && kv[0] != NULL; kv += 2)
        fake_host_set_config(v->fh, kv[0], kv[1]);
    memset(&args, 0, sizeof args);
    args.struct_size = sizeof args;
    args.symbol = "ETHUSDT";
    args.exchange_name = "paper";
    rc = X()->create(fake_host_api(), fake_host_handle(v->fh), &args, &v->ex, &err);
    if (rc != SQT_OK)
        fprintf(stderr, "    create: %s\n", err.message);
    CU_ASSERT_EQUAL_FATAL(rc, SQT_OK);
    v->ev.ex = v->ex;
}

/* Shut down cleanly and check that nothing is left behind. */
static void close_env(env *v)
{
    int done_before = v->ev.done;
    CU_ASSERT_EQUAL(X()->shutdown(v->ex, on_done, NULL), SQT_OK);
    CU_ASSERT_EQUAL(v->ev.done, done_before); /* never synchronous */
    fake_host_advance(v->fh, 100);
    SQT_ASSERT_INT_EQ(v->ev.done, done_before + 1);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(v->fh), 0);
    X()->destroy(v->ex);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(v->fh), 0);
    fake_host_free(v->fh);
    E = NULL;
}

static void subscribe_all(env *v)
{
    sqt_price_sink ps = {NULL, on_price, on_price_state};
    sqt_order_sink os = {NULL, on_order, on_order_state};
    CU_ASSERT_EQUAL(X()->subscribe_price(v->ex, &ps), SQT_OK);
    CU_ASSERT_EQUAL(X()->subscribe_orders(v->ex, &os), SQT_OK);
}

static sqt_order_req req(const char *cid, sqt_side side, sqt_tif tif, sqt_dec price,
                         const char *qty, int reduce_only)
{
    sqt_order_req q;
    memset(&q, 0, sizeof q);
    q.struct_size = sizeof q;
    snprintf(q.client_id, sizeof q.client_id, "%s", cid);
    q.side = side;
    q.tif = tif;
    q.price = price;
    q.qty = D(qty);
    q.reduce_only = reduce_only;
    return q;
}

static const sqt_order *last_push_of(const char *cid)
{
    size_t i;
    for (i = E->n_push; i > 0; i--)
        if (strcmp(E->push[i - 1].client_id, cid) == 0)
            return &E->push[i - 1];
    return NULL;
}

/* ------------------------------------------------------------------------------------ */

static void test_descriptor(void)
{
    const sqt_plugin *pl = sqt_plugin_entry();
    const sqt_exchange_api *x = pl->exchange;
    SQT_ASSERT_INT_EQ(pl->abi_major, SQT_PLUGIN_ABI_MAJOR);
    SQT_ASSERT_INT_EQ(pl->abi_minor, SQT_PLUGIN_ABI_MINOR);
    SQT_ASSERT_STR_EQ(pl->build_signature, SQT_BUILD_SIGNATURE);
    SQT_ASSERT_STR_EQ(pl->name, "paper");
    SQT_ASSERT_INT_EQ(x->struct_size, sizeof(sqt_exchange_api));
    CU_ASSERT_TRUE(x->flags & SQT_EXF_SIMULATED);
    CU_ASSERT_FALSE(x->flags & SQT_EXF_NEEDS_API_KEY);
    CU_ASSERT_FALSE(x->flags & SQT_EXF_NEEDS_PASSPHRASE);
    CU_ASSERT_TRUE(x->create && x->shutdown && x->destroy && x->symbol_info && x->account &&
                   x->positions && x->open_orders && x->query_order && x->place_orders &&
                   x->cancel_orders && x->cancel_own && x->klines && x->subscribe_price &&
                   x->subscribe_orders && x->subscribe_klines);
}

/* The built paper.so loads and names itself, like the host will load it. */
static void test_shared_object(void)
{
    const char *dir = getenv("SQT_PLUGIN_DIR");
    char path[1024];
    void *h;
    sqt_plugin_entry_fn fn;
    const sqt_plugin *pl;
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    snprintf(path, sizeof path, "%s/paper.so", dir);
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        fprintf(stderr, "    dlopen: %s\n", dlerror());
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    *(void **)(&fn) = dlsym(h, SQT_PLUGIN_ENTRY_SYMBOL);
    CU_ASSERT_PTR_NOT_NULL(fn);
    if (fn != NULL) {
        pl = fn();
        SQT_ASSERT_STR_EQ(pl->name, "paper");
        CU_ASSERT_TRUE(pl->exchange->flags & SQT_EXF_SIMULATED);
    }
    /* internals stay hidden: only the entry symbol is exported */
    CU_ASSERT_PTR_NULL(dlsym(h, "sqt_match_place"));
    dlclose(h);
}

static void test_create_defaults(void)
{
    env v;
    open_env(&v, NULL);
    CU_ASSERT_TRUE(fake_host_log_contains(v.fh, "no real money"));
    SQT_ASSERT_INT_EQ(fake_host_active_timers(v.fh), 0); /* create starts nothing */
    CU_ASSERT_EQUAL(X()->symbol_info(v.ex, on_symbol, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->account(v.ex, on_account, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->positions(v.ex, on_positions, NULL), SQT_OK);
    SQT_ASSERT_INT_EQ(v.ev.symbol + v.ev.account + v.ev.positions, 0);
    fake_host_advance(v.fh, 4);
    SQT_ASSERT_INT_EQ(v.ev.symbol + v.ev.account + v.ev.positions, 0); /* latency 5 ms */
    fake_host_advance(v.fh, 1);
    SQT_ASSERT_INT_EQ(v.ev.symbol, 1);
    SQT_ASSERT_INT_EQ(v.ev.account, 1);
    SQT_ASSERT_INT_EQ(v.ev.positions, 1);
    SQT_ASSERT_STR_EQ(v.ev.info.symbol, "ETHUSDT");
    SQT_ASSERT_STR_EQ(v.ev.info.base_asset, "ETH");
    SQT_ASSERT_STR_EQ(v.ev.info.quote_asset, "USDT");
    SQT_ASSERT_STR_EQ(S(v.ev.info.tick_size), "0.01");
    SQT_ASSERT_STR_EQ(S(v.ev.info.step_size), "0.001");
    SQT_ASSERT_STR_EQ(S(v.ev.info.min_notional), "5");
    SQT_ASSERT_INT_EQ(v.ev.info.max_batch_place, 5);
    SQT_ASSERT_INT_EQ(v.ev.info.max_batch_cancel, 10);
    SQT_ASSERT_STR_EQ(S(v.ev.acct.balance), "10000");
    SQT_ASSERT_STR_EQ(v.ev.acct.asset, "USDT");
    SQT_ASSERT_INT_EQ(v.ev.acct.leverage, 5);
    CU_ASSERT_EQUAL(v.ev.acct.position_mode, SQT_POSMODE_ONE_WAY);
    SQT_ASSERT_INT_EQ(v.ev.n_pos, 1);
    SQT_ASSERT_STR_EQ(v.ev.pos.symbol, "ETHUSDT");
    CU_ASSERT_EQUAL(v.ev.pos.size.mant, 0);
    close_env(&v);
}

static void test_bad_config(void)
{
    static const struct {
        const char *key, *value, *want;
    } bad[] = {
        {"tick_size", "abc", "exchanges.paper.tick_size"},
        {"tick_size", "0", "tick_size"},
        {"step_size", "-0.001", "step_size"},
        {"leverage", "0", "exchanges.paper.leverage"},
        {"leverage", "5x", "exchanges.paper.leverage"},
        {"volatility", "-1", "exchanges.paper.volatility"},
        {"latency_ms", "soon", "exchanges.paper.latency_ms"},
        {"tick_ms", "0", "exchanges.paper.tick_ms"},
        {"maker_fee", "0.5", "fee"},
        {"balance", "-5", "balance"},
        {"start_price", "0", "start_price"},
        {"loop", "maybe", "exchanges.paper.loop"},
        {"model", "brownian", "exchanges.paper.model"},
        {"csv", "/nonexistent/eth.csv", "cannot open"},
        {"min_qty", "0.0005", "min_qty"},
        {"seed", "-3", "exchanges.paper.seed"},
    };
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fake_host *fh = fake_host_new();
        sqt_create_args args = {.struct_size = sizeof(sqt_create_args),
                                .symbol = "ETHUSDT", .exchange_name = "paper"};
        sqt_exchange *ex = (sqt_exchange *)&args; /* must be reset to NULL */
        sqt_error err;
        int rc;
        fake_host_set_config(fh, bad[i].key, bad[i].value);
        rc = X()->create(fake_host_api(), fake_host_handle(fh), &args, &ex, &err);
        CU_ASSERT_NOT_EQUAL(rc, SQT_OK);
        CU_ASSERT_EQUAL(err.code, rc);
        CU_ASSERT_PTR_NULL(ex);
        if (strstr(err.message, bad[i].want) == NULL)
            fprintf(stderr, "    %s=%s: want \"%s\" in \"%s\"\n", bad[i].key, bad[i].value,
                    bad[i].want, err.message);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, bad[i].want));
        SQT_ASSERT_INT_EQ(fake_host_active_timers(fh), 0);
        fake_host_free(fh);
    }
    {
        fake_host *fh = fake_host_new();
        sqt_create_args args = {.struct_size = sizeof(sqt_create_args),
                                .symbol = "eth-usdt", .exchange_name = "paper"};
        sqt_exchange *ex = NULL;
        sqt_error err;
        CU_ASSERT_EQUAL(X()->create(fake_host_api(), fake_host_handle(fh), &args, &ex, &err),
                        SQT_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "symbol"));
        fake_host_free(fh);
    }
}

/* Every call answers only after the virtual clock moved; bad arguments fail at once and
 * never call back. */
static void test_all_async(void)
{
    static const char *const syms[] = {"ETHUSDT", "BTCUSDT"};
    env v;
    sqt_order_req q;
    sqt_cancel_req c;
    sqt_kline_sink ks = {NULL, on_kline, on_kline_state};
    int total;
    open_env(&v, NULL);
    subscribe_all(&v);
    CU_ASSERT_EQUAL(X()->subscribe_klines(v.ex, syms, 2, "1m", &ks), SQT_OK);
    CU_ASSERT_EQUAL(X()->symbol_info(v.ex, on_symbol, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->account(v.ex, on_account, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->positions(v.ex, on_positions, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->open_orders(v.ex, on_orders, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->query_order(v.ex, "nobody", NULL, on_orders, NULL), SQT_OK);
    q = req("a_1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, D("2900.00"), "0.010", 0);
    CU_ASSERT_EQUAL(X()->place_orders(v.ex, &q, 1, on_place, NULL), SQT_OK);
    memset(&c, 0, sizeof c);
    snprintf(c.client_id, sizeof c.client_id, "ghost");
    CU_ASSERT_EQUAL(X()->cancel_orders(v.ex, &c, 1, on_cancel, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->cancel_own(v.ex, "zz_", on_cancel, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->klines(v.ex, "ETHUSDT", "1m", 10, on_klines, NULL), SQT_OK);

    /* refused synchronously, never called back */
    CU_ASSERT_EQUAL(X()->place_orders(v.ex, &q, 0, on_place, NULL), SQT_EINVAL);
    CU_ASSERT_EQUAL(X()->place_orders(v.ex, &q, 6, on_place, NULL), SQT_EINVAL);
    CU_ASSERT_EQUAL(X()->place_orders(v.ex, &q, 1, NULL, NULL), SQT_EINVAL);
    CU_ASSERT_EQUAL(X()->cancel_orders(v.ex, &c, 11, on_cancel, NULL), SQT_EINVAL);
    CU_ASSERT_EQUAL(X()->cancel_own(v.ex, "", on_cancel, NULL), SQT_EINVAL);
    CU_ASSERT_EQUAL(X()->klines(v.ex, "ETHUSDT", "7m", 10, on_klines, NULL), SQT_EINVAL);
    CU_ASSERT_EQUAL(X()->klines(v.ex, "eth", "1m", 10, on_klines, NULL), SQT_EINVAL);
    CU_ASSERT_EQUAL(X()->query_order(v.ex, NULL, "", on_orders, NULL), SQT_EINVAL);
    {
        sqt_price_sink ps = {NULL, on_price, on_price_state};
        CU_ASSERT_EQUAL(X()->subscribe_price(v.ex, &ps), SQT_ESTATE); /* only one */
    }

    total = v.ev.symbol + v.ev.account + v.ev.positions + v.ev.orders + v.ev.place +
            v.ev.cancel + v.ev.klines + v.ev.pushes + v.ev.price_states + v.ev.order_states +
            v.ev.kline_states;
    SQT_ASSERT_INT_EQ(total, 0);
    SQT_ASSERT_INT_EQ(v.ev.n_seq, 0);

    fake_host_advance(v.fh, 5);
    SQT_ASSERT_INT_EQ(v.ev.symbol, 1);
    SQT_ASSERT_INT_EQ(v.ev.account, 1);
    SQT_ASSERT_INT_EQ(v.ev.positions, 1);
    SQT_ASSERT_INT_EQ(v.ev.orders, 2);
    CU_ASSERT_EQUAL(v.ev.last_err.code, SQT_OK); /* klines came last */
    SQT_ASSERT_INT_EQ(v.ev.place, 1);
    SQT_ASSERT_INT_EQ(v.ev.cancel, 2);
    SQT_ASSERT_INT_EQ(v.ev.klines, 1);
    SQT_ASSERT_INT_EQ(v.ev.price_states, 1);
    SQT_ASSERT_INT_EQ(v.ev.order_states, 1);
    SQT_ASSERT_INT_EQ(v.ev.kline_states, 1);
    SQT_ASSERT_INT_EQ(v.ev.pushes, 1); /* NEW of a_1 */
    CU_ASSERT_EQUAL(v.ev.last_price_state, SQT_STREAM_UP);
    /* the streams report UP before anything else (the price stream with the current
     * price), then results in call order, and the NEW push right after the place result */
    SQT_ASSERT_STR_EQ(v.ev.seq, "spuSAPOOLoCCK");
    SQT_ASSERT_INT_EQ(v.ev.prices, 1);
    SQT_ASSERT_STR_EQ(S(v.ev.last_tick.price), "3000");
    /* unknown cancel: per-item error, request itself fine */
    SQT_ASSERT_INT_EQ(v.ev.n_cancel, 0); /* the last one: cancel_own matched nothing */
    close_env(&v);
}

static void test_unknown_query_and_cancel(void)
{
    env v;
    sqt_cancel_req c;
    open_env(&v, NULL);
    CU_ASSERT_EQUAL(X()->query_order(v.ex, "nobody", NULL, on_orders, NULL), SQT_OK);
    fake_host_advance(v.fh, 10);
    SQT_ASSERT_INT_EQ(v.ev.orders, 1);
    CU_ASSERT_EQUAL(v.ev.last_err.code, SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_INT_EQ(v.ev.n_orders, 0);
    memset(&c, 0, sizeof c);
    snprintf(c.order_id, sizeof c.order_id, "12345");
    CU_ASSERT_EQUAL(X()->cancel_orders(v.ex, &c, 1, on_cancel, NULL), SQT_OK);
    fake_host_advance(v.fh, 10);
    SQT_ASSERT_INT_EQ(v.ev.cancel, 1);
    SQT_ASSERT_INT_EQ(v.ev.last_status, SQT_OK);
    SQT_ASSERT_INT_EQ(v.ev.n_cancel, 1);
    CU_ASSERT_EQUAL(v.ev.cancel_res[0].err.code, SQT_EUNKNOWN_ORDER);
    SQT_ASSERT_STR_EQ(v.ev.cancel_res[0].order_id, "12345");
    close_env(&v);
}

/* Advance in market steps until cid has a push with status st; bounded. */
static const sqt_order *wait_status(env *v, const char *cid, sqt_order_status st, int max_ms)
{
    int t;
    for (t = 0; t < max_ms; t += 250) {
        const sqt_order *o = last_push_of(cid);
        if (o != NULL && o->status == st)
            return o;
        fake_host_advance(v->fh, 250);
    }
    return NULL;
}

static int64_t money8(sqt_dec d)
{
    sqt_dec r = sqt_dec_make(INT64_MIN, 8);
    CU_ASSERT_EQUAL(sqt_dec_rescale(d, 8, &r), SQT_OK);
    return r.mant;
}

static void test_buy_sell_cycle(void)
{
    static const char *const kv[] = {"volatility", "0.001", "seed", "7", NULL};
    env v;
    sqt_order_req q;
    const sqt_order *o;
    sqt_dec buy_px, sell_px;
    int64_t fee_b, fee_s, pnl;
    open_env(&v, kv);
    subscribe_all(&v);
    fake_host_advance(v.fh, 250);
    CU_ASSERT_TRUE_FATAL(v.ev.prices > 0);
    SQT_ASSERT_STR_EQ(v.ev.last_tick.symbol, "ETHUSDT");
    CU_ASSERT_TRUE(v.ev.last_tick.time_ms >= 1735000000000LL);

    /* a buy 5.00 below the market */
    buy_px = v.ev.last_tick.price;
    buy_px.mant -= 500;
    q = req("cyc_b1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, buy_px, "0.010", 0);
    CU_ASSERT_EQUAL(X()->place_orders(v.ex, &q, 1, on_place, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    SQT_ASSERT_INT_EQ(v.ev.place, 1);
    CU_ASSERT_EQUAL(v.ev.place_res[0].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(v.ev.place_res[0].client_id, "cyc_b1");
    CU_ASSERT_EQUAL(v.ev.place_res[0].order.status, SQT_ORDER_NEW);
    CU_ASSERT_TRUE(v.ev.place_res[0].order.order_id[0] != '\0');

    o = wait_status(&v, "cyc_b1", SQT_ORDER_FILLED, 600000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_EQUAL(sqt_dec_cmp(o->last_fill_price, buy_px, NULL), 0); /* maker, own price */
    SQT_ASSERT_STR_EQ(S(o->filled_qty), "0.01");
    fee_b = money8(o->fee);
    SQT_ASSERT_INT_EQ(fee_b, buy_px.mant * 10 * 1000 * 2 / 10000); /* notional * 0.0002 */

    CU_ASSERT_EQUAL(X()->positions(v.ex, on_positions, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    SQT_ASSERT_STR_EQ(S(v.ev.pos.size), "0.01");
    CU_ASSERT_EQUAL(sqt_dec_cmp(v.ev.pos.entry_price, buy_px, NULL), 0);

    /* sell it one interval higher, reduce-only; above the market so it rests */
    sell_px = buy_px;
    sell_px.mant += 500;
    if (sell_px.mant <= v.ev.last_tick.price.mant)
        sell_px.mant = v.ev.last_tick.price.mant + 100;
    q = req("cyc_s1", SQT_SIDE_SELL, SQT_TIF_POST_ONLY, sell_px, "0.010", 1);
    CU_ASSERT_EQUAL(X()->place_orders(v.ex, &q, 1, on_place, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    CU_ASSERT_EQUAL(v.ev.place_res[0].err.code, SQT_OK);
    o = wait_status(&v, "cyc_s1", SQT_ORDER_FILLED, 600000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_EQUAL(sqt_dec_cmp(o->last_fill_price, sell_px, NULL), 0);
    fee_s = money8(o->fee);
    pnl = money8(o->realized_pnl);
    SQT_ASSERT_INT_EQ(pnl, (sell_px.mant - buy_px.mant) * 10 * 1000); /* (s - b) * 0.01 */

    CU_ASSERT_EQUAL(X()->account(v.ex, on_account, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->positions(v.ex, on_positions, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->open_orders(v.ex, on_orders, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    CU_ASSERT_EQUAL(v.ev.pos.size.mant, 0);
    SQT_ASSERT_INT_EQ(v.ev.n_orders, 0);
    SQT_ASSERT_INT_EQ(money8(v.ev.acct.balance), 10000LL * 100000000 + pnl - fee_b - fee_s);
    SQT_ASSERT_INT_EQ(money8(v.ev.acct.available), money8(v.ev.acct.balance));

    /* query of the finished sell by order id */
    CU_ASSERT_EQUAL(X()->query_order(v.ex, NULL, o->order_id, on_orders, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    SQT_ASSERT_INT_EQ(v.ev.n_orders, 1);
    SQT_ASSERT_STR_EQ(v.ev.orders_got[0].client_id, "cyc_s1");
    CU_ASSERT_EQUAL(v.ev.orders_got[0].status, SQT_ORDER_FILLED);
    close_env(&v);
}

static void test_post_only_and_batch_results(void)
{
    env v;
    sqt_order_req q[3];
    sqt_dec px;
    open_env(&v, NULL);
    subscribe_all(&v);
    fake_host_advance(v.fh, 250);
    px = v.ev.last_tick.price;
    q[0] = req("bt_1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, px, "0.010", 0); /* crosses */
    px.mant -= 1000;
    q[1] = req("bt_2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, px, "0.010", 0);
    q[2] = req("bt_3", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, px, "0.001", 0); /* below 5 USDT */
    CU_ASSERT_EQUAL(X()->place_orders(v.ex, q, 3, on_place, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    SQT_ASSERT_INT_EQ(v.ev.last_status, SQT_OK);
    SQT_ASSERT_INT_EQ(v.ev.n_place, 3);
    CU_ASSERT_EQUAL(v.ev.place_res[0].err.code, SQT_EPOST_ONLY);
    SQT_ASSERT_STR_EQ(v.ev.place_res[0].client_id, "bt_1");
    CU_ASSERT_EQUAL(v.ev.place_res[1].err.code, SQT_OK);
    CU_ASSERT_EQUAL(v.ev.place_res[2].err.code, SQT_ERULES);
    CU_ASSERT_TRUE(v.ev.place_res[2].err.message[0] != '\0');
    close_env(&v);
}

static void test_cancel_own(void)
{
    env v;
    sqt_order_req q[3];
    size_t i;
    int own = 0;
    open_env(&v, NULL);
    subscribe_all(&v);
    fake_host_advance(v.fh, 250);
    q[0] = req("own_1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, D("2000.00"), "0.010", 0);
    q[1] = req("other_1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, D("2001.00"), "0.010", 0);
    q[2] = req("own_2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, D("2002.00"), "0.010", 0);
    CU_ASSERT_EQUAL(X()->place_orders(v.ex, q, 3, on_place, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    CU_ASSERT_EQUAL(X()->cancel_own(v.ex, "own_", on_cancel, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    SQT_ASSERT_INT_EQ(v.ev.cancel, 1);
    SQT_ASSERT_INT_EQ(v.ev.n_cancel, 2);
    for (i = 0; i < v.ev.n_cancel; i++) {
        CU_ASSERT_EQUAL(v.ev.cancel_res[i].err.code, SQT_OK);
        own += strncmp(v.ev.cancel_res[i].client_id, "own_", 4) == 0;
        CU_ASSERT_TRUE(v.ev.cancel_res[i].order_id[0] != '\0');
    }
    SQT_ASSERT_INT_EQ(own, 2);
    CU_ASSERT_EQUAL(last_push_of("own_1")->status, SQT_ORDER_CANCELED);
    CU_ASSERT_EQUAL(last_push_of("own_2")->status, SQT_ORDER_CANCELED);
    CU_ASSERT_EQUAL(last_push_of("other_1")->status, SQT_ORDER_NEW);
    CU_ASSERT_EQUAL(X()->open_orders(v.ex, on_orders, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    SQT_ASSERT_INT_EQ(v.ev.n_orders, 1);
    SQT_ASSERT_STR_EQ(v.ev.orders_got[0].client_id, "other_1");
    close_env(&v);
}

/* Shutdown with work in flight: each pending callback once with SQT_ECANCELLED, then
 * the shutdown callback; no stream data after; no timer left. */
static void test_shutdown_cancels_pending(void)
{
    env v;
    sqt_order_req q[2];
    int prices, i;
    open_env(&v, NULL);
    subscribe_all(&v);
    fake_host_advance(v.fh, 1000);
    prices = v.ev.prices;
    CU_ASSERT_TRUE(prices > 0);
    q[0] = req("sd_1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, D("2000.00"), "0.010", 0);
    q[1] = req("sd_2", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, D("2001.00"), "0.010", 0);
    CU_ASSERT_EQUAL(X()->account(v.ex, on_account, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->place_orders(v.ex, q, 2, on_place, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->klines(v.ex, "ETHUSDT", "1m", 5, on_klines, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->open_orders(v.ex, on_orders, NULL), SQT_OK);
    v.ev.n_seq = 0;
    memset(v.ev.seq, 0, sizeof v.ev.seq);
    CU_ASSERT_EQUAL(X()->shutdown(v.ex, on_done, NULL), SQT_OK);
    CU_ASSERT_EQUAL(X()->shutdown(v.ex, on_done, NULL), SQT_ESTATE);
    CU_ASSERT_EQUAL(X()->account(v.ex, on_account, NULL), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(v.ev.n_seq, 0);
    for (i = 0; i < 20; i++)
        fake_host_advance(v.fh, 250);
    /* in call order, each once, then done */
    SQT_ASSERT_STR_EQ(v.ev.seq, "ALKOD");
    SQT_ASSERT_INT_EQ(v.ev.account, 1);
    SQT_ASSERT_INT_EQ(v.ev.place, 1);
    SQT_ASSERT_INT_EQ(v.ev.last_status, SQT_ECANCELLED);
    CU_ASSERT_EQUAL(v.ev.place_res[0].err.code, SQT_ECANCELLED);
    CU_ASSERT_EQUAL(v.ev.place_res[1].err.code, SQT_ECANCELLED);
    CU_ASSERT_EQUAL(v.ev.last_err.code, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(v.ev.done, 1);
    SQT_ASSERT_INT_EQ(v.ev.prices, prices);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(v.fh), 0);
    CU_ASSERT_EQUAL(X()->positions(v.ex, on_positions, NULL), SQT_ESTATE);
    X()->destroy(v.ex);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(v.fh), 0);
    fake_host_free(v.fh);
}

/* The host may shut down from inside a stream callback. */
static void test_shutdown_from_callback(void)
{
    env v;
    int prices;
    open_env(&v, NULL);
    subscribe_all(&v);
    CU_ASSERT_EQUAL(X()->account(v.ex, on_account, NULL), SQT_OK);
    fake_host_advance(v.fh, 10);
    v.ev.shutdown_in_price = 1;
    fake_host_advance(v.fh, 250);
    prices = v.ev.prices;
    CU_ASSERT_EQUAL(v.ev.shutdown_in_price, 0); /* it ran */
    fake_host_advance(v.fh, 2000);
    SQT_ASSERT_INT_EQ(v.ev.done, 1);
    SQT_ASSERT_INT_EQ(v.ev.prices, prices);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(v.fh), 0);
    X()->destroy(v.ex);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(v.fh), 0);
    fake_host_free(v.fh);
}

/* Never started: shutdown still calls back; destroy without shutdown leaves nothing. */
static void test_lifecycle_edges(void)
{
    env v;
    open_env(&v, NULL);
    close_env(&v);
    open_env(&v, NULL);
    subscribe_all(&v);
    fake_host_advance(v.fh, 600);
    X()->destroy(v.ex); /* not the normal path, but must not leak or leave timers */
    SQT_ASSERT_INT_EQ(fake_host_active_timers(v.fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(v.fh), 0);
    fake_host_free(v.fh);
}

static void test_klines_history(void)
{
    env v;
    size_t i;
    sqt_kline keep[30];
    open_env(&v, NULL);
    subscribe_all(&v);
    fake_host_advance(v.fh, 250);
    CU_ASSERT_EQUAL(X()->klines(v.ex, "ETHUSDT", "1m", 30, on_klines, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    SQT_ASSERT_INT_EQ(v.ev.n_kl, 30);
    for (i = 0; i < v.ev.n_kl; i++) {
        const sqt_kline *k = &v.ev.kl[i];
        SQT_ASSERT_STR_EQ(k->symbol, "ETHUSDT");
        SQT_ASSERT_STR_EQ(k->interval, "1m");
        SQT_ASSERT_INT_EQ(k->open_time_ms % 60000, 0);
        SQT_ASSERT_INT_EQ(k->close_time_ms, k->open_time_ms + 59999);
        if (i > 0)
            SQT_ASSERT_INT_EQ(k->open_time_ms, v.ev.kl[i - 1].open_time_ms + 60000);
        CU_ASSERT_TRUE(sqt_dec_cmp(k->high, k->open, NULL) >= 0);
        CU_ASSERT_TRUE(sqt_dec_cmp(k->high, k->close, NULL) >= 0);
        CU_ASSERT_TRUE(sqt_dec_cmp(k->low, k->open, NULL) <= 0);
        CU_ASSERT_TRUE(sqt_dec_cmp(k->low, k->close, NULL) <= 0);
        CU_ASSERT_TRUE(k->low.mant > 0);
        SQT_ASSERT_INT_EQ(k->closed, i + 1 < v.ev.n_kl);
    }
    /* the forming kline ends at the current price */
    CU_ASSERT_EQUAL(sqt_dec_cmp(v.ev.kl[29].close, v.ev.last_tick.price, NULL), 0);
    memcpy(keep, v.ev.kl, sizeof keep);

    CU_ASSERT_EQUAL(X()->klines(v.ex, "ETHUSDT", "5m", 4, on_klines, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    SQT_ASSERT_INT_EQ(v.ev.n_kl, 4);
    SQT_ASSERT_INT_EQ(v.ev.kl[3].open_time_ms % 300000, 0);
    CU_ASSERT_EQUAL(sqt_dec_cmp(v.ev.kl[3].close, keep[29].close, NULL), 0);

    /* other symbols: synthetic, steady, deterministic */
    CU_ASSERT_EQUAL(X()->klines(v.ex, "BTCUSDT", "1m", 21, on_klines, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    SQT_ASSERT_INT_EQ(v.ev.n_kl, 21);
    memcpy(keep, v.ev.kl, 21 * sizeof keep[0]);
    for (i = 0; i < 21; i++) {
        SQT_ASSERT_STR_EQ(v.ev.kl[i].symbol, "BTCUSDT");
        CU_ASSERT_TRUE(v.ev.kl[i].low.mant > 0);
        CU_ASSERT_TRUE(sqt_dec_cmp(v.ev.kl[i].volume, D("1000"), NULL) >= 0);
        CU_ASSERT_TRUE(sqt_dec_cmp(v.ev.kl[i].volume, D("1100"), NULL) < 0);
    }
    CU_ASSERT_EQUAL(X()->klines(v.ex, "BTCUSDT", "1m", 21, on_klines, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    CU_ASSERT_EQUAL(memcmp(keep, v.ev.kl, 21 * sizeof keep[0]), 0);
    close_env(&v);
}

/* A fast tick rate still gets the configured history (coarser steps), quickly. */
static void test_history_fast_tick(void)
{
    static const char *const kv[] = {"tick_ms", "1", "history_minutes", "120", NULL};
    env v;
    open_env(&v, kv);
    CU_ASSERT_EQUAL(X()->klines(v.ex, "ETHUSDT", "1m", 121, on_klines, NULL), SQT_OK);
    fake_host_advance(v.fh, 5);
    SQT_ASSERT_INT_EQ(v.ev.n_kl, 121);
    CU_ASSERT_TRUE(v.ev.kl[0].high.mant > v.ev.kl[0].low.mant); /* it moved */
    close_env(&v);
}

static void test_kline_stream(void)
{
    static const char *const syms[] = {"ETHUSDT", "SOLUSDT"};
    env v;
    sqt_kline_sink ks = {NULL, on_kline, on_kline_state};
    size_t i;
    int closed_eth = 0, closed_sol = 0, forming = 0;
    open_env(&v, NULL);
    CU_ASSERT_EQUAL(X()->subscribe_klines(v.ex, syms, 2, "1m", &ks), SQT_OK);
    CU_ASSERT_EQUAL(X()->subscribe_klines(v.ex, syms, 2, "1m", &ks), SQT_ESTATE);
    fake_host_advance(v.fh, 125000);
    SQT_ASSERT_INT_EQ(v.ev.kline_states, 1);
    for (i = 0; i < v.ev.n_kpush; i++) {
        const sqt_kline *k = &v.ev.kpush[i];
        SQT_ASSERT_INT_EQ(k->open_time_ms % 60000, 0);
        if (k->closed) {
            closed_eth += strcmp(k->symbol, "ETHUSDT") == 0;
            closed_sol += strcmp(k->symbol, "SOLUSDT") == 0;
        } else {
            forming++;
        }
    }
    SQT_ASSERT_INT_EQ(closed_eth, 2);
    SQT_ASSERT_INT_EQ(closed_sol, 2);
    /* forming updates about once a second per symbol, not per step */
    CU_ASSERT_TRUE(forming >= 240 && forming <= 270);
    close_env(&v);
}

static void fixture(char *out, size_t cap, const char *name)
{
    const char *src = getenv("SQT_SOURCE_DIR");
    snprintf(out, cap, "%s/tests/data/paper/%s", src ? src : "../..", name);
}

/* Replay a klines file at 60x: six 1m klines take six seconds, then the feed ends. */
static void test_csv_replay(void)
{
    char path[1024];
    const char *kv[] = {"csv", path, "replay_speed", "60", "loop", "false", NULL};
    env v;
    int saw_low = 0, saw_high = 0;
    int i;
    fixture(path, sizeof path, "klines_1m_header.csv");
    open_env(&v, kv);
    CU_ASSERT_TRUE(fake_host_log_contains(v.fh, "klines"));
    subscribe_all(&v);
    for (i = 0; i < 40; i++) {
        fake_host_advance(v.fh, 250);
        saw_low += strcmp(S(v.ev.last_tick.price), "2266.2") == 0;
        saw_high += strcmp(S(v.ev.last_tick.price), "2284.1") == 0;
    }
    CU_ASSERT_TRUE(saw_low > 0);
    CU_ASSERT_TRUE(saw_high > 0);
    SQT_ASSERT_STR_EQ(S(v.ev.last_tick.price), "2267.4"); /* the file's last close */
    CU_ASSERT_EQUAL(v.ev.last_price_state, SQT_STREAM_FAILED);
    CU_ASSERT_TRUE(fake_host_log_contains(v.fh, "end of the file"));
    close_env(&v);

    /* a bad file fails create with the line number */
    {
        fake_host *fh = fake_host_new();
        sqt_create_args args = {.struct_size = sizeof(sqt_create_args),
                                .symbol = "ETHUSDT", .exchange_name = "paper"};
        sqt_exchange *ex = NULL;
        sqt_error err;
        fixture(path, sizeof path, "klines_bad_line4.csv");
        fake_host_set_config(fh, "csv", path);
        CU_ASSERT_EQUAL(X()->create(fake_host_api(), fake_host_handle(fh), &args, &ex, &err),
                        SQT_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "klines_bad_line4.csv:4:"));
        fake_host_free(fh);
    }
}

/* Partial fills come through as PARTIALLY_FILLED pushes with cumulative quantities. */
static void test_partial_fill_pushes(void)
{
    static const char *const kv[] = {"partial_fill_qty", "0.003", "volatility", "0.001",
                                     "seed", "7", NULL};
    env v;
    sqt_order_req q;
    sqt_dec px;
    size_t i;
    int partial = 0;
    const sqt_order *o;
    open_env(&v, kv);
    subscribe_all(&v);
    fake_host_advance(v.fh, 250);
    px = v.ev.last_tick.price;
    px.mant -= 500;
    q = req("pp_1", SQT_SIDE_BUY, SQT_TIF_POST_ONLY, px, "0.010", 0);
    CU_ASSERT_EQUAL(X()->place_orders(v.ex, &q, 1, on_place, NULL), SQT_OK);
    o = wait_status(&v, "pp_1", SQT_ORDER_FILLED, 600000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    SQT_ASSERT_STR_EQ(S(o->filled_qty), "0.01");
    SQT_ASSERT_STR_EQ(S(o->last_fill_qty), "0.001");
    for (i = 0; i < v.ev.n_push; i++)
        if (strcmp(v.ev.push[i].client_id, "pp_1") == 0 &&
            v.ev.push[i].status == SQT_ORDER_PARTIALLY_FILLED) {
            partial++;
            SQT_ASSERT_INT_EQ(v.ev.push[i].filled_qty.mant, 3 * partial);
        }
    SQT_ASSERT_INT_EQ(partial, 3);
    close_env(&v);
}

/* config/paper.yaml loads with the host's loader, and its exchange block creates the
 * plugin, which then fills orders within 30 s of simulated time. */
static void test_demo_config(void)
{
    char path[1024];
    const char *src = getenv("SQT_SOURCE_DIR");
    sqt_log log;
    sqt_config cfg;
    char err[512];
    const sqt_exchange_cfg *x;
    sqt_create_args args;
    sqt_error e;
    env v;
    size_t i;
    int fills = 0, t;
    snprintf(path, sizeof path, "%s/config/paper.yaml", src ? src : "../..");
    sqt_log_init(&log);
    log.level = SQT_LV_ERROR; /* quiet: the loader reports its defaults at INFO */
    if (sqt_config_load(&cfg, path, &log, err, sizeof err) != 0) {
        fprintf(stderr, "    %s\n", err);
        CU_FAIL_FATAL("config/paper.yaml does not load");
    }
    x = sqt_config_exchange(&cfg);
    SQT_ASSERT_STR_EQ(x->name, "paper");
    CU_ASSERT_EQUAL(sqt_config_check_credentials(&cfg, X()->flags, err, sizeof err), 0);

    memset(&v, 0, sizeof v);
    E = &v.ev;
    v.fh = fake_host_new();
    for (i = 0; i < x->n_extra; i++)
        fake_host_set_config(v.fh, x->extra[i].key, x->extra[i].value);
    memset(&args, 0, sizeof args);
    args.struct_size = sizeof args;
    args.symbol = cfg.symbol;
    args.exchange_name = x->name;
    CU_ASSERT_EQUAL_FATAL(X()->create(fake_host_api(), fake_host_handle(v.fh), &args, &v.ex, &e),
                          SQT_OK);
    v.ev.ex = v.ex;
    subscribe_all(&v);
    fake_host_advance(v.fh, 250);
    /* ten resting buys one grid interval apart below the market */
    for (i = 0; i < 10; i++) {
        sqt_order_req q;
        char cid[32];
        sqt_dec px = v.ev.last_tick.price;
        px.mant = (px.mant / 200 - 1 - (int64_t)i) * 200;
        snprintf(cid, sizeof cid, "demo_%zu", i);
        q = req(cid, SQT_SIDE_BUY, SQT_TIF_POST_ONLY, px, "0.010", 0);
        CU_ASSERT_EQUAL(X()->place_orders(v.ex, &q, 1, on_place, NULL), SQT_OK);
    }
    for (t = 0; t < 30000; t += 250)
        fake_host_advance(v.fh, 250);
    for (i = 0; i < v.ev.n_push; i++)
        fills += v.ev.push[i].status == SQT_ORDER_FILLED;
    CU_ASSERT_TRUE(fills >= 1);
    close_env(&v);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"descriptor", test_descriptor},
        {"paper.so loads", test_shared_object},
        {"create with defaults", test_create_defaults},
        {"bad config fails create", test_bad_config},
        {"every callback is asynchronous", test_all_async},
        {"unknown query and cancel", test_unknown_query_and_cancel},
        {"buy, fill, sell, fill", test_buy_sell_cycle},
        {"batch results per item", test_post_only_and_batch_results},
        {"cancel_own", test_cancel_own},
        {"shutdown cancels pending callbacks", test_shutdown_cancels_pending},
        {"shutdown from a callback", test_shutdown_from_callback},
        {"lifecycle edges", test_lifecycle_edges},
        {"klines history", test_klines_history},
        {"history with a fast tick", test_history_fast_tick},
        {"kline stream", test_kline_stream},
        {"CSV replay", test_csv_replay},
        {"partial fill pushes", test_partial_fill_pushes},
        {"demo config trades", test_demo_config},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("paper plugin", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
