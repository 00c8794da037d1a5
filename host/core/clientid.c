/* Client order ids; see clientid.h. */
#include "clientid.h"

#include <string.h>

static const char b36_digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

int sqt_clientid_tag_valid(const char *tag)
{
    size_t n = 0;
    if (tag == NULL)
        return 0;
    for (; tag[n] != '\0'; n++) {
        char c = tag[n];
        int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!ok || n >= SQT_CLIENTID_TAG_MAX)
            return 0;
    }
    return n > 0;
}

size_t sqt_clientid_b36_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 36) {
        v /= 36;
        n++;
    }
    return n;
}

size_t sqt_clientid_len(size_t tag_len, int64_t price_ticks, uint64_t seq)
{
    uint64_t p = price_ticks > 0 ? (uint64_t)price_ticks : 0;
    return tag_len + 1 + 1 + sqt_clientid_b36_len(p) + 1 + sqt_clientid_b36_len(seq);
}

/* The base-36 digits of v, last digit first; returns how many. */
static size_t b36_rev(char *tmp, uint64_t v)
{
    size_t n = 0;
    do {
        tmp[n++] = b36_digits[v % 36];
        v /= 36;
    } while (v != 0);
    return n;
}

static size_t put_rev(char *out, const char *tmp, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

SQT_HOT int sqt_clientid_encode_tag(const char *tag, size_t tl, const sqt_clientid *id, size_t max_len,
                            char *out, size_t cap)
{
    char pd[16], sd[16];
    size_t np, ns, len, pos;
    if (tag == NULL || id == NULL || out == NULL || id->price_ticks <= 0 ||
        (id->side != SQT_SIDE_BUY && id->side != SQT_SIDE_SELL))
        return SQT_EINVAL;
    /* the digits first: their count is the length check, no second pass of divisions */
    np = b36_rev(pd, (uint64_t)id->price_ticks);
    ns = b36_rev(sd, id->seq);
    len = tl + 1 + 1 + np + 1 + ns;
    if (len > max_len || len + 1 > cap)
        return SQT_ERANGE;
    memcpy(out, tag, tl);
    pos = tl;
    out[pos++] = '-';
    out[pos++] = id->side == SQT_SIDE_BUY ? 'B' : 'S';
    pos += put_rev(out + pos, pd, np);
    out[pos++] = '-';
    pos += put_rev(out + pos, sd, ns);
    out[pos] = '\0';
    return (int)pos;
}

int sqt_clientid_encode(const char *tag, const sqt_clientid *id, size_t max_len, char *out,
                        size_t cap)
{
    if (!sqt_clientid_tag_valid(tag))
        return SQT_EINVAL;
    return sqt_clientid_encode_tag(tag, strlen(tag), id, max_len, out, cap);
}

/* Canonical base-36 number of s[0..end): lowercase, no leading zero (except "0"),
 * no overflow. Returns the number of characters consumed, 0 on failure. */
static size_t get_b36(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t n = 0;
    for (;; n++) {
        char c = s[n];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'z')
            d = (unsigned)(c - 'a') + 10u;
        else
            break;
        if (n == 1 && v == 0)
            return 0; /* leading zero: two spellings of one value would decode alike */
        if (n >= 12 && v > (UINT64_MAX - d) / 36u)
            return 0; /* 12 digits stay below 36^12 < 2^64: only longer ones can overflow */
        v = v * 36u + d;
    }
    if (n == 0)
        return 0;
    *out = v;
    return n;
}

SQT_HOT int sqt_clientid_decode_tag(const char *tag, size_t tl, const char *s, sqt_clientid *out)
{
    size_t n, i;
    uint64_t price, seq;
    sqt_side side;
    if (s == NULL || out == NULL)
        return SQT_EINVAL;
    for (i = 0; i < tl; i++)
        if (s[i] != tag[i])
            return SQT_EINVAL; /* stops at s's end too: a tag has no NUL */
    if (s[tl] != '-')
        return SQT_EINVAL;
    s += tl + 1;
    if (*s == 'B')
        side = SQT_SIDE_BUY;
    else if (*s == 'S')
        side = SQT_SIDE_SELL;
    else
        return SQT_EINVAL;
    s++;
    n = get_b36(s, &price);
    if (n == 0 || price == 0 || price > (uint64_t)INT64_MAX || s[n] != '-')
        return SQT_EINVAL;
    s += n + 1;
    n = get_b36(s, &seq);
    if (n == 0 || s[n] != '\0')
        return SQT_EINVAL;
    out->side = side;
    out->price_ticks = (int64_t)price;
    out->seq = seq;
    return 0;
}

int sqt_clientid_decode(const char *tag, const char *s, sqt_clientid *out)
{
    if (!sqt_clientid_tag_valid(tag))
        return SQT_EINVAL;
    return sqt_clientid_decode_tag(tag, strlen(tag), s, out);
}

SQT_HOT const char *sqt_clientid_strip(const char *s, const char *prefix)
{
    size_t n;
    if (s == NULL || prefix == NULL || prefix[0] == '\0')
        return s;
    n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : s;
}

int sqt_clientid_prefix(const char *tag, char *out, size_t cap)
{
    size_t tl;
    if (!sqt_clientid_tag_valid(tag) || out == NULL)
        return SQT_EINVAL;
    tl = strlen(tag);
    if (tl + 2 > cap)
        return SQT_ERANGE;
    memcpy(out, tag, tl);
    out[tl] = '-';
    out[tl + 1] = '\0';
    return (int)(tl + 1);
}
