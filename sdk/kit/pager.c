/* Open orders page by page, for open_orders() and cancel_own's listing (pluginkit.h). */
#include <opensqt/pluginkit.h>

#include <stdlib.h>
#include <string.h>

static const sqt_error no_error; /* code SQT_OK */

static int pager_closing(const sqt_kit_pager *p)
{
    return p->ops->closing != NULL ? p->ops->closing(p->plugin)
                                   : ((const sqt_kit_plugin *)p->plugin)->closing;
}

/* The page's number goes up whether or not the send worked: a failed send ends it. */
static int pager_send(sqt_kit_pager *p)
{
    int rc = p->ops->send(p->plugin, p);
    p->pages++;
    return rc;
}

int sqt_kit_pager_start(const sqt_kit_pager_ops *ops, void *plugin, sqt_orders_cb cb,
                        sqt_kit_own *own, void *ud)
{
    sqt_kit_pager *p;
    int rc;
    if (ops == NULL || ops->send == NULL || ops->page_size == 0 || ops->pages_max < 1 ||
        (cb == NULL) == (own == NULL))
        return SQT_EINVAL;
    if ((p = calloc(1, sizeof(*p))) == NULL)
        return SQT_ENOMEM;
    p->ops = ops;
    p->plugin = plugin;
    if (pager_closing(p)) {
        free(p);
        return SQT_ESTATE;
    }
    p->cb = cb;
    p->own = own;
    p->ud = ud;
    if ((rc = pager_send(p)) != SQT_OK)
        free(p);
    return rc;
}

static void pager_end(sqt_kit_pager *p, const sqt_error *e)
{
    if (p->own != NULL)
        sqt_kit_own_listed(p->own, e->code, p->orders, e->code == SQT_OK ? p->n : 0);
    else if (e->code != SQT_OK)
        p->cb(p->ud, e, NULL, 0);
    else if (p->ops->deliver != NULL)
        p->ops->deliver(p->plugin, p->cb, p->ud, p->orders, p->n);
    else
        p->cb(p->ud, e, p->orders, p->n);
    free(p->orders);
    free(p);
}

void sqt_kit_pager_page(sqt_kit_pager *p, const sqt_error *e, size_t raw, const char *next)
{
    sqt_error fail;
    int rc;
    if (e->code != SQT_OK) {
        pager_end(p, e);
        return;
    }
    /* a full page (with a new cursor, when the exchange pages by cursor): maybe more */
    if (raw < p->ops->page_size ||
        (next != NULL && (next[0] == '\0' || strcmp(next, p->cursor) == 0))) {
        pager_end(p, &no_error);
        return;
    }
    if (p->pages >= p->ops->pages_max) {
        sqt_kit_fail(&fail, SQT_EPROTO, "open orders: more than %d pages", p->ops->pages_max);
        pager_end(p, &fail);
        return;
    }
    if (next != NULL && strlen(next) >= sizeof(p->cursor)) {
        sqt_kit_fail(&fail, SQT_EPROTO, "open orders: the next page's cursor is too long");
        pager_end(p, &fail);
        return;
    }
    if (next != NULL)
        memcpy(p->cursor, next, strlen(next) + 1);
    rc = pager_closing(p) ? SQT_ECANCELLED : pager_send(p);
    if (rc != SQT_OK) {
        sqt_kit_fail(&fail, rc, "open orders: next page not sent: %s", sqt_strerror(rc));
        pager_end(p, &fail);
    }
}

int sqt_kit_pager_cancel_own(const sqt_kit_pager_ops *ops, const sqt_kit_own_ops *own_ops,
                             void *plugin, const char *match, size_t strip, size_t batch_max,
                             sqt_cancel_cb cb, void *ud)
{
    sqt_kit_own *o = sqt_kit_own_new(own_ops, plugin, match, strip, batch_max, cb, ud);
    int rc;
    if (o == NULL)
        return cb == NULL || match == NULL || match[0] == '\0' ? SQT_EINVAL : SQT_ENOMEM;
    if ((rc = sqt_kit_pager_start(ops, plugin, NULL, o, ud)) != SQT_OK)
        sqt_kit_own_free(o);
    return rc;
}
