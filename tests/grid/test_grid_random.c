/* Randomised sequences against a tiny exchange model: random price walks, partial and
 * full fills, duplicate / late / reordered / lost pushes, REST results before and
 * after pushes, cancel races, rejections (post-only, margin, unknown outcome), risk
 * pauses, the cleaner, reconciles. After EVERY engine call:
 *  - sqt_grid_check_invariants (one order per slot, indexes, position == sum of slots,
 *    sell qty == its slot's qty, prices on the grid ...);
 *  - every command is sane: prices on the tick, quantities on the step, no buy below
 *    min qty / min notional, sells reduce-only at exactly slot + I and sellable;
 *  - order states only move forward;
 *  - the exchange never holds two live orders of one slot, a reduce-only sell never
 *    oversells.
 * At quiet points (all messages delivered, nothing lost since the last reconcile) and
 * at the end of every case the engine's position equals the exchange's and both sides
 * agree on which orders are live. Some cases change the position outside the bot (a
 * manual close, a partial sale, a buy by hand; a close expires or cancels the resting
 * reduce-only sells, as exchanges do): the engine must repair it by the next quiet
 * point, and never repair anything in a case without such a change. Rules refusals
 * (price band) and reduce-only refusals (no position) park slots. A journal in memory
 * saves the engine's changed slots after every call (see journal_save). Seeded: a
 * failure prints its seed (SQT_GRID_SEED=N replays it; SQT_GRID_SEEDS=FIRST-LAST runs
 * other cases than the default 1-1500). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid_internal.h"
#include "grid_test_util.h"

#define MAXO 4096
#define MAXM 1024

static uint64_t rng;
static uint64_t seen_ev[SQT_GRID_EV_LAST + 1]; /* coverage of the run */
static uint64_t seen_case[SQT_GRID_EV_LAST + 1]; /* the same, this case */
static int trace; /* SQT_GRID_TRACE=1 with SQT_GRID_SEED: print the run */
static uint64_t digest;  /* every command and event of a case, hashed */
static int full_work;    /* the engine does all its work: no buy-pass memo, a timeout scan
                          * on every tick (what it may skip must change nothing) */

static void digest_add(const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;
    for (i = 0; i < n; i++)
        digest = (digest ^ b[i]) * 0x100000001b3ull;
}

static uint64_t ev_kinds = SQT_GRID_EV_ALL;    /* what the engine is told to build */
static uint64_t digest_kinds = SQT_GRID_EV_ALL; /* the events the digest takes */
static int ev_unwanted;  /* events of a kind outside ev_kinds seen (must stay 0) */

static void full_work_set(sqt_grid *g)
{
    if (g != NULL)
        sqt_grid_set_events(g, ev_kinds);
    if (g != NULL && full_work) {
        g->memo_off = 1;
        g->watch_off = 1;
    }
}

static uint64_t rnd(void)
{
    return sqt_test_xorshift(&rng);
}

static int64_t rr(int64_t lo, int64_t hi) /* inclusive */
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static int chance(int pct)
{
    return (int)(rnd() % 100) < pct;
}

/* ---- exchange model ----------------------------------------------------------- */

typedef struct xorder {
    char cid[SQT_CLIENT_ID_MAX];
    char oid[SQT_ORDER_ID_MAX];
    sqt_side side;
    int post_only;
    int64_t price, qty, filled; /* ticks, steps */
    sqt_order_status status;
    int live;
    int exists;                /* the exchange accepted it (else only the id is known) */
    int64_t slot_ticks;
    int64_t last_fill;
    int64_t fee_total;         /* every fill's fee, 1e-8 USDT */
    int64_t fee_base;          /* fee_total when the current engine started */
    uint8_t seen_state;        /* forward-only check: last engine state seen */
} xorder;

enum { M_PUSH = 1, M_PLACE, M_CANCEL, M_QUERY };

typedef struct msg {
    int kind;
    int64_t due;
    char cid[SQT_CLIENT_ID_MAX];
    sqt_error err;
    int has_order;
    sqt_order o;
} msg;

typedef struct world {
    sqt_grid_params p;
    sqt_grid *g;
    int64_t now, step;
    int64_t market;            /* ticks */
    int64_t I;                 /* ticks */
    int64_t position;          /* steps */
    xorder o[MAXO];
    size_t no;
    msg m[MAXM];
    size_t nm;
    int lost;                  /* pushes lost since the last reconcile */
    int outside;               /* the position was changed outside the bot in this case */
    int faults;                /* random failures on */
    uint64_t seed;
    int failed;
} world;

static world W;

/* cond is evaluated exactly once */
#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        int ok_ = (cond) ? 1 : 0;                                                          \
        if (!ok_ && !W.failed) {                                                           \
            W.failed = 1;                                                                  \
            fprintf(stderr, "    seed %llu step %lld: ", (unsigned long long)W.seed,       \
                    (long long)W.step);                                                    \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
        }                                                                                  \
        CU_ASSERT_TRUE(ok_);                                                               \
    } while (0)

