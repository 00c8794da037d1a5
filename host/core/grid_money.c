/* The grid engine's integer money: exact conversions between sqt_dec and ticks,
 * steps, notional units (tick*step) and fee units, and the PnL figure. */
#include <stdint.h>
#include <stdio.h>

#include "grid_internal.h"

/* ------------------------------------------------------------------------------------
 * Exact decimal <-> integer units
 * ---------------------------------------------------------------------------------- */

/* a*10^e/den rounded by mode; a < 2^64, 0 < den < 2^123 so r*10 cannot overflow. */
static int muldiv_p10(sqt_u128 a, int e, sqt_u128 den, int mode, sqt_u128 *out)
{
    sqt_u128 q, r;
    uint64_t p = 1, x;
    int i;
    for (i = 0; i < e && i < 20; i++)
        p *= 10u;
    if (e < 20 && a <= UINT64_MAX && den <= UINT64_MAX &&
        !__builtin_mul_overflow((uint64_t)a, p, &x)) {
        /* the common case (every price and quantity of a run): a*10^e fits 64 bits,
         * and one 64-bit division gives what the 128-bit digit loop below would */
        if (den == 1) { /* a tick or step of one unit at its scale: no division */
            q = x;
            r = 0;
        } else {
            q = x / (uint64_t)den;
            r = x % (uint64_t)den;
        }
    } else {
        q = a / den;
        r = a % den;
        for (i = 0; i < e; i++) {
            if (q > ((sqt_u128)1 << 120))
                return SQT_ERANGE;
            q = q * 10u + (r * 10u) / den;
            r = (r * 10u) % den;
        }
    }
    if (r != 0) {
        if (mode == RND_EXACT)
            return SQT_EINVAL;
        if (mode == RND_CEIL || (mode == RND_NEAREST && r >= den - r))
            q++;
    }
    *out = q;
    return 0;
}

SQT_HOT int sqt_grid__to_units(sqt_dec v, sqt_i128 umant, int uscale, int mode, int64_t *out)
{
    int neg = v.mant < 0, rc;
    sqt_u128 mag, den, q;
    int e = 0;
    if (v.scale < 0 || v.scale > SQT_DEC_MAX_SCALE || umant <= 0 || uscale < 0 ||
        umant >= ((sqt_i128)1 << 63))
        return SQT_EINVAL;
    if (umant == 1 && v.scale == uscale && v.mant != INT64_MIN) {
        *out = v.mant; /* the exchange writes prices and quantities at the unit's scale */
        return 0;
    }
    mag = neg ? (sqt_u128)(-(sqt_i128)v.mant) : (sqt_u128)v.mant;
    if (neg && mode == RND_FLOOR)
        mode = RND_CEIL; /* floor(-x) = -ceil(x) */
    else if (neg && mode == RND_CEIL)
        mode = RND_FLOOR;
    den = (sqt_u128)umant;
    if (uscale >= v.scale) {
        e = uscale - v.scale;
    } else {
        int i;
        for (i = 0; i < v.scale - uscale; i++)
            den *= 10u; /* < 2^63 * 10^18 < 2^123 */
    }
    rc = muldiv_p10(mag, e, den, mode, &q);
    if (rc != 0)
        return rc;
    if (q > (sqt_u128)INT64_MAX)
        return SQT_ERANGE;
    *out = neg ? -(int64_t)q : (int64_t)q;
    return 0;
}

static const uint64_t pow10_u64[19] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    10000000000u, 100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
    1000000000000000u, 10000000000000000u, 100000000000000000u, 1000000000000000000u};

/* v * 10^(to - from), rounding halves away from zero when scaling down; |result| must
 * stay below 2^63. */
SQT_HOT static int rescale_i128(sqt_i128 v, int from, int to, sqt_i128 *out)
{
    const sqt_i128 lim = (sqt_i128)INT64_MAX;
    if (v > ((sqt_i128)1 << 125) || v < -((sqt_i128)1 << 125))
        return SQT_ERANGE;
    if (from <= to && to - from <= 18 && v <= lim && v >= -lim) {
        /* the common case (every fee and PnL figure): one multiplication by 10^k gives
         * what the digit loop below gives (< 2^63 * 10^18: no overflow) */
        v *= (sqt_i128)pow10_u64[to - from];
        from = to;
    }
    while (from < to) {
        if (v > lim || v < -lim)
            return SQT_ERANGE;
        v *= 10;
        from++;
    }
    while (from > to) {
        sqt_i128 q, r;
        if (v <= lim && v >= -lim) { /* 64-bit division: the value fits (nearly always) */
            q = (int64_t)v / 10;
            r = (int64_t)v % 10;
        } else {
            q = v / 10;
            r = v % 10;
        }
        if (r >= 5)
            q++;
        else if (r <= -5)
            q--;
        v = q;
        from--;
    }
    if (v > lim || v < -lim)
        return SQT_ERANGE;
    *out = v;
    return 0;
}

