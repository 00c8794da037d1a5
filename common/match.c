/* Matching core: see match.h. Internal units: prices are integers at the tick's scale
 * (ps), quantities at the step's scale (qs), money at SQT_MATCH_MONEY_SCALE (MS). */
#include "match.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;

#define MS SQT_MATCH_MONEY_SCALE

typedef struct mord {
    char client_id[SQT_CLIENT_ID_MAX];
    char order_id[SQT_ORDER_ID_MAX];
    sqt_side side;
    sqt_tif tif;
    int32_t reduce_only;
    sqt_order_status status;
    int64_t price;       /* tick-scale units */
    int64_t qty;         /* step-scale units */
    int64_t filled;
    int64_t quote;       /* cumulative filled notional, MS */
    int64_t last_qty;    /* last fill */
    int64_t last_price;
    int64_t last_fee;    /* MS */
    int64_t last_pnl;    /* MS */
    int64_t update_ms;
    int64_t seq;
    uint64_t rank;       /* placement order: time priority */
    uint64_t cid_h;      /* hash of client_id: lookups compare it before the text */
    uint8_t taking;      /* crossed on arrival: its rest keeps taking liquidity at the
                          * market price while it stays marketable (then it rests) */
} mord;

typedef struct cand {
    uint64_t rank;
    int64_t key; /* price priority: buys highest first, sells lowest first */
    int side;    /* 0 buys, 1 sells: buys are processed first */
} cand;

struct sqt_match {
    sqt_match_config cfg;
    sqt_match_emit_cb emit;
    void *ud;

    int32_t ps, qs;      /* price and quantity scales */
    int64_t tick, step, min_qty, partial;
    int64_t min_notional; /* MS */
    sqt_dec maker, taker;

    int have_price;
    int64_t last_price;

    int64_t balance;     /* MS */
    int32_t leverage;
    int64_t pos;         /* signed, step units */
    int ro_check;        /* the position's sign changed since the last scan for
                          * reduce-only orders that can no longer reduce */
    int64_t cost;        /* signed entry notional of pos, MS (long > 0) */

    mord *open;          /* oldest first */
    i128 book_q[2];      /* open orders that are not reduce-only, [0] buys [1] sells: */
    i128 book_n[2];      /* remaining quantity and its notional (margin, O(1) per ask) */
    size_t n_open, cap_open;
    cand *scratch;       /* crossed orders in on_price, cap_open of them */

    mord *hist;          /* ring of finished orders */
    size_t n_hist, hist_head, hist_cap;

    int64_t next_id;
    uint64_t next_rank;
    int64_t seq;

    int64_t st_pnl, st_fees, st_volume, st_fills;
};

static const int64_t P10[19] = {1LL,
                                10LL,
                                100LL,
                                1000LL,
                                10000LL,
                                100000LL,
                                1000000LL,
                                10000000LL,
                                100000000LL,
                                1000000000LL,
                                10000000000LL,
                                100000000000LL,
                                1000000000000LL,
                                10000000000000LL,
                                100000000000000LL,
                                1000000000000000LL,
                                10000000000000000LL,
                                100000000000000000LL,
                                1000000000000000000LL};

__attribute__((format(printf, 4, 5))) static void set_err(sqt_error *err, int code,
                                                           const char *exch, const char *fmt,
                                                           ...)
{
    va_list ap;
    if (err == NULL)
        return;
    memset(err, 0, sizeof *err);
    err->code = code;
    if (exch != NULL)
        snprintf(err->exch_code, sizeof err->exch_code, "%s", exch);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

/* snprintf(dst, cap, "%s", src) without the format machinery (hot: every order view). */
static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* "%lld" of an order id (> 0) into SQT_ORDER_ID_MAX bytes, without the format
 * machinery (every order). */
static void id_text(char *dst, int64_t v)
{
    char tmp[24];
    size_t n = 0, i;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
    dst[n] = '\0';
}

/* FNV-1a 64 of a client id. */
static uint64_t id_hash(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    while (*s != '\0')
        h = (h ^ (unsigned char)*s++) * UINT64_C(0x100000001b3);
    return h;
}

static void clear_err(sqt_error *err)
{
    if (err != NULL)
        memset(err, 0, sizeof *err);
}

/* a / b rounded half away from zero, b > 0. */
static i128 div_round(i128 a, i128 b)
{
    i128 q = a / b, r = a % b;
    if (r < 0)
        r = -r;
    if (2 * r >= b)
        q += a < 0 ? -1 : 1;
    return q;
}

static i128 div_ceil_pos(i128 a, i128 b)
{
    return a <= 0 ? 0 : (a + b - 1) / b;
}

static int fits64(i128 v)
{
    return v >= (i128)INT64_MIN && v <= (i128)INT64_MAX;
}

/* price (ps units) * qty (qs units) as money (MS). Exact when ps + qs <= MS. */
static i128 notional(const sqt_match *m, int64_t price, int64_t qty)
{
    i128 v = (i128)price * qty;
    int32_t s = m->ps + m->qs;
    if (s <= MS)
        return v * P10[MS - s];
    return div_round(v, P10[s - MS]);
}

static i128 apply_rate(i128 money, sqt_dec rate)
{
    return div_round(money * rate.mant, P10[rate.scale]);
}

static int to_units(sqt_dec d, int32_t scale, int64_t *out)
{
    sqt_dec r;
    if (d.scale < 0 || d.scale > SQT_DEC_MAX_SCALE)
        return SQT_EINVAL;
    if (sqt_dec_rescale(d, scale, &r) != SQT_OK)
        return SQT_ERANGE;
    *out = r.mant;
    return SQT_OK;
}

/* value at `scale` with trailing zeros dropped, but never below min_scale. */
static sqt_dec dec_trim(int64_t mant, int32_t scale, int32_t min_scale)
{
    /* every order view trims a fee and a PnL of 8 decimals: zero at once, then four
     * digits a step while they are zeros */
    if (mant == 0)
        return sqt_dec_make(0, scale > min_scale ? min_scale : scale);
    while (scale - min_scale >= 4 && mant % 10000 == 0) {
        mant /= 10000;
        scale -= 4;
    }
    while (scale > min_scale && mant % 10 == 0) {
        mant /= 10;
        scale--;
    }
    return sqt_dec_make(mant, scale);
}

static int sgn(int64_t v)
{
    return (v > 0) - (v < 0);
}

/* ------------------------------------------------------------------------------------ */

void sqt_match_config_default(sqt_match_config *cfg, const char *symbol)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->symbol, sizeof cfg->symbol, "%s", symbol ? symbol : "ETHUSDT");
    snprintf(cfg->margin_asset, sizeof cfg->margin_asset, "USDT");
    cfg->tick_size = sqt_dec_make(1, 2);
    cfg->step_size = sqt_dec_make(1, 3);
    cfg->min_qty = sqt_dec_make(1, 3);
    cfg->min_notional = sqt_dec_make(5, 0);
    cfg->balance = sqt_dec_make(10000, 0);
    cfg->leverage = 5;
    cfg->maker_fee = sqt_dec_make(2, 4);
    cfg->taker_fee = sqt_dec_make(5, 4);
    cfg->partial_fill_qty = sqt_dec_make(0, 0);
    cfg->max_open_orders = 200;
    cfg->history_max = 1000;
    cfg->first_order_id = INT64_C(8389765000000001);
}

