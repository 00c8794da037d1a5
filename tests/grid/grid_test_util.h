/* Helpers shared by the grid engine tests: decimals from text, the common parameters
 * of behaviour.md §12, command/event capture and order reports. */
#ifndef GRID_TEST_UTIL_H
#define GRID_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

#include "clientid.h"
#include "grid.h"
#include "grid_internal.h"
#include "sqt_test.h"

static inline sqt_dec D(const char *s)
{
    sqt_dec d = sqt_dec_make(0, 0);
    if (sqt_dec_parse(s, strlen(s), &d) != SQT_OK) {
        fprintf(stderr, "bad decimal literal %s\n", s);
        abort();
    }
    return d;
}

static inline int dec_is(sqt_dec d, const char *s)
{
    int ok = 0;
    int c = sqt_dec_cmp(d, D(s), &ok);
    return ok && c == 0;
}

static inline const char *dec_str(sqt_dec d, char *buf, size_t cap)
{
    if (sqt_dec_format(d, buf, cap) < 0)
        snprintf(buf, cap, "?");
    return buf;
}

#define ASSERT_DEC(d, s)                                                                   \
    do {                                                                                   \
        char b_[64];                                                                       \
        if (!dec_is((d), (s)))                                                             \
            fprintf(stderr, "    %s:%d: %s == %s, expected %s\n", __FILE__, __LINE__, #d,    \
                    dec_str((d), b_, sizeof b_), (s));                                     \
        CU_ASSERT_TRUE(dec_is((d), (s)));                                                  \
    } while (0)

/* The engine's invariants, and its journal marks: every slot whose record changed
 * since the last save is touched (sqt_grid__save_audit, the full compare the marks
 * replace). */
#define ASSERT_INVARIANTS(g)                                                               \
    do {                                                                                   \
        char why_[256] = "";                                                               \
        int r_ = sqt_grid_check_invariants((g), why_, sizeof why_);                        \
        if (r_ != 0)                                                                       \
            fprintf(stderr, "    %s:%d: invariant: %s\n", __FILE__, __LINE__, why_);       \
        CU_ASSERT_EQUAL(r_, 0);                                                            \
        r_ = sqt_grid__save_audit((g), why_, sizeof why_);                                 \
        if (r_ != 0)                                                                       \
            fprintf(stderr, "    %s:%d: journal marks: %s\n", __FILE__, __LINE__, why_);   \
        CU_ASSERT_EQUAL(r_, 0);                                                            \
    } while (0)

/* behaviour.md §12 common parameters: A 3000.00, I 2, order_quantity 30, N 10, sell
 * window 10, d 2 (tick 0.01), qd 3 (step 0.001), min_order_value 20, Th 50. The
 * quota reserve is 0 (the original's quota) unless a test sets it. */
static inline void e_params(sqt_grid_params *p)
{
    sqt_grid_params_init(p);
    p->symbol = "ETHUSDT";
    p->quote_asset = "USDT";
    p->tick_size = D("0.01");
    p->step_size = D("0.001");
    p->min_qty = D("0.001");
    p->min_notional = D("5");
    p->price_interval = D("2");
    p->order_quantity = D("30");
    p->min_order_value = D("20");
    p->buy_window_size = 10;
    p->sell_window_size = 10;
    p->order_cleanup_threshold = 50;
    p->cleanup_batch_size = 10;
    p->sell_quota_reserve = 0;
    p->instance_tag = "T1";
    p->client_id_max_len = 26;
    p->id_seed = 1735000000000ull;
}

/* Two saved slot records say the same (every field a restore reads). */
static inline int saved_slot_same(const sqt_grid_saved_slot *a, const sqt_grid_saved_slot *b)
{
    const sqt_grid_saved_order *x = &a->o, *y = &b->o;
    if (a->k != b->k || a->qty != b->qty || strcmp(a->cost, b->cost) != 0 ||
        strcmp(a->rt_gross, b->rt_gross) != 0 || strcmp(a->rt_fees, b->rt_fees) != 0 ||
        a->po_fails != b->po_fails || a->has_order != b->has_order)
        return 0;
    return !a->has_order ||
           (strcmp(x->cid, y->cid) == 0 && strcmp(x->oid, y->oid) == 0 && x->side == y->side &&
            x->tif == y->tif && x->state == y->state && x->cancel_req == y->cancel_req &&
            x->unknown == y->unknown && x->fee_nocum == y->fee_nocum && x->price == y->price &&
            x->qty == y->qty && x->filled == y->filled && x->base_qty == y->base_qty &&
            x->bare_lo == y->bare_lo && x->bare_hi == y->bare_hi &&
            strcmp(x->fee_seen, y->fee_seen) == 0 && strcmp(x->notional, y->notional) == 0);
}

/* Captured output of the engine. */
typedef struct capture {
    sqt_grid_cmd cmd[4096];
    size_t nc;
    sqt_grid_event ev[8192];
    size_t ne;
} capture;

static inline void cap_clear(capture *c)
{
    c->nc = 0;
    c->ne = 0;
}

/* Append what the engine emitted since the last drain. */
static inline void cap_drain(sqt_grid *g, capture *c)
{
    c->nc += sqt_grid_take_commands(g, c->cmd + c->nc, 4096 - c->nc);
    c->ne += sqt_grid_take_events(g, c->ev + c->ne, 8192 - c->ne);
}

static inline size_t cap_count(const capture *c, sqt_grid_cmd_kind kind, sqt_side side)
{
    size_t i, n = 0;
    for (i = 0; i < c->nc; i++)
        if (c->cmd[i].kind == kind && (side == SQT_SIDE_NONE || c->cmd[i].req.side == side))
            n++;
    return n;
}

