/* The Binance REST engine: builds and signs each call at the moment it is sent, keeps
 * the server-time offset (measured before the first signed call, re-measured on -1021),
 * honours bans locally, reports rate-limit headers and classifies every answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bn.h"

static void req_unlink(sqt_exchange *ex, bn_req *r)
{
    sqt_kit_reqs_remove(&ex->reqs, &r->link);
}

static void req_free(bn_req *r)
{
    free(r->params);
    free(r);
}

/* Complete r: hand the outcome to its operation, then forget it. */
static void req_finish(bn_req *r, const bn_resp *res)
{
    sqt_exchange *ex = r->ex;
    req_unlink(ex, r);
    r->done(r, res);
    req_free(r);
    sqt_bn_check_drained(ex);
}

static void finish_with(bn_req *r, int code, const char *msg)
{
    bn_resp res;
    memset(&res, 0, sizeof(res));
    res.err.code = code;
    snprintf(res.err.message, sizeof(res.err.message), "%s", msg);
    req_finish(r, &res);
}

int64_t sqt_bn_server_now(sqt_exchange *ex)
{
    return sqt_bn_wall(ex) + ex->time_offset_ms;
}

int sqt_bn_ban_check(sqt_exchange *ex, const char *what)
{
    int64_t now = sqt_bn_wall(ex);
    int log_now, rc = sqt_kit_ban_check(&ex->ban, now, &log_now);
    if (log_now)
        sqt_bn_logf(ex, SQT_LOG_ERROR,
                    "BANNED by Binance until %lld (%lld s left): %s refused locally",
                    (long long)ex->ban.until_ms,
                    (long long)((ex->ban.until_ms - now + 999) / 1000), what);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * rate-limit headers
 * ---------------------------------------------------------------------------------- */

static const char *header(const sqt_http_response *resp, const char *name)
{
    return sqt_kit_header(resp->headers, resp->n_headers, name);
}

static void report_usage(sqt_exchange *ex, const sqt_http_response *resp, int force)
{
    sqt_rate_usage u;
    int32_t o1m = sqt_kit_header_int(header(resp, "X-MBX-ORDER-COUNT-1M"));
    int32_t o10s = sqt_kit_header_int(header(resp, "X-MBX-ORDER-COUNT-10S"));
    u.used_weight = sqt_kit_header_int(header(resp, "X-MBX-USED-WEIGHT-1M"));
    u.weight_limit = ex->limits.weight_1m;
    /* one order window fits the struct: the minute one, else the 10-second one */
    if (o1m >= 0) {
        u.order_count = o1m;
        u.order_limit = ex->limits.orders_1m;
    } else {
        u.order_count = o10s;
        u.order_limit = o10s >= 0 ? ex->limits.orders_10s : -1;
    }
    u.banned_until_ms = ex->ban.until_ms > sqt_bn_wall(ex) ? ex->ban.until_ms : 0;
    if (force || u.used_weight >= 0 || u.order_count >= 0)
        ex->api->rate_usage(ex->host, &u);
}

/* ------------------------------------------------------------------------------------
 * sending
 * ---------------------------------------------------------------------------------- */

static void on_http(void *ud, const sqt_http_response *resp);
static int time_sync_start(sqt_exchange *ex);

static int is_query_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "DELETE") == 0;
}

/* Put r on the wire now, signed with the current clock offset. */
static int req_issue(bn_req *r)
{
    sqt_exchange *ex = r->ex;
    sqt_bn_query q, url;
    sqt_http_request hr;
    sqt_header hdrs[2];
    size_t nh = 0;
    int rc;
    sqt_bn_query_init(&q);
    sqt_bn_query_init(&url);
    if (r->params != NULL)
        sqt_bn_query_raw(&q, r->params, strlen(r->params));
    r->sent_wall_ms = sqt_bn_wall(ex);
    if (r->auth == BN_AUTH_SIGNED) {
        sqt_bn_query_add_int(&q, "recvWindow", ex->recv_window);
        sqt_bn_query_add_int(&q, "timestamp", (long long)(r->sent_wall_ms + ex->time_offset_ms));
        if ((rc = sqt_bn_query_sign_key(&q, ex->mac)) != SQT_OK)
            goto out;
    }
    sqt_bn_query_raw(&url, ex->rest_url, strlen(ex->rest_url));
    sqt_bn_query_raw(&url, r->path, strlen(r->path));
    if (is_query_method(r->method) && q.len > 0) {
        sqt_bn_query_raw(&url, "?", 1);
        sqt_bn_query_raw(&url, sqt_bn_query_str(&q), q.len);
    }
    if (q.err || url.err) {
        rc = SQT_ENOMEM;
        goto out;
    }
    if (r->auth != BN_AUTH_NONE) {
        hdrs[nh].name = "X-MBX-APIKEY";
        hdrs[nh++].value = ex->api_key;
    }
    memset(&hr, 0, sizeof(hr));
    hr.struct_size = sizeof(hr);
    hr.method = r->method;
    hr.url = sqt_bn_query_str(&url);
    if (!is_query_method(r->method) && q.len > 0) {
        hdrs[nh].name = "Content-Type";
        hdrs[nh++].value = "application/x-www-form-urlencoded";
        hr.body = sqt_bn_query_str(&q);
        hr.body_len = q.len;
    }
    hr.headers = hdrs;
    hr.n_headers = nh;
    rc = ex->api->http_request(ex->host, &hr, on_http, r, &r->link.call);
out:
    sqt_bn_query_free(&q);
    sqt_bn_query_free(&url);
    return rc;
}