static int valid_fee(sqt_dec f)
{
    /* |rate| <= 0.1 keeps fee arithmetic in range and catches "0.05%" typed as 0.05 * 100 */
    int ok1 = 0, ok2 = 0;
    return f.scale >= 0 && f.scale <= SQT_DEC_MAX_SCALE &&
           sqt_dec_cmp(f, sqt_dec_make(1, 1), &ok1) <= 0 &&
           sqt_dec_cmp(f, sqt_dec_make(-1, 1), &ok2) >= 0 && ok1 && ok2;
}

int sqt_match_new(const sqt_match_config *cfg, sqt_match_emit_cb emit, void *ud,
                  sqt_match **out, sqt_error *err)
{
    sqt_match *m;
    sqt_dec tick, step;
    int64_t v;
    sqt_error local;
    if (err == NULL)
        err = &local;
    clear_err(err);
    if (cfg == NULL || out == NULL) {
        set_err(err, SQT_EINVAL, NULL, "match: no config");
        return SQT_EINVAL;
    }
    *out = NULL;
    if (cfg->symbol[0] == '\0' || memchr(cfg->symbol, '\0', sizeof cfg->symbol) == NULL) {
        set_err(err, SQT_EINVAL, NULL, "match: symbol is empty");
        return SQT_EINVAL;
    }
    tick = sqt_dec_normalize(cfg->tick_size);
    step = sqt_dec_normalize(cfg->step_size);
    if (tick.scale < 0 || tick.scale > SQT_DEC_MAX_SCALE || tick.mant <= 0) {
        set_err(err, SQT_EINVAL, NULL, "match: tick_size must be > 0");
        return SQT_EINVAL;
    }
    if (step.scale < 0 || step.scale > SQT_DEC_MAX_SCALE || step.mant <= 0) {
        set_err(err, SQT_EINVAL, NULL, "match: step_size must be > 0");
        return SQT_EINVAL;
    }
    if (tick.scale > MS || tick.scale + step.scale > 12) {
        set_err(err, SQT_ERANGE, NULL,
                "match: tick_size has more than %d decimals, or tick_size and step_size "
                "together more than 12",
                MS);
        return SQT_ERANGE;
    }
    if (cfg->leverage < 1 || cfg->leverage > 125) {
        set_err(err, SQT_EINVAL, NULL, "match: leverage must be 1..125, got %d",
                (int)cfg->leverage);
        return SQT_EINVAL;
    }
    if (!valid_fee(cfg->maker_fee) || !valid_fee(cfg->taker_fee)) {
        set_err(err, SQT_EINVAL, NULL, "match: fee rates must be within -0.1..0.1");
        return SQT_EINVAL;
    }
    if (cfg->max_open_orders < 1 || cfg->max_open_orders > 100000 || cfg->history_max < 1 ||
        cfg->history_max > 1000000) {
        set_err(err, SQT_EINVAL, NULL, "match: max_open_orders/history_max out of range");
        return SQT_EINVAL;
    }
    if (cfg->first_order_id <= 0) {
        set_err(err, SQT_EINVAL, NULL, "match: first_order_id must be > 0");
        return SQT_EINVAL;
    }

    m = calloc(1, sizeof *m);
    if (m == NULL) {
        set_err(err, SQT_ENOMEM, NULL, "match: out of memory");
        return SQT_ENOMEM;
    }
    m->cfg = *cfg;
    m->cfg.tick_size = tick;
    m->cfg.step_size = step;
    m->emit = emit;
    m->ud = ud;
    m->ps = tick.scale;
    m->qs = step.scale;
    m->tick = tick.mant;
    m->step = step.mant;
    m->maker = cfg->maker_fee;
    m->taker = cfg->taker_fee;
    m->leverage = cfg->leverage;
    m->next_id = cfg->first_order_id;
    m->next_rank = 1;

    if (to_units(cfg->min_qty, m->qs, &m->min_qty) != SQT_OK || m->min_qty < 0 ||
        m->min_qty % m->step != 0) {
        set_err(err, SQT_EINVAL, NULL, "match: min_qty must be >= 0 and a multiple of step_size");
        goto fail;
    }
    if (to_units(cfg->partial_fill_qty, m->qs, &m->partial) != SQT_OK || m->partial < 0 ||
        m->partial % m->step != 0) {
        set_err(err, SQT_EINVAL, NULL,
                "match: partial_fill_qty must be >= 0 and a multiple of step_size");
        goto fail;
    }
    if (to_units(cfg->min_notional, MS, &m->min_notional) != SQT_OK || m->min_notional < 0) {
        set_err(err, SQT_EINVAL, NULL,
                "match: min_notional must be >= 0 with at most %d decimals", MS);
        goto fail;
    }
    /* 1e8 keeps a fully levered position's notional inside int64 at money scale */
    if (to_units(cfg->balance, MS, &v) != SQT_OK || v < 0 || v > P10[8] * P10[MS]) {
        set_err(err, SQT_EINVAL, NULL,
                "match: balance must be 0..100000000 with at most %d decimals", MS);
        goto fail;
    }
    m->balance = v;

    m->cap_open = 16;
    m->open = calloc(m->cap_open, sizeof *m->open);
    m->scratch = calloc(m->cap_open, sizeof *m->scratch);
    m->hist_cap = (size_t)cfg->history_max;
    m->hist = calloc(m->hist_cap, sizeof *m->hist);
    if (m->open == NULL || m->scratch == NULL || m->hist == NULL) {
        set_err(err, SQT_ENOMEM, NULL, "match: out of memory");
        goto fail;
    }
    *out = m;
    return SQT_OK;
fail:
    sqt_match_free(m);
    return err->code;
}