/* client id -> order: open addressing over W.o indexes + 1 (0 = empty) */
#define XMAP (MAXO * 4)
static uint32_t xmap[XMAP];

static size_t xhash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return (size_t)(h & (XMAP - 1));
}

static xorder *xfind(const char *cid)
{
    size_t i;
    for (i = xhash(cid); xmap[i] != 0; i = (i + 1) & (XMAP - 1))
        if (strcmp(W.o[xmap[i] - 1].cid, cid) == 0)
            return &W.o[xmap[i] - 1];
    return NULL;
}

static void xindex(size_t idx)
{
    size_t i;
    for (i = xhash(W.o[idx].cid); xmap[i] != 0; i = (i + 1) & (XMAP - 1)) {
    }
    xmap[i] = (uint32_t)(idx + 1);
}

static sqt_order snap(const xorder *x)
{
    sqt_order o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    snprintf(o.symbol, sizeof o.symbol, "ETHUSDT");
    memcpy(o.client_id, x->cid, sizeof o.client_id);
    memcpy(o.order_id, x->oid, sizeof o.order_id);
    o.side = x->side;
    o.status = x->status;
    o.tif = x->post_only ? SQT_TIF_POST_ONLY : SQT_TIF_GTC;
    o.reduce_only = x->side == SQT_SIDE_SELL;
    o.price = sqt_dec_make(x->price, 2);
    o.qty = sqt_dec_make(x->qty, 3);
    o.filled_qty = sqt_dec_make(x->filled, 3);
    if (x->last_fill > 0) {
        o.last_fill_qty = sqt_dec_make(x->last_fill, 3);
        o.last_fill_price = o.price;
        o.fee = sqt_dec_make(x->last_fill * x->price / 50, 8);
        snprintf(o.fee_asset, sizeof o.fee_asset, "USDT");
    }
    return o;
}

/* A REST answer that knows the order's total fee (ABI 1.1), as the Binance plugin's
 * trade-list follow-up reports it: sometimes, like a plugin whose lookup failed. */
static sqt_order snap_rest(const xorder *x)
{
    sqt_order o = snap(x);
    o.last_fill_qty = sqt_dec_make(0, 3);
    o.fee = sqt_dec_make(0, 8);
    if (chance(70)) {
        o.has_cum_fee = 1;
        o.cum_fee = sqt_dec_make(x->fee_total, 8);
        snprintf(o.fee_asset, sizeof o.fee_asset, "USDT");
    }
    return o;
}

static msg *enqueue(int kind, const char *cid, int64_t delay)
{
    msg *m;
    if (W.nm >= MAXM)
        return NULL;
    m = &W.m[W.nm++];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->due = W.step + delay;
    snprintf(m->cid, sizeof m->cid, "%s", cid);
    return m;
}

static int64_t delay(void)
{
    return W.faults ? rr(0, chance(20) ? 12 : 3) : 0;
}

/* A push of the order's current state: maybe lost, maybe duplicated. */
static void push_state(xorder *x)
{
    msg *m;
    if (W.faults && chance(4)) {
        W.lost = 1;
        return;
    }
    m = enqueue(M_PUSH, x->cid, delay());
    if (m == NULL)
        return;
    m->has_order = 1;
    m->o = snap(x);
    if (W.faults && chance(5)) { /* a duplicate, usually late */
        msg copy = *m;
        msg *d = enqueue(M_PUSH, x->cid, 0);
        if (d != NULL) {
            *d = copy;
            d->due = W.step + delay() + 2;
        }
    }
}

/* A resting reduce-only sell with nothing left to reduce: the exchange ends it. */
static void reduce_only_end(xorder *x)
{
    x->live = 0;
    x->status = chance(50) ? SQT_ORDER_EXPIRED : SQT_ORDER_CANCELED;
    x->last_fill = 0;
    push_state(x);
}

static void fill(xorder *x, int64_t q)
{
    if (x->side == SQT_SIDE_SELL && !W.outside)
        CHECK(W.position >= q, "reduce-only sell %s oversells: position %lld, fill %lld", x->cid,
              (long long)W.position, (long long)q);
    x->filled += q;
    x->last_fill = q;
    x->fee_total += q * x->price / 50; /* as snap() reports each fill's fee */
    W.position += x->side == SQT_SIDE_BUY ? q : -q;
    x->status = x->filled == x->qty ? SQT_ORDER_FILLED : SQT_ORDER_PARTIALLY_FILLED;
    x->live = x->filled < x->qty;
    push_state(x);
}

/* A fill as the exchange makes it: a reduce-only sell never beyond the position. */
static void fill_capped(xorder *x, int64_t q)
{
    if (x->side == SQT_SIDE_SELL && q > W.position)
        q = W.position;
    if (q == 0)
        reduce_only_end(x);
    else
        fill(x, q);
}

static void match(void)
{
    size_t i;
    for (i = 0; i < W.no; i++) {
        xorder *x = &W.o[i];
        int cross;
        if (!x->live)
            continue;
        cross = x->side == SQT_SIDE_BUY ? W.market <= x->price : W.market >= x->price;
        if (!cross || (W.faults && chance(30)))
            continue;
        fill_capped(x, chance(50) ? x->qty - x->filled : rr(1, x->qty - x->filled));
    }
}

