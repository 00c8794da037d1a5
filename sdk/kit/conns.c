/* The set of stream connections (pluginkit.h): state reporting, resubscription through
 * the plugin's on_open, and make-before-break rotation at a maximum age. */
#include <opensqt/pluginkit.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_open(void *ud, sqt_ws *ws);
static void on_message(void *ud, sqt_ws *ws, const char *data, size_t len, int is_binary);
static void on_down(void *ud, sqt_ws *ws, const sqt_error *why);
static void on_closed(void *ud, sqt_ws *ws);

static const sqt_ws_callbacks ws_cbs = {sizeof(sqt_ws_callbacks), on_open, on_message, on_down,
                                        on_closed};

static void logf_(sqt_kit_conns *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_(sqt_kit_conns *s, int level, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (s->hooks->log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->hooks->log(s->owner, level, msg);
}

static const char *name_of(const sqt_kit_conn *c)
{
    return c->set->hooks->name != NULL ? c->set->hooks->name(c->kind) : "stream";
}

static void timer_clear(sqt_kit_conns *s, sqt_timer **t)
{
    if (*t != NULL) {
        s->api->timer_stop(s->host, *t);
        *t = NULL;
    }
}

void sqt_kit_conns_init(sqt_kit_conns *s, const sqt_host_api *api, sqt_host *host,
                        const sqt_kit_conn_hooks *hooks, void *owner, uint64_t max_age_ms,
                        uint64_t switch_ms, uint64_t retry_ms)
{
    memset(s, 0, sizeof(*s));
    s->api = api;
    s->host = host;
    s->hooks = hooks;
    s->owner = owner;
    s->max_age_ms = max_age_ms;
    s->switch_ms = switch_ms;
    s->retry_ms = retry_ms;
}

void sqt_kit_conns_state(sqt_kit_conns *s, int kind, sqt_stream_state st, const sqt_error *err)
{
    if (!s->closing && s->hooks->on_state != NULL)
        s->hooks->on_state(s->owner, kind, st, err);
}

/* Forget the pairing with a successor or with the connection c was to replace. */
static void unpair(sqt_kit_conn *c)
{
    if (c->successor != NULL) {
        c->successor->replaces = NULL;
        c->successor = NULL;
    }
    if (c->replaces != NULL) {
        c->replaces->successor = NULL;
        c->replaces = NULL;
    }
}

static void conn_free(sqt_kit_conn *c)
{
    sqt_kit_conns *s = c->set;
    timer_clear(s, &c->age_timer);
    timer_clear(s, &c->switch_timer);
    unpair(c);
    if (s->hooks->release != NULL)
        s->hooks->release(s->owner, c);
    free(c->url);
    free(c);
}

static void unlink_(sqt_kit_conns *s, sqt_kit_conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else if (s->head == c)
        s->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

static void gone(sqt_kit_conns *s)
{
    if (s->hooks->on_gone != NULL)
        s->hooks->on_gone(s->owner);
}

/* A new record of kind on url, opened at the host and linked; NULL with *rc on failure. */
static sqt_kit_conn *conn_start(sqt_kit_conns *s, int kind, const char *url, uint32_t stale_ms,
                                const sqt_kit_conn *from, int *rc)
{
    sqt_kit_conn *c;
    sqt_ws_options opt;
    size_t size = s->hooks->conn_size >= sizeof(*c) ? s->hooks->conn_size : sizeof(*c);
    if (kind < 0 || kind >= SQT_KIT_CONN_KINDS || url == NULL) {
        *rc = SQT_EINVAL;
        return NULL;
    }
    if ((c = calloc(1, size)) == NULL || (c->url = strdup(url)) == NULL) {
        free(c);
        *rc = SQT_ENOMEM;
        return NULL;
    }
    c->set = s;
    c->kind = kind;
    c->stale_ms = stale_ms;
    if (from != NULL && s->hooks->dup != NULL && (*rc = s->hooks->dup(s->owner, from, c)) != 0) {
        free(c->url);
        free(c);
        return NULL;
    }
    memset(&opt, 0, sizeof(opt));
    opt.struct_size = sizeof(opt);
    opt.url = url;
    opt.stale_timeout_ms = stale_ms;
    opt.headers = s->ws_headers;
    opt.n_headers = s->ws_headers != NULL ? s->n_ws_headers : 0;
    opt.app_ping_text = s->app_ping_text;
    opt.app_ping_interval_ms = s->app_ping_text != NULL ? s->app_ping_ms : 0;
    opt.flags = s->ws_flags[kind];
    if ((*rc = s->api->ws_open(s->host, &opt, &ws_cbs, c, &c->ws)) != SQT_OK) {
        conn_free(c);
        return NULL;
    }
    c->next = s->head;
    if (s->head != NULL)
        s->head->prev = c;
    s->head = c;
    return c;
}

int sqt_kit_conn_open(sqt_kit_conns *s, int kind, const char *url, uint32_t stale_ms,
                      sqt_kit_conn **out)
{
    int rc = SQT_OK;
    sqt_kit_conn *c;
    if (s->closing)
        return SQT_ESTATE;
    if ((c = conn_start(s, kind, url, stale_ms, NULL, &rc)) == NULL)
        return rc;
    s->current[kind] = c;
    if (out != NULL)
        *out = c;
    return SQT_OK;
}

void sqt_kit_conn_close(sqt_kit_conn *c)
{
    sqt_kit_conns *s = c->set;
    if (c->closing)
        return;
    c->closing = 1;
    timer_clear(s, &c->age_timer);
    timer_clear(s, &c->switch_timer);
    if (c->successor != NULL) { /* a successor is useless without its subscription */
        sqt_kit_conn *n = c->successor;
        unpair(c);
        sqt_kit_conn_close(n);
    }
    unpair(c);
    if (s->current[c->kind] == c)
        s->current[c->kind] = NULL;
    if (s->api->ws_close(s->host, c->ws) != SQT_OK) {
        /* no on_closed will come: forget it now */
        unlink_(s, c);
        conn_free(c);
        gone(s);
    }
}

static void retire_fired(void *ud)
{
    sqt_kit_conn *c = ud;
    c->switch_timer = NULL; /* one-shot: released by the host */
    sqt_kit_conn_close(c);
}

/* A successor is UP: it becomes the connection and the old one goes (after the kind's
 * overlap, so a push the exchange sent there before the switch is still read). The sink
 * saw UP from the old one unless that one dropped meanwhile (then DOWN: UP now). */
static void promote(sqt_kit_conn *c)
{
    sqt_kit_conn *old = c->replaces;
    sqt_kit_conns *s = c->set;
    int was_up = old->up;
    uint64_t overlap = s->overlap_ms[c->kind];
    unpair(c);
    timer_clear(s, &c->switch_timer);
    s->current[c->kind] = c;
    old->up = 0;
    timer_clear(s, &old->age_timer);
    timer_clear(s, &old->switch_timer);
    if (overlap == 0 || !old->connected ||
        s->api->timer_start(s->host, overlap, 0, retire_fired, old, &old->switch_timer) !=
            SQT_OK) {
        old->switch_timer = NULL;
        sqt_kit_conn_close(old);
    }
    logf_(s, SQT_LOG_INFO, "%s: switched to the new connection, old one %s", name_of(c),
          old->closing ? "closed" : "closes shortly");
    if (!was_up)
        sqt_kit_conns_state(s, c->kind, SQT_STREAM_UP, NULL);
}

SQT_HOT void sqt_kit_conn_up(sqt_kit_conn *c)
{
    if (c->up || c->closing)
        return;
    c->up = 1;
    if (c->replaces != NULL)
        promote(c);
    else
        sqt_kit_conns_state(c->set, c->kind, SQT_STREAM_UP, NULL);
}

/* ---- rotation --------------------------------------------------------------------------- */

static void age_start(sqt_kit_conn *c, uint64_t ms);

/* The successor did not come UP in time: drop it, keep the old one, try again later. */
static void switch_fired(void *ud)
{
    sqt_kit_conn *c = ud;
    sqt_kit_conn *old = c->replaces;
    sqt_kit_conns *s = c->set;
    c->switch_timer = NULL; /* one-shot: released by the host */
    if (old == NULL || s->closing)
        return;
    logf_(s, SQT_LOG_WARN, "%s: the new connection is not up after %llu s: keeping the old "
          "one, trying again in %llu s", name_of(c), (unsigned long long)(s->switch_ms / 1000),
          (unsigned long long)(s->retry_ms / 1000));
    sqt_kit_conn_close(c);
    if (old->connected)
        age_start(old, s->retry_ms);
}

void sqt_kit_conn_rotate(sqt_kit_conn *old)
{
    sqt_kit_conns *s = old->set;
    sqt_kit_conn *c;
    int rc = SQT_OK;
    if (s->closing || old->closing || !old->connected || old->successor != NULL)
        return;
    c = conn_start(s, old->kind, old->url, old->stale_ms, old, &rc);
    if (c != NULL && (rc = s->api->timer_start(s->host, s->switch_ms, 0, switch_fired, c,
                                               &c->switch_timer)) != SQT_OK) {
        c->switch_timer = NULL;
        sqt_kit_conn_close(c); /* without the bound a successor that never comes up lingers */
        c = NULL;
    }
    if (c == NULL) {
        logf_(s, SQT_LOG_WARN, "%s: cannot open the new connection (%s): trying again in %llu s",
              name_of(old), sqt_strerror(rc), (unsigned long long)(s->retry_ms / 1000));
        age_start(old, s->retry_ms);
        return;
    }
    c->replaces = old;
    old->successor = c;
}

static void age_fired(void *ud)
{
    sqt_kit_conn *c = ud;
    sqt_kit_conns *s = c->set;
    c->age_timer = NULL; /* one-shot: released by the host */
    if (s->closing || c->closing || !c->connected || c->successor != NULL ||
        s->current[c->kind] != c)
        return;
    logf_(s, SQT_LOG_INFO, "%s: connection is %llu min old: replacing it before the exchange "
          "ends it", name_of(c),
          (unsigned long long)((s->api->wall_ms(s->host) - c->opened_ms) / 60000));
    if (s->hooks->on_age == NULL || s->hooks->on_age(s->owner, c))
        sqt_kit_conn_rotate(c);
}

/* (Re)arm c's age timer: the full age at on_open, a retry delay after a failed switch. */
static void age_start(sqt_kit_conn *c, uint64_t ms)
{
    sqt_kit_conns *s = c->set;
    timer_clear(s, &c->age_timer);
    if (s->closing || c->closing || s->max_age_ms == 0)
        return;
    if (s->api->timer_start(s->host, ms, 0, age_fired, c, &c->age_timer) != SQT_OK) {
        c->age_timer = NULL;
        logf_(s, SQT_LOG_WARN, "%s: cannot start the connection age timer: the exchange will "
              "end the connection", name_of(c));
    }
}

/* ---- the host's WebSocket callbacks ------------------------------------------------------ */

static void on_open(void *ud, sqt_ws *ws)
{
    sqt_kit_conn *c = ud;
    sqt_kit_conns *s = c->set;
    (void)ws;
    if (c->closing || s->closing)
        return;
    c->opens++;
    c->acks = 0;
    c->up = 0;
    c->connected = 1;
    c->opened_ms = s->api->wall_ms(s->host);
    age_start(c, s->max_age_ms);
    if (s->hooks->on_open != NULL)
        s->hooks->on_open(s->owner, c);
}

SQT_HOT static void on_message(void *ud, sqt_ws *ws, const char *data, size_t len, int is_binary)
{
    sqt_kit_conn *c = ud;
    (void)ws;
    if (c->closing || c->set->closing || is_binary || data == NULL)
        return;
    if (c->set->hooks->on_message != NULL)
        c->set->hooks->on_message(c->set->owner, c, data, len);
}

static void on_down(void *ud, sqt_ws *ws, const sqt_error *why)
{
    sqt_kit_conn *c = ud;
    sqt_kit_conns *s = c->set;
    (void)ws;
    if (c->closing)
        return;
    c->connected = 0;
    c->acks = 0;
    c->drops++;
    timer_clear(s, &c->age_timer); /* the next on_open starts a new connection's age */
    if (c->up) {
        c->up = 0;
        sqt_kit_conns_state(s, c->kind, SQT_STREAM_DOWN, why);
    }
    if (s->hooks->on_down != NULL)
        s->hooks->on_down(s->owner, c);
}

static void on_closed(void *ud, sqt_ws *ws)
{
    sqt_kit_conn *c = ud;
    sqt_kit_conns *s = c->set;
    (void)ws;
    unlink_(s, c);
    if (s->current[c->kind] == c) {
        s->current[c->kind] = NULL;
        if (!c->closing) { /* the host gave up on it */
            sqt_error e;
            memset(&e, 0, sizeof(e));
            e.code = SQT_ENETWORK;
            snprintf(e.message, sizeof(e.message), "stream connection given up by the host");
            sqt_kit_conns_state(s, c->kind, SQT_STREAM_FAILED, &e);
            if (c->successor != NULL) /* FAILED: no more data, from either */
                sqt_kit_conn_close(c->successor);
        }
    } else if (c->replaces != NULL && !c->closing) {
        /* the host gave up on a successor: as if it had not come up in time */
        sqt_kit_conn *old = c->replaces;
        unpair(c);
        if (old->connected)
            age_start(old, s->retry_ms);
    }
    conn_free(c);
    gone(s);
}

void sqt_kit_conns_close_all(sqt_kit_conns *s)
{
    sqt_kit_conn *c;
    s->closing = 1;
    memset(s->current, 0, sizeof(s->current));
    for (;;) {
        /* restart each time: a failed ws_close frees the connection at once */
        for (c = s->head; c != NULL && c->closing; c = c->next)
            ;
        if (c == NULL)
            return;
        sqt_kit_conn_close(c);
    }
}

void sqt_kit_conns_free_all(sqt_kit_conns *s)
{
    while (s->head != NULL) {
        sqt_kit_conn *c = s->head;
        unlink_(s, c);
        conn_free(c);
    }
}

int sqt_kit_conn_send_json(sqt_kit_conn *c, json_t *msg)
{
    char *text = msg != NULL ? json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    int rc = SQT_ENOMEM;
    if (text != NULL)
        rc = c->set->api->ws_send(c->set->host, c->ws, text, strlen(text), 0);
    free(text);
    json_decref(msg);
    return rc;
}
