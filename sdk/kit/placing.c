/* Placing orders (pluginkit.h): the results a place_orders() call reports, and the
 * exchange's answer spread over them - the same rules for every exchange. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/pluginkit.h>

SQT_HOT sqt_kit_placing *sqt_kit_placing_new(const sqt_order_req *reqs, size_t n,
                                     const sqt_kit_placing_parse *parse, sqt_place_cb cb,
                                     void *ud)
{
    sqt_kit_placing *p;
    size_t i, size;
    if (reqs == NULL || n == 0 || parse == NULL)
        return NULL;
    /* one block: the struct, then results, requests and indexes (in alignment order) */
    size = sizeof(*p) + n * (sizeof(sqt_place_result) + sizeof(sqt_order_req) + sizeof(size_t));
    /* malloc, not calloc: glibc's calloc skips the thread cache, and this block (~1 KB
     * for one order) comes back from it warm. Only the struct and the results need
     * zeros: requests and indexes are written as they are sent. */
    if ((p = malloc(size)) == NULL)
        return NULL;
    memset(p, 0, sizeof(*p) + n * sizeof(sqt_place_result));
    p->res = (sqt_place_result *)(void *)(p + 1);
    p->reqs = (sqt_order_req *)(void *)(p->res + n);
    p->sent = (size_t *)(void *)(p->reqs + n);
    p->cb = cb;
    p->ud = ud;
    p->parse = parse;
    p->n = n;
    for (i = 0; i < n; i++) {
        /* at most SQT_CLIENT_ID_MAX - 1 bytes; the block is zeroed, so NUL-terminated */
        memcpy(p->res[i].client_id, reqs[i].client_id,
               strnlen(reqs[i].client_id, SQT_CLIENT_ID_MAX - 1));
        p->res[i].order.struct_size = sizeof(p->res[i].order);
    }
    return p;
}

SQT_HOT void sqt_kit_placing_send(sqt_kit_placing *p, size_t i, const sqt_order_req *q)
{
    p->reqs[p->n_sent] = *q;
    p->sent[p->n_sent++] = i;
}

void sqt_kit_placing_refuse(sqt_kit_placing *p, sqt_kit_plugin *k, size_t i, int *first_err)
{
    char line[512];
    if (*first_err == SQT_OK)
        *first_err = p->res[i].err.code;
    snprintf(line, sizeof(line), "order %s not sent: %s", p->res[i].client_id,
             p->res[i].err.message);
    k->api->log(k->host, SQT_LOG_WARN, line);
}

/* A batch answer: each item its own verdict; the answer unreadable: all unknown. */
static int spread_batch(sqt_kit_placing *p, void *owner, const sqt_kit_answer *a)
{
    sqt_kit_item *items = calloc(p->n_sent, sizeof(*items));
    sqt_error perr;
    size_t k;
    memset(&perr, 0, sizeof(perr));
    if (items == NULL) {
        sqt_kit_fail(&perr, SQT_ENOMEM, "out of memory reading the answer");
    } else if (p->parse->batch(owner, p, a->body, a->len, items, &perr) == SQT_OK) {
        for (k = 0; k < p->n_sent; k++) {
            sqt_place_result *pr = &p->res[p->sent[k]];
            if (items[k].err.code == SQT_EPROTO)
                sqt_kit_unreadable(&pr->err, &items[k].err);
            else
                pr->err = items[k].err;
            if (pr->err.code == SQT_OK)
                pr->order = items[k].order;
        }
        free(items);
        return SQT_OK;
    }
    free(items);
    for (k = 0; k < p->n_sent; k++)
        sqt_kit_unreadable(&p->res[p->sent[k]].err, &perr);
    return SQT_EUNKNOWN_STATUS;
}

void sqt_kit_placing_done(sqt_kit_call *c, const sqt_kit_answer *a)
{
    sqt_kit_placing *p = c->ctx;
    sqt_error perr;
    int status = SQT_OK;
    size_t k;
    if (a->err.code != SQT_OK) {
        if (p->n_sent == 1 && sqt_kit_item_level(&a->err)) {
            p->res[p->sent[0]].err = a->err;
        } else {
            status = a->err.code;
            for (k = 0; k < p->n_sent; k++)
                p->res[p->sent[k]].err = a->err;
        }
    } else if (p->n_sent == 1) {
        sqt_place_result *pr = &p->res[p->sent[0]];
        memset(&perr, 0, sizeof(perr));
        if (p->parse->one(c->owner, p, a->body, a->len, &pr->order, &perr) != SQT_OK)
            sqt_kit_unreadable(&pr->err, &perr);
    } else {
        status = spread_batch(p, c->owner, a);
    }
    p->cb(p->ud, status, p->res, p->n);
    free(p);
}

void sqt_kit_cancel_results(sqt_cancel_result *res, const sqt_cancel_req *reqs, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        memset(&res[i], 0, sizeof(res[i]));
        snprintf(res[i].client_id, sizeof(res[i].client_id), "%.*s", SQT_CLIENT_ID_MAX - 1,
                 reqs[i].client_id);
        snprintf(res[i].order_id, sizeof(res[i].order_id), "%.*s", SQT_ORDER_ID_MAX - 1,
                 reqs[i].order_id);
    }
}

void sqt_kit_warm_order(const sqt_symbol_info *info, sqt_order_req *r)
{
    memset(r, 0, sizeof(*r));
    r->struct_size = sizeof(*r);
    snprintf(r->client_id, sizeof(r->client_id), "1_B_1765101259001");
    r->side = SQT_SIDE_BUY;
    r->tif = SQT_TIF_POST_ONLY;
    r->price = info->tick_size;
    r->qty = info->min_qty.mant > 0 ? info->min_qty : info->step_size;
}
