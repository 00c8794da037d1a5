/* Fuzz target: the backtest's market data reader (host/backtest/bt_data.c) on arbitrary
 * bytes, as a Binance / Bitget / Gate export would arrive. Byte 0 picks the chunk size
 * (1..256 bytes, or everything at once) and the forced format; the rest is the file.
 * Oracles (bt_data.h): every tick has a price > 0, a quantity >= 0, a line number that
 * never decreases and a time that never goes backwards; the same bytes read in one chunk
 * give the same ticks and the same verdict; an error names "name:line" or "name:". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bt_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TICKS 4096

typedef struct seen {
    int64_t t[MAX_TICKS], line[MAX_TICKS];
    sqt_dec p[MAX_TICKS];
    size_t n;
} seen;

static int on_tick(void *ud, const sqt_bt_tick *t)
{
    seen *s = ud;
    if (t->price.mant <= 0 || t->qty.mant < 0)
        abort();
    if (s->n > 0 && s->n <= MAX_TICKS &&
        (t->time_ms < s->t[s->n - 1] || t->line < s->line[s->n - 1]))
        abort();
    if (s->n < MAX_TICKS) {
        s->t[s->n] = t->time_ms;
        s->line[s->n] = t->line;
        s->p[s->n] = t->price;
    }
    s->n++;
    return 0;
}

static int run(const uint8_t *d, size_t n, size_t chunk, sqt_bt_format fmt, seen *s, char *err,
               size_t errlen)
{
    sqt_bt_reader *r = sqt_bt_reader_new("in.csv", fmt, on_tick, s);
    size_t pos = 0;
    int rc = 0;
    if (r == NULL)
        return 1;
    memset(s, 0, sizeof(*s));
    err[0] = '\0';
    while (rc == 0 && pos < n) {
        size_t k = n - pos < chunk ? n - pos : chunk;
        rc = sqt_bt_reader_push(r, (const char *)d + pos, k, err, errlen);
        pos += k;
    }
    if (rc == 0)
        rc = sqt_bt_reader_finish(r, err, errlen);
    sqt_bt_reader_free(r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static seen a, b;
    char ea[512], eb[512];
    size_t chunk, i;
    sqt_bt_format fmt;
    int ra, rb;
    if (size < 1)
        return 0;
    chunk = (data[0] & 0x0f) == 0 ? (size_t)-1 : (size_t)(data[0] & 0x0f) * 16 - 15;
    fmt = (sqt_bt_format)((data[0] >> 4) % 5);
    ra = run(data + 1, size - 1, chunk, fmt, &a, ea, sizeof(ea));
    rb = run(data + 1, size - 1, (size_t)-1, fmt, &b, eb, sizeof(eb));
    if ((ra == 0) != (rb == 0) || a.n != b.n || strcmp(ea, eb) != 0)
        abort();
    for (i = 0; i < a.n && i < MAX_TICKS; i++)
        if (a.t[i] != b.t[i] || a.line[i] != b.line[i] || sqt_dec_cmp(a.p[i], b.p[i], NULL) != 0)
            abort();
    if (ra != 0 && strncmp(ea, "in.csv:", 7) != 0)
        abort();
    return 0;
}