int sqt_grid__from_units(sqt_i128 n, sqt_i128 umant, int uscale, int out_scale, sqt_dec *out)
{
    sqt_i128 v;
    int rc;
    if (n > ((sqt_i128)1 << 63) || n < -((sqt_i128)1 << 63) || out_scale < 0 ||
        out_scale > SQT_DEC_MAX_SCALE)
        return SQT_ERANGE;
    if (umant == 1 && uscale == out_scale && n <= (sqt_i128)INT64_MAX &&
        n >= -(sqt_i128)INT64_MAX) {
        /* a tick or step of one unit at its own scale (every price and quantity of an
         * event): the units are the mantissa */
        *out = sqt_dec_make((int64_t)n, out_scale);
        return 0;
    }
    rc = rescale_i128(n * umant, uscale, out_scale, &v);
    if (rc != 0)
        return rc;
    *out = sqt_dec_make((int64_t)v, out_scale);
    return 0;
}

SQT_HOT int sqt_grid__ticks(const sqt_grid *g, sqt_dec v, int mode, int64_t *out)
{
    return sqt_grid__to_units(v, g->tick.mant, g->tick.scale, mode, out);
}

SQT_HOT int sqt_grid__steps(const sqt_grid *g, sqt_dec v, int mode, int64_t *out)
{
    return sqt_grid__to_units(v, g->step.mant, g->step.scale, mode, out);
}

SQT_HOT sqt_dec sqt_grid__price_dec(const sqt_grid *g, int64_t ticks)
{
    sqt_dec d = sqt_dec_make(0, g->tick.scale);
    if (sqt_grid__from_units(ticks, g->tick.mant, g->tick.scale, g->tick.scale, &d) != 0)
        d = sqt_dec_make(0, g->tick.scale);
    return d;
}

SQT_HOT sqt_dec sqt_grid__qty_dec(const sqt_grid *g, int64_t steps)
{
    sqt_dec d = sqt_dec_make(0, g->step.scale);
    if (sqt_grid__from_units(steps, g->step.mant, g->step.scale, g->step.scale, &d) != 0)
        d = sqt_dec_make(0, g->step.scale);
    return d;
}

static int pnl_scale(const sqt_grid *g)
{
    int s = g->unit_scale > 8 ? g->unit_scale : 8;
    return s > SQT_DEC_MAX_SCALE ? SQT_DEC_MAX_SCALE : s;
}

SQT_HOT int sqt_grid__pnl_dec(const sqt_grid *g, sqt_i128 gross, sqt_i128 fees, sqt_dec *out)
{
    int s = pnl_scale(g), rc;
    sqt_i128 a, b;
    if (gross > ((sqt_i128)1 << 62) || gross < -((sqt_i128)1 << 62))
        return SQT_ERANGE;
    rc = rescale_i128(gross * g->unit_mant, g->unit_scale, s, &a);
    if (rc == 0)
        rc = rescale_i128(fees, GRID_FEE_SCALE, s, &b);
    if (rc != 0)
        return rc;
    if (a - b > (sqt_i128)INT64_MAX || a - b < -(sqt_i128)INT64_MAX)
        return SQT_ERANGE;
    *out = sqt_dec_make((int64_t)(a - b), s);
    return 0;
}

int sqt_grid__fee_dec(sqt_i128 fees, sqt_dec *out)
{
    sqt_i128 v;
    int rc = rescale_i128(fees, GRID_FEE_SCALE, 8, &v);
    if (rc != 0)
        return rc;
    *out = sqt_dec_make((int64_t)v, 8);
    return 0;
}

/* A fee in 1e-12 units as the shortest exact decimal (8 decimals if it does not fit). */
sqt_dec sqt_grid__fee_exact(sqt_i128 fees)
{
    sqt_dec d = sqt_dec_make(0, 0);
    if (fees <= (sqt_i128)INT64_MAX && fees >= -(sqt_i128)INT64_MAX)
        return sqt_dec_normalize(sqt_dec_make((int64_t)fees, GRID_FEE_SCALE));
    if (sqt_grid__fee_dec(fees, &d) != 0)
        d = sqt_dec_make(0, 0);
    return d;
}

/* A reported fee in 1e-12 quote (halves away from zero beyond 12 decimals). */
SQT_HOT sqt_i128 sqt_grid__fee_units(sqt_dec fee)
{
    sqt_i128 v = 0;
    if (fee.scale < 0 || fee.scale > SQT_DEC_MAX_SCALE ||
        rescale_i128(fee.mant, fee.scale, GRID_FEE_SCALE, &v) != 0)
        return 0;
    return v;
}

const char *sqt_grid__dec_text(sqt_dec d, char *buf, size_t cap)
{
    if (sqt_dec_format(d, buf, cap) < 0)
        snprintf(buf, cap, "?");
    return buf;
}
