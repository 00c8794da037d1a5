/* Bitget mix API v2 parsers (parse.h). Field names and meanings: bitget.md 3-6, with
 * its section 11 taking precedence. Every reader names the field it rejects. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opensqt/pluginkit.h>

#include "parse.h"

/* ------------------------------------------------------------------------------------
 * small helpers
 * ---------------------------------------------------------------------------------- */

static int has_word(const char *msg, const char *word)
{
    size_t n = strlen(word);
    for (; msg != NULL && *msg != '\0'; msg++)
        if (strncasecmp(msg, word, n) == 0)
            return 1;
    return 0;
}

/* The envelope {"code":"00000","msg":..,"data":..}; *data borrowed from *root. */
static int envelope(const char *json, size_t len, const char *path, json_t **root,
                    json_t **data, sqt_error *e)
{
    const char *code;
    *data = NULL;
    if ((*root = sqt_kit_json_load(json, len, path, e)) == NULL)
        return e->code;
    if (!json_is_object(*root))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
    if (sqt_kit_json_str(*root, "code", &code, path, e) != SQT_OK)
        return e->code;
    if (strcmp(code, "00000") != 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: code %.16s in a success answer", path, code);
    *data = json_object_get(*root, "data");
    return SQT_OK;
}

SQT_HOT static int side_of(const char *s, sqt_side *out)
{
    if (strcasecmp(s, "buy") == 0)
        *out = SQT_SIDE_BUY;
    else if (strcasecmp(s, "sell") == 0)
        *out = SQT_SIDE_SELL;
    else
        return 0;
    return 1;
}

/* v2 words, the legacy v1 words (bitget.md 5) and both spellings of canceled. */
SQT_HOT static sqt_order_status status_of(const char *s)
{
    if (strcmp(s, "live") == 0 || strcmp(s, "new") == 0 || strcmp(s, "init") == 0)
        return SQT_ORDER_NEW;
    if (strcmp(s, "partially_filled") == 0 || strcmp(s, "partial-fill") == 0)
        return SQT_ORDER_PARTIALLY_FILLED;
    if (strcmp(s, "filled") == 0 || strcmp(s, "full-fill") == 0)
        return SQT_ORDER_FILLED;
    if (strcmp(s, "canceled") == 0 || strcmp(s, "cancelled") == 0)
        return SQT_ORDER_CANCELED;
    return SQT_ORDER_UNKNOWN;
}

SQT_HOT static sqt_dec dec_neg(sqt_dec d)
{
    d.mant = -d.mant;
    return d;
}

SQT_HOT static int copy_cid(char *dst, const char *raw, size_t strip, const char *path, sqt_error *e)
{
    size_t n = strlen(raw);
    return sqt_kit_json_copy(dst, SQT_CLIENT_ID_MAX, n >= strip ? raw + strip : "",
                             "clientOid", path, e);
}

/* ------------------------------------------------------------------------------------
 * errors (bitget.md 6 and 11)
 * ---------------------------------------------------------------------------------- */

int sqt_bg_code_class(const char *code, const char *msg)
{
    static const struct {
        const char *code;
        int cls;
    } table[] = {
        {"429", SQT_ERATE_LIMITED},  {"1001", SQT_ERATE_LIMITED},
        {"40001", SQT_EAUTH},        {"40002", SQT_EAUTH},
        {"40003", SQT_EAUTH},        {"40006", SQT_EAUTH},
        {"40009", SQT_EAUTH},        {"40010", SQT_EAUTH},
        {"40011", SQT_EAUTH},        {"40012", SQT_EAUTH},
        {"40014", SQT_EAUTH},        {"40018", SQT_EAUTH},
        {"40004", SQT_ETIMESTAMP},   {"40005", SQT_ETIMESTAMP},
        {"40008", SQT_ETIMESTAMP},   {"40786", SQT_EDUP_CLIENT_ID},
        {"40305", SQT_EINVAL},       {"40762", SQT_EMARGIN},
        {"40711", SQT_EMARGIN},      {"40754", SQT_EMARGIN},
        {"43012", SQT_EMARGIN},      {"40712", SQT_EMARGIN},
        {"40768", SQT_EUNKNOWN_ORDER}, {"43001", SQT_EUNKNOWN_ORDER},
        {"22001", SQT_EUNKNOWN_ORDER}, {"40109", SQT_EUNKNOWN_ORDER},
        {"22002", SQT_ERULES},       /* reduce-only with no position to close */
        {"40774", SQT_EPOSITION_MODE},
        {"40808", SQT_ERULES},       {"41103", SQT_ERULES},
        {"45110", SQT_ERULES},       {"45111", SQT_ERULES},
        {"45113", SQT_ERULES},       {"41114", SQT_ESTATE},
        {"40308", SQT_ESTATE},       {"43115", SQT_ESTATE},
    };
    size_t i;
    if (code == NULL)
        return SQT_EEXCHANGE;
    /* no post-only code is documented (bitget.md 6): the text decides */
    if (has_word(msg, "post only") || has_word(msg, "post_only") || has_word(msg, "post-only"))
        return SQT_EPOST_ONLY;
    /* 40708 / 43118 are duplicates only when they say so (bitget.md 11) */
    if ((strcmp(code, "40708") == 0 || strcmp(code, "43118") == 0) && has_word(msg, "duplicate"))
        return SQT_EDUP_CLIENT_ID;
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(code, table[i].code) == 0)
            return table[i].cls;
    return SQT_EEXCHANGE;
}

