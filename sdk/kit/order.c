/* Order helpers every exchange plugin needs the same way (pluginkit.h): a price or
 * quantity checked against its grid and formatted with the grid's decimals, and the
 * two verdicts on a single order's answer. */
#include <string.h>

#include <opensqt/pluginkit.h>

SQT_HOT int sqt_kit_dec_on_grid(sqt_dec v, sqt_dec unit, const char *name, const char *unit_name,
                        char *buf, size_t cap, sqt_error *e)
{
    sqt_dec r;
    char ub[48], vb[48];
    if (e != NULL)
        memset(e, 0, sizeof(*e));
    if (v.scale < 0 || v.scale > SQT_DEC_MAX_SCALE || unit.mant <= 0 || unit.scale < 0 ||
        unit.scale > SQT_DEC_MAX_SCALE)
        return sqt_kit_fail(e, SQT_EINVAL, "%s: malformed decimal", name);
    if (v.mant <= 0)
        return sqt_kit_fail(e, SQT_ERULES, "%s must be > 0", name);
    if (sqt_dec_rescale(v, unit.scale, &r) != SQT_OK || r.mant % unit.mant != 0) {
        sqt_dec_format(unit, ub, sizeof(ub));
        sqt_dec_format(v, vb, sizeof(vb));
        return sqt_kit_fail(e, SQT_ERULES, "%s %s is not a multiple of the %s %s", name, vb,
                            unit_name, ub);
    }
    if (sqt_dec_format(r, buf, cap) < 0)
        return sqt_kit_fail(e, SQT_ERANGE, "%s does not fit", name);
    return SQT_OK;
}

int sqt_kit_item_level(const sqt_error *e)
{
    switch (e->code) {
    case SQT_ERATE_LIMITED:
    case SQT_EBANNED:
    case SQT_EAUTH:
    case SQT_ETIMESTAMP:
    case SQT_EUNKNOWN_STATUS:
        return 0;
    default:
        return e->exch_code[0] != '\0';
    }
}

void sqt_kit_unreadable(sqt_error *dst, const sqt_error *perr)
{
    memset(dst, 0, sizeof(*dst));
    sqt_kit_fail(dst, SQT_EUNKNOWN_STATUS, "answer unreadable (%.200s): verify", perr->message);
}
