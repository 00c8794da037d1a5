/* Market-data sanity: see pricegate.h. */
#include "pricegate.h"

#include <stdio.h>
#include <string.h>

__extension__ typedef __int128 pg_i128;

#define PG_PCT_MAX_SCALE 6

void sqt_pricegate_params_init(sqt_pricegate_params *p)
{
    memset(p, 0, sizeof *p);
    p->max_price_jump_percent = sqt_dec_make(3, 0);
    p->price_confirm_prints = 3;
    p->market_data_max_age_seconds = 15;
}

int sqt_pricegate_init(sqt_pricegate *g, const sqt_pricegate_params *p, char *err,
                       size_t errlen)
{
    const sqt_dec pct = p->max_price_jump_percent;
    const char *why = NULL;
    memset(g, 0, sizeof *g);
    if (pct.mant < 0 || pct.scale < 0 || pct.scale > PG_PCT_MAX_SCALE)
        why = "safety.max_price_jump_percent must be a decimal >= 0 with at most 6 decimals";
    else if (sqt_dec_rescale(pct, PG_PCT_MAX_SCALE, &g->p.max_price_jump_percent) != 0 ||
             g->p.max_price_jump_percent.mant > 100000000)
        why = "safety.max_price_jump_percent must be at most 100";
    else if (p->price_confirm_prints < 1 || p->price_confirm_prints > 1000)
        why = "safety.price_confirm_prints must be 1..1000";
    else if (p->market_data_max_age_seconds < 0 || p->market_data_max_age_seconds > 86400)
        why = "safety.market_data_max_age_seconds must be 0..86400 (0 = off)";
    if (why != NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s", why);
        return SQT_EINVAL;
    }
    g->p.price_confirm_prints = p->price_confirm_prints;
    g->p.market_data_max_age_seconds = p->market_data_max_age_seconds;
    return 0;
}

/* |a - b| / b in hundredths of a percent (basis points), truncated; -1 when the two
 * cannot be brought to one scale. */
static int64_t away_bp(sqt_dec a, sqt_dec b)
{
    int32_t sc = a.scale > b.scale ? a.scale : b.scale;
    sqt_dec x, y;
    pg_i128 d;
    if (sqt_dec_rescale(a, sc, &x) != 0 || sqt_dec_rescale(b, sc, &y) != 0 || y.mant <= 0)
        return -1;
    d = (pg_i128)x.mant - y.mant;
    if (d < 0)
        d = -d;
    d = d * 10000 / y.mant;
    return d > INT64_MAX ? INT64_MAX : (int64_t)d;
}

/* 1 when a lies more than the band away from b (pct has scale 6:
 * |a-b| * 100 * 10^6 > pct * b, in integers). Unreadable pairs count as far. */
SQT_HOT static int far_from(const sqt_pricegate *g, sqt_dec a, sqt_dec b)
{
    int32_t sc = a.scale > b.scale ? a.scale : b.scale;
    sqt_dec x, y;
    pg_i128 d;
    if (sqt_dec_rescale(a, sc, &x) != 0 || sqt_dec_rescale(b, sc, &y) != 0)
        return 1;
    d = (pg_i128)x.mant - y.mant;
    if (d < 0)
        d = -d;
    return d * 100 * 1000000 > (pg_i128)g->p.max_price_jump_percent.mant * y.mant;
}

static const char *dtext(sqt_dec d, char *buf, size_t cap)
{
    if (sqt_dec_format(d, buf, cap) < 0)
        snprintf(buf, cap, "?");
    return buf;
}

/* The WARN for a held level that never confirmed. */
static void drop_text(sqt_pricegate *g, sqt_pricegate_verdict *v)
{
    char a[40], b[40], pct[40];
    int64_t bp = away_bp(g->cand, g->ref);
    g->dropped++;
    v->warn = 1;
    snprintf(v->text, sizeof v->text,
             "price feed: dropped outlier %s (%lld.%02lld%% from the accepted %s; %d of %d "
             "confirming prints; limit %s%%)",
             dtext(g->cand, a, sizeof a), (long long)(bp / 100), (long long)(bp % 100),
             dtext(g->ref, b, sizeof b), g->cand_prints, g->p.price_confirm_prints,
             dtext(sqt_dec_normalize(g->p.max_price_jump_percent), pct, sizeof pct));
    g->have_cand = 0;
    g->cand_prints = 0;
}

static void accept(sqt_pricegate *g, sqt_dec price, int64_t now_ms, sqt_pricegate_verdict *v)
{
    g->have_ref = 1;
    g->ref = price;
    g->ref_ms = now_ms;
    v->action = SQT_PG_ACCEPT;
    if (g->stale) {
        g->stale = 0;
        v->resumed = 1;
    }
}

SQT_HOT int sqt_pricegate_on_price(sqt_pricegate *g, sqt_dec price, int64_t now_ms,
                           sqt_pricegate_verdict *v)
{
    memset(v, 0, sizeof *v);
    if (price.mant <= 0 || price.scale < 0 || price.scale > SQT_DEC_MAX_SCALE)
        return SQT_EINVAL;
    if (!g->have_ref || g->p.max_price_jump_percent.mant == 0 || g->p.price_confirm_prints <= 1 ||
        !far_from(g, price, g->ref)) {
        if (g->have_cand && g->have_ref && g->p.max_price_jump_percent.mant != 0)
            drop_text(g, v); /* back near the accepted price: the jump was one wrong print */
        accept(g, price, now_ms, v);
        return 0;
    }
    /* far from the accepted price */
    if (g->have_cand && !far_from(g, price, g->cand)) {
        g->cand_prints++;
    } else {
        if (g->have_cand)
            drop_text(g, v); /* a second, different jump: the first never confirmed */
        g->have_cand = 1;
        g->cand = price;
        g->cand_prints = 1;
    }
    if (g->cand_prints >= g->p.price_confirm_prints) {
        char a[40], b[40];
        int64_t bp = away_bp(price, g->ref);
        g->confirmed++;
        snprintf(v->text, sizeof v->text,
                 "price feed: a move to %s (%lld.%02lld%% from %s) confirmed by %d prints",
                 dtext(price, a, sizeof a), (long long)(bp / 100), (long long)(bp % 100),
                 dtext(g->ref, b, sizeof b), g->cand_prints);
        v->warn = 0;
        v->confirmed = 1;
        g->have_cand = 0;
        g->cand_prints = 0;
        accept(g, price, now_ms, v);
        return 0;
    }
    g->held++;
    v->action = SQT_PG_HOLD;
    return 0;
}

int sqt_pricegate_poll(sqt_pricegate *g, int64_t now_ms, int64_t *age_ms, char *text, size_t cap)
{
    int64_t age = g->have_ref ? now_ms - g->ref_ms : 0;
    int64_t limit = (int64_t)g->p.market_data_max_age_seconds * 1000;
    if (age_ms != NULL)
        *age_ms = age;
    if (text != NULL && cap > 0)
        text[0] = '\0';
    if (!g->have_ref || limit == 0 || age <= limit)
        return g->stale ? SQT_PG_STALE : SQT_PG_FRESH;
    if (g->stale)
        return SQT_PG_STALE;
    g->stale = 1;
    if (text != NULL && cap > 0)
        snprintf(text, cap,
                 "market data is %lld.%03lld s old (limit %d s): new orders paused until a "
                 "fresh price",
                 (long long)(age / 1000), (long long)(age % 1000),
                 g->p.market_data_max_age_seconds);
    return SQT_PG_STALE_BEGIN;
}