void sqt_bg_classify(int http_status, const char *body, size_t len, sqt_error *e)
{
    json_t *root = NULL, *jc, *jm;
    char code[32] = "";
    const char *msg = "";
    memset(e, 0, sizeof(*e));
    e->http_status = http_status;
    if (body != NULL && len > 0)
        root = json_loadb(body, len, 0, NULL);
    if (json_is_object(root)) {
        jc = json_object_get(root, "code");
        jm = json_object_get(root, "msg");
        if (json_is_string(jc))
            snprintf(code, sizeof(code), "%s", json_string_value(jc));
        else if (json_is_integer(jc))
            snprintf(code, sizeof(code), "%lld", (long long)json_integer_value(jc));
        if (json_is_string(jm))
            msg = json_string_value(jm);
    }
    snprintf(e->exch_code, sizeof(e->exch_code), "%s", code);
    snprintf(e->message, sizeof(e->message), "%s", msg);
    if (http_status >= 200 && http_status <= 299 && strcmp(code, "00000") == 0) {
        json_decref(root);
        return;
    }
    if (http_status == 429 || strcmp(code, "429") == 0) {
        e->code = SQT_ERATE_LIMITED;
        e->retry_after_ms = 1000; /* the windows are 1 s (bitget.md 6) */
    } else if (http_status >= 500 || http_status == 408) {
        /* whatever code it carries, the request may have been carried out */
        e->code = SQT_EUNKNOWN_STATUS;
    } else if (code[0] != '\0' && strcmp(code, "00000") != 0) {
        e->code = sqt_bg_code_class(code, msg);
        if (e->code == SQT_ERATE_LIMITED)
            e->retry_after_ms = 1000;
    } else if (http_status >= 200 && http_status <= 299) {
        e->code = SQT_EPROTO; /* 2xx without a code: not Bitget's envelope */
    } else {
        e->code = SQT_EEXCHANGE;
    }
    if (e->message[0] == '\0')
        snprintf(e->message, sizeof(e->message), "HTTP %d", http_status);
    json_decref(root);
}

/* ------------------------------------------------------------------------------------
 * server time, contracts
 * ---------------------------------------------------------------------------------- */

int sqt_bg_parse_server_time(const char *json, size_t len, int64_t *ms, sqt_error *e)
{
    json_t *root, *data;
    int rc = envelope(json, len, "time", &root, &data, e);
    if (rc == SQT_OK) {
        if (!json_is_object(data))
            rc = sqt_kit_fail(e, SQT_EPROTO, "time: data is not an object");
        else
            rc = sqt_kit_json_i64(data, "serverTime", ms, "time.data", e);
    }
    json_decref(root);
    return rc;
}

static int pow10_dec(int64_t places, sqt_dec unit, sqt_dec *out)
{
    if (places < 0 || places > SQT_DEC_MAX_SCALE || unit.scale != 0 || unit.mant <= 0)
        return SQT_ERANGE;
    *out = sqt_dec_make(unit.mant, (int32_t)places);
    return SQT_OK;
}

static int contract_fill(json_t *c, const char *path, sqt_symbol_info *info, sqt_error *e)
{
    const char *base, *quote, *status;
    int64_t price_place, volume_place, max_orders;
    sqt_dec end_step, mult, min_num, min_usdt;
    int ok = 0;
    if (sqt_kit_json_str(c, "baseCoin", &base, path, e) ||
        sqt_kit_json_str(c, "quoteCoin", &quote, path, e) ||
        sqt_kit_json_i64(c, "pricePlace", &price_place, path, e) ||
        sqt_kit_json_i64(c, "volumePlace", &volume_place, path, e) ||
        sqt_kit_json_dec(c, "priceEndStep", &end_step, path, e) ||
        sqt_kit_json_dec(c, "sizeMultiplier", &mult, path, e) ||
        sqt_kit_json_dec(c, "minTradeNum", &min_num, path, e) ||
        sqt_kit_json_opt_dec(c, "minTradeUSDT", &min_usdt, path, e) ||
        sqt_kit_json_opt_i64(c, "maxSymbolOrderNum", &max_orders, 0, path, e) ||
        sqt_kit_json_opt_str(c, "symbolStatus", &status, "normal", path, e))
        return e->code;
    if (sqt_kit_json_copy(info->base_asset, sizeof(info->base_asset), base, "baseCoin", path,
                          e) ||
        sqt_kit_json_copy(info->quote_asset, sizeof(info->quote_asset), quote, "quoteCoin", path,
                          e))
        return e->code;
    if (pow10_dec(price_place, sqt_dec_normalize(end_step), &info->tick_size) != SQT_OK)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: pricePlace/priceEndStep give no valid tick",
                            path);
    mult = sqt_dec_normalize(mult);
    min_num = sqt_dec_normalize(min_num);
    if (mult.mant <= 0 || min_num.mant < 0 || min_usdt.mant < 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: sizeMultiplier/minTradeNum out of range", path);
    /* the size step is sizeMultiplier; volumePlace only bounds its decimals */
    if (volume_place < 0 || volume_place > SQT_DEC_MAX_SCALE || mult.scale > volume_place)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: sizeMultiplier has more decimals than "
                            "volumePlace", path);
    if (max_orders < 0 || max_orders > INT32_MAX)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: maxSymbolOrderNum out of range", path);
    if (strcmp(status, "normal") != 0)
        return sqt_kit_fail(e, SQT_ESTATE, "symbol %.31s is not tradable (symbolStatus %.24s)",
                            info->symbol, status);
    info->step_size = mult;
    info->min_qty = sqt_dec_cmp(min_num, mult, &ok) > 0 ? min_num : mult;
    info->min_notional = sqt_dec_normalize(min_usdt);
    info->contract_multiplier = sqt_dec_make(1, 0);
    info->max_open_orders = (int32_t)max_orders;
    info->max_batch_place = SQT_BG_MAX_BATCH;
    info->max_batch_cancel = SQT_BG_MAX_BATCH;
    info->client_id_max_len = SQT_BG_CLIENT_ID_LIMIT;
    return SQT_OK;
}

