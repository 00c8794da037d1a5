/* The trade-list fee filler (pluginkit.h, sqt_kit_fee_*): an order whose cumulative fee a
 * REST answer does not carry gets it from its trade list, one list after the other. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/pluginkit.h>

/* ------------------------------------------------------------------------------------
 * the fee filler: trade lists asked one after the other, so the context stays one
 * allocation (the request's ctx, freed with free() by sqt_kit_rest_free_all too)
 * ---------------------------------------------------------------------------------- */

static const sqt_error fee_no_error;

typedef struct fee_fill {
    sqt_kit_plugin *p;         /* the record; its address is the plugin's */
    const sqt_kit_fee_hooks *h;
    sqt_orders_cb cb;
    void *ud;
    const char *what;
    size_t n;
    size_t next;               /* first order not looked at yet */
    size_t cur;                /* the order whose list is in flight */
    int asked;                 /* lists requested so far */
    sqt_order orders[];
} fee_fill;

static int fee_wanted(const sqt_kit_fee_hooks *h, const sqt_order *o)
{
    if (o->filled_qty.mant <= 0 || o->order_id[0] == '\0')
        return 0;
    return h->id_ok == NULL || h->id_ok(o->order_id);
}

int sqt_kit_fee_take(sqt_kit_plugin *p, const char *what, sqt_order *o,
                     const sqt_kit_fee_sum *s)
{
    char got[48], want[48];
    int ok = 0;
    if (sqt_dec_cmp(s->qty, o->filled_qty, &ok) != 0 || !ok) {
        sqt_dec_format(s->qty, got, sizeof(got));
        sqt_dec_format(o->filled_qty, want, sizeof(want));
        sqt_kit_plugin_logf(p, SQT_LOG_WARN,
                            "%s: order %s without its fee: its trades hold %s of the "
                            "executed %s", what, o->order_id, got, want);
        return 0;
    }
    if (!s->one_asset) {
        sqt_kit_plugin_logf(p, SQT_LOG_WARN,
                            "%s: order %s without its fee: paid in more than one asset",
                            what, o->order_id);
        return 0;
    }
    o->cum_fee = s->fee;
    o->has_cum_fee = 1;
    snprintf(o->fee_asset, sizeof(o->fee_asset), "%s", s->asset);
    return 1;
}

static void fee_deliver(fee_fill *c, const sqt_error *e)
{
    if (e->code == SQT_OK)
        c->cb(c->ud, e, c->orders, c->n);
    else
        c->cb(c->ud, e, NULL, 0);
    free(c);
}

/* The orders from c->next on that still want their fee, for the log. */
static size_t fee_left(const fee_fill *c)
{
    size_t i, k = 0;
    for (i = c->next; i < c->n; i++)
        k += fee_wanted(c->h, &c->orders[i]) != 0;
    return k;
}

/* Ask for the next order's trade list, or deliver when none is left to ask for. */
static void fee_next(fee_fill *c)
{
    sqt_error e;
    int rc;
    while (c->next < c->n && !fee_wanted(c->h, &c->orders[c->next]))
        c->next++;
    if (c->next == c->n) {
        fee_deliver(c, &fee_no_error);
        return;
    }
    if (c->p->closing) {
        sqt_kit_fail(&e, SQT_ECANCELLED, "cancelled (shutdown)");
        fee_deliver(c, &e);
        return;
    }
    if (c->asked == c->h->lists_max) {
        sqt_kit_plugin_logf(c->p, SQT_LOG_INFO,
                            "%s: %zu filled order(s) without their fee (at most %d "
                            "trade lists per call)", c->what, fee_left(c), c->h->lists_max);
        fee_deliver(c, &fee_no_error);
        return;
    }
    /* cur is set first: the answer never comes inside ask, but the count must be right
     * whatever the engine does */
    c->cur = c->next;
    if ((rc = c->h->ask(c->p, c, c->orders[c->next].order_id)) != SQT_OK) {
        sqt_kit_plugin_logf(c->p, SQT_LOG_WARN,
                            "%s: %zu filled order(s) without their fee: trade list "
                            "not sent: %s", c->what, fee_left(c), sqt_strerror(rc));
        fee_deliver(c, &fee_no_error);
        return;
    }
    c->next++;
    c->asked++;
}

void sqt_kit_fee_done(sqt_kit_call *call, const sqt_kit_answer *a)
{
    fee_fill *c = call->ctx;
    sqt_order *o;
    sqt_kit_fee_sum s;
    sqt_error e;
    if (a->err.code == SQT_ECANCELLED) {
        fee_deliver(c, &a->err);
        return;
    }
    if (a->err.code != SQT_OK) {
        /* the next lists would most likely fail alike (ban, rate limit, network) */
        c->next = c->cur;
        sqt_kit_plugin_logf(c->p, SQT_LOG_WARN,
                            "%s: %zu filled order(s) without their fee: trade list "
                            "failed: %s", c->what, fee_left(c), a->err.message);
        fee_deliver(c, &fee_no_error);
        return;
    }
    o = &c->orders[c->cur];
    memset(&s, 0, sizeof(s));
    memset(&e, 0, sizeof(e));
    if (c->h->sum(c->p, o, a, &s, &e) != SQT_OK)
        sqt_kit_plugin_logf(c->p, SQT_LOG_WARN,
                            "%s: order %s without its fee: %s", c->what, o->order_id,
                            e.message);
    else
        sqt_kit_fee_take(c->p, c->what, o, &s);
    fee_next(c);
}

void sqt_kit_fee_fill(sqt_kit_plugin *p, const sqt_kit_fee_hooks *h, const char *what,
                      sqt_orders_cb cb, void *ud, const sqt_order *orders, size_t n)
{
    fee_fill *c = NULL;
    size_t i = 0;
    while (i < n && !fee_wanted(h, &orders[i]))
        i++;
    if (i < n && (c = calloc(1, sizeof(*c) + n * sizeof(c->orders[0]))) == NULL)
        sqt_kit_plugin_logf(p, SQT_LOG_WARN,
                            "%s: orders without their fee: out of memory", what);
    if (c == NULL) {
        cb(ud, &fee_no_error, orders, n);
        return;
    }
    c->p = p;
    c->h = h;
    c->cb = cb;
    c->ud = ud;
    c->what = what;
    c->n = n;
    c->next = i;
    memcpy(c->orders, orders, n * sizeof(orders[0]));
    fee_next(c);
}
