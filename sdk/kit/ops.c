/* Operation skeletons over the signed-REST engine (pluginkit.h): the checks every
 * operation starts with, and the operations whose only exchange part is the request and
 * the parser (symbol info, historical klines). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/pluginkit.h>

static const sqt_error no_error; /* code SQT_OK */

SQT_HOT sqt_kit_rest_req sqt_kit_rest_req_of(const char *method, const char *path, const char *query,
                                     const char *body, int auth)
{
    sqt_kit_rest_req q;
    memset(&q, 0, sizeof(q));
    q.method = method;
    q.path = path;
    q.query = query;
    q.body = body;
    q.auth = auth;
    return q;
}

SQT_HOT int sqt_kit_op_usable(int closing, int have_cb)
{
    if (!have_cb)
        return SQT_EINVAL;
    if (closing)
        return SQT_ESTATE;
    return SQT_OK;
}

int sqt_kit_symbol_ok(const char *s)
{
    size_t i, n;
    if (s == NULL || (n = strlen(s)) == 0 || n >= SQT_SYMBOL_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

int sqt_kit_digits_ok(const char *s, size_t max)
{
    size_t i, n;
    if (s == NULL)
        return 0;
    n = strnlen(s, max + 1);
    if (n == 0 || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

SQT_HOT int sqt_kit_id_ok(const char *s, size_t max, const char *extra)
{
    size_t i, n;
    if (s == NULL || extra == NULL)
        return 0;
    n = strnlen(s, max + 1);
    if (n == 0 || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || (s[i] != '\0' && strchr(extra, s[i]) != NULL)))
            return 0;
    return 1;
}

/* The call's context: one flat block (the engine's free_all frees it with free()). */
typedef struct fetch_ctx {
    sqt_kit_info_parse info_parse;
    sqt_symbol_info_cb info_cb;
    sqt_kit_klines_parse klines_parse;
    sqt_klines_cb klines_cb;
    void *ud;
    char symbol[SQT_SYMBOL_MAX];
    char interval[SQT_INTERVAL_MAX];
} fetch_ctx;

static int fetch_send(sqt_kit_rest *r, const sqt_kit_rest_req *rq, sqt_kit_answer_fn done,
                      fetch_ctx *c)
{
    sqt_kit_rest_req q = *rq;
    int rc;
    q.done = done;
    q.ctx = c;
    if ((rc = sqt_kit_rest_send(r, &q)) != SQT_OK)
        free(c);
    return rc;
}

static void info_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    fetch_ctx *c = call->ctx;
    sqt_error e = a->err;
    sqt_symbol_info info;
    memset(&info, 0, sizeof(info));
    if (e.code == SQT_OK && c->info_parse(call->owner, a->body, a->len, &info, &e) == SQT_OK)
        c->info_cb(c->ud, &no_error, &info);
    else
        c->info_cb(c->ud, &e, NULL);
    free(c);
}

int sqt_kit_info_fetch(sqt_kit_rest *r, const sqt_kit_rest_req *rq, sqt_kit_info_parse parse,
                       sqt_symbol_info_cb cb, void *ud)
{
    fetch_ctx *c;
    if (rq == NULL || parse == NULL || cb == NULL)
        return SQT_EINVAL;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return SQT_ENOMEM;
    c->info_parse = parse;
    c->info_cb = cb;
    c->ud = ud;
    return fetch_send(r, rq, info_done, c);
}

static void klines_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    fetch_ctx *c = call->ctx;
    sqt_error e = a->err;
    sqt_kline *k = NULL;
    size_t n = 0;
    if (e.code == SQT_OK &&
        c->klines_parse(a->body, a->len, c->symbol, c->interval,
                        sqt_kit_rest_server_now(call->rest), &k, &n, &e) == SQT_OK)
        c->klines_cb(c->ud, &no_error, k, n);
    else
        c->klines_cb(c->ud, &e, NULL, 0);
    free(k);
    free(c);
}

int sqt_kit_klines_fetch(sqt_kit_rest *r, const sqt_kit_rest_req *rq, const char *symbol,
                         const char *interval, sqt_kit_klines_parse parse, sqt_klines_cb cb,
                         void *ud)
{
    fetch_ctx *c;
    if (rq == NULL || parse == NULL || cb == NULL || symbol == NULL || interval == NULL ||
        strlen(symbol) >= SQT_SYMBOL_MAX || strlen(interval) >= SQT_INTERVAL_MAX)
        return SQT_EINVAL;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return SQT_ENOMEM;
    c->klines_parse = parse;
    c->klines_cb = cb;
    c->ud = ud;
    snprintf(c->symbol, sizeof(c->symbol), "%s", symbol);
    snprintf(c->interval, sizeof(c->interval), "%s", interval);
    return fetch_send(r, rq, klines_done, c);
}
