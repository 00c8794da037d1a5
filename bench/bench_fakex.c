/* The benchmarks' fake exchange: see bench_fakex.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench_fakex.h"

static void answer_cb(uv_timer_t *t);

void bench_fakex_init(bench_fakex *fx, uv_loop_t *loop, bench_fakex_final_fn on_final,
                      void *ud)
{
    fx->n_answers = 0;
    fx->next_oid = 0;
    fx->places = fx->cancels = 0;
    fx->on_final = on_final;
    fx->ud = ud;
    uv_timer_init(loop, &fx->timer);
    fx->timer.data = fx;
}

void bench_fakex_close(bench_fakex *fx, uv_close_cb cb)
{
    uv_close((uv_handle_t *)&fx->timer, cb);
}

static bench_fakex_answer *answer_new(bench_fakex *fx)
{
    if (fx->n_answers == BENCH_FAKEX_ANSWERS)
        return NULL;
    uv_timer_start(&fx->timer, answer_cb, 0, 0);
    return &fx->answers[fx->n_answers++];
}

int bench_fakex_place(bench_fakex *fx, const sqt_order_req *reqs, size_t n, sqt_place_cb cb,
                      void *ud)
{
    bench_fakex_answer *a;
    if (n > BENCH_FAKEX_PLACES || (a = answer_new(fx)) == NULL)
        return SQT_ENOMEM;
    fx->places += (long)n;
    a->kind = 1;
    a->n = n;
    memcpy(a->reqs, reqs, n * sizeof *reqs);
    a->pcb = cb;
    a->ud = ud;
    return 0;
}

int bench_fakex_cancel(bench_fakex *fx, const sqt_cancel_req *reqs, size_t n,
                       sqt_cancel_cb cb, void *ud)
{
    bench_fakex_answer *a;
    if (n > BENCH_FAKEX_CANCELS || (a = answer_new(fx)) == NULL)
        return SQT_ENOMEM;
    fx->cancels += (long)n;
    a->kind = 2;
    a->n = n;
    memcpy(a->creqs, reqs, n * sizeof *reqs);
    a->ccb = cb;
    a->ud = ud;
    return 0;
}

int bench_fakex_query(sqt_orders_cb cb, void *ud)
{
    sqt_error e;
    memset(&e, 0, sizeof e);
    e.code = SQT_EUNKNOWN_ORDER;
    cb(ud, &e, NULL, 0);
    return 0;
}

static void answer_place(bench_fakex *fx, const bench_fakex_answer *a)
{
    sqt_place_result r[BENCH_FAKEX_PLACES];
    size_t j;
    memset(r, 0, sizeof r);
    for (j = 0; j < a->n; j++) {
        sqt_order *o = &r[j].order;
        memcpy(r[j].client_id, a->reqs[j].client_id, sizeof r[j].client_id);
        o->struct_size = sizeof *o;
        snprintf(o->symbol, sizeof o->symbol, "BTCUSDT");
        memcpy(o->client_id, a->reqs[j].client_id, sizeof o->client_id);
        snprintf(o->order_id, sizeof o->order_id, "%" PRIu64, ++fx->next_oid);
        o->side = a->reqs[j].side;
        o->status = SQT_ORDER_NEW;
        o->tif = a->reqs[j].tif;
        o->reduce_only = a->reqs[j].reduce_only;
        o->price = a->reqs[j].price;
        o->qty = a->reqs[j].qty;
        o->filled_qty = sqt_dec_make(0, 3);
    }
    a->pcb(a->ud, SQT_OK, r, a->n);
}

static void answer_cancel(bench_fakex *fx, const bench_fakex_answer *a)
{
    sqt_cancel_result r[BENCH_FAKEX_CANCELS];
    size_t j;
    memset(r, 0, sizeof r);
    for (j = 0; j < a->n; j++) {
        memcpy(r[j].client_id, a->creqs[j].client_id, sizeof r[j].client_id);
        memcpy(r[j].order_id, a->creqs[j].order_id, sizeof r[j].order_id);
    }
    a->ccb(a->ud, SQT_OK, r, a->n);
    /* the order stream's final push, as an exchange sends after a cancel */
    for (j = 0; j < a->n && fx->on_final != NULL; j++) {
        sqt_order o;
        memset(&o, 0, sizeof o);
        o.struct_size = sizeof o;
        snprintf(o.symbol, sizeof o.symbol, "BTCUSDT");
        memcpy(o.client_id, a->creqs[j].client_id, sizeof o.client_id);
        memcpy(o.order_id, a->creqs[j].order_id, sizeof o.order_id);
        o.status = SQT_ORDER_CANCELED;
        o.filled_qty = sqt_dec_make(0, 3);
        fx->on_final(fx->ud, &o);
    }
}

static void answer_cb(uv_timer_t *t)
{
    bench_fakex *fx = t->data;
    size_t n = fx->n_answers, i;
    /* answers may ask for more (the engine reacts at once): they queue for the next turn */
    memcpy(fx->turn, fx->answers, n * sizeof fx->turn[0]);
    fx->n_answers = 0;
    for (i = 0; i < n; i++) {
        if (fx->turn[i].kind == 1)
            answer_place(fx, &fx->turn[i]);
        else
            answer_cancel(fx, &fx->turn[i]);
    }
}
