/* Bitget's dialect of the kit's signed-REST engine (pluginkit.h, sqt_kit_rest_*): the
 * ACCESS-* headers signed over timestamp + METHOD + path[?query] + body, the locale /
 * demo / channel headers on every call, the envelope's verdict, every timestamp error
 * as a clock refusal. */
#include <stdio.h>
#include <string.h>

#include "bg.h"

SQT_HOT static int bg_prepare(void *owner, const sqt_kit_call *c, int64_t server_ms, sqt_kit_wire *w)
{
    sqt_exchange *ex = owner;
    char ts[24], sig[SQT_BG_SIG_LEN + 1];
    const sqt_header common[] = {
        {"locale", "en-US"},
        {"Content-Type", c->body != NULL ? "application/json" : NULL},
        {"paptrading", ex->demo ? "1" : NULL},
        {"X-CHANNEL-API-CODE", ex->channel_code[0] != '\0' ? ex->channel_code : NULL}};
    const sqt_header auth[] = {{"ACCESS-KEY", ex->kit.api_key},
                               {"ACCESS-SIGN", sig},
                               {"ACCESS-TIMESTAMP", ts},
                               {"ACCESS-PASSPHRASE", ex->kit.passphrase}};
    int rc;
    if (c->auth == SQT_KIT_AUTH_SIGNED) {
        sqt_kit_int_text((long long)server_ms, ts);
        /* the query is signed as sent: our values are unreserved characters only, so the
         * encoded and decoded forms agree (bitget.md 11) */
        if ((rc = sqt_bg_sign_key(ex->kit.mac, ts, c->method, c->path, c->query, c->body,
                                  c->body != NULL ? strlen(c->body) : 0, sig)) != SQT_OK ||
            (rc = sqt_kit_wire_headers(w, auth, 4)) != SQT_OK)
            return rc;
    }
    return sqt_kit_wire_headers(w, common, 4);
}

static void bg_classify(void *owner, const sqt_kit_call *c, const sqt_http_response *resp,
                        int64_t now_ms, sqt_error *e)
{
    (void)owner;
    (void)now_ms;
    sqt_bg_classify(resp->status, resp->body != NULL ? resp->body : "",
                    resp->body != NULL ? resp->body_len : 0, e);
    if (e->code == SQT_EUNKNOWN_STATUS && !c->mutating)
        e->code = SQT_EEXCHANGE; /* a read that failed: nothing to verify */
}

static void bg_on_answer(void *owner, const sqt_kit_call *c, const sqt_http_response *resp,
                         const sqt_error *e)
{
    (void)resp;
    if (e->code == SQT_ERATE_LIMITED)
        sqt_bg_logf(owner, SQT_LOG_WARN, "rate limited on %s %s (code %s): backing off %lld ms",
                    c->method, c->path, e->exch_code, (long long)e->retry_after_ms);
}

static const sqt_kit_rest_dialect bg_dialect = {
    "Bitget", "/api/v2/public/time", sqt_bg_parse_server_time, bg_prepare, bg_classify,
    NULL,     bg_on_answer,          sqt_kit_plugin_hook_check};

void sqt_bg_rest_init(sqt_exchange *ex)
{
    sqt_kit_plugin_rest_init(&ex->kit, &bg_dialect, ex->rest_url);
}

SQT_HOT int sqt_bg_rest(sqt_exchange *ex, const char *method, const char *path, const char *query,
                const char *body, int auth, int mutating, sqt_kit_answer_fn done, void *ctx)
{
    return sqt_kit_plugin_call(&ex->kit, method, path, query, body,
                               auth ? SQT_KIT_AUTH_SIGNED : SQT_KIT_AUTH_NONE, mutating, done,
                               ctx);
}
