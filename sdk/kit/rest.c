/* The signed-REST engine (pluginkit.h): calls in flight, the server-time offset with
 * parking and one clock retry, the ban, and the outcome of every call. What an exchange
 * signs and how it answers comes from its dialect table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/pluginkit.h>

static int64_t wall(sqt_kit_rest *r)
{
    return r->api->wall_ms(r->host);
}

static void logf_(sqt_kit_rest *r, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void logf_(sqt_kit_rest *r, int level, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    r->api->log(r->host, level, line);
}

SQT_HOT int sqt_kit_wire_header(sqt_kit_wire *w, const char *name, const char *value)
{
    size_t n;
    if (name == NULL || value == NULL)
        return SQT_EINVAL;
    n = strlen(value) + 1;
    if (w->n_headers >= SQT_KIT_WIRE_HEADERS || n > sizeof(w->store) - w->store_len)
        return SQT_ERANGE;
    memcpy(w->store + w->store_len, value, n);
    w->headers[w->n_headers].name = name;
    w->headers[w->n_headers++].value = w->store + w->store_len;
    w->store_len += n;
    return SQT_OK;
}

int sqt_kit_wire_headers(sqt_kit_wire *w, const sqt_header *h, size_t n)
{
    size_t i;
    int rc = SQT_OK;
    for (i = 0; i < n && rc == SQT_OK; i++)
        if (h[i].value != NULL)
            rc = sqt_kit_wire_header(w, h[i].name, h[i].value);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * call records
 * ---------------------------------------------------------------------------------- */

/* A call and its query and body texts in one allocation (one malloc per request, not
 * three). */
static size_t text_size(const char *s)
{
    return s != NULL && s[0] != '\0' ? strlen(s) + 1 : 0;
}

static char *text_at(char *at, const char *s, size_t n)
{
    if (n == 0)
        return NULL;
    memcpy(at, s, n);
    return at;
}

static void call_free(sqt_kit_call *c)
{
    free(c);
}

SQT_HOT static sqt_kit_call *call_new(sqt_kit_rest *r, const sqt_kit_rest_req *q)
{
    size_t qn = text_size(q->query), bn = text_size(q->body);
    sqt_kit_call *c;
    if (qn + bn > ((size_t)-1) / 2 || (c = malloc(sizeof(*c) + qn + bn)) == NULL)
        return NULL;
    memset(c, 0, sizeof(*c)); /* the texts after it are written in full */
    c->query = text_at((char *)(c + 1), q->query, qn);
    c->body = text_at((char *)(c + 1) + qn, q->body, bn);
    c->rest = r;
    c->owner = r->owner;
    c->method = q->method;
    c->path = q->path;
    c->auth = q->auth;
    c->mutating = q->mutating;
    c->done = q->done;
    c->ctx = q->ctx;
    sqt_kit_reqs_add(&r->reqs, &c->link);
    return c;
}

static void call_drop(sqt_kit_call *c)
{
    sqt_kit_reqs_remove(&c->rest->reqs, &c->link);
    call_free(c);
}

/* Complete c: its operation hears the outcome, then c is gone. */
static void call_finish(sqt_kit_call *c, const sqt_kit_answer *a)
{
    sqt_kit_rest *r = c->rest;
    sqt_kit_reqs_remove(&r->reqs, &c->link);
    c->done(c, a);
    call_free(c);
    if (r->d->on_finish != NULL)
        r->d->on_finish(r->owner);
}

static void finish_with(sqt_kit_call *c, int code, const char *msg)
{
    sqt_kit_answer a;
    memset(&a, 0, sizeof(a));
    sqt_kit_fail(&a.err, code, "%s", msg);
    call_finish(c, &a);
}

/* ------------------------------------------------------------------------------------
 * sending
 * ---------------------------------------------------------------------------------- */

static void on_http(void *ud, const sqt_http_response *resp);
static int clock_sync_start(sqt_kit_rest *r);

/* What a dialect's prepare adds to a call's parameters (recvWindow, timestamp and a
 * signature: the query's reserve counts 3 bytes per value byte, 204 for a hex SHA-256)
 * fits in this much room, so a scratch text that has grown once does not grow again. */
#define WIRE_ROOM 320

/* q, a scratch text kept from the last request, now holds `text` (n bytes) and room for
 * `room` more. Out of memory sticks in q->err, as for any query. */