void sqt_match_free(sqt_match *m)
{
    if (m == NULL)
        return;
    free(m->open);
    free(m->scratch);
    free(m->hist);
    free(m);
}

/* ------------------------------------------------------------------------------------
 * Views
 * ---------------------------------------------------------------------------------- */

static void view(const sqt_match *m, const mord *o, sqt_order *out)
{
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    copy_text(out->symbol, sizeof out->symbol, m->cfg.symbol);
    memcpy(out->client_id, o->client_id, sizeof out->client_id);
    memcpy(out->order_id, o->order_id, sizeof out->order_id);
    out->side = o->side;
    out->status = o->status;
    out->tif = o->tif;
    out->reduce_only = o->reduce_only;
    out->price = sqt_dec_make(o->price, m->ps);
    out->qty = sqt_dec_make(o->qty, m->qs);
    out->filled_qty = sqt_dec_make(o->filled, m->qs);
    if (o->filled > 0) {
        /* quote (MS) / filled (qs) -> price at MS */
        i128 avg = div_round((i128)o->quote * P10[m->qs], o->filled);
        out->avg_price =
            fits64(avg) ? dec_trim((int64_t)avg, MS, m->ps) : sqt_dec_make(0, m->ps);
    } else {
        out->avg_price = sqt_dec_make(0, m->ps);
    }
    out->last_fill_qty = sqt_dec_make(o->last_qty, m->qs);
    out->last_fill_price = sqt_dec_make(o->last_price, m->ps);
    out->fee = dec_trim(o->last_fee, MS, 0);
    copy_text(out->fee_asset, sizeof out->fee_asset, m->cfg.margin_asset);
    out->realized_pnl = dec_trim(o->last_pnl, MS, 0);
    out->update_time_ms = o->update_ms;
    out->seq = o->seq;
}

/* A state change: stamped, viewed into `out` (or a local record when NULL) and pushed;
 * a place that rests answers with the record it pushed instead of a second view. */
static void emit_into(sqt_match *m, mord *o, int64_t now_ms, sqt_order *out)
{
    sqt_order rec;
    o->update_ms = now_ms;
    o->seq = ++m->seq;
    if (out == NULL) {
        if (m->emit == NULL)
            return;
        out = &rec;
    }
    view(m, o, out);
    if (m->emit != NULL)
        m->emit(m->ud, out);
}

static void emit(sqt_match *m, mord *o, int64_t now_ms)
{
    emit_into(m, o, now_ms, NULL);
}

static int ids_match(const mord *o, const char *cid, const char *oid)
{
    if (cid != NULL && cid[0] != '\0' && strcmp(o->client_id, cid) != 0)
        return 0;
    if (oid != NULL && oid[0] != '\0' && strcmp(o->order_id, oid) != 0)
        return 0;
    return 1;
}

static int has_id(const char *cid, const char *oid)
{
    return (cid != NULL && cid[0] != '\0') || (oid != NULL && oid[0] != '\0');
}

/* The hash of cid when it is given (lookups by client id compare it first), else 0. */
static uint64_t cid_key(const char *cid, int *by_cid)
{
    *by_cid = cid != NULL && cid[0] != '\0';
    return *by_cid ? id_hash(cid) : 0;
}