/* Send now, or park behind the server-time measurement. */
static int req_dispatch(bn_req *r)
{
    sqt_exchange *ex = r->ex;
    int rc;
    if ((rc = sqt_bn_ban_check(ex, r->path)) != SQT_OK)
        return rc;
    if (r->auth == BN_AUTH_SIGNED && ex->time_state != BN_TIME_KNOWN) {
        if (ex->time_state == BN_TIME_UNKNOWN && time_sync_start(ex) != SQT_OK) {
            /* cannot measure: sign with the local clock, -1021 will tell */
            ex->time_state = BN_TIME_KNOWN;
            return req_issue(r);
        }
        r->waiting_time = 1;
        return SQT_OK;
    }
    return req_issue(r);
}

static bn_req *req_new(sqt_exchange *ex, const char *method, const char *path,
                       sqt_bn_query *q, int auth, int mutating, bn_done_fn done, void *ctx)
{
    bn_req *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    if (q != NULL && q->len > 0) {
        r->params = malloc(q->len + 1);
        if (r->params == NULL) {
            free(r);
            return NULL;
        }
        memcpy(r->params, sqt_bn_query_str(q), q->len + 1);
    }
    r->ex = ex;
    r->method = method;
    r->path = path;
    r->auth = auth;
    r->mutating = mutating;
    r->done = done;
    r->ctx = ctx;
    sqt_kit_reqs_add(&ex->reqs, &r->link);
    return r;
}

static int rest_start(sqt_exchange *ex, const char *method, const char *path, sqt_bn_query *q,
                      int auth, int mutating, bn_done_fn done, void *ctx)
{
    bn_req *r;
    int rc;
    if (q != NULL && q->err) {
        rc = q->err;
        sqt_bn_query_free(q);
        return rc;
    }
    r = req_new(ex, method, path, q, auth, mutating, done, ctx);
    if (q != NULL)
        sqt_bn_query_free(q);
    if (r == NULL)
        return SQT_ENOMEM;
    if ((rc = req_dispatch(r)) != SQT_OK) {
        req_unlink(ex, r);
        req_free(r);
    }
    return rc;
}

int sqt_bn_rest(sqt_exchange *ex, const char *method, const char *path, sqt_bn_query *q,
                int auth, int mutating, bn_done_fn done, void *ctx)
{
    if (ex->closing) {
        if (q != NULL)
            sqt_bn_query_free(q);
        return SQT_ECANCELLED;
    }
    return rest_start(ex, method, path, q, auth, mutating, done, ctx);
}

int sqt_bn_rest_at_shutdown(sqt_exchange *ex, const char *method, const char *path, int auth,
                            bn_done_fn done, void *ctx)
{
    if (auth == BN_AUTH_SIGNED)
        return SQT_EINVAL;
    return rest_start(ex, method, path, NULL, auth, 0, done, ctx);
}

/* ------------------------------------------------------------------------------------
 * server time
 * ---------------------------------------------------------------------------------- */

static bn_req *first_waiting(sqt_exchange *ex)
{
    sqt_kit_req *l;
    for (l = ex->reqs.head; l != NULL; l = l->next)
        if (((bn_req *)l)->waiting_time)
            return (bn_req *)l;
    return NULL;
}

static void release_waiters(sqt_exchange *ex, int code, const char *why)
{
    bn_req *r;
    while ((r = first_waiting(ex)) != NULL) {
        int rc;
        r->waiting_time = 0;
        if (code != SQT_OK) {
            finish_with(r, code, why);
            continue;
        }
        if ((rc = sqt_bn_ban_check(ex, r->path)) != SQT_OK) /* banned while parked */
            finish_with(r, rc, "banned by the exchange: refused locally");
        else if ((rc = req_issue(r)) != SQT_OK)
            finish_with(r, rc, "request could not be sent");
    }
}