static void scratch_set(sqt_kit_query *q, const char *text, size_t n, size_t room)
{
    q->len = 0;
    q->err = 0;
    if (q->buf != NULL)
        q->buf[0] = '\0';
    if (n + room + 1 > q->cap) {
        char *p = realloc(q->buf, n + room + 1);
        if (p == NULL) {
            q->err = SQT_ENOMEM;
            return;
        }
        q->buf = p;
        q->cap = n + room + 1;
    }
    memcpy(q->buf, text, n);
    q->buf[n] = '\0';
    q->len = n;
}

/* c's request as the wire carries it, prepared with the current clock offset, into *hr.
 * The wire and the URL are the engine's scratch (r->wire, r->url): the host copies the
 * request and never answers inside http_request, and prepare sends nothing, so one
 * request at a time uses them; wire_wipe ends each use. */
SQT_HOT static int wire_build(sqt_kit_call *c, sqt_http_request *hr)
{
    sqt_kit_rest *r = c->rest;
    sqt_kit_wire *w = &r->wire;
    sqt_kit_query *url = &r->url;
    size_t bl, pl;
    int rc;
    w->n_headers = 0;
    w->store_len = 0;
    /* a dialect signs the parameters the call has, or the query of one without */
    if (c->query != NULL || c->body == NULL)
        scratch_set(&w->query, c->query != NULL ? c->query : "",
                    c->query != NULL ? strlen(c->query) : 0, WIRE_ROOM);
    else
        scratch_set(&w->query, "", 0, 0);
    if (c->body != NULL)
        scratch_set(&w->body, c->body, strlen(c->body), WIRE_ROOM);
    else
        scratch_set(&w->body, "", 0, 0);
    c->sent_wall_ms = wall(r);
    if ((rc = r->d->prepare(r->owner, c, c->sent_wall_ms + r->offset_ms, w)) != SQT_OK)
        return rc;
    bl = strlen(r->base_url);
    pl = strlen(c->path);
    scratch_set(url, r->base_url, bl, pl + 1 + w->query.len);
    sqt_kit_query_raw(url, c->path, pl);
    if (w->query.len > 0) {
        sqt_kit_query_raw(url, "?", 1);
        sqt_kit_query_raw(url, sqt_kit_query_str(&w->query), w->query.len);
    }
    if (w->query.err || w->body.err || url->err)
        return url->err ? url->err : w->query.err ? w->query.err : w->body.err;
    memset(hr, 0, sizeof(*hr));
    hr->struct_size = sizeof(*hr);
    hr->method = c->method;
    hr->url = sqt_kit_query_str(url);
    hr->headers = w->headers;
    hr->n_headers = w->n_headers;
    if (w->body.len > 0) {
        hr->body = sqt_kit_query_str(&w->body);
        hr->body_len = w->body.len;
    }
    return SQT_OK;
}

/* The header values (the API key, a passphrase) do not stay in the scratch. */
SQT_HOT static void wire_wipe(sqt_kit_rest *r)
{
    sqt_kit_wire *w = &r->wire;
    memset(w->store, 0, w->store_len);
    w->store_len = 0;
    w->n_headers = 0;
}

/* Put c on the wire now. */
SQT_HOT static int call_issue(sqt_kit_call *c)
{
    sqt_kit_rest *r = c->rest;
    sqt_http_request hr;
    int rc = wire_build(c, &hr);
    if (rc == SQT_OK)
        rc = r->api->http_request(r->host, &hr, on_http, c, &c->link.call);
    wire_wipe(r);
    return rc;
}

/* Send now, or park behind the server-time measurement. */
static int call_dispatch(sqt_kit_call *c)
{
    sqt_kit_rest *r = c->rest;
    int rc;
    if ((rc = sqt_kit_rest_ban_check(r, c->path)) != SQT_OK)
        return rc;
    if (c->auth == SQT_KIT_AUTH_SIGNED && r->clock != SQT_KIT_CLOCK_KNOWN) {
        if (r->clock == SQT_KIT_CLOCK_UNKNOWN && clock_sync_start(r) != SQT_OK) {
            /* cannot measure: sign with the local clock, a clock refusal will tell */
            r->clock = SQT_KIT_CLOCK_KNOWN;
            return call_issue(c);
        }
        c->parked = 1;
        return SQT_OK;
    }
    return call_issue(c);
}

void sqt_kit_rest_init(sqt_kit_rest *r, const sqt_host_api *api, sqt_host *host,
                       const sqt_kit_rest_dialect *d, void *owner, const char *base_url)
{
    memset(r, 0, sizeof(*r));
    r->api = api;
    r->host = host;
    r->d = d;
    r->owner = owner;
    r->base_url = base_url;
}

