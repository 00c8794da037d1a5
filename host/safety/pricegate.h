/* Market-data sanity (issue 14): one wrong print must not move orders, and a silent
 * market stream must not leave the bot trading on an old price.
 *
 * Jumps. A print more than max_price_jump_percent away from the last accepted price is
 * held. It is accepted once price_confirm_prints consecutive prints (itself included)
 * lie within the same band of it - the market really moved. A print back near the
 * accepted price drops what was held: one WARN text with the numbers per dropped
 * outlier. Nothing held is ever delivered.
 *
 * Staleness. sqt_pricegate_poll() says when the last accepted print is older than
 * market_data_max_age_seconds (and when fresh data ends it): the host pauses new orders
 * (sqt_grid_set_data_pause) with a WARN and resumes on the next accepted print.
 *
 * Pure: prices and a monotonic now_ms in, verdicts out. Exact decimal/integer math. */
#ifndef SQT_PRICEGATE_H
#define SQT_PRICEGATE_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

/* Exactly the config keys under `safety:`. */
typedef struct sqt_pricegate_params {
    sqt_dec max_price_jump_percent;  /* decimal, >= 0, <= 100, at most 6 decimals; 0 = off
                                      * (default "3") */
    int price_confirm_prints;        /* >= 1 (default 3); 1 accepts every jump */
    int market_data_max_age_seconds; /* >= 0 (default 15); 0 = off */
} sqt_pricegate_params;

void sqt_pricegate_params_init(sqt_pricegate_params *p);

typedef struct sqt_pricegate {
    sqt_pricegate_params p;
    int have_ref;
    sqt_dec ref;               /* last accepted price */
    int64_t ref_ms;            /* when it was accepted */
    int have_cand;
    sqt_dec cand;              /* the level being confirmed (its first print) */
    int cand_prints;
    int stale;                 /* a stale edge was reported, no fresh one yet */
    uint64_t held, dropped, confirmed; /* counters for the status line */
} sqt_pricegate;

/* 0, or SQT_EINVAL with a one-line reason in err. */
int sqt_pricegate_init(sqt_pricegate *g, const sqt_pricegate_params *p, char *err,
                       size_t errlen);

enum {
    SQT_PG_ACCEPT = 0,         /* deliver this price */
    SQT_PG_HOLD = 1            /* do not: a jump waiting for confirmation */
};

typedef struct sqt_pricegate_verdict {
    int action;                /* SQT_PG_ACCEPT / SQT_PG_HOLD */
    int confirmed;             /* ACCEPT of a jump its prints confirmed (INFO-worthy) */
    int resumed;               /* ACCEPT that ends a stale period: resume new orders */
    int warn;                  /* text is a WARN: an outlier was dropped */
    char text[192];            /* what happened, with the numbers ("" when nothing) */
} sqt_pricegate_verdict;

/* One print (> 0; anything else is SQT_EINVAL and changes nothing). */
int sqt_pricegate_on_price(sqt_pricegate *g, sqt_dec price, int64_t now_ms,
                           sqt_pricegate_verdict *v);

enum {
    SQT_PG_FRESH = 0,          /* nothing to do */
    SQT_PG_STALE_BEGIN = 1,    /* data older than the limit: pause new orders, WARN text */
    SQT_PG_STALE = 2           /* still stale (already said) */
};

/* Call every second or so: SQT_PG_STALE_BEGIN once when the last accepted print is
 * older than the limit, then SQT_PG_STALE until a print is accepted (its verdict says
 * resumed). FRESH before the first print (start-up waits for one anyway) and when the
 * check is off. *age_ms gets the age (may be NULL); text (may be NULL) the WARN line. */
int sqt_pricegate_poll(sqt_pricegate *g, int64_t now_ms, int64_t *age_ms, char *text,
                       size_t cap);

#endif
