/* The engine's state saved and restored (the journal's engine side): a restored grid
 * continues where the saved one stopped - sells at their original levels, cost basis,
 * realized PnL and fees kept - and a record that does not fit is refused whole. */
#include <stdlib.h>

#include "grid_test_util.h"

typedef struct saved_set {
    sqt_grid_saved meta;
    sqt_grid_saved_slot slots[256];
    size_t n;
} saved_set;

static int collect(void *ud, const sqt_grid_saved_slot *s)
{
    saved_set *ss = ud;
    if (ss->n >= 256)
        return -1;
    ss->slots[ss->n++] = *s;
    return 0;
}

static void save_all(const sqt_grid *g, saved_set *ss)
{
    memset(ss, 0, sizeof *ss);
    CU_ASSERT_EQUAL_FATAL(sqt_grid_save(g, &ss->meta), 0);
    CU_ASSERT_EQUAL_FATAL(sqt_grid_save_slots(g, collect, ss), 0);
}

static sqt_grid *restore_all(const sqt_grid_params *p, const saved_set *ss, const char *const *fin,
                             size_t nfin, int64_t now)
{
    sqt_grid *g = NULL;
    char err[256] = "";
    int rc;
    CU_ASSERT_EQUAL_FATAL(sqt_grid_new(p, &g, err, sizeof err), 0);
    rc = sqt_grid_restore(g, &ss->meta, ss->slots, ss->n, fin, nfin, now, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "    restore: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    return g;
}

/* Two buys filled at 2998 and 2996, their sells at 3000 and 2998 acknowledged. */
static sqt_grid *two_holdings(sqt_grid_params *p, capture *c)
{
    sqt_grid *g;
    const sqt_grid_cmd *b1, *b2;
    size_t i;
    e_params(p);
    g = grid_up(p, "3000.00");
    cap_clear(c);
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("2999.00"), 1), 0);
    cap_drain(g, c);
    ack_all(g, c, 2);
    b1 = cap_place_at(c, "2998.00");
    b2 = cap_place_at(c, "2996.00");
    CU_ASSERT_PTR_NOT_NULL_FATAL(b1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b2);
    fill_whole(g, b1, "0.006", 3);
    fill_whole(g, b2, "0.006", 3);
    CU_ASSERT_EQUAL(sqt_grid_adjust(g, 4), 0);
    cap_clear(c);
    cap_drain(g, c);
    for (i = 0; i < c->nc; i++)
        if (c->cmd[i].kind == SQT_GRID_CMD_PLACE && c->cmd[i].req.side == SQT_SIDE_SELL)
            place_ok(g, c->cmd[i].client_id, 5);
    CU_ASSERT_PTR_NOT_NULL(cap_place_at(c, "3000.00"));
    CU_ASSERT_PTR_NOT_NULL(cap_place_at(c, "2998.00"));
    ASSERT_INVARIANTS(g);
    return g;
}

/* A clean stop cancelled every order; the restart, with the price 23 below, sells at
 * the original levels (was: at the market, below cost). */