SQT_HOT int sqt_kit_rest_send(sqt_kit_rest *r, const sqt_kit_rest_req *q)
{
    sqt_kit_call *c;
    int rc;
    if (q == NULL || q->method == NULL || q->path == NULL || q->done == NULL)
        return SQT_EINVAL;
    if (r->closing && !(q->at_shutdown && q->auth != SQT_KIT_AUTH_SIGNED))
        return SQT_ECANCELLED;
    if ((c = call_new(r, q)) == NULL)
        return SQT_ENOMEM;
    if ((rc = call_dispatch(c)) != SQT_OK)
        call_drop(c);
    return rc;
}

void sqt_kit_rest_warm(sqt_kit_rest *r, const sqt_kit_rest_req *q)
{
    sqt_kit_call c;
    sqt_http_request hr;
    if (q == NULL || q->method == NULL || q->path == NULL || r->closing || r->d == NULL)
        return;
    memset(&c, 0, sizeof(c)); /* never linked into r->reqs: no one else sees it */
    c.query = q->query != NULL && q->query[0] != '\0' ? q->query : NULL;
    c.body = q->body != NULL && q->body[0] != '\0' ? q->body : NULL;
    c.rest = r;
    c.owner = r->owner;
    c.method = q->method;
    c.path = q->path;
    c.auth = q->auth;
    c.mutating = q->mutating;
    (void)wire_build(&c, &hr); /* and no http_request */
    wire_wipe(r);
}

void sqt_kit_rest_warm_post(sqt_kit_rest *r, const char *path, const char *body)
{
    sqt_kit_rest_req q = sqt_kit_rest_req_of("POST", path, NULL, body, SQT_KIT_AUTH_SIGNED);
    q.mutating = 1;
    sqt_kit_rest_warm(r, &q);
}

