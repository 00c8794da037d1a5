/* Gate's dialect of the kit's signed-REST engine (pluginkit.h, sqt_kit_rest_*): KEY,
 * SIGN (HMAC-SHA512 hex over METHOD, the full path, the query as sent, the body's
 * SHA-512 and the timestamp) and Timestamp in seconds; REQUEST_EXPIRED as the clock
 * refusal; classes by label; the X-Gate-RateLimit-* headers to the executor. */
#include <stdio.h>
#include <string.h>

#include "gt.h"

static int gt_parse_time(const char *body, size_t len, int64_t *server_ms, sqt_error *e)
{
    return sqt_gt_parse_server_time(body, len, server_ms, e);
}

SQT_HOT static int gt_prepare(void *owner, const sqt_kit_call *c, int64_t server_ms, sqt_kit_wire *w)
{
    sqt_exchange *ex = owner;
    char ts[24], sig[SQT_GT_SIG_LEN + 1];
    const sqt_header common[] = {
        {"Accept", "application/json"},
        /* sizes come as strings that keep their decimals (gate.md 8) */
        {"X-Gate-Size-Decimal", "1"},
        {"X-Gate-Channel-Id", ex->channel_id[0] != '\0' ? ex->channel_id : NULL},
        {"Content-Type", w->body.len > 0 ? "application/json" : NULL}};
    const sqt_header auth[] = {{"KEY", ex->kit.api_key}, {"SIGN", sig}, {"Timestamp", ts}};
    int rc;
    if (c->auth == SQT_KIT_AUTH_SIGNED) {
        /* seconds (gate.md 2.1); the query is signed as sent: our values are unreserved
         * characters, so the encoded and the decoded forms agree (gate.md 11) */
        sqt_kit_int_text((long long)(server_ms / 1000), ts);
        rc = sqt_gt_sign_rest_key(ex->kit.mac, c->method, c->path, sqt_kit_query_str(&w->query),
                                  sqt_kit_query_str(&w->body), w->body.len, ts, sig);
        if (rc == SQT_OK)
            rc = sqt_kit_wire_headers(w, auth, 3);
        memset(sig, 0, sizeof(sig));
        if (rc != SQT_OK)
            return rc;
    }
    return sqt_kit_wire_headers(w, common, 4);
}

static const char *header(const sqt_http_response *resp, const char *name)
{
    return sqt_kit_header(resp->headers, resp->n_headers, name);
}

static void gt_classify(void *owner, const sqt_kit_call *c, const sqt_http_response *resp,
                        int64_t now_ms, sqt_error *e)
{
    (void)owner;
    (void)c;
    sqt_gt_classify(resp->status, resp->body != NULL ? resp->body : "",
                    resp->body != NULL ? resp->body_len : 0,
                    header(resp, "X-Gate-RateLimit-Reset-Timestamp"), now_ms, e);
}

static int gt_clock_refusal(void *owner, const sqt_error *e)
{
    (void)owner;
    return strcmp(e->exch_code, "REQUEST_EXPIRED") == 0;
}

/* The per-endpoint window of every answer that has one, to the executor. */
static void gt_on_answer(void *owner, const sqt_kit_call *c, const sqt_http_response *resp,
                         const sqt_error *e)
{
    sqt_exchange *ex = owner;
    sqt_rate_usage u;
    int32_t remain = sqt_kit_header_int(header(resp, "X-Gate-RateLimit-Requests-Remain"));
    int32_t limit = sqt_kit_header_int(header(resp, "X-Gate-RateLimit-Limit"));
    if (e->code == SQT_ERATE_LIMITED)
        sqt_gt_logf(ex, SQT_LOG_WARN, "rate limited on %s %s (%s): backing off %lld ms",
                    c->method, c->path, e->exch_code[0] != '\0' ? e->exch_code : "HTTP 429",
                    (long long)e->retry_after_ms);
    if (limit < 0 || remain < 0) {
        if (e->code != SQT_ERATE_LIMITED)
            return;
        limit = remain = -1;
    }
    u.used_weight = -1;
    u.weight_limit = -1;
    u.order_count = limit >= 0 && remain <= limit ? limit - remain : -1;
    u.order_limit = limit;
    if (e->code == SQT_ERATE_LIMITED && limit > 0)
        u.order_count = limit; /* the window is used up, whatever the header says */
    u.banned_until_ms = 0;
    ex->kit.api->rate_usage(ex->kit.host, &u);
}

static const sqt_kit_rest_dialect gt_dialect = {
    "Gate",           GT_API "/spot/time", gt_parse_time, gt_prepare, gt_classify,
    gt_clock_refusal, gt_on_answer,        sqt_kit_plugin_hook_check};

void sqt_gt_rest_init(sqt_exchange *ex)
{
    sqt_kit_plugin_rest_init(&ex->kit, &gt_dialect, ex->rest_url);
}

SQT_HOT int sqt_gt_rest(sqt_exchange *ex, const char *method, const char *path, const char *query,
                const char *body, int auth, int mutating, sqt_kit_answer_fn done, void *ctx)
{
    return sqt_kit_plugin_call(&ex->kit, method, path, query, body, auth, mutating, done,
                               ctx);
}
