/* An order's fee (pluginkit.h): charged in several coins, the cumulative fee is kept
 * only when it is all in the quote coin (the filler from trade lists is feefill.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/pluginkit.h>

int sqt_kit_dec_add(sqt_dec a, sqt_dec b, sqt_dec *out)
{
    int32_t s = a.scale > b.scale ? a.scale : b.scale;
    int rc;
    if ((rc = sqt_dec_rescale(a, s, &a)) != SQT_OK || (rc = sqt_dec_rescale(b, s, &b)) != SQT_OK)
        return rc;
    if ((b.mant > 0 && a.mant > INT64_MAX - b.mant) || (b.mant < 0 && a.mant < INT64_MIN - b.mant))
        return SQT_ERANGE;
    *out = sqt_dec_make(a.mant + b.mant, s);
    return SQT_OK;
}

void sqt_kit_fees_init(sqt_kit_fees *f, const char *quote)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->quote, sizeof(f->quote), "%s", quote != NULL ? quote : "");
    f->sum = sqt_dec_make(0, 0);
}

void sqt_kit_fees_add(sqt_kit_fees *f, const char *coin, sqt_dec paid)
{
    if (coin == NULL || f->quote[0] == '\0' || strcmp(coin, f->quote) != 0) {
        if (paid.mant != 0)
            f->other = 1;
        return;
    }
    if (f->err == SQT_OK && sqt_kit_dec_add(f->sum, paid, &f->sum) != SQT_OK)
        f->err = SQT_ERANGE;
    f->parts++;
}

int sqt_kit_fees_apply(const sqt_kit_fees *f, sqt_order *o)
{
    if (f->other || f->parts == 0 || f->err != SQT_OK)
        return 0;
    if (o->fee_asset[0] == '\0')
        snprintf(o->fee_asset, sizeof(o->fee_asset), "%s", f->quote);
    else if (strcmp(o->fee_asset, f->quote) != 0)
        return 0; /* the fill's record is in another coin: the totals would not match it */
    o->cum_fee = f->sum;
    o->has_cum_fee = 1;
    return 1;
}