/* An open order by client id whose hash is known (a place checks its new id). */
static long find_open_cid(const sqt_match *m, const char *cid, uint64_t h)
{
    size_t i;
    for (i = 0; i < m->n_open; i++)
        if (m->open[i].cid_h == h && strcmp(m->open[i].client_id, cid) == 0)
            return (long)i;
    return -1;
}

static long find_open(const sqt_match *m, const char *cid, const char *oid)
{
    int by_cid;
    uint64_t h = cid_key(cid, &by_cid);
    size_t i;
    for (i = 0; i < m->n_open; i++)
        if ((!by_cid || m->open[i].cid_h == h) && ids_match(&m->open[i], cid, oid))
            return (long)i;
    return -1;
}

static long find_rank(const sqt_match *m, uint64_t rank)
{
    size_t i;
    for (i = 0; i < m->n_open; i++)
        if (m->open[i].rank == rank)
            return (long)i;
    return -1;
}

/* Add (sign 1) or take away (-1) an open order's share of the book totals. */
static void book_count(sqt_match *m, const mord *o, int sign)
{
    int64_t rem = o->qty - o->filled;
    int sd = o->side == SQT_SIDE_BUY ? 0 : 1;
    if (o->reduce_only)
        return;
    m->book_q[sd] += sign * (i128)rem;
    m->book_n[sd] += sign * notional(m, o->price, rem);
}

/* Move open[i] (finished) to the history ring. */
static void finish(sqt_match *m, size_t i)
{
    size_t slot;
    book_count(m, &m->open[i], -1);
    if (m->n_hist < m->hist_cap) {
        slot = (m->hist_head + m->n_hist) % m->hist_cap;
        m->n_hist++;
    } else {
        slot = m->hist_head; /* overwrite the oldest */
        m->hist_head = (m->hist_head + 1) % m->hist_cap;
    }
    m->hist[slot] = m->open[i];
    memmove(&m->open[i], &m->open[i + 1], (m->n_open - i - 1) * sizeof *m->open);
    m->n_open--;
}

/* ------------------------------------------------------------------------------------
 * Account arithmetic
 * ---------------------------------------------------------------------------------- */

static i128 unrealized(const sqt_match *m)
{
    if (m->pos == 0 || !m->have_price)
        return 0;
    return notional(m, m->last_price, m->pos) - m->cost;
}

/* Notional a side's orders add to exposure, netted against an opposite position. */
static i128 side_charge(i128 qty, i128 ntl, int side_sign, int64_t pos)
{
    i128 excess;
    if (qty == 0)
        return 0;
    if (pos == 0 || sgn(pos) == side_sign)
        return ntl;
    excess = qty - (pos < 0 ? -(i128)pos : (i128)pos);
    if (excess <= 0)
        return 0;
    return ntl * excess / qty;
}

/* Initial margin of the position and of open orders (plus `extra`, not yet on the book).
 * Orders: the larger side counts, as in one-way mode only one side can add exposure. */
static i128 margin_required(const sqt_match *m, const mord *extra)
{
    i128 bq = m->book_q[0], bn = m->book_n[0], sq = m->book_q[1], sn = m->book_n[1];
    i128 pos_abs_cost, ob, os, orders;
    if (extra != NULL && !extra->reduce_only) {
        int64_t rem = extra->qty - extra->filled;
        if (extra->side == SQT_SIDE_BUY) {
            bq += rem;
            bn += notional(m, extra->price, rem);
        } else {
            sq += rem;
            sn += notional(m, extra->price, rem);
        }
    }
    ob = side_charge(bq, bn, 1, m->pos);
    os = side_charge(sq, sn, -1, m->pos);
    orders = ob > os ? ob : os;
    pos_abs_cost = m->cost < 0 ? -(i128)m->cost : (i128)m->cost;
    return div_ceil_pos(pos_abs_cost, m->leverage) + div_ceil_pos(orders, m->leverage);
}

/* Apply a fill to the position; returns the realized PnL (MS). */
static i128 position_apply(sqt_match *m, sqt_side side, int64_t qty, int64_t price)
{
    int64_t dq = side == SQT_SIDE_BUY ? qty : -qty;
    int64_t pabs, close;
    i128 removed, realized;
    int before = sgn(m->pos);
    if (m->pos == 0 || before == sgn(dq)) {
        m->pos += dq;
        if (sgn(m->pos) != before)
            m->ro_check = 1;
        m->cost += (int64_t)(sgn(dq) * notional(m, price, qty));
        return 0;
    }
    pabs = m->pos < 0 ? -m->pos : m->pos;
    close = qty < pabs ? qty : pabs;
    /* entry cost leaves in proportion; all of it when the position closes (no residue) */
    removed = close == pabs ? (i128)m->cost : div_round((i128)m->cost * close, pabs);
    realized = sgn(m->pos) * notional(m, price, close) - removed;
    m->cost -= (int64_t)removed;
    m->pos += sgn(dq) * close;
    if (qty > close) { /* flip */
        int64_t rest = qty - close;
        m->pos = sgn(dq) * rest;
        m->cost = (int64_t)(sgn(dq) * notional(m, price, rest));
    }
    if (sgn(m->pos) != before)
        m->ro_check = 1;
    return realized;
}

static int side_sign(sqt_side s)
{
    return s == SQT_SIDE_BUY ? 1 : -1;
}

static int can_reduce(const sqt_match *m, sqt_side s)
{
    return m->pos != 0 && sgn(m->pos) != side_sign(s);
}