int sqt_bg_parse_contract(const char *json, size_t len, const char *symbol,
                          sqt_symbol_info *info, sqt_error *e)
{
    json_t *root, *data, *c;
    size_t i;
    int rc = envelope(json, len, "contracts", &root, &data, e);
    memset(info, 0, sizeof(*info));
    info->struct_size = sizeof(*info);
    if (rc != SQT_OK)
        goto out;
    if (!json_is_array(data)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "contracts: data is not an array");
        goto out;
    }
    rc = sqt_kit_fail(e, SQT_ENOENT, "contracts: symbol %.31s not listed", symbol);
    json_array_foreach(data, i, c) {
        const char *s;
        char path[64];
        snprintf(path, sizeof(path), "contracts.data[%zu]", i);
        if (!json_is_object(c)) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
            break;
        }
        if ((rc = sqt_kit_json_str(c, "symbol", &s, path, e)) != SQT_OK)
            break;
        if (strcmp(s, symbol) != 0) {
            rc = sqt_kit_fail(e, SQT_ENOENT, "contracts: symbol %.31s not listed", symbol);
            continue;
        }
        snprintf(info->symbol, sizeof(info->symbol), "%s", symbol);
        rc = contract_fill(c, path, info, e);
        break;
    }
out:
    if (rc == SQT_OK)
        memset(e, 0, sizeof(*e));
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * account, positions
 * ---------------------------------------------------------------------------------- */

/* Leverage may come as a number or a string (bitget.md 3.2, 9.5). */
static int lever_of(json_t *obj, const char *key, int32_t *out, const char *path, sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    sqt_dec d;
    *out = 0;
    if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
        return SQT_OK;
    if (json_is_real(v)) {
        double x = json_real_value(v);
        if (!(x >= 0 && x <= 1000))
            return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' out of range", path, key);
        *out = (int32_t)x;
        return SQT_OK;
    }
    if (sqt_kit_json_dec_of(v, &d, key, path, e) != SQT_OK)
        return e->code;
    d = sqt_dec_normalize(d);
    if (d.scale != 0 || d.mant < 0 || d.mant > 1000)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' is not a leverage", path, key);
    *out = (int32_t)d.mant;
    return SQT_OK;
}

int sqt_bg_parse_account(const char *json, size_t len, sqt_bg_acct *out, sqt_error *e)
{
    json_t *root, *data;
    const char *coin, *mode, *pos_mode;
    int32_t cross_lev, iso_lev;
    sqt_dec equity;
    const char *p = "account.data";
    int rc = envelope(json, len, "account", &root, &data, e);
    memset(out, 0, sizeof(*out));
    out->acct.struct_size = sizeof(out->acct);
    if (rc != SQT_OK)
        goto out;
    if (!json_is_object(data)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "account: data is not an object");
        goto out;
    }
    if ((rc = sqt_kit_json_str(data, "marginCoin", &coin, p, e)) ||
        (rc = sqt_kit_json_dec(data, "available", &out->acct.available, p, e)) ||
        (rc = sqt_kit_json_dec(data, "accountEquity", &equity, p, e)) ||
        (rc = sqt_kit_json_opt_str(data, "marginMode", &mode, "crossed", p, e)) ||
        (rc = sqt_kit_json_opt_str(data, "posMode", &pos_mode, "", p, e)) ||
        (rc = lever_of(data, "crossedMarginLeverage", &cross_lev, p, e)) ||
        (rc = lever_of(data, "isolatedLongLever", &iso_lev, p, e)) ||
        (rc = sqt_kit_json_copy(out->acct.asset, sizeof(out->acct.asset), coin, "marginCoin", p,
                                e)))
        goto out;
    /* upper-case on the wire; the margin coin names the asset everywhere else */
    out->acct.balance = equity;
    out->isolated = strcmp(mode, "isolated") == 0;
    out->acct.leverage = out->isolated ? iso_lev : cross_lev;
    if (strcmp(pos_mode, "one_way_mode") == 0)
        out->acct.position_mode = SQT_POSMODE_ONE_WAY;
    else if (strcmp(pos_mode, "hedge_mode") == 0)
        out->acct.position_mode = SQT_POSMODE_HEDGE;
    else
        out->acct.position_mode = SQT_POSMODE_UNKNOWN;
out:
    json_decref(root);
    return rc;
}

int sqt_bg_parse_positions(const char *json, size_t len, const char *symbol,
                           sqt_position *pos, size_t cap, size_t *n, sqt_error *e)
{
    json_t *root, *data, *it;
    size_t i;
    int rc = envelope(json, len, "position", &root, &data, e);
    *n = 0;
    if (rc != SQT_OK)
        goto out;
    if (json_is_null(data) || data == NULL)
        goto out; /* flat */
    if (!json_is_array(data)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "position: data is not an array");
        goto out;
    }
    json_array_foreach(data, i, it) {
        char path[64];
        const char *s, *hold;
        sqt_dec total, entry, upl;
        int32_t lev;
        sqt_position *p;
        snprintf(path, sizeof(path), "position.data[%zu]", i);
        if (!json_is_object(it)) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
            goto out;
        }
        if ((rc = sqt_kit_json_str(it, "symbol", &s, path, e)) ||
            (rc = sqt_kit_json_str(it, "holdSide", &hold, path, e)) ||
            (rc = sqt_kit_json_dec(it, "total", &total, path, e)) ||
            (rc = sqt_kit_json_opt_dec(it, "openPriceAvg", &entry, path, e)) ||
            (rc = sqt_kit_json_opt_dec(it, "unrealizedPL", &upl, path, e)) ||
            (rc = lever_of(it, "leverage", &lev, path, e)))
            goto out;
        if (strcmp(s, symbol) != 0)
            continue;
        if (strcmp(hold, "long") != 0 && strcmp(hold, "short") != 0) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: holdSide '%.16s' is neither long nor short",
                              path, hold);
            goto out;
        }
        if (total.mant < 0) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: total is negative", path);
            goto out;
        }
        if (*n == cap) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "position: more than %zu entries", cap);
            goto out;
        }
        p = &pos[(*n)++];
        memset(p, 0, sizeof(*p));
        p->struct_size = sizeof(*p);
        snprintf(p->symbol, sizeof(p->symbol), "%s", s);
        /* total is unsigned; the side gives the sign (bitget.md 8) */
        p->size = strcmp(hold, "short") == 0 ? dec_neg(total) : total;
        p->entry_price = entry;
        p->unrealized_pnl = upl;
        p->leverage = lev;
    }