size_t sqt_kit_warm_text(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

int64_t sqt_kit_rest_server_now(sqt_kit_rest *r)
{
    return wall(r) + r->offset_ms;
}

SQT_HOT int sqt_kit_rest_ban_check(sqt_kit_rest *r, const char *what)
{
    int64_t now;
    int log_now, rc;
    if (r->ban.until_ms <= 0)
        return SQT_OK; /* never banned: no clock to read on the order's way */
    now = wall(r);
    rc = sqt_kit_ban_check(&r->ban, now, &log_now);
    if (log_now)
        logf_(r, SQT_LOG_ERROR, "BANNED by %s until %lld (%lld s left): %s refused locally",
              r->d->name, (long long)r->ban.until_ms,
              (long long)((r->ban.until_ms - now + 999) / 1000), what);
    return rc;
}

int sqt_kit_rest_busy(const sqt_kit_rest *r)
{
    return r->reqs.head != NULL;
}

/* ------------------------------------------------------------------------------------
 * server time
 * ---------------------------------------------------------------------------------- */

static sqt_kit_call *first_parked(sqt_kit_rest *r)
{
    sqt_kit_req *l;
    for (l = r->reqs.head; l != NULL; l = l->next)
        if (((sqt_kit_call *)l)->parked)
            return (sqt_kit_call *)l;
    return NULL;
}

static void release_parked(sqt_kit_rest *r, int code, const char *why)
{
    sqt_kit_call *c;
    while ((c = first_parked(r)) != NULL) {
        int rc;
        c->parked = 0;
        if (code != SQT_OK)
            finish_with(c, code, why);
        else if ((rc = sqt_kit_rest_ban_check(r, c->path)) != SQT_OK) /* banned meanwhile */
            finish_with(c, rc, "banned by the exchange: refused locally");
        else if ((rc = call_issue(c)) != SQT_OK)
            finish_with(c, rc, "request could not be sent");
    }
}

static void clock_done(sqt_kit_call *c, const sqt_kit_answer *a)
{
    sqt_kit_rest *r = c->rest;
    int64_t server, now;
    sqt_error perr;
    memset(&perr, 0, sizeof(perr));
    if (a->err.code == SQT_ECANCELLED || r->closing) {
        r->clock = SQT_KIT_CLOCK_UNKNOWN;
        release_parked(r, SQT_ECANCELLED, "cancelled");
        return;
    }
    if (a->err.code == SQT_OK && r->d->parse_time(a->body, a->len, &server, &perr) == SQT_OK) {
        now = wall(r);
        /* the answer was made about half-way through the round trip */
        r->offset_ms = server - (c->sent_wall_ms + (now - c->sent_wall_ms) / 2);
        logf_(r, r->offset_ms > 1000 || r->offset_ms < -1000 ? SQT_LOG_WARN : SQT_LOG_INFO,
              "server time offset %lld ms (round trip %lld ms)", (long long)r->offset_ms,
              (long long)(now - c->sent_wall_ms));
    } else {
        logf_(r, SQT_LOG_WARN, "cannot read the server time (%s); signing with the local "
              "clock", a->err.code != SQT_OK ? a->err.message : perr.message);
    }
    r->clock = SQT_KIT_CLOCK_KNOWN;
    release_parked(r, SQT_OK, NULL);
}

static int clock_sync_start(sqt_kit_rest *r)
{
    sqt_kit_rest_req q;
    sqt_kit_call *c;
    int rc;
    memset(&q, 0, sizeof(q));
    q.method = "GET";
    q.path = r->d->time_path;
    q.done = clock_done;
    if ((c = call_new(r, &q)) == NULL)
        return SQT_ENOMEM;
    r->clock = SQT_KIT_CLOCK_SYNCING;
    if ((rc = call_issue(c)) != SQT_OK) {
        call_drop(c);
        r->clock = SQT_KIT_CLOCK_UNKNOWN;
    }
    return rc;
}

/* ------------------------------------------------------------------------------------
 * answers
 * ---------------------------------------------------------------------------------- */

static void ban_from(sqt_kit_rest *r, const sqt_error *e)
{
    int64_t now = wall(r);
    if (sqt_kit_ban_extend(&r->ban, now, e->retry_after_ms))
        logf_(r, SQT_LOG_ERROR, "BANNED by %s (HTTP %d, %s): every request is refused "
              "locally until %lld, %lld s from now",
              r->d->name, e->http_status, e->message, (long long)(now + e->retry_after_ms),
              (long long)(e->retry_after_ms / 1000));
}

/* 1 when c was sent again after a clock refusal (its answer comes later). */
static int clock_retry(sqt_kit_call *c, sqt_kit_answer *a)
{
    sqt_kit_rest *r = c->rest;
    int rc;
    if (r->clock == SQT_KIT_CLOCK_KNOWN)
        r->clock = SQT_KIT_CLOCK_UNKNOWN; /* the next signed call re-measures */
    if (c->auth != SQT_KIT_AUTH_SIGNED || c->clock_retried || r->closing)
        return 0;
    if (r->d->clock_refusal != NULL && !r->d->clock_refusal(r->owner, &a->err))
        return 0;
    c->clock_retried = 1;
    logf_(r, SQT_LOG_WARN, "%s on %s %s: re-measuring server time, retrying once",
          a->err.exch_code[0] != '\0' ? a->err.exch_code : "timestamp refused", c->method,
          c->path);
    if ((rc = call_dispatch(c)) == SQT_OK)
        return 1;
    a->err.code = rc;
    return 0;
}

static void on_http(void *ud, const sqt_http_response *resp)
{
    sqt_kit_call *c = ud;
    sqt_kit_rest *r = c->rest;
    sqt_kit_answer a;
    memset(&a, 0, sizeof(a));
    c->link.call = NULL;
    if (resp->err.code != SQT_OK) {
        a.err = resp->err;
        if (c->mutating && resp->err.code == SQT_ETIMEOUT)
            sqt_kit_fail(&a.err, SQT_EUNKNOWN_STATUS, "timed out after sending: outcome "
                         "unknown");
        call_finish(c, &a);
        return;
    }
    a.status = resp->status;
    a.body = resp->body != NULL ? resp->body : "";
    a.len = resp->body != NULL ? resp->body_len : 0;
    r->d->classify(r->owner, c, resp, wall(r), &a.err);
    if (a.err.code == SQT_EBANNED)
        ban_from(r, &a.err);
    if (r->d->on_answer != NULL)
        r->d->on_answer(r->owner, c, resp, &a.err);
    if (a.err.code == SQT_ETIMESTAMP && clock_retry(c, &a))
        return;
    call_finish(c, &a);
}

/* A call parked behind the server-time measurement was never sent. */
static void cancel_parked(sqt_kit_req *link, void *ud)
{
    (void)ud;
    finish_with((sqt_kit_call *)link, SQT_ECANCELLED, "cancelled (shutdown)");
}

void sqt_kit_rest_cancel_all(sqt_kit_rest *r)
{
    r->closing = 1;
    sqt_kit_reqs_cancel_all(&r->reqs, r->api, r->host, cancel_parked, NULL);
}

void sqt_kit_rest_free_all(sqt_kit_rest *r)
{
    while (r->reqs.head != NULL) {
        sqt_kit_call *c = (sqt_kit_call *)r->reqs.head;
        free(c->ctx);
        call_drop(c);
    }
    sqt_kit_query_free(&r->wire.query);
    sqt_kit_query_free(&r->wire.body);
    sqt_kit_query_free(&r->url);
}
