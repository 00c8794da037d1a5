/* Fake host services for plugin unit tests (contract: fake_host.h).
 *
 * Everything is driven by the test: the virtual clock moves only in fake_host_advance(),
 * HTTP calls wait in a queue until the test answers them, WebSocket connections change
 * state only when the test says so. Plugin mistakes against the services contract
 * (cancelling a finished call, stopping an unknown timer, sending on a closed socket)
 * are counted and printed instead of crashing, so a test can assert there were none. */
#include <opensqt/fakehost.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FAKE_WALL_START_MS INT64_C(1735000000000)

struct sqt_host {
    fake_host *fh;
};

struct sqt_timer {
    fake_host *fh;
    uint64_t due_ms;
    uint64_t repeat_ms;
    uint64_t order;            /* tie-break: timers due at the same time fire in start order */
    uint64_t id;               /* unique for the fake host's life */
    sqt_timer_cb cb;
    void *ud;
    int active;
};

enum { CALL_PENDING = 0, CALL_DONE = 1 };

struct sqt_http_call {
    fake_http pub;             /* what the test sees */
    fake_host *fh;
    sqt_http_cb cb;
    void *ud;
    int state;
};

struct sqt_ws {
    fake_ws pub;
    fake_host *fh;
    sqt_ws_callbacks cbs;
    void *ud;
    sqt_ws_options opt;        /* url/headers point into our copies */
    char **hdr_names;
    char **hdr_values;
    size_t n_hdr;
    char *app_ping_text;
    size_t cap_sent;
    int final_delivered;       /* on_closed called: no more callbacks */
};

typedef struct kv {
    char *key;
    char *value;
} kv;

typedef enum { DEFER_WS_CLOSED = 1, DEFER_HTTP_CANCELLED = 2 } defer_kind;

typedef struct deferred {
    defer_kind kind;
    void *obj;
} deferred;

struct fake_host {
    struct sqt_host handle;
    int64_t wall_base_ms;      /* wall = wall_base + mono */
    uint64_t mono_ms;
    uint64_t timer_order;
    uint64_t timer_ids;

    sqt_timer **timers;        /* every handle not yet stopped */
    size_t n_timers, cap_timers;

    struct sqt_http_call **calls; /* every call ever made, in order */
    size_t n_calls, cap_calls;
    struct sqt_http_call **pending;
    size_t n_pending, cap_pending;
    int cancel_deferred;

    struct sqt_ws **ws;
    size_t n_ws, cap_ws;
    uint64_t ws_close_delay_ms;

    deferred *defers;
    size_t n_defers, cap_defers;

    kv *secrets;
    size_t n_secrets, cap_secrets;
    kv *config;
    size_t n_config, cap_config;

    char **logs;
    size_t n_logs, cap_logs;

    sqt_rate_usage rate;
    size_t n_rate;

    int misuse;
};

/* ------------------------------------------------------------------------------------
 * small helpers
 * ---------------------------------------------------------------------------------- */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n == 0 ? 1 : n);
    if (q == NULL) {
        fprintf(stderr, "fake_host: out of memory\n");
        abort();
    }
    return q;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    if (n > 0)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *xstrdup(const char *s)
{
    return s == NULL ? NULL : xstrndup(s, strlen(s));
}

/* Grow a pointer-ish array so that one more element fits. */
#define GROW(arr, n, cap)                                                  \
    do {                                                                   \
        if ((n) == (cap)) {                                                \
            (cap) = (cap) ? (cap) * 2 : 8;                                 \
            (arr) = xrealloc((arr), (cap) * sizeof(*(arr)));               \
        }                                                                  \
    } while (0)