static void test_clean_restart_keeps_levels(void)
{
    static capture c;
    static saved_set ss;
    sqt_grid_params p;
    sqt_grid *g = two_holdings(&p, &c), *g2;
    sqt_grid_status st, st2;
    size_t i;
    /* cancel on exit: every order of ours cancelled, the stream confirms */
    cap_clear(&c);
    for (i = 0; i < 64; i++) {
        sqt_grid_slot_info si[64];
        size_t n = sqt_grid_list_slots(g, SQT_GRID_LIST_ORDERS, si, 64), j;
        if (n == 0)
            break;
        for (j = 0; j < n && j < 64; j++)
            push(g, si[j].client_id, SQT_ORDER_CANCELED, "0", 10);
    }
    cap_drain(g, &c);
    sqt_grid_get_status(g, &st);
    CU_ASSERT_EQUAL(st.live_buys + st.live_sells, 0);
    CU_ASSERT_EQUAL(st.holding_slots, 2);
    save_all(g, &ss);
    CU_ASSERT_EQUAL(ss.n, 2);

    g2 = restore_all(&p, &ss, NULL, 0, 100);
    ASSERT_INVARIANTS(g2);
    sqt_grid_get_status(g2, &st2);
    ASSERT_DEC(st2.position, "0.020");
    ASSERT_DEC(st2.anchor, "3000.00");
    CU_ASSERT_TRUE(dec_is(st2.fees_paid, "0.012"));
    /* the exchange: nothing open, the position as the journal says */
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g2, NULL, 0, &st.position, 101), 0);
    cap_clear(&c);
    cap_drain(g2, &c);
    CU_ASSERT_EQUAL(cap_events(&c, SQT_GRID_EV_RECOVERED), 0);
    CU_ASSERT_EQUAL(cap_events(&c, SQT_GRID_EV_POSITION_MISMATCH), 0);
    /* 2975: both levels are beyond the sell window - nothing is sold below cost */
    CU_ASSERT_EQUAL(sqt_grid_on_price(g2, D("2975.00"), 102), 0);
    cap_drain(g2, &c);
    CU_ASSERT_EQUAL(cap_count(&c, SQT_GRID_CMD_PLACE, SQT_SIDE_SELL), 0);
    CU_ASSERT_EQUAL(sqt_grid_on_price(g2, D("2985.00"), 103), 0);
    cap_drain(g2, &c);
    CU_ASSERT_PTR_NOT_NULL(cap_place_at(&c, "3000.00"));
    CU_ASSERT_PTR_NOT_NULL(cap_place_at(&c, "2998.00"));
    for (i = 0; i < c.nc; i++)
        if (c.cmd[i].kind == SQT_GRID_CMD_PLACE && c.cmd[i].req.side == SQT_SIDE_SELL) {
            int ok = 1;
            CU_ASSERT_TRUE(sqt_dec_cmp(c.cmd[i].req.price, D("2998.00"), &ok) >= 0);
        }
    ASSERT_INVARIANTS(g2);
    sqt_grid_free(g);
    sqt_grid_free(g2);
}

/* A kill while the sells rest: the restored engine owns them (no orphan cancel, no
 * second sell on the level); a sell that filled while the process was down is booked
 * from the query the missing-order rule sends, with its round trip. */
static void test_restore_with_live_orders(void)
{
    static capture c;
    static saved_set ss;
    sqt_grid_params p;
    sqt_grid *g = two_holdings(&p, &c), *g2;
    sqt_grid_slot_info si[64];
    sqt_order open[16], q;
    size_t n, i, no = 0;
    const char *gone = NULL;
    sqt_grid_status st;
    save_all(g, &ss);
    n = sqt_grid_list_slots(g, SQT_GRID_LIST_ORDERS, si, 64);
    g2 = restore_all(&p, &ss, NULL, 0, 50);
    ASSERT_INVARIANTS(g2);
    /* the exchange lists every order but the sell at 3000, which filled meanwhile */
    for (i = 0; i < n; i++) {
        if (si[i].side == SQT_SIDE_SELL && dec_is(si[i].order_price, "3000.00")) {
            gone = si[i].client_id;
            continue;
        }
        open[no++] = mk_open(si[i].client_id, si[i].side,
                             dec_str(si[i].order_price, (char[48]){0}, 48),
                             dec_str(si[i].order_qty, (char[48]){0}, 48), "0", SQT_ORDER_NEW);
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(gone);
    cap_clear(&c);
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g2, open, no, NULL, 51), 0);
    cap_drain(g2, &c);
    CU_ASSERT_EQUAL(cap_count(&c, SQT_GRID_CMD_CANCEL, SQT_SIDE_NONE), 0);
    CU_ASSERT_EQUAL(cap_events(&c, SQT_GRID_EV_ORPHAN), 0);
    CU_ASSERT_PTR_NOT_NULL(cap_cmd_for(&c, SQT_GRID_CMD_QUERY, gone));
    CU_ASSERT_EQUAL(sqt_grid_queries_inflight(g2), 1);
    /* the query's answer: filled at 3000 with its fee */
    q = mk_order(gone, SQT_ORDER_FILLED, "0.010");
    q.side = SQT_SIDE_SELL;
    q.price = D("3000.00");
    q.qty = D("0.010");
    q.avg_price = D("3000.00");
    q.has_cum_fee = 1;
    q.cum_fee = D("0.006");
    snprintf(q.fee_asset, sizeof q.fee_asset, "USDT");
    CU_ASSERT_EQUAL(sqt_grid_on_query_result(g2, gone, NULL, &q, 52), 0);
    cap_drain(g2, &c);
    CU_ASSERT_EQUAL(sqt_grid_queries_inflight(g2), 0);
    CU_ASSERT_EQUAL(cap_events(&c, SQT_GRID_EV_ROUND_TRIP), 1);
    sqt_grid_get_status(g2, &st);
    ASSERT_DEC(st.position, "0.010");
    CU_ASSERT_EQUAL(st.round_trips, 1);
    /* bought 0.010 at 2998 (fee 0.006), sold at 3000 (fee 0.006): 0.02 - 0.012 */
    ASSERT_DEC(st.realized_pnl, "0.008");
    ASSERT_INVARIANTS(g2);
    sqt_grid_free(g);
    sqt_grid_free(g2);
}