static void check_live_per_slot(void)
{
    static size_t live[MAXO];
    size_t i, j, n = 0;
    for (i = 0; i < W.no; i++)
        if (W.o[i].live)
            live[n++] = i;
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            CHECK(W.o[live[j]].slot_ticks != W.o[live[i]].slot_ticks,
                  "two live orders for slot %lld: %s and %s", (long long)W.o[live[i]].slot_ticks,
                  W.o[live[i]].cid, W.o[live[j]].cid);
}

static int64_t ticks_of(sqt_dec d)
{
    sqt_dec r = sqt_dec_make(0, 0);
    CHECK(sqt_dec_rescale(d, 2, &r) == SQT_OK, "price off the tick");
    return r.mant;
}

static int64_t steps_of(sqt_dec d)
{
    sqt_dec r = sqt_dec_make(0, 0);
    CHECK(sqt_dec_rescale(d, 3, &r) == SQT_OK, "quantity off the step");
    return r.mant;
}

static void do_place(const sqt_grid_cmd *c)
{
    const sqt_order_req *r = &c->req;
    sqt_clientid id;
    int64_t price = ticks_of(r->price), qty = steps_of(r->qty);
    /* in ticks*steps (1e-5 quote); both minimums are whole numbers in this test */
    int64_t min_notional = W.p.min_notional.mant * 100000;
    int64_t mov = W.p.min_order_value.mant * 100000;
    xorder *x;
    msg *m;
    int placed = 1;

    CHECK(sqt_clientid_decode("R1", r->client_id, &id) == 0, "undecodable id %s", r->client_id);
    CHECK(id.side == r->side, "id side differs");
    CHECK(qty >= 1 && qty >= steps_of(W.p.min_qty), "qty below min qty");
    if (r->side == SQT_SIDE_BUY) {
        CHECK(price == id.price_ticks, "buy off its slot price");
        CHECK(price * qty >= min_notional, "buy below min notional");
        CHECK(!r->reduce_only, "buy reduce-only");
    } else {
        CHECK(price == id.price_ticks + W.I, "sell %lld not at slot %lld + I", (long long)price,
              (long long)id.price_ticks);
        CHECK(price * qty >= mov, "sell below min_order_value");
        CHECK(r->reduce_only, "sell not reduce-only");
    }
    CHECK(xfind(r->client_id) == NULL, "client id %s reused", r->client_id);
    if (W.no >= MAXO)
        return;
    m = enqueue(M_PLACE, r->client_id, delay());
    if (m == NULL)
        return;
    x = &W.o[W.no++]; /* known by id from now on; exists only if accepted */
    memset(x, 0, sizeof *x);
    memcpy(x->cid, r->client_id, sizeof x->cid);
    snprintf(x->oid, sizeof x->oid, "%zu", W.no);
    x->side = r->side;
    x->post_only = r->tif == SQT_TIF_POST_ONLY;
    x->price = price;
    x->qty = qty;
    x->slot_ticks = id.price_ticks;
    xindex(W.no - 1);
    if (W.faults && chance(3)) {
        m->err.code = SQT_EMARGIN;
        return;
    }
    if (W.faults && chance(3)) {
        m->err.code = SQT_EEXCHANGE;
        return;
    }
    if ((W.faults && chance(2)) || (r->side == SQT_SIDE_SELL && W.position == 0)) {
        m->err.code = SQT_ERULES; /* a price band, or a reduce-only sell with nothing to reduce */
        return;
    }
    if (r->tif == SQT_TIF_POST_ONLY &&
        (r->side == SQT_SIDE_BUY ? price >= W.market : price <= W.market)) {
        m->err.code = SQT_EPOST_ONLY;
        return;
    }
    if (W.faults && chance(3)) {
        m->err.code = SQT_EUNKNOWN_STATUS; /* placed or not: only a query knows */
        placed = chance(50);
    }
    if (!placed)
        return;
    x->exists = 1;
    x->status = SQT_ORDER_NEW;
    x->live = 1;
    if (m->err.code == SQT_OK) {
        m->has_order = 1;
        m->o = snap(x);
    }
    push_state(x);
    if (!x->post_only && (x->side == SQT_SIDE_BUY ? W.market <= price : W.market >= price)) {
        fill_capped(x, qty); /* a taker fill at once */
        if (m->err.code == SQT_OK && chance(50))
            m->o = snap(x);
    }
    check_live_per_slot();
}

static void do_cancel(const sqt_grid_cmd *c)
{
    xorder *x = xfind(c->client_id);
    msg *m = enqueue(M_CANCEL, c->client_id, delay());
    if (m == NULL)
        return;
    if (W.faults && chance(5)) {
        m->err.code = SQT_ENETWORK;
        return;
    }
    if (x == NULL || !x->live) {
        m->err.code = SQT_EUNKNOWN_ORDER;
        return;
    }
    x->live = 0;
    x->status = SQT_ORDER_CANCELED;
    x->last_fill = 0;
    push_state(x);
}

