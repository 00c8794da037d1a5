/* HTTP and WebSocket host services: the plugin-facing side of host/net. The host keeps
 * every connection a plugin opened so that shutdown can close what a plugin left open,
 * and wires the timing.websocket_* config keys into the WebSocket service (§11 #5). */
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "net/ws.h"
#include "services.h"

typedef struct host_net {
    sqt_http *http;
    struct ws_wrap *conns;     /* open WebSocket connections */
    void (*close_cb)(void *);
    void *close_ud;
    int http_closed;
    int closing;
} host_net;

typedef struct ws_wrap {
    struct ws_wrap *next;
    struct sqt_host *host;
    sqt_ws *ws;
    sqt_ws_callbacks cbs;      /* the plugin's */
    void *ud;
    int closed;
} ws_wrap;

static const char *xcfg_value(const struct sqt_host *h, const char *key)
{
    size_t i;
    if (h->xcfg == NULL)
        return NULL;
    for (i = 0; i < h->xcfg->n_extra; i++)
        if (strcmp(h->xcfg->extra[i].key, key) == 0)
            return h->xcfg->extra[i].value;
    return NULL;
}

static host_net *net_of(struct sqt_host *h)
{
    host_net *n = h->net;
    if (n == NULL) {
        n = calloc(1, sizeof(*n));
        h->net = n;
    }
    return n;
}

/* The network state for a new request or connection: SQT_ESTATE once the host or its
 * network services are closing, SQT_ENOMEM when it cannot be made. */
static int net_for_new(struct sqt_host *h, host_net **out)
{
    if (h->closing)
        return SQT_ESTATE;
    if ((*out = net_of(h)) == NULL)
        return SQT_ENOMEM;
    return (*out)->closing ? SQT_ESTATE : SQT_OK;
}

static void maybe_closed(struct sqt_host *h)
{
    host_net *n = h->net;
    void (*cb)(void *);
    void *ud;
    if (n == NULL || !n->closing || !n->http_closed || n->conns != NULL)
        return;
    cb = n->close_cb;
    ud = n->close_ud;
    free(n);
    h->net = NULL;
    if (cb)
        cb(ud);
}

SQT_HOT int sqt_host_http_request(sqt_host *h, const sqt_http_request *req, sqt_http_cb cb, void *ud,
                          sqt_http_call **out)
{
    host_net *n;
    int rc = net_for_new(h, &n);
    if (rc != SQT_OK)
        return rc;
    if (n->http == NULL) {
        sqt_http_opts o;
        memset(&o, 0, sizeof(o));
        o.extra_ca_file = xcfg_value(h, "ca_file");
        o.user_agent = "opensqt";
        n->http = sqt_http_new(h->loop, &o);
        if (n->http == NULL)
            return SQT_ENOMEM;
    }
    return sqt_http_send(n->http, req, cb, ud, out);
}

void sqt_host_warm(struct sqt_host *h)
{
    host_net *n = h->net;
    if (!h->closing && n != NULL && !n->closing)
        sqt_http_warm(n->http);
}

int sqt_host_has_http(const struct sqt_host *h)
{
    const host_net *n = h->net;
    return n != NULL && n->http != NULL;
}

void sqt_host_http_cancel(sqt_host *h, sqt_http_call *call)
{
    host_net *n = h->net;
    if (n != NULL && n->http != NULL && call != NULL)
        sqt_http_cancel(n->http, call);
}

/* ---- WebSocket ------------------------------------------------------------------ */

static void w_open(void *ud, sqt_ws *ws)
{
    ws_wrap *w = ud;
    if (w->cbs.on_open)
        w->cbs.on_open(w->ud, ws);
}

SQT_HOT static void w_message(void *ud, sqt_ws *ws, const char *data, size_t len, int bin)
{
    ws_wrap *w = ud;
    if (w->cbs.on_message)
        w->cbs.on_message(w->ud, ws, data, len, bin);
}

static void w_down(void *ud, sqt_ws *ws, const sqt_error *why)
{
    ws_wrap *w = ud;
    if (w->cbs.on_down)
        w->cbs.on_down(w->ud, ws, why);
}

