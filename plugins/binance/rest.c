/* Binance's dialect of the kit's signed-REST engine (pluginkit.h, sqt_kit_rest_*): the
 * API-key header, recvWindow + timestamp + HMAC-SHA256 hex signature over the parameters
 * as sent, -1021 as the clock refusal, the answer classes and the rate headers. */
#include <string.h>

#include "bn.h"

static int is_query_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "DELETE") == 0;
}

/* Parameters go in the query of a GET/DELETE and in the form body of a POST/PUT; a
 * signed call signs the one it has. */
SQT_HOT static int bn_prepare(void *owner, const sqt_kit_call *c, int64_t server_ms, sqt_kit_wire *w)
{
    sqt_exchange *ex = owner;
    sqt_kit_query *params = is_query_method(c->method) ? &w->query : &w->body;
    int rc;
    if (c->auth == SQT_KIT_AUTH_SIGNED) {
        sqt_kit_query_add_int(params, "recvWindow", ex->recv_window);
        sqt_kit_query_add_int(params, "timestamp", (long long)server_ms);
        if ((rc = sqt_bn_query_sign_key(params, ex->kit.mac)) != SQT_OK)
            return rc;
    }
    if (c->auth != SQT_KIT_AUTH_NONE &&
        (rc = sqt_kit_wire_header(w, "X-MBX-APIKEY", ex->kit.api_key)) != SQT_OK)
        return rc;
    if (w->body.len > 0)
        return sqt_kit_wire_header(w, "Content-Type", "application/x-www-form-urlencoded");
    return SQT_OK;
}

static void bn_classify(void *owner, const sqt_kit_call *c, const sqt_http_response *resp,
                        int64_t now_ms, sqt_error *e)
{
    (void)owner;
    (void)c;
    sqt_bn_classify(resp->status, resp->body != NULL ? resp->body : "",
                    resp->body != NULL ? resp->body_len : 0,
                    sqt_kit_header(resp->headers, resp->n_headers, "Retry-After"), now_ms, e);
}

static int bn_clock_refusal(void *owner, const sqt_error *e)
{
    (void)owner;
    return strcmp(e->exch_code, "-1021") == 0;
}

static const char *header(const sqt_http_response *resp, const char *name)
{
    return sqt_kit_header(resp->headers, resp->n_headers, name);
}

/* The weight and order counters of every answer to the executor; a ban always. */
static void bn_on_answer(void *owner, const sqt_kit_call *c, const sqt_http_response *resp,
                         const sqt_error *e)
{
    sqt_exchange *ex = owner;
    sqt_rate_usage u;
    int32_t o1m = sqt_kit_header_int(header(resp, "X-MBX-ORDER-COUNT-1M"));
    int32_t o10s = sqt_kit_header_int(header(resp, "X-MBX-ORDER-COUNT-10S"));
    (void)c;
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
    u.banned_until_ms = ex->kit.rest.ban.until_ms > sqt_bn_wall(ex) ? ex->kit.rest.ban.until_ms : 0;
    if (e->code == SQT_EBANNED || u.used_weight >= 0 || u.order_count >= 0)
        ex->kit.api->rate_usage(ex->kit.host, &u);
}

static const sqt_kit_rest_dialect bn_dialect = {
    "Binance",        "/fapi/v1/time", sqt_bn_parse_server_time, bn_prepare, bn_classify,
    bn_clock_refusal, bn_on_answer,    sqt_kit_plugin_hook_check};

void sqt_bn_rest_init(sqt_exchange *ex)
{
    sqt_kit_plugin_rest_init(&ex->kit, &bn_dialect, ex->rest_url);
}

static int send(sqt_exchange *ex, const char *method, const char *path, sqt_bn_query *q,
                int auth, int mutating, int at_shutdown, sqt_kit_answer_fn done, void *ctx)
{
    const char *params = q != NULL ? sqt_bn_query_str(q) : NULL;
    sqt_kit_rest_req rq;
    int rc;
    if (q != NULL && q->err) {
        rc = q->err;
        sqt_bn_query_free(q);
        return rc;
    }
    rq = is_query_method(method) ? sqt_kit_rest_req_of(method, path, params, NULL, auth)
                                 : sqt_kit_rest_req_of(method, path, NULL, params, auth);
    rq.mutating = mutating;
    rq.at_shutdown = at_shutdown;
    rq.done = done;
    rq.ctx = ctx;
    rc = sqt_kit_rest_send(&ex->kit.rest, &rq);
    if (q != NULL)
        sqt_bn_query_free(q);
    return rc;
}

SQT_HOT int sqt_bn_rest(sqt_exchange *ex, const char *method, const char *path, sqt_bn_query *q,
                int auth, int mutating, sqt_kit_answer_fn done, void *ctx)
{
    if (ex->kit.closing) {
        if (q != NULL)
            sqt_bn_query_free(q);
        return SQT_ECANCELLED;
    }
    return send(ex, method, path, q, auth, mutating, 0, done, ctx);
}

int sqt_bn_rest_at_shutdown(sqt_exchange *ex, const char *method, const char *path, int auth,
                            sqt_kit_answer_fn done, void *ctx)
{
    if (auth == SQT_KIT_AUTH_SIGNED)
        return SQT_EINVAL;
    return send(ex, method, path, NULL, auth, 0, 1, done, ctx);
}
