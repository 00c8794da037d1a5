/* The plugin's record and life cycle (pluginkit.h): creation, the shutdown sequence
 * every plugin shares, its completion once drained, and destroy. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/pluginkit.h>

void *sqt_kit_plugin_new(const sqt_host_api *api, sqt_host *host, size_t size,
                         const char *name, sqt_error *err)
{
    sqt_kit_plugin *p;
    if (api == NULL || api->struct_size < sizeof(sqt_host_api) ||
        size < sizeof(sqt_kit_plugin)) {
        sqt_kit_fail(err, SQT_EINVAL, "%s: host services table too old or missing", name);
        return NULL;
    }
    if ((p = calloc(1, size)) == NULL) {
        sqt_kit_fail(err, SQT_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    p->api = api;
    p->host = host;
    p->name = name;
    return p;
}

void *sqt_kit_plugin_create(const sqt_kit_plugin_desc *d, const sqt_host_api *api,
                            sqt_host *host, const sqt_create_args *args, sqt_error *err)
{
    sqt_kit_plugin *p;
    memset(err, 0, sizeof(*err));
    if ((p = sqt_kit_plugin_new(api, host, d->size, d->name, err)) == NULL)
        return NULL;
    if (d->setup(p, args, err) != SQT_OK) {
        if (err->code == SQT_OK) /* a setup that failed without saying why */
            sqt_kit_fail(err, SQT_EINVAL, "%s: setup failed", d->name);
        sqt_kit_plugin_free(p);
        return NULL;
    }
    return p;
}

int sqt_kit_plugin_secrets(sqt_kit_plugin *p, const sqt_kit_cfg *c, int with_passphrase,
                           sqt_error *err)
{
    int rc;
    if ((rc = sqt_kit_cfg_secret(c, "api_key", p->api_key, sizeof(p->api_key), err)) != 0 ||
        (rc = sqt_kit_cfg_secret(c, "secret_key", p->secret, sizeof(p->secret), err)) != 0)
        return rc;
    if (with_passphrase)
        rc = sqt_kit_cfg_secret(c, "passphrase", p->passphrase, sizeof(p->passphrase), err);
    return rc;
}

int sqt_kit_plugin_sign_key(sqt_kit_plugin *p, sqt_kit_hash hash, sqt_error *err)
{
    sqt_kit_hmac_key_free(p->mac);
    p->mac = NULL;
    if (sqt_kit_hmac_key_new(hash, p->secret, strlen(p->secret), &p->mac) != SQT_OK)
        return sqt_kit_fail(err, SQT_ENOMEM, "%s: cannot prepare the signing key", p->name);
    return SQT_OK;
}

void sqt_kit_plugin_free(sqt_kit_plugin *p)
{
    if (p == NULL)
        return;
    sqt_kit_hmac_key_free(p->mac);
    OPENSSL_cleanse(p->api_key, sizeof(p->api_key));
    OPENSSL_cleanse(p->secret, sizeof(p->secret));
    OPENSSL_cleanse(p->passphrase, sizeof(p->passphrase));
    free(p);
}

int sqt_kit_plugin_drained(const sqt_kit_plugin *p)
{
    return !sqt_kit_rest_busy(&p->rest) && p->streams.head == NULL;
}

static int drained(void *owner)
{
    return sqt_kit_plugin_drained(owner);
}

void sqt_kit_plugin_check(sqt_kit_plugin *p)
{
    if (p->closing)
        sqt_kit_shut_check(&p->shut);
}

void sqt_kit_plugin_hook_check(void *plugin)
{
    sqt_kit_plugin_check(plugin);
}

void sqt_kit_plugin_hook_log(void *plugin, int level, const char *msg)
{
    const sqt_kit_plugin *p = plugin;
    p->api->log(p->host, level, msg);
}

void sqt_kit_plugin_hook_state(void *plugin, int kind, sqt_stream_state st,
                               const sqt_error *err)
{
    sqt_kit_plugin_stream_state(plugin, kind, st, err);
}

void sqt_kit_plugin_rest_init(sqt_kit_plugin *p, const sqt_kit_rest_dialect *d,
                              const char *base_url)
{
    sqt_kit_rest_init(&p->rest, p->api, p->host, d, p, base_url);
}