static void expire(sqt_match *m, size_t i, int64_t now_ms)
{
    mord *o = &m->open[i];
    o->status = SQT_ORDER_EXPIRED;
    o->last_qty = 0;
    o->last_price = 0;
    o->last_fee = 0;
    o->last_pnl = 0;
    emit(m, o, now_ms);
    finish(m, i);
}

/* Reduce-only orders that can no longer reduce are expired, as exchanges do when the
 * position closes or flips. Whether one can reduce depends only on the position's sign
 * (a reduce-only order is accepted only when it can), so the book is scanned only
 * after the sign changed, not after every fill. */
static void expire_stale_reduce_only(sqt_match *m, int64_t now_ms)
{
    size_t i = 0;
    if (!m->ro_check)
        return;
    m->ro_check = 0;
    while (i < m->n_open) {
        if (m->open[i].reduce_only && !can_reduce(m, m->open[i].side))
            expire(m, i, now_ms);
        else
            i++;
    }
}

/* Fill open[i] by up to qty at price. Returns 1 when a fill happened. */
static int fill(sqt_match *m, size_t i, int64_t qty, int64_t price, int maker, int64_t now_ms)
{
    mord *o = &m->open[i];
    i128 ntl, fee, pnl;
    int64_t rem = o->qty - o->filled;
    if (qty > rem)
        qty = rem;
    if (o->reduce_only) {
        int64_t pabs = m->pos < 0 ? -m->pos : m->pos;
        if (!can_reduce(m, o->side)) {
            expire(m, i, now_ms);
            return 0;
        }
        if (qty > pabs)
            qty = pabs;
    }
    if (qty <= 0)
        return 0;
    ntl = notional(m, price, qty);
    fee = apply_rate(ntl, maker ? m->maker : m->taker);
    pnl = position_apply(m, o->side, qty, price);
    m->balance += (int64_t)(pnl - fee);
    book_count(m, o, -1);
    o->filled += qty;
    book_count(m, o, 1);
    o->quote += (int64_t)ntl;
    o->last_qty = qty;
    o->last_price = price;
    o->last_fee = (int64_t)fee;
    o->last_pnl = (int64_t)pnl;
    o->status = o->filled == o->qty ? SQT_ORDER_FILLED : SQT_ORDER_PARTIALLY_FILLED;
    m->st_pnl += (int64_t)pnl;
    m->st_fees += (int64_t)fee;
    m->st_volume += (int64_t)ntl;
    m->st_fills++;
    emit(m, o, now_ms);
    if (o->status == SQT_ORDER_FILLED)
        finish(m, i);
    expire_stale_reduce_only(m, now_ms);
    return 1;
}

/* ------------------------------------------------------------------------------------
 * Place / cancel
 * ---------------------------------------------------------------------------------- */

