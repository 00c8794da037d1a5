/* Client order ids of the grid engine (behaviour.md §7 with the §11 #21/#25/#30/#31
 * fixes). Pure functions.
 *
 * Format:  <tag>-<B|S><price>-<seq>
 *   tag    the instance tag, [A-Za-z0-9]{1,16}: another bot or instance never decodes
 *   B|S    side of the order
 *   price  the slot's (buy) price in ticks, base 36 lowercase, > 0. Absolute ticks, not
 *          an index relative to the anchor, so an id stays meaningful after a restart
 *          with another anchor, and can be checked against the order's own price
 *          (§11 #30)
 *   seq    base 36 lowercase; the host seeds it with the wall clock in ms at start, so a
 *          new run never reuses an id of a still-open order of a previous run
 * e.g. "ETHUSDT-B6fa0-m5kz3q1c" (slot 3000.00 with tick 0.01).
 *
 * The character set [A-Za-z0-9-] satisfies Binance (^[.A-Z:/a-z0-9_-]{1,36}$), Gate
 * ([0-9A-Za-z_.-], 28 bytes after "t-") and Bitget. Lengths are computed, never
 * truncated (§11 #31): encoding fails when the id does not fit. */
#ifndef SQT_CLIENTID_H
#define SQT_CLIENTID_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <opensqt/plugin.h>

#define SQT_CLIENTID_TAG_MAX 16

typedef struct sqt_clientid {
    sqt_side side;             /* BUY or SELL */
    int64_t price_ticks;       /* slot price in ticks, > 0 */
    uint64_t seq;
} sqt_clientid;

/* 1 when tag matches [A-Za-z0-9]{1,16}. */
int sqt_clientid_tag_valid(const char *tag);

/* Number of base-36 digits of v (1 for 0). */
size_t sqt_clientid_b36_len(uint64_t v);

/* Length of the id encode() would produce. */
size_t sqt_clientid_len(size_t tag_len, int64_t price_ticks, uint64_t seq);

/* Write the id into out (NUL-terminated). Returns its length, SQT_EINVAL for a bad
 * tag, side or price, SQT_ERANGE when it is longer than max_len or does not fit cap. */
int sqt_clientid_encode(const char *tag, const sqt_clientid *id, size_t max_len, char *out,
                        size_t cap);

/* encode() for a tag the caller validated once (sqt_clientid_tag_valid) and knows the
 * length of: the engine encodes an id for every order it places. */
int sqt_clientid_encode_tag(const char *tag, size_t tag_len, const sqt_clientid *id,
                            size_t max_len, char *out, size_t cap);

/* Decode an id of this tag. 0, or SQT_EINVAL for anything else: another tag, a
 * foreign format, non-canonical digits, overflow. */
int sqt_clientid_decode(const char *tag, const char *s, sqt_clientid *out);

/* decode() for a tag the caller validated once (sqt_clientid_tag_valid) and knows the
 * length of: the engine decodes an id on every order update and answer. */
int sqt_clientid_decode_tag(const char *tag, size_t tag_len, const char *s, sqt_clientid *out);

/* snprintf(dst, cap, "%s", src) without the format machinery (cap > 0): ids are copied
 * on every order, answer and report. */
static inline void sqt_clientid_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* s without `prefix` when it starts with it (prefix NULL or "" strips nothing). Plugins
 * strip their own prefixes already; this is the engine's belt and braces (§11 #21). */
const char *sqt_clientid_strip(const char *s, const char *prefix);

/* "<tag>-": every id of the tag starts with it (for cancel_own). Returns its length or
 * SQT_ERANGE. */
int sqt_clientid_prefix(const char *tag, char *out, size_t cap);

#endif
