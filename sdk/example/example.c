/*
 * example.so: the smallest complete OpenSQT exchange plugin, and a template for a real
 * one. It trades nothing: every trading call is refused, either at once with
 * SQT_ENOTSUP or, for orders, through its callback with a clear message. What it does
 * show is the shape every plugin has:
 *
 *   - one source file built against <opensqt/plugin.h> and the plugin kit
 *     <opensqt/pluginkit.h> (config readers, JSON, signing, ...; see the Makefile);
 *   - one exported symbol, made by SQT_PLUGIN_DEFINE at the bottom;
 *   - an instance created synchronously with no I/O, shut down asynchronously;
 *   - callbacks delivered later from the host's loop (a zero-delay host timer), never
 *     from inside the call that started the operation;
 *   - in-flight operations completed with SQT_ECANCELLED at shutdown;
 *   - request data copied when it is needed after the call returns.
 *
 * Start a real plugin by copying this directory, renaming "example" everywhere (the
 * name in SQT_PLUGIN_DEFINE must equal the file name: binance -> binance.so), and
 * replacing the ENOTSUP answers with requests built through api->http_request() and
 * streams opened with api->ws_open(). docs/plugin-guide.md explains the contract.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/plugin.h>
#include <opensqt/pluginkit.h>

#define EXAMPLE_REFUSAL "the example plugin does not trade"
/* Stands in for an exchange's round trip, so a shutdown can find requests in flight. */
#define EXAMPLE_ANSWER_DELAY_MS 10

/* One order operation waiting for its answer. A real plugin keeps the same record for
 * an HTTP call in flight (with the sqt_http_call handle instead of the timer). */
typedef struct ex_pending {
    struct ex_pending *next;
    sqt_exchange *ex;
    sqt_timer *timer;          /* one-shot answer timer; NULL once it fired */
    sqt_place_cb place_cb;     /* exactly one of place_cb / cancel_cb is set */
    sqt_cancel_cb cancel_cb;
    void *ud;
    size_t n;
    /* Copies: the caller's request arrays are valid only during the call. */
    char (*client_ids)[SQT_CLIENT_ID_MAX];
    char (*order_ids)[SQT_ORDER_ID_MAX];
} ex_pending;

/* The instance: everything hangs off it, no globals, so the host may create several. */
struct sqt_exchange {
    const sqt_host_api *api;   /* host services, valid until destroy */
    sqt_host *host;
    char symbol[SQT_SYMBOL_MAX];
    ex_pending *pending;
    int shutting_down;
    sqt_done_cb done_cb;
    void *done_ud;
};

static void ex_log(sqt_exchange *ex, int level, const char *msg)
{
    ex->api->log(ex->host, level, msg);
}

static void set_error(sqt_error *err, int code, const char *msg)
{
    memset(err, 0, sizeof(*err));
    err->code = code;
    snprintf(err->message, sizeof(err->message), "%s", msg);
}

static void pending_free(ex_pending *p)
{
    free(p->client_ids);
    free(p->order_ids);
    free(p);
}

static void pending_unlink(ex_pending *p)
{
    ex_pending **pp = &p->ex->pending;
    while (*pp != p)
        pp = &(*pp)->next;
    *pp = p->next;
}

/* Answer a pending operation: every item fails with `code`, and so does the request as
 * a whole (status < 0). The result array lives only for the duration of the callback,
 * as the SDK promises the host. */
static void pending_answer(ex_pending *p, int code, const char *msg)
{
    size_t i;
    if (p->place_cb != NULL) {
        sqt_place_result *res = calloc(p->n ? p->n : 1, sizeof(*res));
        if (res == NULL)
            code = SQT_ENOMEM; /* still answer: the host waits for exactly one callback */
        for (i = 0; res != NULL && i < p->n; i++) {
            memcpy(res[i].client_id, p->client_ids[i], SQT_CLIENT_ID_MAX);
            set_error(&res[i].err, code, msg);
            res[i].order.struct_size = sizeof(res[i].order);
        }
        p->place_cb(p->ud, code, res, res != NULL ? p->n : 0);
        free(res);
    } else {
        sqt_cancel_result *res = calloc(p->n ? p->n : 1, sizeof(*res));
        if (res == NULL)
            code = SQT_ENOMEM;
        for (i = 0; res != NULL && i < p->n; i++) {
            memcpy(res[i].client_id, p->client_ids[i], SQT_CLIENT_ID_MAX);
            memcpy(res[i].order_id, p->order_ids[i], SQT_ORDER_ID_MAX);
            set_error(&res[i].err, code, msg);
        }
        p->cancel_cb(p->ud, code, res, res != NULL ? p->n : 0);
        free(res);
    }
}