out:
    if (rc != SQT_OK)
        *n = 0;
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * orders (REST): entrustedList items and order detail share their fields except the
 * status key (`status` there, `state` here: bitget.md 3.11, 9.1)
 * ---------------------------------------------------------------------------------- */

static int rest_order(json_t *it, const char *status_key, size_t strip, const char *path,
                      sqt_order *o, sqt_error *e)
{
    const char *sym, *oid, *cid, *st, *side, *force, *ro, *coin;
    sqt_dec fee;
    int64_t utime, ctime;
    sqt_side sd;
    memset(o, 0, sizeof(*o));
    o->struct_size = sizeof(*o);
    if (sqt_kit_json_str(it, "symbol", &sym, path, e) ||
        sqt_kit_json_str(it, "orderId", &oid, path, e) ||
        sqt_kit_json_opt_str(it, "clientOid", &cid, "", path, e) ||
        sqt_kit_json_str(it, status_key, &st, path, e) ||
        sqt_kit_json_str(it, "side", &side, path, e) ||
        sqt_kit_json_opt_str(it, "force", &force, "gtc", path, e) ||
        sqt_kit_json_opt_str(it, "reduceOnly", &ro, "NO", path, e) ||
        sqt_kit_json_opt_str(it, "marginCoin", &coin, "", path, e) ||
        sqt_kit_json_dec(it, "price", &o->price, path, e) ||
        sqt_kit_json_dec(it, "size", &o->qty, path, e) ||
        sqt_kit_json_opt_dec(it, "baseVolume", &o->filled_qty, path, e) ||
        sqt_kit_json_opt_dec(it, "priceAvg", &o->avg_price, path, e) ||
        sqt_kit_json_opt_dec(it, "fee", &fee, path, e) ||
        sqt_kit_json_opt_i64(it, "cTime", &ctime, 0, path, e) ||
        sqt_kit_json_opt_i64(it, "uTime", &utime, ctime, path, e))
        return e->code;
    if (sqt_kit_json_copy(o->symbol, sizeof(o->symbol), sym, "symbol", path, e) ||
        sqt_kit_json_copy(o->order_id, sizeof(o->order_id), oid, "orderId", path, e) ||
        copy_cid(o->client_id, cid, strip, path, e) ||
        sqt_kit_json_copy(o->fee_asset, sizeof(o->fee_asset), coin, "marginCoin", path, e))
        return e->code;
    if ((o->status = status_of(st)) == SQT_ORDER_UNKNOWN)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown %s '%.24s'", path, status_key, st);
    if (!side_of(side, &sd))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown side '%.16s'", path, side);
    if (o->qty.mant <= 0 || o->filled_qty.mant < 0 || sqt_dec_cmp(o->filled_qty, o->qty, NULL) > 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: size/baseVolume out of range", path);
    o->side = sd;
    o->tif = strcasecmp(force, "post_only") == 0 ? SQT_TIF_POST_ONLY : SQT_TIF_GTC;
    o->reduce_only = strcasecmp(ro, "YES") == 0 || strcasecmp(ro, "true") == 0;
    o->update_time_ms = utime;
    /* REST `fee` is the order's cumulative fee, negative when paid; the SDK's is
     * positive when paid */
    if (coin[0] != '\0') {
        o->cum_fee = dec_neg(fee);
        o->has_cum_fee = 1;
    }
    return SQT_OK;
}

int sqt_bg_parse_pending(const char *json, size_t len, const char *symbol, size_t strip,
                         sqt_order **orders, size_t *n, size_t *raw, char *end_id,
                         size_t end_cap, sqt_error *e)
{
    json_t *root, *data, *list, *it;
    const char *end;
    size_t i, count;
    sqt_order *grown;
    int rc = envelope(json, len, "orders-pending", &root, &data, e);
    *raw = 0;
    if (end_cap > 0)
        end_id[0] = '\0';
    if (rc != SQT_OK)
        goto out;
    if (!json_is_object(data)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "orders-pending: data is not an object");
        goto out;
    }
    if ((rc = sqt_kit_json_opt_str(data, "endId", &end, "", "orders-pending.data", e)) ||
        (rc = sqt_kit_json_copy(end_id, end_cap, end, "endId", "orders-pending.data", e)))
        goto out;
    list = json_object_get(data, "entrustedList");
    if (list == NULL || json_is_null(list))
        goto out; /* no orders: null, not [] (bitget.md 3.10) */
    if (!json_is_array(list)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "orders-pending: entrustedList is not an array");
        goto out;
    }
    count = json_array_size(list);
    *raw = count;
    if (count == 0)
        goto out;
    if ((grown = realloc(*orders, (*n + count) * sizeof(**orders))) == NULL) {
        rc = sqt_kit_fail(e, SQT_ENOMEM, "orders-pending: out of memory");
        goto out;
    }
    *orders = grown;
    json_array_foreach(list, i, it) {
        char path[64];
        sqt_order o;
        snprintf(path, sizeof(path), "orders-pending.entrustedList[%zu]", i);
        if (!json_is_object(it)) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
            goto out;
        }
        if ((rc = rest_order(it, "status", strip, path, &o, e)) != SQT_OK)
            goto out;
        if (strcmp(o.symbol, symbol) == 0)
            (*orders)[(*n)++] = o;
    }
out:
    json_decref(root);
    return rc;
}