void sqt_kit_plugin_streams_init(sqt_kit_plugin *p, const sqt_kit_conn_hooks *hooks,
                                 uint64_t max_age_ms, uint64_t switch_ms, uint64_t retry_ms)
{
    sqt_kit_conns_init(&p->streams, p->api, p->host, hooks, p, max_age_ms, switch_ms,
                       retry_ms);
}

int sqt_kit_plugin_shutdown(sqt_kit_plugin *p, sqt_done_cb cb, void *ud)
{
    if (p == NULL || cb == NULL)
        return SQT_EINVAL;
    if (p->closing)
        return SQT_ESTATE;
    p->closing = 1;
    /* nothing completes the shutdown inside this call, whatever the host does */
    sqt_kit_shut_begin(&p->shut, p->api, p->host, drained, p, cb, ud);
    sqt_kit_rest_cancel_all(&p->rest);
    sqt_kit_conns_close_all(&p->streams);
    return SQT_OK;
}

void sqt_kit_plugin_release(sqt_kit_plugin *p)
{
    if (!sqt_kit_plugin_drained(p))
        p->api->log(p->host, SQT_LOG_ERROR, "destroyed with requests or streams still open "
                    "(destroy before shutdown completed)");
    sqt_kit_shut_free(&p->shut);
    sqt_kit_rest_free_all(&p->rest);
    sqt_kit_conns_free_all(&p->streams);
}

void sqt_kit_plugin_vlogf(sqt_kit_plugin *p, int level, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof(line), fmt, ap);
    p->api->log(p->host, level, line);
}

void sqt_kit_plugin_logf(sqt_kit_plugin *p, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqt_kit_plugin_vlogf(p, level, fmt, ap);
    va_end(ap);
}

/* subscribe_*()'s verdict: the sink's data callback, then the plugin's state */
static int take_check(const sqt_kit_plugin *p, int have_cb, int on)
{
    if (!have_cb)
        return SQT_EINVAL;
    return p->closing || on ? SQT_ESTATE : SQT_OK;
}

int sqt_kit_plugin_take_price(sqt_kit_plugin *p, const sqt_price_sink *sink)
{
    int rc = take_check(p, sink != NULL && sink->on_price != NULL, p->sinks.price_on);
    if (rc == SQT_OK)
        p->sinks.price = *sink;
    return rc;
}

int sqt_kit_plugin_take_klines(sqt_kit_plugin *p, const sqt_kline_sink *sink)
{
    int rc = take_check(p, sink != NULL && sink->on_kline != NULL, p->sinks.kline_on);
    if (rc == SQT_OK)
        p->sinks.kline = *sink;
    return rc;
}

int sqt_kit_plugin_take_orders(sqt_kit_plugin *p, const sqt_order_sink *sink)
{
    int rc = take_check(p, sink != NULL && sink->on_order != NULL, p->sinks.order_on);
    if (rc == SQT_OK)
        p->sinks.order = *sink;
    return rc;
}

void sqt_kit_plugin_stream_state(sqt_kit_plugin *p, int kind, sqt_stream_state st,
                                 const sqt_error *err)
{
    const sqt_kit_sinks *s = &p->sinks;
    if (p->closing)
        return; /* no sink call once shutdown began */
    if (kind == SQT_KIT_STREAM_PRICE && s->price.on_state != NULL)
        s->price.on_state(s->price.ud, st, err);
    else if (kind == SQT_KIT_STREAM_KLINES && s->kline.on_state != NULL)
        s->kline.on_state(s->kline.ud, st, err);
    else if (kind == SQT_KIT_STREAM_ORDERS && s->order.on_state != NULL)
        s->order.on_state(s->order.ud, st, err);
}

int sqt_kit_plugin_call(sqt_kit_plugin *p, const char *method, const char *path,
                        const char *query, const char *body, int auth, int mutating,
                        sqt_kit_answer_fn done, void *ctx)
{
    sqt_kit_rest_req rq = sqt_kit_rest_req_of(method, path, query, body, auth);
    if (p->closing)
        return SQT_ECANCELLED; /* shutdown began: no new calls, not even queued ones */
    rq.mutating = mutating;
    rq.done = done;
    rq.ctx = ctx;
    return sqt_kit_rest_send(&p->rest, &rq);
}
