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

/* A user-stream message without a DOM. 1: read with certainty, as
 * sqt_bn_parse_user_event reads it with the same prefix: *kind SQT_BN_EV_ORDER and
 * *order filled byte for byte (an ORDER_TRADE_UPDATE), or *kind SQT_BN_EV_OTHER (an
 * event the plugin ignores, e.g. ACCOUNT_UPDATE, that the DOM would load: nested objects
 * and arrays checked like the rest). 0: declined (listenKeyExpired, wrapped messages,
 * escapes, non-ASCII text, reals, duplicate keys, bad JSON, deeper or larger than the
 * fast path reads, unknown status or side, missing, mistyped, negative or too long
 * fields); *kind and *order unspecified. */
int sqt_bn_fast_user(const char *json, size_t len, const char *prefix, int *kind,
                     sqt_order *order);

/* sqt_bn_fast_user when it reads an order update, else 0. */
int sqt_bn_fast_order(const char *json, size_t len, const char *prefix, sqt_order *order);

#endif
