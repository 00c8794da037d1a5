/* A test plugin whose shutdown never calls back, for the host's forced shutdown: it
 * refuses start-up at once, so the host stops, asks it to shut down, and waits. Its
 * destroy aborts the process when called before the shutdown callback ran - the SDK
 * forbids it, and a real plugin would free memory its pending work still uses. The
 * instance is static: left undestroyed, it leaks nothing. */
#include <stdlib.h>
#include <string.h>

#include <opensqt/plugin.h>

struct sqt_exchange {
    int shutting_down;         /* shutdown called, its callback never run */
};

static sqt_exchange hang_instance;

static int hang_create(const sqt_host_api *api, sqt_host *host, const sqt_create_args *args,
                       sqt_exchange **out, sqt_error *err)
{
    (void)api, (void)host, (void)args, (void)err;
    memset(&hang_instance, 0, sizeof(hang_instance));
    *out = &hang_instance;
    return SQT_OK;
}

static int hang_shutdown(sqt_exchange *ex, sqt_done_cb cb, void *ud)
{
    (void)cb, (void)ud;
    ex->shutting_down = 1; /* and never a callback */
    return SQT_OK;
}

static void hang_destroy(sqt_exchange *ex)
{
    if (ex->shutting_down)
        abort();
}

static int hang_symbol_info(sqt_exchange *ex, sqt_symbol_info_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int hang_account(sqt_exchange *ex, sqt_account_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int hang_positions(sqt_exchange *ex, sqt_positions_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int hang_orders(sqt_exchange *ex, sqt_orders_cb cb, void *ud)
{
    (void)ex, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int hang_query(sqt_exchange *ex, const char *cid, const char *oid, sqt_orders_cb cb, void *ud)
{
    (void)ex, (void)cid, (void)oid, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int hang_place(sqt_exchange *ex, const sqt_order_req *r, size_t n, sqt_place_cb cb, void *ud)
{
    (void)ex, (void)r, (void)n, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int hang_cancel(sqt_exchange *ex, const sqt_cancel_req *r, size_t n, sqt_cancel_cb cb, void *ud)
{
    (void)ex, (void)r, (void)n, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int hang_cancel_own(sqt_exchange *ex, const char *prefix, sqt_cancel_cb cb, void *ud)
{
    (void)ex, (void)prefix, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int hang_klines(sqt_exchange *ex, const char *sym, const char *iv, int limit, sqt_klines_cb cb,
                       void *ud)
{
    (void)ex, (void)sym, (void)iv, (void)limit, (void)cb, (void)ud;
    return SQT_ENOTSUP;
}

static int hang_sub_price(sqt_exchange *ex, const sqt_price_sink *s)
{
    (void)ex, (void)s;
    return SQT_ENOTSUP;
}

static int hang_sub_orders(sqt_exchange *ex, const sqt_order_sink *s)
{
    (void)ex, (void)s;
    return SQT_ENOTSUP;
}

static int hang_sub_klines(sqt_exchange *ex, const char *const *syms, size_t n, const char *iv,
                           const sqt_kline_sink *s)
{
    (void)ex, (void)syms, (void)n, (void)iv, (void)s;
    return SQT_ENOTSUP;
}

static const sqt_exchange_api hang_api = {
    sizeof(sqt_exchange_api), 0, hang_create, hang_shutdown, hang_destroy, hang_symbol_info,
    hang_account, hang_positions, hang_orders, hang_query, hang_place, hang_cancel,
    hang_cancel_own, hang_klines, hang_sub_price, hang_sub_orders, hang_sub_klines, NULL,
};

SQT_PLUGIN_DEFINE("hang", "0.0.1", "test plugin: its shutdown never calls back", &hang_api)