int sqt_bg_parse_detail(const char *json, size_t len, size_t strip, sqt_order *out,
                        sqt_error *e)
{
    json_t *root, *data;
    int rc = envelope(json, len, "order detail", &root, &data, e);
    if (rc == SQT_OK) {
        if (!json_is_object(data))
            rc = sqt_kit_fail(e, SQT_EPROTO, "order detail: data is not an object");
        else
            rc = rest_order(data, "state", strip, "order detail.data", out, e);
    }
    json_decref(root);
    return rc;
}

int sqt_bg_parse_ack(const char *json, size_t len, char *order_id, size_t id_cap, sqt_error *e)
{
    json_t *root, *data;
    const char *oid;
    int rc = envelope(json, len, "order", &root, &data, e);
    if (rc == SQT_OK) {
        if (!json_is_object(data))
            rc = sqt_kit_fail(e, SQT_EPROTO, "order: data is not an object");
        /* one-way reduce-only quirk: the answer may have no orderId (bitget.md 3.5) */
        else if ((rc = sqt_kit_json_opt_str(data, "orderId", &oid, "", "order.data", e)) == SQT_OK)
            rc = sqt_kit_json_copy(order_id, id_cap, oid, "orderId", "order.data", e);
    }
    json_decref(root);
    return rc;
}

/* One list of a batch answer: mark each listed client id's item. */
static int batch_list(json_t *data, const char *key, int failed, const char *const *cids,
                      const char *const *oids, size_t n, sqt_bg_item *items, char *seen,
                      sqt_error *e)
{
    json_t *list = json_object_get(data, key), *it;
    size_t i, k;
    if (list == NULL || json_is_null(list))
        return SQT_OK;
    if (!json_is_array(list))
        return sqt_kit_fail(e, SQT_EPROTO, "batch: %s is not an array", key);
    json_array_foreach(list, i, it) {
        char path[64];
        const char *cid, *oid, *code, *msg;
        json_t *jc;
        char code_buf[24];
        snprintf(path, sizeof(path), "batch.%s[%zu]", key, i);
        if (!json_is_object(it))
            return sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
        if (sqt_kit_json_opt_str(it, "clientOid", &cid, "", path, e) ||
            sqt_kit_json_opt_str(it, "orderId", &oid, "", path, e) ||
            sqt_kit_json_opt_str(it, "errorMsg", &msg, "", path, e))
            return e->code;
        /* errorCode may be absent, a string or a number (bitget.md 11) */
        jc = json_object_get(it, "errorCode");
        code = "";
        if (json_is_string(jc))
            code = json_string_value(jc);
        else if (json_is_integer(jc)) {
            snprintf(code_buf, sizeof(code_buf), "%lld", (long long)json_integer_value(jc));
            code = code_buf;
        }
        for (k = 0; k < n; k++)
            if ((cid[0] != '\0' && cids != NULL && cids[k] != NULL && strcmp(cid, cids[k]) == 0) ||
                (cid[0] == '\0' && oid[0] != '\0' && oids != NULL && oids[k] != NULL &&
                 strcmp(oid, oids[k]) == 0))
                break;
        if (k == n || seen[k])
            continue; /* not one of ours, or listed twice: the first verdict stands */
        seen[k] = 1;
        memset(&items[k].err, 0, sizeof(items[k].err));
        if (sqt_kit_json_copy(items[k].order_id, sizeof(items[k].order_id), oid, "orderId",
                              path, e))
            return e->code;
        if (failed) {
            items[k].err.code = sqt_bg_code_class(code, msg);
            snprintf(items[k].err.exch_code, sizeof(items[k].err.exch_code), "%s", code);
            snprintf(items[k].err.message, sizeof(items[k].err.message), "%s",
                     msg[0] != '\0' ? msg : "rejected");
        }
    }
    return SQT_OK;
}