static void do_query(const sqt_grid_cmd *c)
{
    xorder *x = xfind(c->client_id);
    msg *m = enqueue(M_QUERY, c->client_id, delay());
    if (m == NULL)
        return;
    if (W.faults && chance(5)) {
        m->err.code = SQT_ENETWORK;
        return;
    }
    if (x == NULL || !x->exists) {
        m->err.code = SQT_EUNKNOWN_ORDER;
        return;
    }
    m->has_order = 1;
    m->o = snap_rest(x);
}

static void check_forward(void)
{
    static sqt_grid_slot_info si[1024];
    size_t n = sqt_grid_list_slots(W.g, SQT_GRID_LIST_ORDERS, si, 1024), i;
    for (i = 0; i < n && i < 1024; i++) {
        xorder *x = xfind(si[i].client_id);
        CHECK(x != NULL, "engine order %s was never placed", si[i].client_id);
        if (x == NULL)
            continue;
        CHECK(si[i].order_state >= x->seen_state, "state of %s went back %d -> %d",
              si[i].client_id, x->seen_state, si[i].order_state);
        x->seen_state = (uint8_t)si[i].order_state;
    }
}

/* ---- a journal in memory -------------------------------------------------------
 * The rows a journal holds: sqt_grid_save_changed's reports applied as journal.c applies
 * them (a full report replaces every row; qty 0 without an order removes one), kept only
 * when the write commits (then sqt_grid_save_mark). Some writes fail midway or are rolled
 * back (no mark): the next save must bring those changes too. Now and then a second
 * writer saves (a new journal handle: a full report). After every commit the rows are a
 * full save of the engine, record for record; after every engine call the engine's
 * marks cover every slot that changed since (sqt_grid__save_audit). Its own random
 * sequence: the run's commands and events stay those of the seed. */
#define JROWS 2048

typedef struct jrows {
    sqt_grid_saved_slot r[JROWS];
    size_t n;
    int fail_at;               /* the write fails at this record (-1: never) */
} jrows;

static jrows jfile, jpend, jeng;
static uint64_t jrng;
static const char jwriter[2] = {0, 0};
static const void *jowner = &jwriter[0];
static uint64_t jcommits, jpartial; /* coverage: commits, of them reports of changes only */

static int jchance(int pct)
{
    return (int)(sqt_test_xorshift(&jrng) % 100) < pct;
}

static int jcollect(void *ud, const sqt_grid_saved_slot *r)
{
    jrows *x = ud;
    if (x->fail_at >= 0 && (size_t)x->fail_at == x->n)
        return -1000; /* the write failed here */
    if (x->n == JROWS)
        return SQT_ENOMEM;
    x->r[x->n++] = *r;
    return 0;
}

static size_t jfind(int64_t k)
{
    size_t i;
    for (i = 0; i < jfile.n && jfile.r[i].k != k; i++) {
    }
    return i;
}

static void journal_save(void)
{
    size_t i;
    int rc;
    if (W.g == NULL || W.failed || !jchance(60))
        return;
    if (jchance(2)) /* another handle writes */
        jowner = jowner == &jwriter[0] ? &jwriter[1] : &jwriter[0];
    jpend.n = 0;
    jpend.fail_at = jchance(5) ? (int)(jrng % 4) : -1;
    rc = sqt_grid_save_changed(W.g, jowner, jchance(1), jcollect, &jpend);
    CHECK(rc >= 0 || rc == -1000, "save_changed returned %d", rc);
    if (rc < 0 || jchance(5))
        return; /* the write failed, or its commit: rolled back, nothing marked */
    if (rc == 1)
        jfile.n = 0;
    else
        jpartial++;
    for (i = 0; i < jpend.n; i++) {
        const sqt_grid_saved_slot *r = &jpend.r[i];
        size_t at = jfind(r->k);
        if (r->qty == 0 && !r->has_order) {
            CHECK(at < jfile.n, "removal of slot %lld the journal does not hold", (long long)r->k);
            if (at < jfile.n)
                jfile.r[at] = jfile.r[--jfile.n];
            continue;
        }
        CHECK(rc == 1 || at < jfile.n || jfile.n < JROWS, "journal full");
        if (at == jfile.n)
            jfile.n++;
        jfile.r[at] = *r;
    }
    sqt_grid_save_mark(W.g, jowner);
    jcommits++;
    /* the file is the engine */
    jeng.n = 0;
    jeng.fail_at = -1;
    CHECK(sqt_grid_save_slots(W.g, jcollect, &jeng) == 0, "save_slots");
    CHECK(jeng.n == jfile.n, "journal holds %zu slots, the engine %zu", jfile.n, jeng.n);
    for (i = 0; i < jeng.n && !W.failed; i++) {
        size_t at = jfind(jeng.r[i].k);
        CHECK(at < jfile.n && saved_slot_same(&jfile.r[at], &jeng.r[i]),
              "journal's slot %lld is not the engine's", (long long)jeng.r[i].k);
    }
}