static void w_closed(void *ud, sqt_ws *ws)
{
    ws_wrap *w = ud;
    struct sqt_host *h = w->host;
    host_net *n = h->net;
    ws_wrap **pp;
    if (w->cbs.on_closed)
        w->cbs.on_closed(w->ud, ws);
    if (n != NULL)
        for (pp = &n->conns; *pp != NULL; pp = &(*pp)->next)
            if (*pp == w) {
                *pp = w->next;
                break;
            }
    h->live_ws--;
    free(w);
    maybe_closed(h);
}

static uint32_t secs_ms(int s)
{
    return s > 0 ? (uint32_t)s * 1000u : 0;
}

int sqt_host_ws_open(sqt_host *h, const sqt_ws_options *opt, const sqt_ws_callbacks *cbs,
                     void *ud, sqt_ws **out)
{
    host_net *n;
    ws_wrap *w;
    sqt_ws_net_opts no;
    sqt_ws_callbacks mine;
    int err = 0, rc;
    if (opt == NULL || cbs == NULL)
        return SQT_EINVAL;
    if ((rc = net_for_new(h, &n)) != SQT_OK)
        return rc;
    if ((w = calloc(1, sizeof(*w))) == NULL)
        return SQT_ENOMEM;
    w->host = h;
    memset(&w->cbs, 0, sizeof(w->cbs));
    memcpy(&w->cbs, cbs, cbs->struct_size < sizeof(w->cbs) ? cbs->struct_size : sizeof(w->cbs));
    w->ud = ud;
    memset(&no, 0, sizeof(no));
    no.extra_ca_file = xcfg_value(h, "ca_file");
    if (h->cfg != NULL) {
        no.reconnect_base_ms = secs_ms(h->cfg->websocket_reconnect_delay);
        no.ping_interval_ms = secs_ms(h->cfg->websocket_ping_interval);
        no.pong_wait_ms = secs_ms(h->cfg->websocket_pong_wait);
        no.handshake_timeout_ms = secs_ms(h->cfg->websocket_write_wait);
    }
    mine.struct_size = sizeof(mine);
    mine.on_open = w_open;
    mine.on_message = w_message;
    mine.on_down = w_down;
    mine.on_closed = w_closed;
    w->ws = sqt_ws_open(h->loop, &no, opt, &mine, w, &err);
    if (w->ws == NULL) {
        free(w);
        return err < 0 ? err : SQT_ENOMEM;
    }
    w->next = n->conns;
    n->conns = w;
    h->live_ws++;
    if (out)
        *out = w->ws;
    return SQT_OK;
}

int sqt_host_ws_send(sqt_host *h, sqt_ws *ws, const char *data, size_t len, int is_binary)
{
    (void)h;
    if (ws == NULL)
        return SQT_EINVAL;
    return sqt_ws_send(ws, data, len, is_binary);
}

int sqt_host_ws_close(sqt_host *h, sqt_ws *ws)
{
    host_net *n = h->net;
    ws_wrap *w;
    if (ws == NULL || n == NULL)
        return SQT_EINVAL;
    for (w = n->conns; w != NULL; w = w->next)
        if (w->ws == ws) {
            if (w->closed)
                return SQT_ESTATE;
            w->closed = 1;
            return sqt_ws_close(ws);
        }
    return SQT_EINVAL;
}

static void http_closed(void *ud)
{
    struct sqt_host *h = ud;
    host_net *n = h->net;
    n->http = NULL;
    n->http_closed = 1;
    maybe_closed(h);
}

void sqt_host_close(struct sqt_host *h, void (*cb)(void *ud), void *ud)
{
    host_net *n;
    ws_wrap *w;
    h->closing = 1;
    n = net_of(h);
    if (n == NULL) {
        cb(ud);
        return;
    }
    n->closing = 1;
    n->close_cb = cb;
    n->close_ud = ud;
    /* what the plugin left open */
    for (w = n->conns; w != NULL; w = w->next)
        if (!w->closed) {
            w->closed = 1;
            sqt_ws_close(w->ws);
        }
    if (n->http != NULL)
        sqt_http_close(n->http, http_closed, h);
    else {
        n->http_closed = 1;
        maybe_closed(h);
    }
}