static void time_done(bn_req *r, const bn_resp *res)
{
    sqt_exchange *ex = r->ex;
    int64_t server, now;
    sqt_error perr;
    if (res->err.code == SQT_ECANCELLED || ex->closing) {
        ex->time_state = BN_TIME_UNKNOWN;
        release_waiters(ex, SQT_ECANCELLED, "cancelled");
        return;
    }
    if (res->err.code == SQT_OK &&
        sqt_bn_parse_server_time(res->body, res->len, &server, &perr) == SQT_OK) {
        now = sqt_bn_wall(ex);
        /* the answer was made about half-way through the round trip */
        ex->time_offset_ms = server - (r->sent_wall_ms + (now - r->sent_wall_ms) / 2);
        sqt_bn_logf(ex, ex->time_offset_ms > 1000 || ex->time_offset_ms < -1000 ? SQT_LOG_WARN
                                                                                : SQT_LOG_INFO,
                    "server time offset %lld ms (round trip %lld ms)",
                    (long long)ex->time_offset_ms, (long long)(now - r->sent_wall_ms));
    } else {
        sqt_bn_logf(ex, SQT_LOG_WARN, "cannot read the server time (%s); signing with the "
                    "local clock", res->err.code != SQT_OK ? res->err.message : perr.message);
    }
    ex->time_state = BN_TIME_KNOWN;
    release_waiters(ex, SQT_OK, NULL);
}

static int time_sync_start(sqt_exchange *ex)
{
    bn_req *r = req_new(ex, "GET", "/fapi/v1/time", NULL, BN_AUTH_NONE, 0, time_done, NULL);
    int rc;
    if (r == NULL)
        return SQT_ENOMEM;
    ex->time_state = BN_TIME_SYNCING;
    if ((rc = req_issue(r)) != SQT_OK) {
        req_unlink(ex, r);
        req_free(r);
        ex->time_state = BN_TIME_UNKNOWN;
    }
    return rc;
}

/* ------------------------------------------------------------------------------------
 * answers
 * ---------------------------------------------------------------------------------- */

static void ban_until(sqt_exchange *ex, const sqt_error *e, const sqt_http_response *resp)
{
    int64_t until = sqt_bn_wall(ex) + e->retry_after_ms;
    if (sqt_kit_ban_extend(&ex->ban, sqt_bn_wall(ex), e->retry_after_ms)) {
        sqt_bn_logf(ex, SQT_LOG_ERROR,
                    "BANNED by Binance (HTTP %d, %s): every request is refused locally "
                    "until %lld, %lld s from now",
                    e->http_status, e->message, (long long)until,
                    (long long)(e->retry_after_ms / 1000));
    }
    report_usage(ex, resp, 1);
}

static void on_http(void *ud, const sqt_http_response *resp)
{
    bn_req *r = ud;
    sqt_exchange *ex = r->ex;
    bn_resp res;
    memset(&res, 0, sizeof(res));
    r->link.call = NULL;
    if (resp->err.code != SQT_OK) {
        res.err = resp->err;
        if (r->mutating && resp->err.code == SQT_ETIMEOUT) {
            res.err.code = SQT_EUNKNOWN_STATUS;
            snprintf(res.err.message, sizeof(res.err.message),
                     "timed out after sending: outcome unknown");
        }
        req_finish(r, &res);
        return;
    }
    res.status = resp->status;
    res.body = resp->body != NULL ? resp->body : "";
    res.len = resp->body != NULL ? resp->body_len : 0;
    sqt_bn_classify(resp->status, res.body, res.len, header(resp, "Retry-After"),
                    sqt_bn_wall(ex), &res.err);
    if (res.err.code == SQT_EBANNED)
        ban_until(ex, &res.err, resp);
    else
        report_usage(ex, resp, 0);
    if (res.err.code == SQT_ETIMESTAMP) {
        if (ex->time_state == BN_TIME_KNOWN)
            ex->time_state = BN_TIME_UNKNOWN; /* the next signed call re-measures */
        if (strcmp(res.err.exch_code, "-1021") == 0 && r->auth == BN_AUTH_SIGNED &&
            !r->ts_retried && !ex->closing) {
            int rc;
            r->ts_retried = 1;
            sqt_bn_logf(ex, SQT_LOG_WARN, "-1021 on %s %s: re-measuring server time, "
                        "retrying once", r->method, r->path);
            if ((rc = req_dispatch(r)) == SQT_OK)
                return;
            res.err.code = rc;
        }
    }
    req_finish(r, &res);
}

/* A request parked behind the server-time measurement was never sent. */
static void cancel_parked(sqt_kit_req *link, void *ud)
{
    (void)ud;
    finish_with((bn_req *)link, SQT_ECANCELLED, "cancelled (shutdown)");
}

void sqt_bn_rest_cancel_all(sqt_exchange *ex)
{
    sqt_kit_reqs_cancel_all(&ex->reqs, ex->api, ex->host, cancel_parked, NULL);
}

void sqt_bn_rest_free_all(sqt_exchange *ex)
{
    while (ex->reqs.head != NULL) {
        bn_req *r = (bn_req *)ex->reqs.head;
        req_unlink(ex, r);
        free(r->ctx); /* contexts are flat allocations (see ops.c) */
        req_free(r);
    }
}