/* After every engine call: check, then hand its commands to the exchange. */
static void after(int rc)
{
    char why[256] = "";
    sqt_grid_cmd cmd[64];
    sqt_grid_event ev[64];
    size_t n, i;
    CHECK(rc == 0, "engine call returned %d", rc);
    CHECK(sqt_grid_check_invariants(W.g, why, sizeof why) == 0, "invariant: %s", why);
    CHECK(sqt_grid__save_audit(W.g, why, sizeof why) == 0, "journal marks: %s", why);
    journal_save();
    while ((n = sqt_grid_take_events(W.g, ev, 64)) > 0) {
        for (i = 0; i < n; i++) {
            if (digest_kinds & ((uint64_t)1 << ev[i].kind))
                digest_add(&ev[i], sizeof ev[i]);
            if (!(ev_kinds & ((uint64_t)1 << ev[i].kind)))
                ev_unwanted++;
        }
        for (i = 0; i < n; i++)
            if (ev[i].kind >= 1 && ev[i].kind <= SQT_GRID_EV_LAST) {
                seen_ev[ev[i].kind]++;
                seen_case[ev[i].kind]++;
            }
        for (i = 0; i < n && trace; i++) {
            char a[40], b[40], c[40];
            fprintf(stderr, "  [%lld] ev %s slot %lld %s %s px %s qty %s filled %s %s\n",
                    (long long)W.step, sqt_grid_event_name(ev[i].kind), (long long)ev[i].slot,
                    ev[i].client_id, ev[i].order_id, dec_str(ev[i].price, a, sizeof a),
                    dec_str(ev[i].qty, b, sizeof b), dec_str(ev[i].filled, c, sizeof c),
                    ev[i].text);
        }
    }
    while ((n = sqt_grid_take_commands(W.g, cmd, 64)) > 0) {
        digest_add(cmd, n * sizeof cmd[0]);
        for (i = 0; i < n; i++) {
            if (trace)
                fprintf(stderr, "  [%lld] cmd %d %s slot %lld why %s\n", (long long)W.step,
                        cmd[i].kind, cmd[i].client_id, (long long)cmd[i].slot,
                        sqt_grid_reason_name(cmd[i].reason));
            if (cmd[i].kind == SQT_GRID_CMD_PLACE)
                do_place(&cmd[i]);
            else if (cmd[i].kind == SQT_GRID_CMD_CANCEL)
                do_cancel(&cmd[i]);
            else
                do_query(&cmd[i]);
        }
    }
    check_forward(); /* after the exchange saw the new orders */
    check_live_per_slot();
}

static void deliver(size_t k)
{
    msg m = W.m[k];
    W.m[k] = W.m[--W.nm];
    if (trace)
        fprintf(stderr, "  [%lld] deliver %d %s err %d status %d filled %lld\n", (long long)W.step,
                m.kind, m.cid, m.err.code, m.has_order ? (int)m.o.status : -1,
                m.has_order ? (long long)m.o.filled_qty.mant : -1LL);
    switch (m.kind) {
    case M_PUSH: after(sqt_grid_on_order_update(W.g, &m.o, W.now)); break;
    case M_PLACE:
        after(sqt_grid_on_place_result(W.g, m.cid, &m.err, m.has_order ? &m.o : NULL, W.now));
        break;
    case M_CANCEL: after(sqt_grid_on_cancel_result(W.g, m.cid, &m.err, W.now)); break;
    case M_QUERY:
        after(sqt_grid_on_query_result(W.g, m.cid, &m.err, m.has_order ? &m.o : NULL, W.now));
        break;
    }
    if (sqt_grid_needs_adjust(W.g))
        after(sqt_grid_adjust(W.g, W.now));
}

/* Deliver one due message, in random order among the due ones (reordering). */
static int deliver_one(void)
{
    size_t i, due[MAXM], nd = 0;
    for (i = 0; i < W.nm; i++)
        if (W.m[i].due <= W.step)
            due[nd++] = i;
    if (nd == 0)
        return 0;
    deliver(due[rnd() % nd]);
    return 1;
}

static void reconcile(void)
{
    static sqt_order open[MAXO];
    size_t i, n = 0;
    sqt_dec pos = sqt_dec_make(W.position, 3);
    for (i = 0; i < W.no; i++)
        if (W.o[i].live)
            open[n++] = snap_rest(&W.o[i]);
    if (trace) {
        fprintf(stderr, "  [%lld] reconcile: position %lld, open:", (long long)W.step,
                (long long)W.position);
        for (i = 0; i < n; i++)
            fprintf(stderr, " %s", open[i].client_id);
        fputc('\n', stderr);
    }
    W.lost = 0;
    sqt_grid_reconcile_begin(W.g);
    after(sqt_grid_reconcile(W.g, open, n, &pos, W.now));
}

/* The position changes outside the bot: a close (all or part) or a buy by hand. A
 * close to zero ends the resting reduce-only sells. */