static inline size_t cap_events(const capture *c, sqt_grid_ev_kind kind)
{
    size_t i, n = 0;
    for (i = 0; i < c->ne; i++)
        n += c->ev[i].kind == kind;
    return n;
}

/* The PLACE command at this price, or NULL. */
static inline const sqt_grid_cmd *cap_place_at(const capture *c, const char *price)
{
    size_t i;
    for (i = 0; i < c->nc; i++)
        if (c->cmd[i].kind == SQT_GRID_CMD_PLACE && dec_is(c->cmd[i].req.price, price))
            return &c->cmd[i];
    return NULL;
}

static inline const sqt_grid_cmd *cap_cmd_for(const capture *c, sqt_grid_cmd_kind kind, const char *cid)
{
    size_t i;
    for (i = 0; i < c->nc; i++)
        if (c->cmd[i].kind == kind && strcmp(c->cmd[i].client_id, cid) == 0)
            return &c->cmd[i];
    return NULL;
}

static inline sqt_order mk_order(const char *cid, sqt_order_status st, const char *filled)
{
    sqt_order o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    snprintf(o.symbol, sizeof o.symbol, "ETHUSDT");
    /* an id that does not fit is a broken test, not something to cut silently; the
     * precision keeps gcc -O3's -Wformat-truncation satisfied */
    CU_ASSERT_TRUE(strlen(cid) < sizeof o.client_id);
    snprintf(o.client_id, sizeof o.client_id, "%.*s", (int)(sizeof o.client_id - 1), cid);
    snprintf(o.order_id, sizeof o.order_id, "ex-%.40s", cid);
    o.status = st;
    o.filled_qty = D(filled);
    return o;
}

/* An exchange order as it would appear in an open-order list. */
static inline sqt_order mk_open(const char *cid, sqt_side side, const char *price, const char *qty,
                                const char *filled, sqt_order_status st)
{
    sqt_order o = mk_order(cid, st, filled);
    o.side = side;
    o.price = D(price);
    o.qty = D(qty);
    o.tif = SQT_TIF_POST_ONLY;
    o.reduce_only = side == SQT_SIDE_SELL;
    return o;
}

static inline void push(sqt_grid *g, const char *cid, sqt_order_status st, const char *filled,
                        int64_t now)
{
    sqt_order o = mk_order(cid, st, filled);
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &o, now), 0);
}

static inline void place_ok(sqt_grid *g, const char *cid, int64_t now)
{
    sqt_order o = mk_order(cid, SQT_ORDER_NEW, "0");
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, cid, NULL, &o, now), 0);
}

static inline void place_err(sqt_grid *g, const char *cid, int code, int64_t now)
{
    sqt_error e;
    memset(&e, 0, sizeof e);
    e.code = code;
    snprintf(e.message, sizeof e.message, "%s", sqt_strerror(code));
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, cid, &e, NULL, now), 0);
}

/* Acknowledge every PLACE command in c (REST result NEW). */
static inline void ack_all(sqt_grid *g, const capture *c, int64_t now)
{
    size_t i;
    for (i = 0; i < c->nc; i++)
        if (c->cmd[i].kind == SQT_GRID_CMD_PLACE)
            place_ok(g, c->cmd[i].client_id, now);
}

/* A started, reconciled grid (no open orders, no position). */
static inline sqt_grid *grid_up(const sqt_grid_params *p, const char *anchor)
{
    sqt_grid *g = NULL;
    char err[256] = "";
    int rc = sqt_grid_new(p, &g, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "    sqt_grid_new: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(sqt_grid_start(g, D(anchor), 0), 0);
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g, NULL, 0, NULL, 0), 0);
    return g;
}

/* E1: a grid at 3000.00, the price 3000.50, ten buys placed (in c) and acknowledged. */
static inline sqt_grid *grid_e1_live(const sqt_grid_params *p, capture *c)
{
    sqt_grid *g = grid_up(p, "3000.00");
    cap_clear(c);
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("3000.50"), 1), 0);
    cap_drain(g, c);
    ack_all(g, c, 2);
    return g;
}

static inline int ev_text_has(const capture *c, sqt_grid_ev_kind kind, const char *needle)
{
    size_t i;
    for (i = 0; i < c->ne; i++)
        if (c->ev[i].kind == kind && strstr(c->ev[i].text, needle) != NULL)
            return 1;
    return 0;
}

static inline size_t slot_info_at(const sqt_grid *g, sqt_grid_list which, const char *price,
                                  sqt_grid_slot_info *out)
{
    static sqt_grid_slot_info all[4096];
    size_t n = sqt_grid_list_slots(g, which, all, 4096), i;
    for (i = 0; i < n && i < 4096; i++) {
        if (dec_is(all[i].price, price)) {
            *out = all[i];
            return 1;
        }
    }
    memset(out, 0, sizeof *out);
    return 0;
}

/* The whole order of a place command filled in one push at its price, with a fee in
 * USDT. */
static inline void fill_whole(sqt_grid *g, const sqt_grid_cmd *c, const char *fee, int64_t now)
{
    sqt_order o;
    if (c == NULL) {
        CU_FAIL("no such place command");
        return;
    }
    o = mk_order(c->client_id, SQT_ORDER_FILLED, "0");
    o.side = c->req.side;
    o.price = c->req.price;
    o.qty = c->req.qty;
    o.filled_qty = c->req.qty;
    o.last_fill_qty = c->req.qty;
    o.last_fill_price = c->req.price;
    o.fee = D(fee);
    snprintf(o.fee_asset, sizeof o.fee_asset, "USDT");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &o, now), 0);
}

#endif