/* A placement sent but never answered before the kill is asked about at once. */
static void test_restore_queries_unanswered_place(void)
{
    static capture c;
    static saved_set ss;
    sqt_grid_params p;
    sqt_grid *g, *g2;
    size_t i, q = 0;
    e_params(&p);
    g = grid_up(&p, "3000.00");
    cap_clear(&c);
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("2999.00"), 1), 0);
    cap_drain(g, &c); /* places emitted, no answer yet: PENDING */
    save_all(g, &ss);
    g2 = restore_all(&p, &ss, NULL, 0, 10);
    cap_clear(&c);
    cap_drain(g2, &c);
    for (i = 0; i < c.nc; i++)
        q += c.cmd[i].kind == SQT_GRID_CMD_QUERY && c.cmd[i].reason == SQT_GRID_WHY_UNKNOWN;
    CU_ASSERT_EQUAL(q, ss.n);
    CU_ASSERT_TRUE(q > 0);
    CU_ASSERT_EQUAL(cap_count(&c, SQT_GRID_CMD_PLACE, SQT_SIDE_NONE), 0);
    /* each answer "unknown order" releases the slot; the next adjust places anew */
    for (i = 0; i < c.nc; i++) {
        sqt_error e;
        memset(&e, 0, sizeof e);
        e.code = SQT_EUNKNOWN_ORDER;
        CU_ASSERT_EQUAL(sqt_grid_on_query_result(g2, c.cmd[i].client_id, &e, NULL, 11), 0);
    }
    CU_ASSERT_EQUAL(sqt_grid_queries_inflight(g2), 0);
    ASSERT_INVARIANTS(g2);
    sqt_grid_free(g);
    sqt_grid_free(g2);
}

/* Unaccounted holdings are recovered at the first reconcile that knows the position,
 * also when the first one (restored, before missed fills were booked) did not. */
static void test_recovery_waits_for_known_position(void)
{
    static capture c;
    static saved_set ss;
    sqt_grid_params p;
    sqt_grid *g = two_holdings(&p, &c), *g2;
    sqt_grid_slot_info si[64];
    sqt_order open[16];
    size_t n, i;
    save_all(g, &ss);
    n = sqt_grid_list_slots(g, SQT_GRID_LIST_ORDERS, si, 64);
    for (i = 0; i < n; i++)
        open[i] = mk_open(si[i].client_id, si[i].side, dec_str(si[i].order_price, (char[48]){0}, 48),
                          dec_str(si[i].order_qty, (char[48]){0}, 48), "0", SQT_ORDER_NEW);
    g2 = restore_all(&p, &ss, NULL, 0, 10);
    cap_clear(&c);
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g2, open, n, NULL, 11), 0);
    cap_drain(g2, &c);
    CU_ASSERT_EQUAL(cap_events(&c, SQT_GRID_EV_RECOVERED), 0);
    /* the exchange holds 0.010 more than the slots (bought outside the bot) */
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g2, open, n, &(sqt_dec){3, 2, 0}, 12), 0);
    cap_drain(g2, &c);
    CU_ASSERT_TRUE(cap_events(&c, SQT_GRID_EV_RECOVERED) >= 1);
    ASSERT_INVARIANTS(g2);
    sqt_grid_free(g);
    sqt_grid_free(g2);
}