/* The answer's timer fired: we are on the loop now, so the callback may run. */
static void pending_fire(void *ud)
{
    ex_pending *p = ud;
    p->timer = NULL;           /* a one-shot timer is released by the host after this */
    pending_unlink(p);
    pending_answer(p, SQT_ENOTSUP, EXAMPLE_REFUSAL);
    pending_free(p);
}

static int pending_start(sqt_exchange *ex, ex_pending *p)
{
    int rc;
    p->ex = ex;
    rc = ex->api->timer_start(ex->host, EXAMPLE_ANSWER_DELAY_MS, 0, pending_fire, p,
                              &p->timer);
    if (rc != 0)
        return rc;             /* returned an error: the callback must never run */
    p->next = ex->pending;
    ex->pending = p;
    return SQT_OK;
}

/* ---- life cycle --------------------------------------------------------------------- */

/* Synchronous and without I/O: read the config, allocate, return. A real plugin checks
 * here that its keys are present and well formed, and fails with a message that names
 * the key but never shows a secret's value. */
static int example_create(const sqt_host_api *api, sqt_host *host, const sqt_create_args *args,
                          sqt_exchange **out, sqt_error *err)
{
    sqt_exchange *ex;
    sqt_kit_cfg cfg;
    char url[256], line[384];
    int n;

    if (args == NULL || args->symbol == NULL || strlen(args->symbol) >= SQT_SYMBOL_MAX) {
        set_error(err, SQT_EINVAL, "example: missing or too long trading symbol");
        return SQT_EINVAL;
    }
    ex = calloc(1, sizeof(*ex));
    if (ex == NULL) {
        set_error(err, SQT_ENOMEM, "example: out of memory");
        return SQT_ENOMEM;
    }
    ex->api = api;
    ex->host = host;
    memcpy(ex->symbol, args->symbol, strlen(args->symbol) + 1);

    /* Any extra scalar key of the exchange's config block, e.g. `rest_url: ...`, read
     * and checked by the kit; its message names the key for the user. */
    cfg.api = api;
    cfg.host = host;
    cfg.block = args->exchange_name != NULL ? args->exchange_name : "example";
    n = sqt_kit_cfg_url(&cfg, "rest_url", "https://", "http://", url, sizeof(url), err);
    if (n == 0)
        snprintf(url, sizeof(url), "(none)");
    else if (n < 0) {
        free(ex);
        return n;
    }
    snprintf(line, sizeof(line), "example: instance for %s created (rest_url %s)", ex->symbol,
             url);
    ex_log(ex, SQT_LOG_INFO, line);
    *out = ex;
    return SQT_OK;
}

/* The last step of shutdown, on the loop: cancel what is in flight, then report. */
static void example_shutdown_fire(void *ud)
{
    sqt_exchange *ex = ud;
    sqt_done_cb cb = ex->done_cb;

    while (ex->pending != NULL) {
        ex_pending *p = ex->pending;
        ex->pending = p->next;
        if (p->timer != NULL)
            ex->api->timer_stop(ex->host, p->timer); /* not fired yet: still valid */
        pending_answer(p, SQT_ECANCELLED, "example: shut down before the answer");
        pending_free(p);
    }
    ex->done_cb = NULL;
    cb(ex->done_ud, NULL);     /* after this, nothing of ours may call the host back */
}

static int example_shutdown(sqt_exchange *ex, sqt_done_cb cb, void *ud)
{
    int rc;
    if (ex->shutting_down)
        return SQT_ESTATE;
    rc = ex->api->timer_start(ex->host, 0, 0, example_shutdown_fire, ex, NULL);
    if (rc != 0)
        return rc;
    ex->shutting_down = 1;
    ex->done_cb = cb;
    ex->done_ud = ud;
    return SQT_OK;
}

/* Only after shutdown's callback (or when nothing was ever started): free everything. */
static void example_destroy(sqt_exchange *ex)
{
    while (ex->pending != NULL) { /* destroy without shutdown: drop silently */
        ex_pending *p = ex->pending;
        ex->pending = p->next;
        if (p->timer != NULL)
            ex->api->timer_stop(ex->host, p->timer);
        pending_free(p);
    }
    free(ex);
}

/* ---- queries: refused at once. A negative return means the callback never runs. -- */