static void outside(void)
{
    size_t i;
    W.outside = 1;
    if (W.position > 0 && chance(60)) {
        W.position -= chance(50) ? W.position : rr(1, W.position);
        if (W.position == 0)
            for (i = 0; i < W.no; i++)
                if (W.o[i].live && W.o[i].side == SQT_SIDE_SELL)
                    reduce_only_end(&W.o[i]);
    } else {
        W.position += rr(1, 40);
    }
}

/* Deliver everything (faults off) until nothing moves. Like the host, reconcile
 * periodically: a push lost while its order was still PENDING is repaired only by a
 * reconcile after the acknowledgement. */
static void settle(void)
{
    int rounds;
    int faults = W.faults;
    W.faults = 0;
    for (rounds = 0; rounds < 200; rounds++) {
        W.step += 100;
        while (W.nm > 0)
            deliver(0);
        if (rounds < 2 || W.lost || sqt_grid_wants_reconcile(W.g))
            reconcile();
        while (W.nm > 0)
            deliver(0);
        W.now += 6000;
        after(sqt_grid_on_time(W.g, W.now));
        if (rounds >= 2 && W.nm == 0 && !W.lost && !sqt_grid_wants_reconcile(W.g))
            break;
    }
    CHECK(W.nm == 0, "did not settle");
    W.faults = faults;
}

static void check_agree(void)
{
    sqt_grid_status st;
    static sqt_grid_slot_info si[1024];
    size_t n, i, live = 0;
    sqt_grid_get_status(W.g, &st);
    CHECK(sqt_grid_live_orders(W.g) == st.live_buys + st.live_sells,
          "live orders %zu != status %zu + %zu", sqt_grid_live_orders(W.g),
          st.live_buys, st.live_sells);
    CHECK(steps_of(st.position) == W.position, "engine position %lld != exchange %lld",
          (long long)steps_of(st.position), (long long)W.position);
    n = sqt_grid_list_slots(W.g, SQT_GRID_LIST_ORDERS, si, 1024);
    for (i = 0; i < n && i < 1024; i++) {
        xorder *x = xfind(si[i].client_id);
        CHECK(x != NULL && x->live, "engine tracks %s, exchange has it %s", si[i].client_id,
              x ? "finished" : "not at all");
    }
    CHECK(W.outside || seen_case[SQT_GRID_EV_POSITION_REPAIRED] == 0,
          "a position repair in a case where nothing changed outside the bot");
    for (i = 0; i < W.no; i++)
        live += (size_t)W.o[i].live;
    CHECK(live == n, "exchange has %zu live orders, engine %zu", live, n);
    /* fees: a lost push loses its fee unless a REST answer's cumulative fee brings it
     * back, but no fee is ever counted twice (pushes + cumulative figures + imports) */
    {
        sqt_dec f = sqt_dec_make(0, 0);
        int64_t paid = 0;
        for (i = 0; i < W.no; i++)
            paid += W.o[i].fee_total - W.o[i].fee_base;
        CHECK(sqt_dec_rescale(st.fees_paid, 8, &f) == SQT_OK && f.mant <= paid,
              "engine fees %lld e-8 > %lld e-8 the exchange charged", (long long)f.mant,
              (long long)paid);
    }
}

/* The process dies and starts again: messages in flight are gone; the new engine
 * imports the open orders and the position (§11 #32) and must agree afterwards. */
static void restart(void)
{
    static sqt_order open[MAXO];
    size_t i, n = 0;
    sqt_dec pos = sqt_dec_make(W.position, 3);
    char err[256];
    sqt_grid_free(W.g);
    W.g = NULL;
    /* REST answers died with the process; pushes of the stream are still coming */
    for (i = 0; i < W.nm;) {
        if (W.m[i].kind != M_PUSH)
            W.m[i] = W.m[--W.nm];
        else
            i++;
    }
    W.lost = 0;
    for (i = 0; i < W.no; i++) {
        W.o[i].seen_state = 0;
        W.o[i].fee_base = W.o[i].fee_total;
        if (W.o[i].live)
            open[n++] = snap_rest(&W.o[i]);
    }
    W.p.id_seed += 1000000; /* the wall clock moved on */
    CHECK(sqt_grid_new(&W.p, &W.g, err, sizeof err) == 0, "new: %s", err);
    if (W.g == NULL)
        return;
    full_work_set(W.g);
    after(sqt_grid_start(W.g, sqt_dec_make(W.market + rr(-W.I, W.I), 2), W.now));
    /* the order stream is up before the import: the market trades on after the open
     * orders and the position were fetched, and some pushes arrive before the import */
    if (chance(50))
        match();
    for (i = 0; i < W.nm;) {
        if (chance(50))
            deliver(i);
        else
            i++;
    }
    after(sqt_grid_reconcile(W.g, open, n, &pos, W.now));
    after(sqt_grid_on_price(W.g, sqt_dec_make(W.market, 2), W.now));
    if (trace)
        fprintf(stderr, "  [%lld] restarted with %zu open orders\n", (long long)W.step, n);
}