static void expect_refused(const sqt_grid_params *p, const saved_set *ss, const char *needle)
{
    sqt_grid *g = NULL;
    sqt_grid_status st;
    char err[256] = "";
    CU_ASSERT_EQUAL_FATAL(sqt_grid_new(p, &g, err, sizeof err), 0);
    CU_ASSERT_EQUAL(sqt_grid_restore(g, &ss->meta, ss->slots, ss->n, NULL, 0, 1, err, sizeof err),
                    SQT_EINVAL);
    if (strstr(err, needle) == NULL)
        fprintf(stderr, "    message '%s' lacks '%s'\n", err, needle);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
    sqt_grid_get_status(g, &st);
    CU_ASSERT_EQUAL(st.started, 0);
    CU_ASSERT_EQUAL(st.slots, 0);
    sqt_grid_free(g);
}

/* Every kind of record that does not fit is refused whole, with the reason. */
static void test_restore_refusals(void)
{
    static capture c;
    static saved_set ss, bad;
    sqt_grid_params p, p2;
    sqt_grid *g = two_holdings(&p, &c);
    size_t sell = 0;
    save_all(g, &ss);
    while (sell < ss.n && !(ss.slots[sell].has_order && ss.slots[sell].o.side == SQT_SIDE_SELL))
        sell++;
    CU_ASSERT_FATAL(sell < ss.n);

    p2 = p;
    p2.price_interval = D("3");
    expect_refused(&p2, &ss, "price interval of 200 ticks");
    p2 = p;
    p2.tick_size = D("0.1");
    p2.price_interval = D("2");
    expect_refused(&p2, &ss, "tick or step");

    bad = ss;
    bad.slots[1] = bad.slots[0];
    bad.meta.position = 2 * bad.slots[0].qty;
    expect_refused(&p, &bad, "twice");
    bad = ss;
    bad.meta.position += 1;
    expect_refused(&p, &bad, "not the sum");
    bad = ss;
    bad.slots[sell].o.price += 1;
    expect_refused(&p, &bad, "not the level's");
    bad = ss;
    bad.slots[sell].o.cid[0] = 'X';
    expect_refused(&p, &bad, "order id");
    bad = ss;
    bad.slots[sell].qty += 1;
    bad.meta.position += 1;
    expect_refused(&p, &bad, "not the holding");
    bad = ss;
    snprintf(bad.slots[0].cost, sizeof bad.slots[0].cost, "12x");
    expect_refused(&p, &bad, "unreadable");
    bad = ss;
    snprintf(bad.meta.realized_gross, sizeof bad.meta.realized_gross, "%s", "");
    expect_refused(&p, &bad, "totals");
    bad = ss;
    bad.slots[sell].o.state = 9;
    expect_refused(&p, &bad, "state");
    sqt_grid_free(g);
}

/* Late pushes of orders the previous run saw end are ignored (no orphan cancel). */
static void test_restore_finished_ids(void)
{
    static capture c;
    static saved_set ss;
    sqt_grid_params p;
    sqt_grid *g, *g2;
    sqt_grid_status st;
    const char *fin[1];
    char cid[SQT_CLIENT_ID_MAX];
    e_params(&p);
    g = grid_up(&p, "3000.00");
    save_all(g, &ss);
    snprintf(cid, sizeof cid, "%s", "T1-B6fwg-zz");
    fin[0] = cid;
    g2 = restore_all(&p, &ss, fin, 1, 5);
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g2, NULL, 0, NULL, 6), 0);
    push(g2, cid, SQT_ORDER_CANCELED, "0", 7);
    cap_clear(&c);
    cap_drain(g2, &c);
    CU_ASSERT_EQUAL(cap_count(&c, SQT_GRID_CMD_CANCEL, SQT_SIDE_NONE), 0);
    sqt_grid_get_status(g2, &st);
    CU_ASSERT_TRUE(st.ignored_updates >= 1);
    sqt_grid_free(g);
    sqt_grid_free(g2);
}

/* ---- the journal's marks --------------------------------------------------------
 * A save reports only the slots the engine touched since the last one. Each case below
 * is a report that changes one field of a slot's record and nothing else the other
 * touches would cover: the next save must report the slot as it is now (and
 * sqt_grid__save_audit, in ASSERT_INVARIANTS, must find nothing untouched). */