static int example_symbol_info(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int example_account(sqt_exchange *ex, sqt_account_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int example_positions(sqt_exchange *ex, sqt_positions_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int example_open_orders(sqt_exchange *ex, sqt_orders_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int example_query_order(sqt_exchange *ex, const char *client_id, const char *order_id,
                               sqt_orders_cb cb, void *ud)
{
    (void)ex, (void)client_id, (void)order_id, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int example_klines(sqt_exchange *ex, const char *symbol, const char *interval,
                          int limit, sqt_klines_cb cb, void *ud)
{
    (void)ex, (void)symbol, (void)interval, (void)limit, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

/* ---- orders: accepted as requests, answered later with a per-order error ---------- */

static int example_place_orders(sqt_exchange *ex, const sqt_order_req *reqs, size_t n,
                                sqt_place_cb cb, void *ud)
{
    ex_pending *p;
    size_t i;
    int rc;

    if (ex->shutting_down)
        return SQT_ESTATE;
    if (n == 0 || reqs == NULL || cb == NULL)
        return SQT_EINVAL;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return SQT_ENOMEM;
    p->client_ids = calloc(n, sizeof(*p->client_ids));
    if (p->client_ids == NULL) {
        free(p);
        return SQT_ENOMEM;
    }
    for (i = 0; i < n; i++)
        snprintf(p->client_ids[i], SQT_CLIENT_ID_MAX, "%s", reqs[i].client_id);
    p->place_cb = cb;
    p->ud = ud;
    p->n = n;
    rc = pending_start(ex, p);
    if (rc != 0)
        pending_free(p);
    return rc;
}

static int example_cancel_orders(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n,
                                 sqt_cancel_cb cb, void *ud)
{
    ex_pending *p;
    size_t i;
    int rc;

    if (ex->shutting_down)
        return SQT_ESTATE;
    if (n == 0 || reqs == NULL || cb == NULL)
        return SQT_EINVAL;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return SQT_ENOMEM;
    p->client_ids = calloc(n, sizeof(*p->client_ids));
    p->order_ids = calloc(n, sizeof(*p->order_ids));
    if (p->client_ids == NULL || p->order_ids == NULL) {
        pending_free(p);
        return SQT_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        snprintf(p->client_ids[i], SQT_CLIENT_ID_MAX, "%s", reqs[i].client_id);
        snprintf(p->order_ids[i], SQT_ORDER_ID_MAX, "%s", reqs[i].order_id);
    }
    p->cancel_cb = cb;
    p->ud = ud;
    p->n = n;
    rc = pending_start(ex, p);
    if (rc != 0)
        pending_free(p);
    return rc;
}

static int example_cancel_own(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud)
{
    (void)ex, (void)prefix, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

/* ---- streams: a real plugin opens a WebSocket here with api->ws_open() ------------ */

static int example_subscribe_price(sqt_exchange *ex, const sqt_price_sink *sink)
{
    (void)ex, (void)sink;
    return SQT_ENOTSUP;
}

static int example_subscribe_orders(sqt_exchange *ex, const sqt_order_sink *sink)
{
    (void)ex, (void)sink;
    return SQT_ENOTSUP;
}

static int example_subscribe_klines(sqt_exchange *ex, const char *const *symbols, size_t n,
                                    const char *interval, const sqt_kline_sink *sink)
{
    (void)ex, (void)symbols, (void)n, (void)interval, (void)sink;
    return SQT_ENOTSUP;
}

/* ---- the table and the descriptor --------------------------------------------------- */

/* Designated initialisers keep the table right if members are reordered in review;
 * struct_size tells the host which members this build knows. Every member is
 * mandatory: return SQT_ENOTSUP rather than leaving one NULL. */
static const sqt_exchange_api example_api = {
    .struct_size = sizeof(sqt_exchange_api),
    .flags = 0, /* SQT_EXF_NEEDS_API_KEY: the host refuses to start without keys */
    .create = example_create,
    .shutdown = example_shutdown,
    .destroy = example_destroy,
    .symbol_info = example_symbol_info,
    .account = example_account,
    .positions = example_positions,
    .open_orders = example_open_orders,
    .query_order = example_query_order,
    .place_orders = example_place_orders,
    .cancel_orders = example_cancel_orders,
    .cancel_own = example_cancel_own,
    .klines = example_klines,
    .subscribe_price = example_subscribe_price,
    .subscribe_orders = example_subscribe_orders,
    .subscribe_klines = example_subscribe_klines,
};

/* Defines the one exported symbol, sqt_plugin_entry(), returning a constant descriptor
 * with this build's ABI version and signature. The name must equal the file name. */
SQT_PLUGIN_DEFINE("example", "1.0.0", "SDK example: proves the boundary, trades nothing",
                  &example_api)
