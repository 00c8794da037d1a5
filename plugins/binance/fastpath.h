/* The fast paths of the two pushes on the way from a tick to an order: an aggTrade push
 * and a user-stream ORDER_TRADE_UPDATE, each read on jsmn's tokens (no DOM, no
 * allocation) when its shape is the one Binance sends, else declined so that the Jansson
 * parse (sqt_bn_parse_market) decides. Its contract, checked by fuzz_bnfast against the
 * DOM parse on the same input: when it accepts, sqt_bn_parse_market would have returned
 * SQT_OK with kind SQT_BN_MK_TRADE and the very same tick, byte for byte. */
#ifndef SQT_BN_FASTPATH_H
#define SQT_BN_FASTPATH_H

#include <stddef.h>

#include <opensqt/plugin.h>

/* 1: `json` is an aggTrade read with certainty, *tick filled; 0: declined (anything
 * else: other events, replies, wrapped messages, escapes, non-ASCII text, reals,
 * duplicate keys, bad JSON, missing or mistyped fields), *tick unspecified. */
int sqt_bn_fast_trade(const char *json, size_t len, sqt_price_tick *tick);

/* 1: `json` is an ORDER_TRADE_UPDATE read with certainty, *order filled exactly as
 * sqt_bn_parse_user_event fills it with kind SQT_BN_EV_ORDER (same prefix, byte for
 * byte); 0: declined (other events, wrapped messages, escapes, non-ASCII text, reals,
 * nesting other than the order object "o", duplicate keys, bad JSON, unknown status or
 * side, missing, mistyped, negative or too long fields), *order unspecified. */
int sqt_bn_fast_order(const char *json, size_t len, const char *prefix, sqt_order *order);

#endif