int sqt_bg_parse_batch(const char *json, size_t len, const char *const *cids,
                       const char *const *oids, size_t n, sqt_bg_item *items, sqt_error *e)
{
    json_t *root, *data;
    char seen[SQT_BG_MAX_BATCH];
    size_t k;
    int rc;
    if (n > SQT_BG_MAX_BATCH)
        return sqt_kit_fail(e, SQT_EINVAL, "batch: more than %d items", SQT_BG_MAX_BATCH);
    memset(seen, 0, sizeof(seen));
    for (k = 0; k < n; k++) {
        memset(&items[k], 0, sizeof(items[k]));
        sqt_kit_fail(&items[k].err, SQT_EPROTO, "batch: the answer does not list this order");
    }
    rc = envelope(json, len, "batch", &root, &data, e);
    if (rc == SQT_OK && !json_is_object(data))
        rc = sqt_kit_fail(e, SQT_EPROTO, "batch: data is not an object");
    if (rc == SQT_OK &&
        (rc = batch_list(data, "successList", 0, cids, oids, n, items, seen, e)) == SQT_OK)
        rc = batch_list(data, "failureList", 1, cids, oids, n, items, seen, e);
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * candles
 * ---------------------------------------------------------------------------------- */

static const struct {
    const char *sdk;
    const char *bg;
    int64_t ms;
} intervals[] = {
    {"1m", "1m", 60000},         {"3m", "3m", 180000},        {"5m", "5m", 300000},
    {"15m", "15m", 900000},      {"30m", "30m", 1800000},     {"1h", "1H", 3600000},
    {"2h", "2H", 7200000},       {"4h", "4H", 14400000},      {"6h", "6H", 21600000},
    {"12h", "12H", 43200000},    {"1d", "1D", 86400000},      {"3d", "3D", 259200000},
    {"1w", "1W", 604800000},
};

const char *sqt_bg_granularity(const char *interval)
{
    size_t i;
    for (i = 0; interval != NULL && i < sizeof(intervals) / sizeof(intervals[0]); i++)
        if (strcmp(interval, intervals[i].sdk) == 0)
            return intervals[i].bg;
    return NULL;
}

int64_t sqt_bg_interval_ms(const char *interval)
{
    size_t i;
    for (i = 0; interval != NULL && i < sizeof(intervals) / sizeof(intervals[0]); i++)
        if (strcmp(interval, intervals[i].sdk) == 0)
            return intervals[i].ms;
    return 0;
}

/* One row [ts, open, high, low, close, baseVolume, ...]. */
static int candle_row(json_t *row, const char *path, const char *symbol, const char *interval,
                      sqt_kline *k, sqt_error *e)
{
    sqt_dec *dst[5];
    size_t j;
    memset(k, 0, sizeof(*k));
    if (!json_is_array(row) || json_array_size(row) < 6)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: not a candle row", path);
    if (sqt_kit_json_i64_of(json_array_get(row, 0), &k->open_time_ms, "ts", path, e))
        return e->code;
    dst[0] = &k->open;
    dst[1] = &k->high;
    dst[2] = &k->low;
    dst[3] = &k->close;
    dst[4] = &k->volume;
    for (j = 0; j < 5; j++)
        if (sqt_kit_json_dec_of(json_array_get(row, j + 1), dst[j], "row", path, e))
            return e->code;
    if (k->open_time_ms < 0 || k->open_time_ms > INT64_MAX / 2)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: ts out of range", path);
    snprintf(k->symbol, sizeof(k->symbol), "%s", symbol);
    snprintf(k->interval, sizeof(k->interval), "%s", interval);
    k->close_time_ms = k->open_time_ms + sqt_bg_interval_ms(interval) - 1;
    return SQT_OK;
}

static int kline_cmp(const void *a, const void *b)
{
    const sqt_kline *x = a, *y = b;
    return (x->open_time_ms > y->open_time_ms) - (x->open_time_ms < y->open_time_ms);
}

int sqt_bg_parse_candles(const char *json, size_t len, const char *symbol,
                         const char *interval, int64_t now_ms, sqt_kline **out, size_t *n,
                         sqt_error *e)
{
    json_t *root, *data, *row;
    size_t i;
    int rc = envelope(json, len, "candles", &root, &data, e);
    *out = NULL;
    *n = 0;
    if (rc != SQT_OK)
        goto out;
    if (sqt_bg_interval_ms(interval) == 0) {
        rc = sqt_kit_fail(e, SQT_EINVAL, "candles: unknown interval");
        goto out;
    }
    if ((*out = sqt_kit_json_array_new(data, sizeof(**out), "candles.data", e)) == NULL) {
        rc = e->code;
        goto out;
    }
    json_array_foreach(data, i, row) {
        char path[64];
        snprintf(path, sizeof(path), "candles.data[%zu]", i);
        if ((rc = candle_row(row, path, symbol, interval, &(*out)[i], e)) != SQT_OK)
            goto out;
        (*out)[i].closed = now_ms > (*out)[i].close_time_ms;
    }
    *n = json_array_size(data);
    /* the order is not documented (bitget.md 3.12): oldest first, as the SDK wants */
    qsort(*out, *n, sizeof(**out), kline_cmp);
out:
    if (rc != SQT_OK || *n == 0) { /* nothing: no allocation either */
        free(*out);
        *out = NULL;
        *n = 0;
    }
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * WebSocket
 * ---------------------------------------------------------------------------------- */

/* code as a number or a numeric string (bitget.md 2.5); "" when absent */
SQT_HOT static void ws_code(json_t *root, char *buf, size_t cap)
{
    json_t *c = json_object_get(root, "code");
    buf[0] = '\0';
    if (json_is_integer(c))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(c));
    else if (json_is_string(c))
        snprintf(buf, cap, "%s", json_string_value(c));
}

static int ws_error_class(const char *code)
{
    long c = strtol(code, NULL, 10);
    switch (c) {
    case 30006:
    case 30007:
        return SQT_ERATE_LIMITED;
    case 30004:
    case 30005:
    case 30011:
    case 30012:
    case 30015:
        return SQT_EAUTH;
    case 30013:
    case 30014:
        return SQT_ETIMESTAMP;
    default:
        return SQT_EEXCHANGE;
    }
}

SQT_HOT int sqt_bg_parse_ws(const char *data, size_t len, sqt_bg_ws_msg *m, sqt_error *e)
{
    json_t *root, *arg, *ev;
    const char *s;
    char code[24];
    int rc = SQT_OK;
    memset(m, 0, sizeof(*m));
    if (len == 4 && memcmp(data, "pong", 4) == 0) {
        m->kind = SQT_BG_WS_PONG;
        return SQT_OK;
    }
    if ((root = sqt_kit_json_load(data, len, "ws", e)) == NULL)
        return e->code;
    if (!json_is_object(root)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "ws: not an object");
        goto out;
    }
    arg = json_object_get(root, "arg");
    if (json_is_object(arg)) {
        if ((rc = sqt_kit_json_opt_str(arg, "channel", &s, "", "ws.arg", e)) ||
            (rc = sqt_kit_json_copy(m->channel, sizeof(m->channel), s, "channel", "ws.arg", e)) ||
            (rc = sqt_kit_json_opt_str(arg, "instId", &s, "", "ws.arg", e)) ||
            (rc = sqt_kit_json_copy(m->inst_id, sizeof(m->inst_id), s, "instId", "ws.arg", e)))
            goto out;
    } else if (arg != NULL) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "ws: arg is not an object");
        goto out;
    }
    ev = json_object_get(root, "event");
    if (ev != NULL) {
        if (!json_is_string(ev)) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "ws: event is not a string");
            goto out;
        }
        s = json_string_value(ev);
        ws_code(root, code, sizeof(code));
        if (strcmp(s, "error") == 0 ||
            (strcmp(s, "login") == 0 && code[0] != '\0' && strcmp(code, "0") != 0)) {
            json_t *msg = json_object_get(root, "msg");
            m->kind = SQT_BG_WS_ERROR;
            m->err.code = ws_error_class(code);
            snprintf(m->err.exch_code, sizeof(m->err.exch_code), "%s", code);
            snprintf(m->err.message, sizeof(m->err.message), "%s",
                     json_is_string(msg) ? json_string_value(msg) : "error");
        } else if (strcmp(s, "login") == 0) {
            m->kind = SQT_BG_WS_LOGIN;
        } else if (strcmp(s, "subscribe") == 0) {
            m->kind = SQT_BG_WS_SUBSCRIBED;
        } else {
            m->kind = SQT_BG_WS_OTHER;
        }
        goto out;
    }
    if (!json_is_array(json_object_get(root, "data")) || m->channel[0] == '\0') {
        rc = sqt_kit_fail(e, SQT_EPROTO, "ws: neither an event nor a push");
        goto out;
    }
    if (strcmp(m->channel, "ticker") == 0)
        m->kind = SQT_BG_WS_TICKER;
    else if (strncmp(m->channel, "candle", 6) == 0)
        m->kind = SQT_BG_WS_CANDLE;
    else if (strcmp(m->channel, "orders") == 0)
        m->kind = SQT_BG_WS_ORDERS;
    else
        m->kind = SQT_BG_WS_OTHER;