static void one_case(uint64_t seed, int steps)
{
    char err[256];
    int64_t s;
    W.g = NULL;
    W.now = W.step = W.position = 0;
    W.no = W.nm = 0;
    W.lost = W.failed = W.outside = 0;
    memset(seen_case, 0, sizeof seen_case);
    memset(xmap, 0, sizeof xmap);
    W.seed = seed;
    rng = seed * 0x9E3779B97F4A7C15ull + 1;
    jrng = seed * 0xD1B54A32D192ED03ull + 7;
    jfile.n = 0;
    e_params(&W.p);
    W.p.instance_tag = "R1";
    W.I = 100 * rr(1, 3);
    W.p.price_interval = sqt_dec_make(W.I, 2);
    W.p.order_quantity = sqt_dec_make(rr(20, 60), 0);
    W.p.min_order_value = sqt_dec_make(rr(5, 20), 0);
    W.p.min_notional = sqt_dec_make(rr(0, 10), 0);
    W.p.buy_window_size = (int)rr(3, 8);
    W.p.sell_window_size = (int)rr(2, 8);
    W.p.order_cleanup_threshold = (int)rr(6, 30);
    W.p.cleanup_batch_size = (int)rr(1, 6);
    W.p.sell_quota_reserve = (int)rr(0, W.p.order_cleanup_threshold / 2);
    W.p.post_only_max_failures = (int)rr(0, 3);
    W.p.cancel_out_of_window_buys = chance(70);
    W.p.out_of_window_slack = (int)rr(0, 3);
    W.p.place_retry_delay_ms = rr(0, 500);
    W.p.cancel_timeout_ms = rr(500, 3000);
    W.p.pending_timeout_ms = rr(2000, 10000);
    W.p.query_retry_ms = rr(1000, 5000);
    W.p.margin_lock_duration_ms = rr(0, 3000);
    W.p.finished_ids = 64;
    W.faults = 1;
    W.market = 300000 + rr(-500, 500);
    CHECK(sqt_grid_new(&W.p, &W.g, err, sizeof err) == 0, "new: %s", err);
    if (W.g == NULL)
        return;
    full_work_set(W.g);
    after(sqt_grid_start(W.g, sqt_dec_make(W.market, 2), W.now));
    if (chance(30)) { /* a position from a previous run */
        sqt_dec pos;
        W.position = rr(1, 60);
        pos = sqt_dec_make(W.position, 3);
        after(sqt_grid_reconcile(W.g, NULL, 0, &pos, W.now));
    } else {
        after(sqt_grid_reconcile(W.g, NULL, 0, NULL, W.now));
    }
    after(sqt_grid_on_price(W.g, sqt_dec_make(W.market, 2), W.now));
    for (s = 0; s < steps && !W.failed; s++) {
        int a = (int)(rnd() % 100);
        W.step++;
        if (a < 30) {
            W.market += rr(-W.I, W.I) + (chance(5) ? rr(-8, 8) * W.I : 0);
            if (W.market < 1000)
                W.market = 1000;
            match();
            check_live_per_slot();
            after(sqt_grid_on_price(W.g, sqt_dec_make(W.market, 2), W.now));
        } else if (a < 75) {
            if (!deliver_one())
                match();
        } else if (a < 88) {
            W.now += rr(0, 2500);
            after(sqt_grid_on_time(W.g, W.now));
        } else if (a < 90) {
            int b = (int)(rnd() % 100);
            if (b < 45)
                after(sqt_grid_set_risk_pause(W.g, chance(50), W.now));
            else if (b < 80)
                after(sqt_grid_set_data_pause(W.g, chance(50), W.now));
            else if (W.seed % 4 == 0) /* a quarter of the cases: changes outside the bot */
                outside();
        } else if (a < 93) {
            int rc = sqt_grid_cleanup(W.g, W.now);
            CHECK(rc >= 0, "cleanup %d", rc);
            after(0);
        } else if (a < 96) {
            if (W.lost || chance(30))
                reconcile();
        } else if (a < 97) {
            after(sqt_grid_adjust(W.g, W.now));
        } else if (a < 98) {
            restart();
            if (W.g == NULL)
                return;
        } else {
            /* a quiet point: everything delivered, repaired, then the books agree */
            settle();
            check_agree();
        }
    }
    if (!W.failed) {
        after(sqt_grid_set_risk_pause(W.g, 0, W.now));
        after(sqt_grid_set_data_pause(W.g, 0, W.now));
        settle();
        check_agree();
    }
    sqt_grid_free(W.g);
    W.g = NULL;
}