static const char writer = 0; /* the journal's handle: the owner of the saves */

/* A save as the journal makes it: the report (into ss), then the mark. */
static int save_turn(sqt_grid *g, saved_set *ss)
{
    int rc;
    memset(ss, 0, sizeof *ss);
    rc = sqt_grid_save_changed(g, &writer, 0, collect, ss);
    CU_ASSERT_TRUE(rc >= 0);
    sqt_grid_save_mark(g, &writer);
    return rc;
}

/* The save after one engine call reports the slot at `level`, as the engine has it. */
static void reported(sqt_grid *g, const char *level, const char *what)
{
    static saved_set now, all;
    size_t i, j;
    int found = 0;
    ASSERT_INVARIANTS(g);
    CU_ASSERT_EQUAL(save_turn(g, &now), 0);
    save_all(g, &all);
    for (i = 0; i < now.n; i++) {
        if (!dec_is(now.slots[i].level, level))
            continue;
        for (j = 0; j < all.n && all.slots[j].k != now.slots[i].k; j++) {
        }
        found = j < all.n && saved_slot_same(&now.slots[i], &all.slots[j]);
    }
    if (!found)
        fprintf(stderr, "    %s: the save did not report slot %s as it is\n", what, level);
    CU_ASSERT_TRUE(found);
}

static sqt_order fill_report(const sqt_grid_cmd *b, sqt_order_status st, const char *filled,
                             const char *last, const char *fee, const char *asset)
{
    sqt_order o = mk_order(b->client_id, st, filled);
    o.side = b->req.side;
    o.price = b->req.price;
    o.qty = b->req.qty;
    if (last != NULL) {
        o.last_fill_qty = D(last);
        o.last_fill_price = b->req.price;
    }
    o.fee = D(fee);
    snprintf(o.fee_asset, sizeof o.fee_asset, "%s", asset);
    return o;
}

