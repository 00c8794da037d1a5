/* The benchmarks' fake exchange and engine glue: see bench_fakex.h. */
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
    fx->on_send = NULL;
    fx->send_ud = NULL;
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
    if (fx->on_send != NULL)
        fx->on_send(fx->send_ud, 1);
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
    if (fx->on_send != NULL)
        fx->on_send(fx->send_ud, 2);
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

/* ---- the engine glue ------------------------------------------------------------- */

void bench_engine_init(bench_engine *en, const char *name, uv_loop_t *loop, sqt_grid **grid,
                       sqt_executor **exec, void (*drain)(void *ud), void *ud)
{
    memset(en, 0, sizeof *en);
    en->name = name;
    en->loop = loop;
    en->grid = grid;
    en->exec = exec;
    en->drain = drain;
    en->ud = ud;
}

static int64_t engine_now(const bench_engine *en)
{
    return (int64_t)uv_now(en->loop);
}

static void engine_on_place(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    bench_engine *en = ud;
    sqt_grid_on_place_result(*en->grid, cid, err, o, engine_now(en));
    en->drain(en->ud);
}

static void engine_on_cancel(void *ud, const char *cid, const sqt_error *err)
{
    bench_engine *en = ud;
    sqt_grid_on_cancel_result(*en->grid, cid, err, engine_now(en));
    en->drain(en->ud);
}

static void engine_on_query(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    bench_engine *en = ud;
    sqt_grid_on_query_result(*en->grid, cid, err, o, engine_now(en));
    en->drain(en->ud);
}

static void engine_on_fatal(void *ud, const sqt_error *err)
{
    bench_engine *en = ud;
    fprintf(stderr, "%s: executor fatal: %s\n", en->name, sqt_strerror(err->code));
}

/* The exchange handle the executor passes back is the bench_fakex itself. */
static int api_place(sqt_exchange *ex, const sqt_order_req *reqs, size_t n, sqt_place_cb cb,
                     void *ud)
{
    return bench_fakex_place((bench_fakex *)(void *)ex, reqs, n, cb, ud);
}

static int api_cancel(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n, sqt_cancel_cb cb,
                      void *ud)
{
    return bench_fakex_cancel((bench_fakex *)(void *)ex, reqs, n, cb, ud);
}

static int api_query(sqt_exchange *ex, const char *cid, const char *oid, sqt_orders_cb cb,
                     void *ud)
{
    (void)ex, (void)cid, (void)oid;
    return bench_fakex_query(cb, ud);
}

sqt_executor *bench_engine_executor(bench_engine *en, sqt_log *log, bench_fakex *fx)
{
    sqt_executor_opts eo;
    sqt_executor_cbs cbs;
    memset(&en->api, 0, sizeof en->api);
    en->api.struct_size = sizeof en->api;
    en->api.place_orders = api_place;
    en->api.cancel_orders = api_cancel;
    en->api.query_order = api_query;
    memset(&eo, 0, sizeof eo);
    eo.rate_per_sec = 1000000;
    eo.burst = 1000000;
    eo.max_batch_place = 5;
    eo.max_batch_cancel = 10;
    memset(&cbs, 0, sizeof cbs);
    cbs.ud = en;
    cbs.on_place = engine_on_place;
    cbs.on_cancel = engine_on_cancel;
    cbs.on_query = engine_on_query;
    cbs.on_fatal = engine_on_fatal;
    return sqt_executor_new(en->loop, log, &en->api, (sqt_exchange *)(void *)fx, &eo, &cbs);
}

void bench_engine_final(void *ud, const sqt_order *o)
{
    bench_engine *en = ud;
    if (*en->grid == NULL)
        return;
    sqt_grid_on_order_update(*en->grid, o, engine_now(en));
    en->drain(en->ud);
}

long bench_engine_send(bench_engine *en)
{
    sqt_grid_cmd cmds[64];
    size_t n, i;
    long refused = 0;
    while ((n = sqt_grid_take_commands(*en->grid, cmds, 64)) > 0)
        for (i = 0; i < n && *en->exec != NULL; i++) {
            const sqt_grid_cmd *c = &cmds[i];
            int rc = c->kind == SQT_GRID_CMD_PLACE    ? sqt_executor_place(*en->exec, &c->req)
                     : c->kind == SQT_GRID_CMD_CANCEL ? sqt_executor_cancel(*en->exec,
                                                                            c->client_id,
                                                                            c->order_id)
                                                      : sqt_executor_query(*en->exec,
                                                                           c->client_id,
                                                                           c->order_id);
            if (rc < 0)
                refused++;
        }
    return refused;
}