static void test_random(void)
{
    uint64_t seed, first = 1, last = 1500;
    const char *env = getenv("SQT_GRID_SEED"), *range = getenv("SQT_GRID_SEEDS");
    trace = getenv("SQT_GRID_TRACE") != NULL;
    if (env != NULL) { /* reproduce one case */
        one_case(strtoull(env, NULL, 10), 400);
        return;
    }
    if (range != NULL) { /* more cases, by hand: SQT_GRID_SEEDS=FIRST-LAST */
        char *end;
        first = strtoull(range, &end, 10);
        last = *end == '-' ? strtoull(end + 1, NULL, 10) : first;
    }
    for (seed = first; seed <= last && !W.failed; seed++)
        one_case(seed, 400);
    /* the run must have gone through the paths it is meant to test */
    {
        static const sqt_grid_ev_kind must[] = {
            SQT_GRID_EV_PARTIAL, SQT_GRID_EV_FILLED, SQT_GRID_EV_CANCELLED, SQT_GRID_EV_REJECTED,
            SQT_GRID_EV_ROUND_TRIP, SQT_GRID_EV_POST_ONLY_DEGRADED, SQT_GRID_EV_MARGIN_LOCK,
            SQT_GRID_EV_RISK_PAUSE, SQT_GRID_EV_QUERY_SENT, SQT_GRID_EV_CANCEL_SENT,
            SQT_GRID_EV_POSITION_MISMATCH, SQT_GRID_EV_RECOVERED, SQT_GRID_EV_SELL_BELOW_MARKET,
            SQT_GRID_EV_ANOMALY, SQT_GRID_EV_ADOPTED, SQT_GRID_EV_FEE, SQT_GRID_EV_PARKED,
            SQT_GRID_EV_POSITION_REPAIRED, SQT_GRID_EV_DATA_PAUSE};
        size_t i;
        fprintf(stderr, "\n    coverage:");
        for (i = 1; i <= SQT_GRID_EV_LAST; i++)
            fprintf(stderr, " %s=%llu", sqt_grid_event_name((sqt_grid_ev_kind)i),
                    (unsigned long long)seen_ev[i]);
        fputc('\n', stderr);
        fprintf(stderr, "    journal model: %llu commits, %llu of changes only\n",
                (unsigned long long)jcommits, (unsigned long long)jpartial);
        CHECK(jpartial > jcommits / 2, "the journal model saw few reports of changes only");
        for (i = 0; i < sizeof must / sizeof must[0]; i++)
            CHECK(seen_ev[must[i]] > 0, "the random run never produced %s",
                  sqt_grid_event_name(must[i]));
    }
}

static void test_random_long(void)
{
    uint64_t seed;
    for (seed = 100001; seed <= 100010 && !W.failed; seed++)
        one_case(seed, 8000);
}

/* What the engine skips as idle (the buy pass's memo, timeout scans with nothing to
 * watch) changes nothing: every case gives the same commands and events, byte for
 * byte, as with the engine doing all its work. */
static void test_skipped_work(void)
{
    uint64_t seed;
    int differ = 0;
    for (seed = 1; seed <= 400 && !W.failed; seed++) {
        uint64_t a;
        digest = 0xcbf29ce484222325ull;
        full_work = 0;
        one_case(seed, 400);
        a = digest;
        digest = 0xcbf29ce484222325ull;
        full_work = 1;
        one_case(seed, 400);
        full_work = 0;
        if (a != digest && differ++ == 0)
            fprintf(stderr, "    seed %llu: skipped work changed the run\n", (unsigned long long)seed);
    }
    SQT_ASSERT_INT_EQ(differ, 0);
}

/* Events the caller does not read are not built (sqt_grid_set_events), and that
 * changes nothing else: every case gives the same commands and the same events of the
 * kinds asked for, byte for byte, as with every kind built. Masks: the backtest's
 * (rejections, margin locks, risk pauses), none, and random subsets. */
static void test_event_filter(void)
{
    const uint64_t bt_kinds = ((uint64_t)1 << SQT_GRID_EV_REJECTED) |
                              ((uint64_t)1 << SQT_GRID_EV_MARGIN_LOCK) |
                              ((uint64_t)1 << SQT_GRID_EV_RISK_PAUSE);
    uint64_t seed;
    int differ = 0;
    ev_unwanted = 0;
    for (seed = 1; seed <= 400 && !W.failed; seed++) {
        uint64_t a, mask = seed % 3 == 0 ? bt_kinds : seed % 3 == 1 ? 0 : (seed * 0x9e3779b97f4a7c15ull) >> 7;
        digest_kinds = mask;
        digest = 0xcbf29ce484222325ull;
        ev_kinds = SQT_GRID_EV_ALL;
        one_case(seed, 400);
        a = digest;
        digest = 0xcbf29ce484222325ull;
        ev_kinds = mask;
        one_case(seed, 400);
        ev_kinds = digest_kinds = SQT_GRID_EV_ALL;
        if (a != digest && differ++ == 0)
            fprintf(stderr, "    seed %llu: the event filter changed the run\n", (unsigned long long)seed);
    }
    SQT_ASSERT_INT_EQ(differ, 0);
    SQT_ASSERT_INT_EQ(ev_unwanted, 0);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"1500 random cases x 400 events", test_random},
        {"10 long random cases x 8000 events", test_random_long},
        {"skipped idle work changes nothing (400 cases)", test_skipped_work},
        {"events not read are not built, nothing else changes (400 cases)", test_event_filter},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("grid random", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
