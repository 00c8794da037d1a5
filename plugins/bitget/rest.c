/* The Bitget REST engine: each call is signed at the moment it is sent (ACCESS-*
 * headers over timestamp + METHOD + path[?query] + body), with the server-time offset
 * measured before the first private call and again after a timestamp error (which is
 * retried once); every answer is classified by its envelope. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bg.h"

static char *dup_or_null(const char *s)
{
    size_t n;
    char *d;
    if (s == NULL || s[0] == '\0')
        return NULL;
    n = strlen(s);
    if ((d = malloc(n + 1)) != NULL)
        memcpy(d, s, n + 1);
    return d;
}

static void req_free(bg_req *r)
{
    free(r->query);
    free(r->body);
    free(r);
}

static void req_finish(bg_req *r, const bg_resp *res)
{
    sqt_exchange *ex = r->ex;
    sqt_kit_reqs_remove(&ex->reqs, &r->link);
    r->done(r, res);
    req_free(r);
    sqt_bg_check_drained(ex);
}

static void finish_with(bg_req *r, int code, const char *msg)
{
    bg_resp res;
    memset(&res, 0, sizeof(res));
    sqt_kit_fail(&res.err, code, "%s", msg);
    req_finish(r, &res);
}

int64_t sqt_bg_server_now(sqt_exchange *ex)
{
    return sqt_bg_wall(ex) + ex->time_offset_ms;
}

/* ------------------------------------------------------------------------------------
 * sending
 * ---------------------------------------------------------------------------------- */

static void on_http(void *ud, const sqt_http_response *resp);
static int time_sync_start(sqt_exchange *ex);

static int req_issue(bg_req *r)
{
    sqt_exchange *ex = r->ex;
    sqt_kit_query url;
    sqt_http_request hr;
    sqt_header h[9];
    char ts[24], sig[SQT_BG_SIG_LEN + 1];
    size_t nh = 0;
    int rc;
    r->sent_wall_ms = sqt_bg_wall(ex);
    sqt_kit_query_init(&url);
    sqt_kit_query_raw(&url, ex->rest_url, strlen(ex->rest_url));
    sqt_kit_query_raw(&url, r->path, strlen(r->path));
    if (r->query != NULL) {
        sqt_kit_query_raw(&url, "?", 1);
        sqt_kit_query_raw(&url, r->query, strlen(r->query));
    }
    if (url.err) {
        sqt_kit_query_free(&url);
        return SQT_ENOMEM;
    }
    if (r->auth) {
        snprintf(ts, sizeof(ts), "%lld", (long long)(r->sent_wall_ms + ex->time_offset_ms));
        /* the query is signed as sent: our values are unreserved characters only, so the
         * encoded and decoded forms agree (bitget.md 11) */
        rc = sqt_bg_sign_key(ex->mac, ts, r->method, r->path, r->query, r->body,
                         r->body != NULL ? strlen(r->body) : 0, sig);
        if (rc != SQT_OK) {
            sqt_kit_query_free(&url);
            return rc;
        }
        h[nh].name = "ACCESS-KEY";
        h[nh++].value = ex->api_key;
        h[nh].name = "ACCESS-SIGN";
        h[nh++].value = sig;
        h[nh].name = "ACCESS-TIMESTAMP";
        h[nh++].value = ts;
        h[nh].name = "ACCESS-PASSPHRASE";
        h[nh++].value = ex->passphrase;
    }
    h[nh].name = "locale";
    h[nh++].value = "en-US";
    if (r->body != NULL) {
        h[nh].name = "Content-Type";
        h[nh++].value = "application/json";
    }
    if (ex->demo) {
        h[nh].name = "paptrading";
        h[nh++].value = "1";
    }
    if (ex->channel_code[0] != '\0') {
        h[nh].name = "X-CHANNEL-API-CODE";
        h[nh++].value = ex->channel_code;
    }
    memset(&hr, 0, sizeof(hr));
    hr.struct_size = sizeof(hr);
    hr.method = r->method;
    hr.url = sqt_kit_query_str(&url);
    hr.headers = h;
    hr.n_headers = nh;
    hr.body = r->body;
    hr.body_len = r->body != NULL ? strlen(r->body) : 0;
    rc = ex->api->http_request(ex->host, &hr, on_http, r, &r->link.call);
    sqt_kit_query_free(&url);
    return rc;
}

static int req_dispatch(bg_req *r)
{
    sqt_exchange *ex = r->ex;
    if (r->auth && ex->time_state != BG_TIME_KNOWN) {
        if (ex->time_state == BG_TIME_UNKNOWN && time_sync_start(ex) != SQT_OK) {
            ex->time_state = BG_TIME_KNOWN; /* cannot measure: the local clock it is */
            return req_issue(r);
        }
        r->waiting_time = 1;
        return SQT_OK;
    }
    return req_issue(r);
}

