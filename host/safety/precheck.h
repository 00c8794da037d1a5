/* Start-up account safety check (behaviour.md §9.1 with the §11 #36 fixes): the fee
 * check always runs (a position no longer skips it), unknown leverage is treated as 1
 * and said so, and every figure is reported. Pure: exact decimal arithmetic, no I/O. */
#ifndef SQT_PRECHECK_H
#define SQT_PRECHECK_H

#include <opensqt/plugin.h>

typedef struct sqt_precheck_in {
    sqt_dec first_price;       /* P0 */
    sqt_dec order_quantity;    /* quote per buy */
    sqt_dec price_interval;    /* I */
    sqt_dec fee_rate;          /* fraction per side */
    int required_positions;    /* position_safety_check */
    int max_leverage;
    sqt_dec available;         /* available balance, quote */
    int leverage;              /* 0 = unknown */
    sqt_dec position;          /* signed, base coin */
} sqt_precheck_in;

typedef struct sqt_precheck_out {
    int leverage_used;         /* leverage the check assumed */
    int leverage_unknown;
    long long max_positions;   /* floor(available * leverage / order_quantity) */
    int capacity_ok;
    int fee_ok;
    int leverage_ok;
    int has_position;
    char net_per_trip[48];     /* net profit of one round trip at P0, quote, as text */
} sqt_precheck_out;

/* 0 pass; -1 fail with a one-line reason in why. Capacity is only advisory when a
 * position already exists (its margin is already in use). */
int sqt_precheck_run(const sqt_precheck_in *in, sqt_precheck_out *out, char *why, size_t cap);

#endif
