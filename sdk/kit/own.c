/* Cancel our own orders: list -> filter by prefix -> batches, in turn (pluginkit.h). */
#include <opensqt/pluginkit.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sqt_kit_own {
    const sqt_kit_own_ops *ops;
    void *plugin;
    sqt_cancel_cb cb;
    void *ud;
    char match[2 * SQT_CLIENT_ID_MAX];
    size_t strip;
    size_t batch_max;
    size_t m;                  /* orders to cancel */
    size_t next;               /* first not yet answered */
    size_t batch;              /* size of the batch in flight */
    int first_fail;
    sqt_cancel_result res[];   /* m entries once listed */
};

sqt_kit_own *sqt_kit_own_new(const sqt_kit_own_ops *ops, void *plugin, const char *match,
                             size_t strip, size_t batch_max, sqt_cancel_cb cb, void *ud)
{
    sqt_kit_own *o;
    /* an empty prefix would match everyone's orders */
    if (ops == NULL || match == NULL || match[0] == '\0' || cb == NULL || batch_max == 0 ||
        strlen(match) >= sizeof(o->match) || strip > strlen(match))
        return NULL;
    if ((o = calloc(1, sizeof(*o))) == NULL)
        return NULL;
    o->ops = ops;
    o->plugin = plugin;
    o->cb = cb;
    o->ud = ud;
    snprintf(o->match, sizeof(o->match), "%s", match);
    o->strip = strip;
    o->batch_max = batch_max;
    return o;
}

void sqt_kit_own_free(sqt_kit_own *o)
{
    free(o);
}

static void own_end(sqt_kit_own *o)
{
    o->cb(o->ud, o->first_fail, o->m > 0 ? o->res : NULL, o->next);
    free(o);
}

/* The batch could not go (or the plugin is closing): its items and the rest end so. */
static void own_abort(sqt_kit_own *o, int rc)
{
    size_t i;
    for (i = o->next; i < o->m; i++) {
        o->res[i].err.code = rc;
        snprintf(o->res[i].err.message, sizeof(o->res[i].err.message), "cancel not sent: %s",
                 sqt_strerror(rc));
    }
    o->next = o->m;
    if (o->first_fail == SQT_OK)
        o->first_fail = rc;
    own_end(o);
}

static void own_next(sqt_kit_own *o)
{
    int rc;
    if (o->next == o->m || o->first_fail != SQT_OK) {
        own_end(o);
        return;
    }
    if (o->ops->closing != NULL ? o->ops->closing(o->plugin)
                                : ((const sqt_kit_plugin *)o->plugin)->closing) {
        own_abort(o, SQT_ECANCELLED);
        return;
    }
    o->batch = o->m - o->next < o->batch_max ? o->m - o->next : o->batch_max;
    if ((rc = o->ops->send_batch(o->plugin, o, o->res + o->next, o->batch)) != SQT_OK)
        own_abort(o, rc);
}

void sqt_kit_own_listed(sqt_kit_own *o, int status, const sqt_order *orders, size_t n)
{
    size_t i, m = 0, plen = strlen(o->match);
    sqt_kit_own *grown;
    if (status != SQT_OK) {
        o->first_fail = status;
        own_end(o);
        return;
    }
    for (i = 0; i < n; i++)
        if (strncmp(orders[i].client_id, o->match, plen) == 0)
            m++;
    if (m == 0) {
        own_end(o);
        return;
    }
    if ((grown = realloc(o, sizeof(*o) + m * sizeof(o->res[0]))) == NULL) {
        o->first_fail = SQT_ENOMEM;
        own_end(o);
        return;
    }
    o = grown;
    memset(o->res, 0, m * sizeof(o->res[0]));
    for (i = 0; i < n; i++) {
        if (strncmp(orders[i].client_id, o->match, plen) != 0)
            continue;
        snprintf(o->res[o->m].client_id, sizeof(o->res[0].client_id), "%s",
                 orders[i].client_id + o->strip);
        memcpy(o->res[o->m].order_id, orders[i].order_id, sizeof(o->res[0].order_id));
        o->m++;
    }
    own_next(o);
}

sqt_cancel_result *sqt_kit_own_batch(sqt_kit_own *o, size_t *n)
{
    *n = o->batch;
    return o->res + o->next;
}

void sqt_kit_own_batch_done(sqt_kit_own *o, int status)
{
    o->next += o->batch;
    o->batch = 0;
    if (o->first_fail == SQT_OK)
        o->first_fail = status;
    own_next(o);
}