static bg_req *req_new(sqt_exchange *ex, const char *method, const char *path,
                       const char *query, const char *body, int auth, int mutating,
                       bg_done_fn done, void *ctx)
{
    bg_req *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->query = dup_or_null(query);
    r->body = dup_or_null(body);
    if ((query != NULL && query[0] != '\0' && r->query == NULL) ||
        (body != NULL && body[0] != '\0' && r->body == NULL)) {
        req_free(r);
        return NULL;
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

int sqt_bg_rest(sqt_exchange *ex, const char *method, const char *path, const char *query,
                const char *body, int auth, int mutating, bg_done_fn done, void *ctx)
{
    bg_req *r;
    int rc;
    if (ex->closing)
        return SQT_ECANCELLED;
    if ((r = req_new(ex, method, path, query, body, auth, mutating, done, ctx)) == NULL)
        return SQT_ENOMEM;
    if ((rc = req_dispatch(r)) != SQT_OK) {
        sqt_kit_reqs_remove(&ex->reqs, &r->link);
        req_free(r);
    }
    return rc;
}

/* ------------------------------------------------------------------------------------
 * server time (GET /api/v2/public/time)
 * ---------------------------------------------------------------------------------- */

static bg_req *first_waiting(sqt_exchange *ex)
{
    sqt_kit_req *l;
    for (l = ex->reqs.head; l != NULL; l = l->next)
        if (((bg_req *)l)->waiting_time)
            return (bg_req *)l;
    return NULL;
}

static void release_waiters(sqt_exchange *ex, int code, const char *why)
{
    bg_req *r;
    while ((r = first_waiting(ex)) != NULL) {
        int rc;
        r->waiting_time = 0;
        if (code != SQT_OK)
            finish_with(r, code, why);
        else if ((rc = req_issue(r)) != SQT_OK)
            finish_with(r, rc, "request could not be sent");
    }
}

static void time_done(bg_req *r, const bg_resp *res)
{
    sqt_exchange *ex = r->ex;
    int64_t server, now;
    sqt_error perr;
    if (res->err.code == SQT_ECANCELLED || ex->closing) {
        ex->time_state = BG_TIME_UNKNOWN;
        release_waiters(ex, SQT_ECANCELLED, "cancelled");
        return;
    }
    if (res->err.code == SQT_OK &&
        sqt_bg_parse_server_time(res->body, res->len, &server, &perr) == SQT_OK) {
        now = sqt_bg_wall(ex);
        ex->time_offset_ms = server - (r->sent_wall_ms + (now - r->sent_wall_ms) / 2);
        sqt_bg_logf(ex, ex->time_offset_ms > 1000 || ex->time_offset_ms < -1000 ? SQT_LOG_WARN
                                                                                : SQT_LOG_INFO,
                    "server time offset %lld ms (round trip %lld ms)",
                    (long long)ex->time_offset_ms, (long long)(now - r->sent_wall_ms));
    } else {
        sqt_bg_logf(ex, SQT_LOG_WARN, "cannot read the server time (%s); signing with the "
                    "local clock", res->err.code != SQT_OK ? res->err.message : perr.message);
    }
    ex->time_state = BG_TIME_KNOWN;
    release_waiters(ex, SQT_OK, NULL);
}

static int time_sync_start(sqt_exchange *ex)
{
    bg_req *r = req_new(ex, "GET", "/api/v2/public/time", NULL, NULL, 0, 0, time_done, NULL);
    int rc;
    if (r == NULL)
        return SQT_ENOMEM;
    ex->time_state = BG_TIME_SYNCING;
    if ((rc = req_issue(r)) != SQT_OK) {
        sqt_kit_reqs_remove(&ex->reqs, &r->link);
        req_free(r);
        ex->time_state = BG_TIME_UNKNOWN;
    }
    return rc;
}

/* ------------------------------------------------------------------------------------
 * answers
 * ---------------------------------------------------------------------------------- */

static void on_http(void *ud, const sqt_http_response *resp)
{
    bg_req *r = ud;
    sqt_exchange *ex = r->ex;
    bg_resp res;
    memset(&res, 0, sizeof(res));
    r->link.call = NULL;
    if (resp->err.code != SQT_OK) {
        res.err = resp->err;
        if (r->mutating && resp->err.code == SQT_ETIMEOUT)
            sqt_kit_fail(&res.err, SQT_EUNKNOWN_STATUS, "timed out after sending: outcome "
                         "unknown");
        req_finish(r, &res);
        return;
    }
    res.status = resp->status;
    res.body = resp->body != NULL ? resp->body : "";
    res.len = resp->body != NULL ? resp->body_len : 0;
    sqt_bg_classify(resp->status, res.body, res.len, &res.err);
    if (res.err.code == SQT_EUNKNOWN_STATUS && !r->mutating)
        res.err.code = SQT_EEXCHANGE; /* a read that failed: nothing to verify */
    if (res.err.code == SQT_ERATE_LIMITED)
        sqt_bg_logf(ex, SQT_LOG_WARN, "rate limited on %s %s (code %s): backing off %lld ms",
                    r->method, r->path, res.err.exch_code, (long long)res.err.retry_after_ms);
    if (res.err.code == SQT_ETIMESTAMP) {
        if (ex->time_state == BG_TIME_KNOWN)
            ex->time_state = BG_TIME_UNKNOWN; /* the next private call re-measures */
        if (r->auth && !r->ts_retried && !ex->closing) {
            int rc;
            r->ts_retried = 1;
            sqt_bg_logf(ex, SQT_LOG_WARN, "%s on %s %s: re-measuring server time, retrying "
                        "once", res.err.exch_code, r->method, r->path);
            if ((rc = req_dispatch(r)) == SQT_OK)
                return;
            res.err.code = rc;
        }
    }
    req_finish(r, &res);
}

static void cancel_parked(sqt_kit_req *link, void *ud)
{
    (void)ud;
    finish_with((bg_req *)link, SQT_ECANCELLED, "cancelled (shutdown)");
}

void sqt_bg_rest_cancel_all(sqt_exchange *ex)
{
    sqt_kit_reqs_cancel_all(&ex->reqs, ex->api, ex->host, cancel_parked, NULL);
}

void sqt_bg_rest_free_all(sqt_exchange *ex)
{
    while (ex->reqs.head != NULL) {
        bg_req *r = (bg_req *)ex->reqs.head;
        sqt_kit_reqs_remove(&ex->reqs, &r->link);
        free(r->ctx); /* contexts are flat allocations (see ops.c) */
        req_free(r);
    }
}