static void test_marks_cover_every_change(void)
{
    static capture c;
    static saved_set ss;
    sqt_grid_params p;
    sqt_grid *g;
    const sqt_grid_cmd *b1, *b2, *b3;
    sqt_order o;
    e_params(&p);
    g = grid_up(&p, "3000.00");
    cap_clear(&c);
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("3000.50"), 1), 0);
    cap_drain(g, &c);
    b1 = cap_place_at(&c, "2998.00");
    b2 = cap_place_at(&c, "2996.00");
    b3 = cap_place_at(&c, "2994.00");
    CU_ASSERT_PTR_NOT_NULL_FATAL(b1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b3);
    CU_ASSERT_EQUAL(save_turn(g, &ss), 1); /* the first save is every slot */
    CU_ASSERT_EQUAL(ss.n, 10);
    CU_ASSERT_EQUAL(save_turn(g, &ss), 0); /* nothing changed: nothing reported */
    CU_ASSERT_EQUAL(ss.n, 0);

    /* a place answer without details: PENDING -> PLACED, nothing else */
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, b1->client_id, NULL, NULL, 2), 0);
    reported(g, "2998.00", "acknowledged without details");
    /* a push NEW without an exchange id: PLACED -> CONFIRMED */
    o = mk_order(b1->client_id, SQT_ORDER_NEW, "0");
    o.order_id[0] = '\0';
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &o, 3), 0);
    reported(g, "2998.00", "confirmed");
    /* the exchange's id comes later, in the same state */
    o = mk_order(b1->client_id, SQT_ORDER_NEW, "0");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &o, 4), 0);
    reported(g, "2998.00", "exchange id");
    /* a partial fill with its fee in USDT */
    o = fill_report(b1, SQT_ORDER_PARTIALLY_FILLED, "0.004", "0.004", "0.003", "USDT");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &o, 5), 0);
    reported(g, "2998.00", "partial fill");
    /* a cumulative fee of the other sign, no new fill: the order's fee_nocum only */
    o = fill_report(b1, SQT_ORDER_PARTIALLY_FILLED, "0.004", NULL, "0", "USDT");
    o.has_cum_fee = 1;
    o.cum_fee = D("-0.001");
    CU_ASSERT_EQUAL(sqt_grid_on_query_result(g, b1->client_id, NULL, &o, 6), 0);
    reported(g, "2998.00", "cumulative fee of the other sign");
    /* a second partial fill whose fee is in BNB: only the fill books to the slot */
    o = fill_report(b1, SQT_ORDER_PARTIALLY_FILLED, "0.006", "0.002", "0.00001", "BNB");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &o, 7), 0);
    reported(g, "2998.00", "fill with a BNB fee");

    /* a fee alone, beyond what the pushes told, in BNB: the order's fee_seen only */
    place_ok(g, b2->client_id, 8);
    o = fill_report(b2, SQT_ORDER_PARTIALLY_FILLED, "0.003", "0.003", "0.00001", "BNB");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &o, 9), 0);
    reported(g, "2996.00", "partial fill in BNB");
    o = fill_report(b2, SQT_ORDER_PARTIALLY_FILLED, "0.003", NULL, "0", "BNB");
    o.has_cum_fee = 1;
    o.cum_fee = D("0.00003");
    CU_ASSERT_EQUAL(sqt_grid_on_query_result(g, b2->client_id, NULL, &o, 10), 0);
    reported(g, "2996.00", "cumulative fee beyond the pushes'");

    /* a place answer that saw fills but no fee, then the push of that fill with a zero
     * fee: the order's range of bare fills moves, nothing else */
    o = fill_report(b3, SQT_ORDER_PARTIALLY_FILLED, "0.004", NULL, "0", "USDT");
    CU_ASSERT_EQUAL(sqt_grid_on_place_result(g, b3->client_id, NULL, &o, 11), 0);
    reported(g, "2994.00", "filled in the place answer");
    o = fill_report(b3, SQT_ORDER_PARTIALLY_FILLED, "0.004", "0.004", "0", "USDT");
    CU_ASSERT_EQUAL(sqt_grid_on_order_update(g, &o, 12), 0);
    reported(g, "2994.00", "the push of a bare fill");

    /* a cancel that failed for now: cancel_req only */
    {
        sqt_error e;
        memset(&e, 0, sizeof e);
        e.code = SQT_ENETWORK;
        CU_ASSERT_EQUAL(sqt_grid_on_cancel_result(g, b2->client_id, &e, 13), 0);
        reported(g, "2996.00", "cancel failed for now");
    }
    sqt_grid_free(g);
}

/* A continued grid's reconciles: an open order of ours the engine lost track of is
 * adopted, and unaccounted holdings recovered, into slots that exist already (idle in
 * the window after a rejected buy): no slot is created, so only adopt's and recovery's
 * own touches tell the journal. */
static void test_marks_adopt_recover(void)
{
    static capture c;
    static saved_set ss;
    static sqt_order open[32];
    sqt_grid_params p;
    sqt_grid *g0, *g;
    sqt_clientid id;
    char cid[SQT_CLIENT_ID_MAX];
    sqt_dec pos = D("0.030");
    size_t i, n = 0;
    e_params(&p);
    g0 = grid_up(&p, "3000.00");
    save_all(g0, &ss);
    g = restore_all(&p, &ss, NULL, 0, 1);
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g, NULL, 0, NULL, 2), 0); /* no position yet */
    cap_clear(&c);
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("3010.00"), 3), 0);
    cap_drain(g, &c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap_place_at(&c, "3002.00"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap_place_at(&c, "3004.00"));
    for (i = 0; i < c.nc; i++) {
        const sqt_grid_cmd *b = &c.cmd[i];
        if (b->kind != SQT_GRID_CMD_PLACE)
            continue;
        if (dec_is(b->req.price, "3002.00") || dec_is(b->req.price, "3004.00")) {
            place_err(g, b->client_id, SQT_EEXCHANGE, 4); /* the slot stays, idle */
            continue;
        }
        place_ok(g, b->client_id, 4);
        open[n++] = mk_open(b->client_id, SQT_SIDE_BUY, dec_str(b->req.price, (char[48]){0}, 48),
                            dec_str(b->req.qty, (char[48]){0}, 48), "0", SQT_ORDER_NEW);
    }
    ASSERT_INVARIANTS(g);
    CU_ASSERT_EQUAL(save_turn(g, &ss), 1);
    /* a buy of ours at 3002 the engine does not know: adopted into the idle slot */
    id.side = SQT_SIDE_BUY;
    id.price_ticks = 300200;
    id.seq = p.id_seed + 777;
    CU_ASSERT_TRUE_FATAL(sqt_clientid_encode("T1", &id, 26, cid, sizeof cid) > 0);
    open[n++] = mk_open(cid, SQT_SIDE_BUY, "3002.00", "0.009", "0", SQT_ORDER_NEW);
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g, open, n, NULL, 5), 0);
    reported(g, "3002.00", "adopted into an idle slot");
    /* the position shows 30 steps no slot holds: recovered from level 1 up, the idle
     * slot at 3004 first */
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g, open, n, &pos, 6), 0);
    reported(g, "3004.00", "recovered into an idle slot");
    sqt_grid_free(g0);
    sqt_grid_free(g);
}