out:
    json_decref(root);
    return rc;
}

/* root and its data array of a push. */
SQT_HOT static int push_data(const char *data, size_t len, const char *path, json_t **root,
                     json_t **arr, int64_t *ts, sqt_error *e)
{
    *arr = NULL;
    if ((*root = sqt_kit_json_load(data, len, path, e)) == NULL)
        return e->code;
    *arr = json_object_get(*root, "data");
    if (!json_is_array(*arr))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: data is not an array", path);
    return sqt_kit_json_opt_i64(*root, "ts", ts, 0, path, e);
}

SQT_HOT int sqt_bg_parse_ticker(const char *data, size_t len, sqt_price_tick *t, sqt_error *e)
{
    json_t *root, *arr = NULL, *d;
    const char *inst;
    int64_t ts = 0;
    int rc;
    memset(t, 0, sizeof(*t));
    if ((rc = push_data(data, len, "ticker", &root, &arr, &ts, e)) != SQT_OK)
        goto out;
    d = json_array_get(arr, 0);
    if (!json_is_object(d)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "ticker: data[0] is not an object");
        goto out;
    }
    if ((rc = sqt_kit_json_str(d, "instId", &inst, "ticker.data[0]", e)) ||
        (rc = sqt_kit_json_copy(t->symbol, sizeof(t->symbol), inst, "instId", "ticker.data[0]",
                                e)))
        goto out;
    /* lastPr today, last in older samples (bitget.md 4.2) */
    if (json_object_get(d, "lastPr") != NULL)
        rc = sqt_kit_json_dec(d, "lastPr", &t->price, "ticker.data[0]", e);
    else
        rc = sqt_kit_json_dec(d, "last", &t->price, "ticker.data[0]", e);
    if (rc == SQT_OK)
        rc = sqt_kit_json_opt_i64(d, "ts", &t->time_ms, ts, "ticker.data[0]", e);
    if (rc == SQT_OK && t->price.mant <= 0)
        rc = sqt_kit_fail(e, SQT_EPROTO, "ticker.data[0]: price is not positive");
out:
    json_decref(root);
    return rc;
}

int sqt_bg_parse_candle_push(const char *data, size_t len, const char *interval,
                             sqt_kline *k, size_t cap, size_t *n, sqt_error *e)
{
    json_t *root, *arr = NULL, *row, *arg;
    const char *inst = "";
    int64_t ts;
    size_t i;
    int rc;
    *n = 0;
    if ((rc = push_data(data, len, "candle", &root, &arr, &ts, e)) != SQT_OK)
        goto out;
    arg = json_object_get(root, "arg");
    if (!json_is_object(arg) || (rc = sqt_kit_json_str(arg, "instId", &inst, "candle.arg", e)))
        goto fail_arg;
    if (strlen(inst) >= SQT_SYMBOL_MAX) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "candle.arg: instId too long");
        goto out;
    }
    /* a history snapshot may hold more rows than room: keep the newest `cap` */
    for (i = json_array_size(arr) > cap ? json_array_size(arr) - cap : 0;
         i < json_array_size(arr); i++) {
        char path[64];
        row = json_array_get(arr, i);
        snprintf(path, sizeof(path), "candle.data[%zu]", i);
        if ((rc = candle_row(row, path, inst, interval, &k[*n], e)) != SQT_OK)
            goto out;
        (*n)++;
    }
    goto out;
fail_arg:
    if (rc == SQT_OK)
        rc = sqt_kit_fail(e, SQT_EPROTO, "candle: arg is not an object");
out:
    if (rc != SQT_OK)
        *n = 0;
    json_decref(root);
    return rc;
}

/* One orders-channel element (bitget.md 4.4): cumulative accBaseVolume, this fill's
 * baseVolume / fillPrice / fillFee, the cumulative fee in feeDetail. */
