/* The engine's decimal conversions (host/core/grid_money.c) against a plain reference:
 * the 64-bit fast path of the rescale (every event's price and quantity, every fee and
 * PnL figure) must give exactly what the digit-by-digit 128-bit loop gives, including
 * its per-digit rounding when scaling down and its range errors. */
#include <stdint.h>
#include <stdlib.h>

#include "grid_internal.h"
#include "sqt_test.h"

/* The reference: one decimal digit per step, halves away from zero at every step. */
static int ref_rescale(sqt_i128 v, int from, int to, sqt_i128 *out)
{
    const sqt_i128 lim = (sqt_i128)INT64_MAX;
    if (v > ((sqt_i128)1 << 125) || v < -((sqt_i128)1 << 125))
        return SQT_ERANGE;
    for (; from < to; from++) {
        if (v > lim || v < -lim)
            return SQT_ERANGE;
        v *= 10;
    }
    for (; from > to; from--) {
        sqt_i128 q = v / 10, r = v % 10;
        q += r >= 5 ? 1 : r <= -5 ? -1 : 0;
        v = q;
    }
    if (v > lim || v < -lim)
        return SQT_ERANGE;
    *out = v;
    return 0;
}

static uint64_t rnd(uint64_t *s)
{
    return sqt_test_xorshift(s);
}

/* A value of random magnitude: small ones (digits to round), near 2^63, beyond it. */
static sqt_i128 rnd_val(uint64_t *s)
{
    int bits = (int)(rnd(s) % 70);
    sqt_i128 v = bits == 0 ? 0 : (sqt_i128)(rnd(s) >> (64 - (bits > 64 ? 64 : bits)));
    if (bits > 64)
        v <<= bits - 64;
    if (rnd(s) % 7 == 0)
        v = (sqt_i128)INT64_MAX - (sqt_i128)(rnd(s) % 3); /* the 64-bit edge */
    return (rnd(s) & 1) ? -v : v;
}

static void test_from_units_matches_reference(void)
{
    uint64_t s = 88172645463325252ull;
    long i, bad = 0;
    for (i = 0; i < 400000; i++) {
        /* one unit at its own scale (the engine's ticks and steps) a quarter of the time */
        sqt_i128 n = rnd_val(&s) >> (int)(rnd(&s) % 8 * 8),
                 umant = rnd(&s) % 4 == 0 ? 1 : 1 + (sqt_i128)(rnd(&s) % 1000);
        int us = (int)(rnd(&s) % 19), os = rnd(&s) % 4 == 0 ? us : (int)(rnd(&s) % 19), rc, rrc;
        sqt_i128 want = 0;
        sqt_dec got = sqt_dec_make(0, 0);
        if (n > ((sqt_i128)1 << 63) || n < -((sqt_i128)1 << 63))
            continue; /* refused before the rescale */
        rc = sqt_grid__from_units(n, umant, us, os, &got);
        rrc = ref_rescale(n * umant, us, os, &want);
        if (rc != rrc || (rc == 0 && (got.mant != (int64_t)want || got.scale != os)))
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_fees_match_reference(void)
{
    uint64_t s = 0x9e3779b97f4a7c15ull;
    long i, bad = 0;
    for (i = 0; i < 400000; i++) {
        sqt_i128 f = rnd_val(&s), want = 0;
        sqt_dec d = sqt_dec_make(0, 0), fee;
        int rc = sqt_grid__fee_dec(f, &d), rrc = ref_rescale(f, GRID_FEE_SCALE, 8, &want);
        if (rc != rrc || (rc == 0 && (d.mant != (int64_t)want || d.scale != 8)))
            bad++;
        fee = sqt_dec_make((int64_t)(rnd(&s) >> (rnd(&s) % 64)) * ((rnd(&s) & 1) ? -1 : 1),
                           (int)(rnd(&s) % 19));
        rrc = ref_rescale(fee.mant, fee.scale, GRID_FEE_SCALE, &want);
        if (sqt_grid__fee_units(fee) != (rrc == 0 ? want : 0))
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* Hand-checked edges: iterated rounding (0.449 -> 0.45 -> 0.5 -> 1 at scale 0 units of
 * 1e-12 down to 1e-8 here) and the 64-bit limit. */
static void test_edges(void)
{
    sqt_dec d;
    CU_ASSERT_EQUAL(sqt_grid__fee_dec(4449, &d), 0); /* 0.000000004449 -> 0.00000001 */
    CU_ASSERT_EQUAL(d.mant, 1);
    CU_ASSERT_EQUAL(sqt_grid__fee_dec(-4449, &d), 0);
    CU_ASSERT_EQUAL(d.mant, -1);
    CU_ASSERT_EQUAL(sqt_grid__fee_dec(4444, &d), 0);
    CU_ASSERT_EQUAL(d.mant, 0);
    CU_ASSERT_EQUAL(sqt_grid__from_units(INT64_MAX, 1, 2, 2, &d), 0);
    CU_ASSERT_EQUAL(d.mant, INT64_MAX);
    CU_ASSERT_EQUAL(sqt_grid__from_units(INT64_MAX, 1, 2, 3, &d), SQT_ERANGE);
    CU_ASSERT_EQUAL(sqt_grid__from_units((sqt_i128)INT64_MAX / 10 + 1, 1, 0, 1, &d), SQT_ERANGE);
    CU_ASSERT_EQUAL(sqt_grid__from_units((sqt_i128)INT64_MAX / 10, 1, 0, 1, &d), 0);
    CU_ASSERT_EQUAL(sqt_grid__from_units(-(sqt_i128)INT64_MAX - 1, 1, 2, 2, &d), SQT_ERANGE);
    CU_ASSERT_EQUAL(sqt_grid__from_units(-(sqt_i128)INT64_MAX, 1, 2, 2, &d), 0);
    CU_ASSERT_EQUAL(d.mant, -INT64_MAX);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"from_units matches the digit loop (400k values)", test_from_units_matches_reference},
        {"fees match the digit loop (400k values)", test_fees_match_reference},
        {"rounding and range edges", test_edges},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("grid money", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