/* The contract of sqt_grid_save_mark: no engine call between a report and its mark. A
 * writer that breaks it (a slot changed, or deleted, after the report) gets a full save
 * next, never a journal that silently lacks the change. */
static void test_marks_change_before_mark(void)
{
    static capture c;
    static saved_set ss, all;
    sqt_grid_params p;
    sqt_grid *g;
    const sqt_grid_cmd *b;
    size_t i, j;
    e_params(&p);
    g = grid_e1_live(&p, &c);
    b = cap_place_at(&c, "2998.00");
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(save_turn(g, &ss), 1);
    /* a fill comes between the report and its mark */
    memset(&ss, 0, sizeof ss);
    CU_ASSERT_EQUAL(sqt_grid_save_changed(g, &writer, 0, collect, &ss), 0);
    fill_whole(g, b, "0.006", 3);
    sqt_grid_save_mark(g, &writer);
    CU_ASSERT_FALSE(sqt_grid_save_synced(g, &writer));
    CU_ASSERT_EQUAL(save_turn(g, &ss), 1); /* every slot, the filled one as it is */
    save_all(g, &all);
    CU_ASSERT_EQUAL(ss.n, all.n);
    for (i = 0; i < all.n; i++) {
        for (j = 0; j < ss.n && ss.slots[j].k != all.slots[i].k; j++) {
        }
        CU_ASSERT_TRUE(j < ss.n && saved_slot_same(&ss.slots[j], &all.slots[i]));
    }
    CU_ASSERT_TRUE(sqt_grid_save_synced(g, &writer));
    /* a slot deleted between the report and its mark: the lowest buy, cancelled after
     * the window moved away from it */
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("3060.00"), 4), 0);
    cap_clear(&c);
    cap_drain(g, &c);
    CU_ASSERT_EQUAL(save_turn(g, &ss), 0);
    memset(&ss, 0, sizeof ss);
    CU_ASSERT_EQUAL(sqt_grid_save_changed(g, &writer, 0, collect, &ss), 0);
    for (i = 0; i < c.nc && c.cmd[i].kind != SQT_GRID_CMD_CANCEL; i++) {
    }
    CU_ASSERT_TRUE_FATAL(i < c.nc);
    push(g, c.cmd[i].client_id, SQT_ORDER_CANCELED, "0", 5);
    CU_ASSERT_PTR_NULL(sqt_grid__slot(g, c.cmd[i].slot)); /* pruned */
    sqt_grid_save_mark(g, &writer);
    CU_ASSERT_FALSE(sqt_grid_save_synced(g, &writer));
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"clean restart: sells at their original levels", test_clean_restart_keeps_levels},
        {"restore with live orders; a fill while down is booked", test_restore_with_live_orders},
        {"an unanswered placement is queried at once", test_restore_queries_unanswered_place},
        {"recovery waits for a known position", test_recovery_waits_for_known_position},
        {"every record that does not fit is refused", test_restore_refusals},
        {"finished ids of the previous run", test_restore_finished_ids},
        {"the journal's marks cover every change of a slot's record", test_marks_cover_every_change},
        {"the journal's marks: adopt and recovery into existing slots", test_marks_adopt_recover},
        {"a change between a report and its mark: the next save is full", test_marks_change_before_mark},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("grid persist", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
