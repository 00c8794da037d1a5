/* Host services for plugins: see services.h. */
#include "services.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "net/ws.h"

struct sqt_timer {
    uv_timer_t uv;
    struct sqt_host *host;
    sqt_timer_cb cb;
    void *ud;
    int repeat;
    int released;
};

static void svc_log(sqt_host *h, int level, const char *msg)
{
    int lv;
    switch (level) {
    case SQT_LOG_DEBUG: lv = SQT_LV_DEBUG; break;
    case SQT_LOG_INFO: lv = SQT_LV_INFO; break;
    case SQT_LOG_WARN: lv = SQT_LV_WARN; break;
    default: lv = SQT_LV_ERROR; break;
    }
    sqt_logf(h->log, lv, "[%s] %s", h->plugin_name, msg ? msg : "");
}

SQT_HOT static int64_t svc_wall_ms(sqt_host *h)
{
    (void)h;
    return sqt_wall_ms();
}

static uint64_t svc_mono_ns(sqt_host *h)
{
    (void)h;
    return uv_hrtime();
}

static void timer_closed(uv_handle_t *hd)
{
    struct sqt_timer *t = hd->data;
    t->host->live_timers--;
    free(t);
}

static void timer_release(struct sqt_timer *t)
{
    if (t->released)
        return;
    t->released = 1;
    uv_timer_stop(&t->uv);
    uv_close((uv_handle_t *)&t->uv, timer_closed);
}

static void timer_fired(uv_timer_t *uvt)
{
    struct sqt_timer *t = uvt->data;
    if (t->released)
        return;
    t->cb(t->ud);
    /* one-shot timers are released after their callback (setTimeout semantics); the
     * callback may already have stopped it, which released it */
    if (!t->repeat)
        timer_release(t);
}

static int svc_timer_start(sqt_host *h, uint64_t timeout_ms, uint64_t repeat_ms, sqt_timer_cb cb,
                           void *ud, sqt_timer **out)
{
    struct sqt_timer *t;
    if (cb == NULL)
        return SQT_EINVAL;
    if (h->closing)
        return SQT_ESTATE;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return SQT_ENOMEM;
    if (uv_timer_init(h->loop, &t->uv) != 0) {
        free(t);
        return SQT_ENOMEM;
    }
    t->uv.data = t;
    t->host = h;
    t->cb = cb;
    t->ud = ud;
    t->repeat = repeat_ms > 0;
    h->live_timers++;
    uv_timer_start(&t->uv, timer_fired, timeout_ms, repeat_ms);
    if (out)
        *out = t;
    return SQT_OK;
}

static void svc_timer_stop(sqt_host *h, sqt_timer *t)
{
    (void)h;
    if (t != NULL)
        timer_release(t);
}

/* Copy a config string into buf: length, SQT_ENOENT (absent or empty), SQT_ERANGE. */
static int copy_value(const char *v, char *buf, size_t cap)
{
    size_t n;
    if (v == NULL || v[0] == '\0')
        return SQT_ENOENT;
    n = strlen(v);
    if (buf == NULL || n + 1 > cap)
        return SQT_ERANGE;
    memcpy(buf, v, n + 1);
    return (int)n;
}

static int svc_secret(sqt_host *h, const char *name, char *buf, size_t cap)
{
    const sqt_exchange_cfg *x = h->xcfg;
    if (x == NULL || name == NULL)
        return SQT_ENOENT;
    if (strcmp(name, "api_key") == 0)
        return copy_value(x->api_key, buf, cap);
    if (strcmp(name, "secret_key") == 0)
        return copy_value(x->secret_key, buf, cap);
    if (strcmp(name, "passphrase") == 0)
        return copy_value(x->passphrase, buf, cap);
    return SQT_ENOENT;
}

static int svc_config(sqt_host *h, const char *key, char *buf, size_t cap)
{
    const sqt_exchange_cfg *x = h->xcfg;
    size_t i;
    if (x == NULL || key == NULL)
        return SQT_ENOENT;
    /* secrets only through secret(): a plugin asking config() for them gets nothing */
    if (strcmp(key, "api_key") == 0 || strcmp(key, "secret_key") == 0 ||
        strcmp(key, "passphrase") == 0)
        return SQT_ENOENT;
    for (i = 0; i < x->n_extra; i++)
        if (strcmp(x->extra[i].key, key) == 0) {
            if (i < 64)
                h->asked |= UINT64_C(1) << i;
            return copy_value(x->extra[i].value, buf, cap);
        }
    return SQT_ENOENT;
}

int sqt_host_warn_unused_keys(const struct sqt_host *h)
{
    const sqt_exchange_cfg *x = h->xcfg;
    size_t i;
    int n = 0;
    if (x == NULL)
        return 0;
    for (i = 0; i < x->n_extra && i < 64; i++) {
        if (h->asked & (UINT64_C(1) << i))
            continue;
        if (strcmp(x->extra[i].key, "ca_file") == 0) /* the host's own key */
            continue;
        sqt_logf(h->log, SQT_LV_WARN, "%s:%d: exchanges.%s.%s: not a setting of plugin '%s'; ignored (typo?)",
                 h->cfg && h->cfg->path ? h->cfg->path : "config", x->extra[i].line, x->name,
                 x->extra[i].key, h->plugin_name);
        n++;
    }
    return n;
}

static void svc_rate_usage(sqt_host *h, const sqt_rate_usage *u)
{
    if (u != NULL && h->on_rate_usage != NULL)
        h->on_rate_usage(h->rate_ud, u);
}

/* HTTP and WebSocket: host/net (see net_services.c). */
int sqt_host_http_request(sqt_host *h, const sqt_http_request *req, sqt_http_cb cb, void *ud,
                          sqt_http_call **out);
void sqt_host_http_cancel(sqt_host *h, sqt_http_call *call);
int sqt_host_ws_open(sqt_host *h, const sqt_ws_options *opt, const sqt_ws_callbacks *cbs,
                     void *ud, sqt_ws **out);
int sqt_host_ws_send(sqt_host *h, sqt_ws *ws, const char *data, size_t len, int is_binary);
int sqt_host_ws_close(sqt_host *h, sqt_ws *ws);

static const sqt_host_api services = {
    sizeof(sqt_host_api),
    svc_log,
    svc_wall_ms,
    svc_mono_ns,
    svc_timer_start,
    svc_timer_stop,
    sqt_host_http_request,
    sqt_host_http_cancel,
    sqt_host_ws_open,
    sqt_host_ws_send,
    sqt_host_ws_close,
    svc_secret,
    svc_config,
    svc_rate_usage,
};

const sqt_host_api *sqt_host_services(void)
{
    return &services;
}

SQT_HOT void sqt_host_run_deferred(struct sqt_host *h)
{
    if (h != NULL && h->loop != NULL)
        sqt_ws_run_deferred(h->loop);
}

void sqt_host_init(struct sqt_host *h, uv_loop_t *loop, sqt_log *log, const sqt_config *cfg,
                   const char *plugin_name)
{
    memset(h, 0, sizeof(*h));
    h->loop = loop;
    h->log = log;
    h->cfg = cfg;
    h->xcfg = cfg ? sqt_config_exchange(cfg) : NULL;
    snprintf(h->plugin_name, sizeof(h->plugin_name), "%s", plugin_name ? plugin_name : "plugin");
}