static void misuse(fake_host *fh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void misuse(fake_host *fh, const char *fmt, ...)
{
    va_list ap;
    fh->misuse++;
    fprintf(stderr, "fake_host: plugin misuse: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static fake_host *from_handle(sqt_host *h)
{
    return h->fh;
}

static void kv_set(kv **arr, size_t *n, size_t *cap, const char *key, const char *value)
{
    size_t i;
    for (i = 0; i < *n; i++) {
        if (strcmp((*arr)[i].key, key) == 0) {
            free((*arr)[i].value);
            if (value == NULL) { /* remove */
                free((*arr)[i].key);
                (*arr)[i] = (*arr)[*n - 1];
                (*n)--;
            } else {
                (*arr)[i].value = xstrdup(value);
            }
            return;
        }
    }
    if (value == NULL)
        return;
    GROW(*arr, *n, *cap);
    (*arr)[*n].key = xstrdup(key);
    (*arr)[*n].value = xstrdup(value);
    (*n)++;
}

static int kv_get(const kv *arr, size_t n, const char *key, char *buf, size_t cap)
{
    size_t i, len;
    if (key == NULL || buf == NULL)
        return SQT_EINVAL;
    for (i = 0; i < n; i++) {
        if (strcmp(arr[i].key, key) != 0)
            continue;
        len = strlen(arr[i].value);
        if (len == 0) /* the real host treats an empty value as absent */
            return SQT_ENOENT;
        if (len + 1 > cap)
            return SQT_ERANGE;
        memcpy(buf, arr[i].value, len + 1);
        return (int)len;
    }
    return SQT_ENOENT;
}

static void kv_free(kv *arr, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        free(arr[i].key);
        free(arr[i].value);
    }
    free(arr);
}

static void defer_push(fake_host *fh, defer_kind kind, void *obj)
{
    GROW(fh->defers, fh->n_defers, fh->cap_defers);
    fh->defers[fh->n_defers].kind = kind;
    fh->defers[fh->n_defers].obj = obj;
    fh->n_defers++;
}

/* ------------------------------------------------------------------------------------
 * services: log, clocks, timers
 * ---------------------------------------------------------------------------------- */

static const char *level_name(int level)
{
    switch (level) {
    case SQT_LOG_DEBUG: return "DEBUG";
    case SQT_LOG_INFO: return "INFO";
    case SQT_LOG_WARN: return "WARN";
    case SQT_LOG_ERROR: return "ERROR";
    default: return "LEVEL?";
    }
}

static void svc_log(sqt_host *h, int level, const char *msg)
{
    fake_host *fh = from_handle(h);
    const char *lv = level_name(level);
    size_t n;
    char *line;
    if (msg == NULL) {
        misuse(fh, "log(NULL)");
        return;
    }
    n = strlen(lv) + 1 + strlen(msg);
    line = xrealloc(NULL, n + 1);
    snprintf(line, n + 1, "%s %s", lv, msg);
    GROW(fh->logs, fh->n_logs, fh->cap_logs);
    fh->logs[fh->n_logs++] = line;
    if (getenv("FAKE_HOST_VERBOSE") != NULL)
        fprintf(stderr, "[plugin] %s\n", line);
}

static int64_t svc_wall_ms(sqt_host *h)
{
    fake_host *fh = from_handle(h);
    return fh->wall_base_ms + (int64_t)fh->mono_ms;
}

static uint64_t svc_mono_ns(sqt_host *h)
{
    return from_handle(h)->mono_ms * UINT64_C(1000000);
}

static int svc_timer_start(sqt_host *h, uint64_t timeout_ms, uint64_t repeat_ms,
                           sqt_timer_cb cb, void *ud, sqt_timer **out)
{
    fake_host *fh = from_handle(h);
    sqt_timer *t;
    if (cb == NULL)
        return SQT_EINVAL;
    t = xrealloc(NULL, sizeof(*t));
    t->fh = fh;
    t->due_ms = fh->mono_ms + timeout_ms;
    t->repeat_ms = repeat_ms;
    t->order = fh->timer_order++;
    t->id = ++fh->timer_ids;
    t->cb = cb;
    t->ud = ud;
    t->active = 1;
    GROW(fh->timers, fh->n_timers, fh->cap_timers);
    fh->timers[fh->n_timers++] = t;
    if (out != NULL)
        *out = t;
    return SQT_OK;
}

static int timer_known(const fake_host *fh, const sqt_timer *t)
{
    size_t i;
    for (i = 0; i < fh->n_timers; i++)
        if (fh->timers[i] == t)
            return 1;
    return 0;
}

static void timer_release(fake_host *fh, sqt_timer *t);

static void svc_timer_stop(sqt_host *h, sqt_timer *t)
{
    fake_host *fh = from_handle(h);
    if (t == NULL)
        return;
    if (!timer_known(fh, t)) {
        misuse(fh, "timer_stop of an unknown, stopped or fired one-shot timer "
                   "(one-shots are released after their callback)");
        return;
    }
    timer_release(fh, t);
}

/* ------------------------------------------------------------------------------------
 * services: HTTP
 * ---------------------------------------------------------------------------------- */

static void call_free(struct sqt_http_call *c)
{
    size_t i;
    for (i = 0; i < c->pub.n_headers; i++) {
        free(c->pub.header_names[i]);
        free(c->pub.header_values[i]);
    }
    free(c->pub.header_names);
    free(c->pub.header_values);
    free(c->pub.method);
    free(c->pub.url);
    free(c->pub.body);
    free(c);
}

static int svc_http_request(sqt_host *h, const sqt_http_request *req, sqt_http_cb cb,
                            void *ud, sqt_http_call **out)
{
    fake_host *fh = from_handle(h);
    struct sqt_http_call *c;
    size_t i;
    if (req == NULL || cb == NULL || req->method == NULL || req->url == NULL ||
        (req->n_headers > 0 && req->headers == NULL) ||
        (req->body == NULL && req->body_len > 0))
        return SQT_EINVAL;
    c = xrealloc(NULL, sizeof(*c));
    memset(c, 0, sizeof(*c));
    c->fh = fh;
    c->cb = cb;
    c->ud = ud;
    c->state = CALL_PENDING;
    c->pub.method = xstrdup(req->method);
    c->pub.url = xstrdup(req->url);
    c->pub.n_headers = req->n_headers;
    c->pub.header_names = xrealloc(NULL, req->n_headers * sizeof(char *));
    c->pub.header_values = xrealloc(NULL, req->n_headers * sizeof(char *));
    for (i = 0; i < req->n_headers; i++) {
        c->pub.header_names[i] = xstrdup(req->headers[i].name ? req->headers[i].name : "");
        c->pub.header_values[i] = xstrdup(req->headers[i].value ? req->headers[i].value : "");
    }
    if (req->body != NULL) {
        c->pub.body = xstrndup(req->body, req->body_len);
        c->pub.body_len = req->body_len;
    }
    GROW(fh->calls, fh->n_calls, fh->cap_calls);
    fh->calls[fh->n_calls++] = c;
    GROW(fh->pending, fh->n_pending, fh->cap_pending);
    fh->pending[fh->n_pending++] = c;
    if (out != NULL)
        *out = c;
    return SQT_OK;
}

static void pending_remove(fake_host *fh, size_t i)
{
    memmove(&fh->pending[i], &fh->pending[i + 1],
            (fh->n_pending - i - 1) * sizeof(fh->pending[0]));
    fh->n_pending--;
}

static void deliver_cancelled(struct sqt_http_call *c)
{
    sqt_http_response resp;
    memset(&resp, 0, sizeof(resp));
    resp.body = "";
    resp.err.code = SQT_ECANCELLED;
    snprintf(resp.err.message, sizeof(resp.err.message), "request cancelled");
    c->cb(c->ud, &resp);
}

static void svc_http_cancel(sqt_host *h, sqt_http_call *call)
{
    fake_host *fh = from_handle(h);
    size_t i;
    if (call == NULL)
        return;
    for (i = 0; i < fh->n_pending; i++) {
        if (fh->pending[i] != call)
            continue;
        pending_remove(fh, i);
        call->state = CALL_DONE;
        call->pub.answered = 1;
        if (fh->cancel_deferred)
            defer_push(fh, DEFER_HTTP_CANCELLED, call);
        else
            deliver_cancelled(call);
        return;
    }
    misuse(fh, "http_cancel of a call that already completed (handle is dead after its callback)");
}

/* ------------------------------------------------------------------------------------
 * services: WebSocket
 * ---------------------------------------------------------------------------------- */

static void ws_free(struct sqt_ws *w)
{
    size_t i;
    for (i = 0; i < w->pub.n_sent; i++)
        free(w->pub.sent[i]);
    free(w->pub.sent);
    free(w->pub.url);
    for (i = 0; i < w->n_hdr; i++) {
        free(w->hdr_names[i]);
        free(w->hdr_values[i]);
    }
    free(w->hdr_names);
    free(w->hdr_values);
    free((void *)w->opt.headers);
    free(w->app_ping_text);
    free(w);
}

static int svc_ws_open(sqt_host *h, const sqt_ws_options *opt, const sqt_ws_callbacks *cbs,
                       void *ud, sqt_ws **out)
{
    fake_host *fh = from_handle(h);
    struct sqt_ws *w;
    sqt_header *hdrs;
    size_t i, cs;
    if (opt == NULL || cbs == NULL || opt->url == NULL ||
        (opt->n_headers > 0 && opt->headers == NULL))
        return SQT_EINVAL;
    if (strncmp(opt->url, "ws://", 5) != 0 && strncmp(opt->url, "wss://", 6) != 0)
        return SQT_EINVAL;
    w = xrealloc(NULL, sizeof(*w));
    memset(w, 0, sizeof(*w));
    w->fh = fh;
    w->ud = ud;
    cs = cbs->struct_size < sizeof(w->cbs) ? cbs->struct_size : sizeof(w->cbs);
    memcpy(&w->cbs, cbs, cs);
    cs = opt->struct_size < sizeof(w->opt) ? opt->struct_size : sizeof(w->opt);
    memcpy(&w->opt, opt, cs);
    w->pub.url = xstrdup(opt->url);
    w->opt.url = w->pub.url;
    w->n_hdr = opt->n_headers;
    w->hdr_names = xrealloc(NULL, w->n_hdr * sizeof(char *));
    w->hdr_values = xrealloc(NULL, w->n_hdr * sizeof(char *));
    hdrs = xrealloc(NULL, w->n_hdr * sizeof(sqt_header));
    for (i = 0; i < w->n_hdr; i++) {
        w->hdr_names[i] = xstrdup(opt->headers[i].name ? opt->headers[i].name : "");
        w->hdr_values[i] = xstrdup(opt->headers[i].value ? opt->headers[i].value : "");
        hdrs[i].name = w->hdr_names[i];
        hdrs[i].value = w->hdr_values[i];
    }
    w->opt.headers = hdrs;
    w->app_ping_text = xstrdup(cs > offsetof(sqt_ws_options, app_ping_text) ? opt->app_ping_text : NULL);
    w->opt.app_ping_text = w->app_ping_text;
    w->pub.flags = w->opt.flags; /* zero unless cs covered it (w was zeroed) */
    GROW(fh->ws, fh->n_ws, fh->cap_ws);
    fh->ws[fh->n_ws++] = w;
    if (out != NULL)
        *out = w;
    return SQT_OK;
}

static int svc_ws_send(sqt_host *h, sqt_ws *ws, const char *data, size_t len, int is_binary)
{
    fake_host *fh = from_handle(h);
    (void)is_binary;
    if (ws == NULL || (data == NULL && len > 0))
        return SQT_EINVAL;
    if (ws->pub.closed || ws->final_delivered) {
        misuse(fh, "ws_send on a closed WebSocket (%s)", ws->pub.url);
        return SQT_ESTATE;
    }
    if (!ws->pub.open)
        return SQT_ESTATE; /* not connected right now: the plugin resends on on_open */
    GROW(ws->pub.sent, ws->pub.n_sent, ws->cap_sent);
    ws->pub.sent[ws->pub.n_sent++] = xstrndup(data ? data : "", len);
    return SQT_OK;
}

/* A close that takes a while, as a TLS shutdown does: on_closed from a timer. */
static void ws_closed_later(void *ud)
{
    struct sqt_ws *w = ud;
    w->final_delivered = 1;
    if (w->cbs.on_closed != NULL)
        w->cbs.on_closed(w->ud, w);
}

static int svc_ws_close(sqt_host *h, sqt_ws *ws)
{
    fake_host *fh = from_handle(h);
    if (ws == NULL)
        return SQT_EINVAL;
    if (ws->pub.closed || ws->final_delivered) {
        misuse(fh, "ws_close twice or after on_closed (%s)", ws->pub.url);
        return SQT_ESTATE;
    }
    ws->pub.closed = 1;
    ws->pub.open = 0;
    if (fh->ws_close_delay_ms > 0)
        svc_timer_start(&fh->handle, fh->ws_close_delay_ms, 0, ws_closed_later, ws, NULL);
    else
        defer_push(fh, DEFER_WS_CLOSED, ws);
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * services: secrets, config, rate usage
 * ---------------------------------------------------------------------------------- */

static int svc_secret(sqt_host *h, const char *name, char *buf, size_t cap)
{
    fake_host *fh = from_handle(h);
    return kv_get(fh->secrets, fh->n_secrets, name, buf, cap);
}

static int svc_config(sqt_host *h, const char *key, char *buf, size_t cap)
{
    fake_host *fh = from_handle(h);
    return kv_get(fh->config, fh->n_config, key, buf, cap);
}

static void svc_rate_usage(sqt_host *h, const sqt_rate_usage *u)
{
    fake_host *fh = from_handle(h);
    if (u == NULL) {
        misuse(fh, "rate_usage(NULL)");
        return;
    }
    fh->rate = *u;
    fh->n_rate++;
}

static const sqt_host_api fake_api = {
    sizeof(sqt_host_api),
    svc_log,
    svc_wall_ms,
    svc_mono_ns,
    svc_timer_start,
    svc_timer_stop,
    svc_http_request,
    svc_http_cancel,
    svc_ws_open,
    svc_ws_send,
    svc_ws_close,
    svc_secret,
    svc_config,
    svc_rate_usage,
};

/* ------------------------------------------------------------------------------------
 * test side: life cycle
 * ---------------------------------------------------------------------------------- */

fake_host *fake_host_new(void)
{
    fake_host *fh = xrealloc(NULL, sizeof(*fh));
    memset(fh, 0, sizeof(*fh));
    fh->handle.fh = fh;
    fh->wall_base_ms = FAKE_WALL_START_MS;
    return fh;
}

void fake_host_free(fake_host *fh)
{
    size_t i;
    if (fh == NULL)
        return;
    for (i = 0; i < fh->n_timers; i++)
        free(fh->timers[i]);
    free(fh->timers);
    for (i = 0; i < fh->n_calls; i++)
        call_free(fh->calls[i]);
    free(fh->calls);
    free(fh->pending);
    for (i = 0; i < fh->n_ws; i++)
        ws_free(fh->ws[i]);
    free(fh->ws);
    free(fh->defers);
    kv_free(fh->secrets, fh->n_secrets);
    kv_free(fh->config, fh->n_config);
    for (i = 0; i < fh->n_logs; i++)
        free(fh->logs[i]);
    free(fh->logs);
    free(fh);
}

const sqt_host_api *fake_host_api(void)
{
    return &fake_api;
}

sqt_host *fake_host_handle(fake_host *fh)
{
    return &fh->handle;
}

void fake_host_set_secret(fake_host *fh, const char *name, const char *value)
{
    kv_set(&fh->secrets, &fh->n_secrets, &fh->cap_secrets, name, value);
}

void fake_host_set_config(fake_host *fh, const char *key, const char *value)
{
    kv_set(&fh->config, &fh->n_config, &fh->cap_config, key, value);
}

/* ------------------------------------------------------------------------------------
 * test side: clock
 * ---------------------------------------------------------------------------------- */

void fake_host_set_wall_ms(fake_host *fh, int64_t ms)
{
    fh->wall_base_ms = ms - (int64_t)fh->mono_ms;
}

uint64_t fake_host_now_ms(const fake_host *fh)
{
    return fh->mono_ms;
}

/* Deliver what the host would do "on the next loop turn": final ws closes and (in
 * deferred mode) cancelled calls. Callbacks may queue more; those run too. */
static void run_deferred(fake_host *fh)
{
    size_t i = 0;
    while (i < fh->n_defers) {
        deferred d = fh->defers[i++];
        if (d.kind == DEFER_WS_CLOSED) {
            struct sqt_ws *w = d.obj;
            w->final_delivered = 1;
            if (w->cbs.on_closed != NULL)
                w->cbs.on_closed(w->ud, w);
        } else {
            deliver_cancelled(d.obj);
        }
    }
    fh->n_defers = 0;
}

static sqt_timer *next_due(fake_host *fh, uint64_t until)
{
    sqt_timer *best = NULL;
    size_t i;
    for (i = 0; i < fh->n_timers; i++) {
        sqt_timer *t = fh->timers[i];
        if (!t->active || t->due_ms > until)
            continue;
        if (best == NULL || t->due_ms < best->due_ms ||
            (t->due_ms == best->due_ms && t->order < best->order))
            best = t;
    }
    return best;
}

static sqt_timer *timer_by_id(fake_host *fh, uint64_t id)
{
    size_t i;
    for (i = 0; i < fh->n_timers; i++)
        if (fh->timers[i]->id == id)
            return fh->timers[i];
    return NULL;
}

static void timer_release(fake_host *fh, sqt_timer *t)
{
    size_t i;
    for (i = 0; i < fh->n_timers; i++) {
        if (fh->timers[i] == t) {
            fh->timers[i] = fh->timers[fh->n_timers - 1];
            fh->n_timers--;
            free(t);
            return;
        }
    }
}

int fake_host_advance(fake_host *fh, uint64_t ms)
{
    uint64_t until = fh->mono_ms + ms;
    int fired = 0;
    sqt_timer *t;
    run_deferred(fh);
    while ((t = next_due(fh, until)) != NULL) {
        sqt_timer_cb cb = t->cb;
        void *ud = t->ud;
        uint64_t id = t->id;
        int one_shot = t->repeat_ms == 0;
        if (t->due_ms > fh->mono_ms)
            fh->mono_ms = t->due_ms;
        /* reschedule before the call: the callback may stop (free) its own timer */
        if (!one_shot) {
            t->due_ms = fh->mono_ms + t->repeat_ms;
            t->order = fh->timer_order++;
        }
        t->active = one_shot ? 0 : 1;
        cb(ud);
        fired++;
        /* like the real host (setTimeout semantics): a one-shot is released after its
         * callback unless the callback stopped it already; found by id, not pointer, since
         * the callback may have freed it and started another at the same address */
        if (one_shot && (t = timer_by_id(fh, id)) != NULL)
            timer_release(fh, t);
        run_deferred(fh);
    }
    fh->mono_ms = until;
    return fired;
}

size_t fake_host_active_timers(const fake_host *fh)
{
    size_t i, n = 0;
    for (i = 0; i < fh->n_timers; i++)
        n += fh->timers[i]->active != 0;
    return n;
}

/* ------------------------------------------------------------------------------------
 * test side: HTTP
 * ---------------------------------------------------------------------------------- */

size_t fake_host_http_pending(const fake_host *fh)
{
    return fh->n_pending;
}

fake_http *fake_host_http_at(fake_host *fh, size_t i)
{
    return i < fh->n_pending ? &fh->pending[i]->pub : NULL;
}

size_t fake_host_http_total(const fake_host *fh)
{
    return fh->n_calls;
}

fake_http *fake_host_http_sent(fake_host *fh, size_t i)
{
    return i < fh->n_calls ? &fh->calls[i]->pub : NULL;
}

void fake_host_set_cancel_deferred(fake_host *fh, int deferred_mode)
{
    fh->cancel_deferred = deferred_mode != 0;
}

const char *fake_http_header(const fake_http *r, const char *name)
{
    size_t i;
    if (r == NULL || name == NULL)
        return NULL;
    for (i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->header_names[i], name) == 0)
            return r->header_values[i];
    return NULL;
}

/* Take the i-th pending call off the queue; NULL (and a message) when there is none. */
static struct sqt_http_call *take_pending(fake_host *fh, size_t i, const char *what)
{
    struct sqt_http_call *c;
    if (i >= fh->n_pending) {
        fprintf(stderr, "fake_host: %s: no pending request #%zu (%zu pending)\n", what, i,
                fh->n_pending);
        fh->misuse++;
        return NULL;
    }
    c = fh->pending[i];
    pending_remove(fh, i);
    c->state = CALL_DONE;
    c->pub.answered = 1;
    return c;
}

void fake_host_http_reply(fake_host *fh, size_t i, int status, const char *body,
                          const char *const *headers)
{
    struct sqt_http_call *c = take_pending(fh, i, "http_reply");
    sqt_http_response resp;
    sqt_header *hdrs = NULL;
    char **parts = NULL;
    size_t n = 0, k;
    if (c == NULL)
        return;
    while (headers != NULL && headers[n] != NULL)
        n++;
    hdrs = xrealloc(NULL, n * sizeof(*hdrs));
    parts = xrealloc(NULL, 2 * n * sizeof(char *));
    for (k = 0; k < n; k++) {
        const char *colon = strchr(headers[k], ':');
        const char *v;
        if (colon == NULL)
            colon = headers[k] + strlen(headers[k]);
        v = *colon ? colon + 1 : colon;
        while (*v == ' ' || *v == '\t')
            v++;
        parts[2 * k] = xstrndup(headers[k], (size_t)(colon - headers[k]));
        parts[2 * k + 1] = xstrdup(v);
        hdrs[k].name = parts[2 * k];
        hdrs[k].value = parts[2 * k + 1];
    }
    memset(&resp, 0, sizeof(resp));
    resp.status = status;
    resp.headers = hdrs;
    resp.n_headers = n;
    resp.body = body != NULL ? body : "";
    resp.body_len = strlen(resp.body);
    resp.err.code = SQT_OK;
    resp.err.http_status = status;
    c->cb(c->ud, &resp);
    for (k = 0; k < 2 * n; k++)
        free(parts[k]);
    free(parts);
    free(hdrs);
}

void fake_host_http_fail(fake_host *fh, size_t i, int sqt_code)
{
    struct sqt_http_call *c = take_pending(fh, i, "http_fail");
    sqt_http_response resp;
    if (c == NULL)
        return;
    memset(&resp, 0, sizeof(resp));
    resp.body = "";
    resp.err.code = sqt_code;
    snprintf(resp.err.message, sizeof(resp.err.message), "fake transport failure: %s",
             sqt_strerror(sqt_code));
    c->cb(c->ud, &resp);
}

/* ------------------------------------------------------------------------------------
 * test side: WebSocket
 * ---------------------------------------------------------------------------------- */

size_t fake_host_ws_count(const fake_host *fh)
{
    return fh->n_ws;
}

fake_ws *fake_host_ws_at(fake_host *fh, size_t i)
{
    return i < fh->n_ws ? &fh->ws[i]->pub : NULL;
}

/* The i-th connection if the host could still deliver events on it. */
static struct sqt_ws *live_ws(fake_host *fh, size_t i, const char *what)
{
    struct sqt_ws *w;
    if (i >= fh->n_ws) {
        fprintf(stderr, "fake_host: %s: no WebSocket #%zu\n", what, i);
        fh->misuse++;
        return NULL;
    }
    w = fh->ws[i];
    if (w->pub.closed || w->final_delivered)
        return NULL; /* the real host drops events after close: so do we */
    return w;
}

void fake_host_ws_connect(fake_host *fh, size_t i)
{
    struct sqt_ws *w = live_ws(fh, i, "ws_connect");
    if (w == NULL || w->pub.open)
        return;
    w->pub.open = 1;
    if (w->cbs.on_open != NULL)
        w->cbs.on_open(w->ud, w);
}

void fake_host_ws_message(fake_host *fh, size_t i, const char *text)
{
    struct sqt_ws *w = live_ws(fh, i, "ws_message");
    if (w == NULL || !w->pub.open || text == NULL)
        return;
    if (w->cbs.on_message != NULL)
        w->cbs.on_message(w->ud, w, text, strlen(text), 0);
}

void fake_host_ws_drop(fake_host *fh, size_t i)
{
    struct sqt_ws *w = live_ws(fh, i, "ws_drop");
    sqt_error why;
    if (w == NULL || !w->pub.open)
        return;
    w->pub.open = 0;
    memset(&why, 0, sizeof(why));
    why.code = SQT_ENETWORK;
    snprintf(why.message, sizeof(why.message), "fake connection drop");
    if (w->cbs.on_down != NULL)
        w->cbs.on_down(w->ud, w, &why);
}

void fake_host_ws_give_up(fake_host *fh, size_t i)
{
    struct sqt_ws *w = live_ws(fh, i, "ws_give_up");
    if (w == NULL)
        return;
    if (w->pub.open)
        fake_host_ws_drop(fh, i);
    if (w->pub.closed || w->final_delivered) /* the plugin closed it from on_down */
        return;
    w->pub.open = 0;
    w->final_delivered = 1;
    if (w->cbs.on_closed != NULL)
        w->cbs.on_closed(w->ud, w);
}

void fake_host_set_ws_close_delay(fake_host *fh, uint64_t ms)
{
    fh->ws_close_delay_ms = ms;
}

int fake_host_ws_finished(const fake_host *fh, size_t i)
{
    return i < fh->n_ws && fh->ws[i]->final_delivered;
}

const sqt_ws_options *fake_host_ws_options(const fake_host *fh, size_t i)
{
    return i < fh->n_ws ? &fh->ws[i]->opt : NULL;
}

/* ------------------------------------------------------------------------------------
 * test side: log, rate usage, misuse
 * ---------------------------------------------------------------------------------- */

size_t fake_host_log_count(const fake_host *fh)
{
    return fh->n_logs;
}

const char *fake_host_log_at(const fake_host *fh, size_t i)
{
    return i < fh->n_logs ? fh->logs[i] : NULL;
}

int fake_host_log_contains(const fake_host *fh, const char *needle)
{
    size_t i;
    if (needle == NULL)
        return 0;
    for (i = 0; i < fh->n_logs; i++)
        if (strstr(fh->logs[i], needle) != NULL)
            return 1;
    return 0;
}

sqt_rate_usage fake_host_last_rate_usage(const fake_host *fh)
{
    return fh->rate;
}

size_t fake_host_rate_usage_count(const fake_host *fh)
{
    return fh->n_rate;
}

int fake_host_misuse_count(const fake_host *fh)
{
    return fh->misuse;
}