static int valid_client_id(const char *s)
{
    size_t n = strnlen(s, SQT_CLIENT_ID_MAX);
    size_t i;
    if (n == 0 || n > SQT_MATCH_CLIENT_ID_LEN)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == ':' || c == '/' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int grow_open(sqt_match *m)
{
    size_t cap;
    mord *o;
    cand *s;
    if (m->n_open < m->cap_open)
        return SQT_OK;
    cap = m->cap_open * 2;
    o = realloc(m->open, cap * sizeof *o);
    if (o == NULL)
        return SQT_ENOMEM;
    m->open = o;
    s = realloc(m->scratch, cap * sizeof *s);
    if (s == NULL)
        return SQT_ENOMEM;
    m->scratch = s;
    m->cap_open = cap;
    return SQT_OK;
}

static int crosses(const sqt_match *m, sqt_side side, int64_t price)
{
    if (!m->have_price)
        return 0;
    return side == SQT_SIDE_BUY ? price >= m->last_price : price <= m->last_price;
}

int sqt_match_place(sqt_match *m, const sqt_order_req *req, int64_t now_ms, sqt_order *out,
                    sqt_error *err)
{
    mord o;
    i128 ntl;
    long idx;
    int rc;
    char pbuf[48];

    clear_err(err);
    if (m == NULL || req == NULL) {
        set_err(err, SQT_EINVAL, NULL, "place: no request");
        return SQT_EINVAL;
    }
    memset(&o, 0, sizeof o);
    if (req->side != SQT_SIDE_BUY && req->side != SQT_SIDE_SELL) {
        set_err(err, SQT_EINVAL, SQT_MATCH_R_BAD_REQUEST, "invalid side %d", (int)req->side);
        return SQT_EINVAL;
    }
    if (req->tif != SQT_TIF_GTC && req->tif != SQT_TIF_POST_ONLY) {
        set_err(err, SQT_EINVAL, SQT_MATCH_R_BAD_REQUEST, "invalid time in force %d", (int)req->tif);
        return SQT_EINVAL;
    }
    if (memchr(req->client_id, '\0', sizeof req->client_id) == NULL) {
        set_err(err, SQT_EINVAL, SQT_MATCH_R_CLIENT_ID, "client order id is not terminated");
        return SQT_EINVAL;
    }
    if (req->client_id[0] == '\0')
        snprintf(o.client_id, sizeof o.client_id, "auto_%lld", (long long)m->next_id);
    else
        memcpy(o.client_id, req->client_id, sizeof o.client_id);
    o.cid_h = id_hash(o.client_id);
    if (!valid_client_id(o.client_id)) {
        set_err(err, SQT_EINVAL, SQT_MATCH_R_CLIENT_ID,
                "client order id must be 1-%d characters of [.A-Z:/a-z0-9_-]",
                SQT_MATCH_CLIENT_ID_LEN);
        return SQT_EINVAL;
    }
    o.side = req->side;
    o.tif = req->tif;
    o.reduce_only = req->reduce_only ? 1 : 0;

    rc = to_units(req->price, m->ps, &o.price);
    if (rc != SQT_OK) {
        set_err(err, SQT_ERULES, SQT_MATCH_R_PRICE_PRECISION, "price has more decimals than the tick size allows");
        return SQT_ERULES;
    }
    if (o.price <= 0 || o.price % m->tick != 0) {
        if (sqt_dec_format(req->price, pbuf, sizeof pbuf) < 0)
            snprintf(pbuf, sizeof pbuf, "?");
        set_err(err, SQT_ERULES, SQT_MATCH_R_PRICE_TICK, "price %s is not a positive multiple of the tick size",
                pbuf);
        return SQT_ERULES;
    }
    rc = to_units(req->qty, m->qs, &o.qty);
    if (rc != SQT_OK) {
        set_err(err, SQT_ERULES, SQT_MATCH_R_QTY_PRECISION, "quantity has more decimals than the step size allows");
        return SQT_ERULES;
    }
    if (o.qty <= 0) {
        set_err(err, SQT_ERULES, SQT_MATCH_R_QTY_NOT_POSITIVE, "quantity must be greater than zero");
        return SQT_ERULES;
    }
    if (o.qty % m->step != 0) {
        set_err(err, SQT_ERULES, SQT_MATCH_R_QTY_STEP, "quantity is not a multiple of the step size");
        return SQT_ERULES;
    }
    if (o.qty < m->min_qty) {
        set_err(err, SQT_ERULES, SQT_MATCH_R_QTY_MIN, "quantity is below the minimum quantity");
        return SQT_ERULES;
    }
    ntl = notional(m, o.price, o.qty);
    if (!fits64(ntl) || ntl > (i128)INT64_MAX / 4) {
        set_err(err, SQT_ERULES, SQT_MATCH_R_TOO_LARGE, "order notional is too large");
        return SQT_ERULES;
    }
    if (!o.reduce_only && ntl < m->min_notional) {
        set_err(err, SQT_ERULES, SQT_MATCH_R_MIN_NOTIONAL,
                "order notional must be no smaller than the minimum notional "
                "(unless reduce-only)");
        return SQT_ERULES;
    }
    if (m->n_open >= (size_t)m->cfg.max_open_orders) {
        set_err(err, SQT_ERULES, SQT_MATCH_R_MAX_OPEN, "reached the maximum of %d open orders",
                (int)m->cfg.max_open_orders);
        return SQT_ERULES;
    }
    if (find_open_cid(m, o.client_id, o.cid_h) >= 0) {
        set_err(err, SQT_EDUP_CLIENT_ID, SQT_MATCH_R_DUP_CLIENT_ID, "client order id %s is used by an open order",
                o.client_id);
        return SQT_EDUP_CLIENT_ID;
    }
    if (o.reduce_only) {
        int64_t pabs = m->pos < 0 ? -m->pos : m->pos;
        if (!can_reduce(m, o.side)) {
            set_err(err, SQT_ERULES, SQT_MATCH_R_REDUCE_ONLY,
                    "ReduceOnly order is rejected: it would not reduce the position");
            return SQT_ERULES;
        }
        if (o.qty > pabs) {
            set_err(err, SQT_ERULES, SQT_MATCH_R_REDUCE_ONLY,
                    "ReduceOnly order is rejected: quantity exceeds the position");
            return SQT_ERULES;
        }
    }
    if (o.tif == SQT_TIF_POST_ONLY && crosses(m, o.side, o.price)) {
        set_err(err, SQT_EPOST_ONLY, SQT_MATCH_R_POST_ONLY,
                "post-only order would immediately match and take liquidity");
        return SQT_EPOST_ONLY;
    }
    if (!o.reduce_only) {
        i128 need = margin_required(m, &o);
        i128 equity = (i128)m->balance + unrealized(m);
        if (need > equity) {
            set_err(err, SQT_EMARGIN, SQT_MATCH_R_MARGIN, "margin is insufficient");
            return SQT_EMARGIN;
        }
    }
    if (grow_open(m) != SQT_OK) {
        set_err(err, SQT_ENOMEM, NULL, "place: out of memory");
        return SQT_ENOMEM;
    }

    id_text(o.order_id, m->next_id);
    m->next_id++;
    o.rank = m->next_rank++;
    o.status = SQT_ORDER_NEW;
    o.taking = (uint8_t)crosses(m, o.side, o.price);
    m->open[m->n_open++] = o;
    idx = (long)m->n_open - 1;
    book_count(m, &m->open[idx], 1);
    if (!o.taking) {
        emit_into(m, &m->open[idx], now_ms, out); /* it rests as pushed: the answer */
        return SQT_OK;
    }
    emit(m, &m->open[idx], now_ms);
    {
        /* GTC that crosses: takes liquidity at the last price; with partial fills the
         * rest goes on taking at each price while marketable */
        int64_t q = o.qty;
        if (m->partial > 0 && q > m->partial)
            q = m->partial;
        fill(m, (size_t)idx, q, m->last_price, 0, now_ms);
    }
    if (out != NULL && (size_t)idx < m->n_open && m->open[idx].rank == o.rank) {
        view(m, &m->open[idx], out); /* still open where it was put: no search */
    } else if (out != NULL) {
        if (sqt_match_query(m, o.client_id, o.order_id, out, NULL) != SQT_OK)
            memset(out, 0, sizeof *out); /* unreachable: the order is open or in history */
    }
    return SQT_OK;
}

int sqt_match_cancel(sqt_match *m, const char *client_id, const char *order_id, int64_t now_ms,
                     sqt_order *out, sqt_error *err)
{
    long i;
    mord *o;
    clear_err(err);
    if (m == NULL || !has_id(client_id, order_id)) {
        set_err(err, SQT_EINVAL, SQT_MATCH_R_BAD_REQUEST, "cancel needs a client order id or an order id");
        return SQT_EINVAL;
    }
    i = find_open(m, client_id, order_id);
    if (i < 0) {
        set_err(err, SQT_EUNKNOWN_ORDER, SQT_MATCH_R_CANCEL_UNKNOWN, "Unknown order sent.");
        return SQT_EUNKNOWN_ORDER;
    }
    o = &m->open[i];
    o->status = SQT_ORDER_CANCELED;
    o->last_qty = 0;
    o->last_price = 0;
    o->last_fee = 0;
    o->last_pnl = 0;
    emit(m, o, now_ms);
    if (out != NULL)
        view(m, o, out);
    finish(m, (size_t)i);
    return SQT_OK;
}

int sqt_match_outside_trade(sqt_match *m, sqt_dec qty, int64_t now_ms, sqt_order *fill,
                            sqt_error *err)
{
    int64_t q, pabs;
    sqt_side side;
    i128 ntl, fee, pnl;
    clear_err(err);
    if (m == NULL || m->pos == 0 || !m->have_price) {
        set_err(err, SQT_ESTATE, SQT_MATCH_R_NO_POSITION, "there is no position to close");
        return SQT_ESTATE;
    }
    pabs = m->pos < 0 ? -m->pos : m->pos;
    if (to_units(qty, m->qs, &q) != SQT_OK || q < 0 || (q > 0 && q % m->step != 0)) {
        set_err(err, SQT_EINVAL, SQT_MATCH_R_QTY_STEP,
                "the quantity must be a non-negative multiple of the step size");
        return SQT_EINVAL;
    }
    if (q == 0 || q > pabs)
        q = pabs;
    side = m->pos > 0 ? SQT_SIDE_SELL : SQT_SIDE_BUY;
    ntl = notional(m, m->last_price, q);
    fee = apply_rate(ntl, m->taker);
    pnl = position_apply(m, side, q, m->last_price);
    m->balance += (int64_t)(pnl - fee);
    m->st_pnl += (int64_t)pnl;
    m->st_fees += (int64_t)fee;
    m->st_volume += (int64_t)ntl;
    m->st_fills++;
    if (fill != NULL) {
        mord o;
        memset(&o, 0, sizeof o);
        o.side = side;
        o.tif = SQT_TIF_GTC;
        o.reduce_only = 1;
        o.status = SQT_ORDER_FILLED;
        o.price = m->last_price;
        o.qty = o.filled = o.last_qty = q;
        o.quote = (int64_t)ntl;
        o.last_price = m->last_price;
        o.last_fee = (int64_t)fee;
        o.last_pnl = (int64_t)pnl;
        o.update_ms = now_ms;
        o.seq = ++m->seq;
        view(m, &o, fill);
    }
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * Market events
 * ---------------------------------------------------------------------------------- */

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->side != y->side)
        return x->side - y->side;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

int sqt_match_on_price(sqt_match *m, sqt_dec price, int64_t now_ms)
{
    int64_t p;
    size_t i, n = 0;
    int fills = 0;
    cand *c;
    if (m == NULL || to_units(price, m->ps, &p) != SQT_OK || p <= 0)
        return SQT_EINVAL;
    m->have_price = 1;
    m->last_price = p;
    if (m->n_open == 0)
        return 0;
    c = m->scratch;
    for (i = 0; i < m->n_open; i++) {
        mord *o = &m->open[i];
        if (!(o->side == SQT_SIDE_BUY ? p <= o->price : p >= o->price)) {
            o->taking = 0; /* no longer marketable: it rests in the book from now on */
        } else {
            c[n].rank = o->rank;
            c[n].side = o->side == SQT_SIDE_BUY ? 0 : 1;
            c[n].key = o->side == SQT_SIDE_BUY ? -o->price : o->price;
            n++;
        }
    }
    if (n > 1) /* most prices reach one order: nothing to order */
        qsort(c, n, sizeof *c, cand_cmp);
    for (i = 0; i < n; i++) {
        long k = find_rank(m, c[i].rank); /* earlier fills may have moved or expired it */
        int64_t q;
        if (k < 0)
            continue;
        q = m->open[k].qty - m->open[k].filled;
        if (m->partial > 0 && q > m->partial)
            q = m->partial;
        if (m->open[k].taking)
            fills += fill(m, (size_t)k, q, p, 0, now_ms);
        else
            fills += fill(m, (size_t)k, q, m->open[k].price, 1, now_ms);
    }
    return fills;
}

sqt_dec sqt_match_price(const sqt_match *m)
{
    if (m == NULL || !m->have_price)
        return sqt_dec_make(0, 0);
    return sqt_dec_make(m->last_price, m->ps);
}

/* ------------------------------------------------------------------------------------
 * Queries
 * ---------------------------------------------------------------------------------- */

size_t sqt_match_open_count(const sqt_match *m)
{
    return m ? m->n_open : 0;
}

int sqt_match_open_at(const sqt_match *m, size_t i, sqt_order *out)
{
    if (m == NULL || out == NULL || i >= m->n_open)
        return SQT_ENOENT;
    view(m, &m->open[i], out);
    return SQT_OK;
}

int sqt_match_query(const sqt_match *m, const char *client_id, const char *order_id,
                    sqt_order *out, sqt_error *err)
{
    long i;
    size_t k;
    int by_cid;
    uint64_t h = cid_key(client_id, &by_cid);
    clear_err(err);
    if (m == NULL || out == NULL || !has_id(client_id, order_id)) {
        set_err(err, SQT_EINVAL, SQT_MATCH_R_BAD_REQUEST, "query needs a client order id or an order id");
        return SQT_EINVAL;
    }
    i = find_open(m, client_id, order_id);
    if (i >= 0) {
        view(m, &m->open[i], out);
        return SQT_OK;
    }
    for (k = m->n_hist; k > 0; k--) {
        const mord *o = &m->hist[(m->hist_head + k - 1) % m->hist_cap];
        if ((!by_cid || o->cid_h == h) && ids_match(o, client_id, order_id)) {
            view(m, o, out);
            return SQT_OK;
        }
    }
    set_err(err, SQT_EUNKNOWN_ORDER, SQT_MATCH_R_QUERY_UNKNOWN, "Order does not exist.");
    return SQT_EUNKNOWN_ORDER;
}

void sqt_match_margin_parts(const sqt_match *m, int64_t *balance, int64_t *upnl, int64_t *available)
{
    i128 u = unrealized(m), avail = (i128)m->balance + u - margin_required(m, NULL);
    if (!fits64(avail))
        avail = avail < 0 ? INT64_MIN : INT64_MAX;
    *balance = m->balance;
    *upnl = fits64(u) ? (int64_t)u : 0;
    *available = (int64_t)avail;
}

void sqt_match_account(const sqt_match *m, sqt_account *out)
{
    int64_t bal, upnl, avail;
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    copy_text(out->asset, sizeof out->asset, m->cfg.margin_asset);
    sqt_match_margin_parts(m, &bal, &upnl, &avail);
    out->balance = sqt_dec_make(bal, MS);
    out->available = sqt_dec_make(avail, MS);
    out->leverage = m->leverage;
    out->position_mode = SQT_POSMODE_ONE_WAY;
}

void sqt_match_position(const sqt_match *m, sqt_position *out)
{
    i128 u = unrealized(m);
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    copy_text(out->symbol, sizeof out->symbol, m->cfg.symbol);
    out->size = sqt_dec_make(m->pos, m->qs);
    if (m->pos != 0) {
        int64_t pabs = m->pos < 0 ? -m->pos : m->pos;
        i128 c = m->cost < 0 ? -(i128)m->cost : (i128)m->cost;
        i128 entry = div_round(c * P10[m->qs], pabs); /* price at MS */
        out->entry_price =
            fits64(entry) ? dec_trim((int64_t)entry, MS, m->ps) : sqt_dec_make(0, m->ps);
    } else {
        out->entry_price = sqt_dec_make(0, m->ps);
    }
    out->unrealized_pnl = sqt_dec_make(fits64(u) ? (int64_t)u : 0, MS);
    out->leverage = m->leverage;
}

void sqt_match_symbol_info(const sqt_match *m, sqt_symbol_info *out)
{
    const char *sym = m->cfg.symbol, *q = m->cfg.margin_asset;
    size_t ls = strlen(sym), lq = strlen(q);
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    snprintf(out->symbol, sizeof out->symbol, "%s", sym);
    snprintf(out->quote_asset, sizeof out->quote_asset, "%s", q);
    if (ls > lq && strcmp(sym + ls - lq, q) == 0)
        snprintf(out->base_asset, sizeof out->base_asset, "%.*s",
                 (int)(ls - lq < SQT_ASSET_MAX - 1 ? ls - lq : SQT_ASSET_MAX - 1), sym);
    else
        snprintf(out->base_asset, sizeof out->base_asset, "%.15s", sym);
    out->tick_size = m->cfg.tick_size;
    out->step_size = m->cfg.step_size;
    out->min_qty = sqt_dec_make(m->min_qty, m->qs);
    out->min_notional = dec_trim(m->min_notional, MS, 0);
    out->contract_multiplier = sqt_dec_make(1, 0);
    out->max_open_orders = m->cfg.max_open_orders;
    out->max_batch_place = 5;
    out->max_batch_cancel = 10;
    out->client_id_max_len = SQT_MATCH_CLIENT_ID_LEN;
}

void sqt_match_stats_get(const sqt_match *m, sqt_match_stats *out)
{
    memset(out, 0, sizeof *out);
    out->realized_pnl = sqt_dec_make(m->st_pnl, MS);
    out->fees = sqt_dec_make(m->st_fees, MS);
    out->volume = sqt_dec_make(m->st_volume, MS);
    out->fills = m->st_fills;
}

int sqt_match_set_leverage(sqt_match *m, int32_t leverage, sqt_error *err)
{
    clear_err(err);
    if (m == NULL || leverage < 1 || leverage > 125) {
        set_err(err, SQT_EINVAL, SQT_MATCH_R_LEVERAGE, "leverage must be 1..125");
        return SQT_EINVAL;
    }
    m->leverage = leverage;
    return SQT_OK;
}