SQT_HOT static int push_order(json_t *d, const char *path, size_t strip, sqt_order *o, sqt_error *e)
{
    const char *sym, *oid, *cid, *st, *side, *force, *ro, *coin, *reason, *quote;
    sqt_dec fill_fee, fill_px;
    int64_t ctime, utime;
    json_t *fd;
    sqt_side sd;
    memset(o, 0, sizeof(*o));
    o->struct_size = sizeof(*o);
    if (sqt_kit_json_str(d, "instId", &sym, path, e) ||
        sqt_kit_json_str(d, "orderId", &oid, path, e) ||
        sqt_kit_json_opt_str(d, "clientOid", &cid, NULL, path, e))
        return e->code;
    if (cid == NULL && sqt_kit_json_opt_str(d, "clientOId", &cid, "", path, e))
        return e->code;
    if (sqt_kit_json_str(d, "status", &st, path, e) ||
        sqt_kit_json_str(d, "side", &side, path, e) ||
        sqt_kit_json_opt_str(d, "force", &force, "gtc", path, e) ||
        sqt_kit_json_opt_str(d, "reduceOnly", &ro, "no", path, e) ||
        sqt_kit_json_opt_str(d, "fillFeeCoin", &coin, "", path, e) ||
        sqt_kit_json_opt_str(d, "cancelReason", &reason, "", path, e) ||
        sqt_kit_json_dec(d, "price", &o->price, path, e) ||
        sqt_kit_json_dec(d, "size", &o->qty, path, e) ||
        sqt_kit_json_opt_dec(d, "accBaseVolume", &o->filled_qty, path, e) ||
        sqt_kit_json_opt_dec(d, "baseVolume", &o->last_fill_qty, path, e) ||
        sqt_kit_json_opt_dec(d, "fillPrice", &fill_px, path, e) ||
        sqt_kit_json_opt_dec(d, "priceAvg", &o->avg_price, path, e) ||
        sqt_kit_json_opt_dec(d, "fillFee", &fill_fee, path, e) ||
        sqt_kit_json_opt_dec(d, "pnl", &o->realized_pnl, path, e) ||
        sqt_kit_json_opt_i64(d, "cTime", &ctime, 0, path, e) ||
        sqt_kit_json_opt_i64(d, "uTime", &utime, ctime, path, e))
        return e->code;
    if (sqt_kit_json_copy(o->symbol, sizeof(o->symbol), sym, "instId", path, e) ||
        sqt_kit_json_copy(o->order_id, sizeof(o->order_id), oid, "orderId", path, e) ||
        copy_cid(o->client_id, cid, strip, path, e))
        return e->code;
    if ((o->status = status_of(st)) == SQT_ORDER_UNKNOWN)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown status '%.24s'", path, st);
    if (!side_of(side, &sd))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown side '%.16s'", path, side);
    if (o->qty.mant <= 0 || o->filled_qty.mant < 0 || o->last_fill_qty.mant < 0 ||
        sqt_dec_cmp(o->filled_qty, o->qty, NULL) > 0 ||
        sqt_dec_cmp(o->last_fill_qty, o->filled_qty, NULL) > 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: size/accBaseVolume/baseVolume out of range",
                            path);
    o->side = sd;
    o->tif = strcasecmp(force, "post_only") == 0 ? SQT_TIF_POST_ONLY : SQT_TIF_GTC;
    o->reduce_only = strcasecmp(ro, "yes") == 0 || strcasecmp(ro, "true") == 0;
    o->update_time_ms = utime;
    /* a push without a fill (create, cancel) carries no fill fields, or zero ones */
    if (o->last_fill_qty.mant > 0 && fill_px.mant > 0) {
        o->last_fill_price = fill_px;
        o->fee = dec_neg(fill_fee); /* negative = paid on Bitget, positive in the SDK */
        if (sqt_kit_json_copy(o->fee_asset, sizeof(o->fee_asset), coin, "fillFeeCoin", path, e))
            return e->code;
    } else {
        o->last_fill_qty = sqt_dec_make(0, 0);
    }
    /* feeDetail: the order's cumulative fee per coin. Its total is the order's fee only
     * when every paid part is in the quote (margin) coin; with a discount coin in it the
     * fill's own record (fillFee, fillFeeCoin) is all there is (sqt_kit_fees). */
    fd = json_object_get(d, "feeDetail");
    if (json_is_array(fd) && json_array_size(fd) > 0) {
        sqt_kit_fees fees;
        json_t *f;
        size_t i;
        if (sqt_kit_json_opt_str(d, "marginCoin", &quote, "", path, e))
            return e->code;
        if (quote[0] == '\0') /* not named: the fill's coin, else the first part's */
            quote = o->fee_asset[0] != '\0' ? o->fee_asset : NULL;
        sqt_kit_fees_init(&fees, quote);
        json_array_foreach(fd, i, f) {
            const char *fc;
            sqt_dec total;
            if (!json_is_object(f))
                return sqt_kit_fail(e, SQT_EPROTO, "%s: feeDetail[%zu] is not an object", path,
                                    i);
            if (sqt_kit_json_str(f, "feeCoin", &fc, path, e) ||
                sqt_kit_json_dec(f, "fee", &total, path, e))
                return e->code;
            if (fees.quote[0] == '\0')
                snprintf(fees.quote, sizeof(fees.quote), "%s", fc);
            sqt_kit_fees_add(&fees, fc, dec_neg(total)); /* negative = paid on Bitget */
        }
        sqt_kit_fees_apply(&fees, o);
    }
    /* a post-only order the exchange cancelled instead of letting it take (bitget.md
     * 3.5, 5): nothing filled, and the reason names post only */
    if (o->status == SQT_ORDER_CANCELED && o->filled_qty.mant == 0 &&
        o->tif == SQT_TIF_POST_ONLY && (has_word(reason, "post_only") || has_word(reason, "post only")))
        o->status = SQT_ORDER_EXPIRED;
    return SQT_OK;
}

SQT_HOT int sqt_bg_parse_order_push(const char *data, size_t len, size_t strip, sqt_order *o,
                            size_t cap, size_t *n, sqt_error *e)
{
    json_t *root, *arr = NULL, *d;
    int64_t ts;
    size_t i;
    int rc;
    *n = 0;
    if ((rc = push_data(data, len, "orders", &root, &arr, &ts, e)) != SQT_OK)
        goto out;
    json_array_foreach(arr, i, d) {
        char path[64];
        snprintf(path, sizeof(path), "orders.data[%zu]", i);
        if (*n == cap) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "orders: more than %zu elements", cap);
            goto out;
        }
        if (!json_is_object(d)) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
            goto out;
        }
        if ((rc = push_order(d, path, strip, &o[*n], e)) != SQT_OK)
            goto out;
        (*n)++;
    }
out:
    if (rc != SQT_OK)
        *n = 0;
    json_decref(root);
    return rc;
}
