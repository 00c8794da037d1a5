/* Start-up account safety check: see precheck.h. */
#include "precheck.h"

#include <stdio.h>
#include <string.h>

typedef __int128 i128;

static i128 pow10_i128(int n)
{
    i128 r = 1;
    while (n-- > 0)
        r *= 10;
    return r;
}

/* d at scale s (s >= d.scale) as an integer. */
static i128 at_scale(sqt_dec d, int s)
{
    return (i128)d.mant * pow10_i128(s - d.scale);
}

static void fmt_i128(i128 v, int scale, char *buf, size_t cap)
{
    char tmp[64];
    int n = 0, neg = v < 0;
    unsigned __int128 m = neg ? (unsigned __int128)(-v) : (unsigned __int128)v;
    do {
        tmp[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
        if (n == scale)
            tmp[n++] = '.';
    } while (m != 0 || n <= scale);
    if (tmp[n - 1] == '.')
        tmp[n++] = '0';
    if (neg)
        tmp[n++] = '-';
    if ((size_t)n + 1 > cap) {
        snprintf(buf, cap, "?");
        return;
    }
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

int sqt_precheck_run(const sqt_precheck_in *in, sqt_precheck_out *out, char *why, size_t cap)
{
    int s;
    i128 P, I, A, F, one, lhs, rhs, net;
    memset(out, 0, sizeof(*out));
    if (in->first_price.mant <= 0 || in->order_quantity.mant <= 0 || in->price_interval.mant <= 0) {
        snprintf(why, cap, "safety check: first price, order quantity and price interval must be > 0");
        return -1;
    }
    out->has_position = in->position.mant != 0;
    out->leverage_unknown = in->leverage <= 0;
    out->leverage_used = in->leverage > 0 ? in->leverage : 1;

    /* one common scale for every figure: all values are small decimals */
    s = in->first_price.scale;
    if (in->order_quantity.scale > s) s = in->order_quantity.scale;
    if (in->price_interval.scale > s) s = in->price_interval.scale;
    if (in->fee_rate.scale > s) s = in->fee_rate.scale;
    if (in->available.scale > s) s = in->available.scale;
    P = at_scale(in->first_price, s);
    I = at_scale(in->price_interval, s);
    A = at_scale(in->order_quantity, s);
    F = at_scale(in->fee_rate, s);
    one = pow10_i128(s);

    /* net of one round trip at P0: qty = A/P; profit = I*A/P; fees = F*(A + (P+I)*A/P)
     * net * P = A * (I - F*(2P + I)) (all at scale s; F carries one extra scale) */
    lhs = I * one;
    rhs = F * (2 * P + I);
    net = A * (lhs - rhs) / (P * one); /* scale s */
    fmt_i128(net, s, out->net_per_trip, sizeof(out->net_per_trip));
    out->fee_ok = lhs > rhs;

    out->leverage_ok = out->leverage_used <= in->max_leverage;
    {
        i128 avail = at_scale(in->available, s);
        i128 maxpos = A > 0 ? avail * out->leverage_used / A : 0;
        out->max_positions = maxpos > (i128)0x7fffffffffffffffLL ? 0x7fffffffffffffffLL
                                                                 : (long long)maxpos;
        out->capacity_ok = in->available.mant > 0 && out->max_positions >= in->required_positions;
    }

    if (!out->fee_ok) {
        snprintf(why, cap,
                 "safety check: a round trip loses money after fees (net %s per trip): "
                 "price_interval must exceed fee_rate x (2 x price + interval)",
                 out->net_per_trip);
        return -1;
    }
    if (!out->leverage_ok) {
        snprintf(why, cap, "safety check: leverage %d is above the maximum %d (trading.max_leverage)",
                 out->leverage_used, in->max_leverage);
        return -1;
    }
    if (!out->has_position && in->available.mant <= 0) {
        snprintf(why, cap, "safety check: no available balance");
        return -1;
    }
    if (!out->has_position && !out->capacity_ok) {
        snprintf(why, cap,
                 "safety check: balance x leverage covers %lld buy orders, %d required "
                 "(trading.position_safety_check)",
                 out->max_positions, in->required_positions);
        return -1;
    }
    return 0;
}
