/* Market data files for the backtest: Binance aggTrades and klines (the public-data
 * CSVs, with or without header), Bitget trade history (`trade_id,timestamp,price,side,
 * volume(quote),size(base)`) and Gate trade history (`timestamp,dealid,price,size`, time
 * in seconds with a fraction; the spot variant adds a side column). Pure parsing: bytes
 * in, ticks out through a callback, whatever the chunking of the bytes (a line may be
 * split anywhere). Every bad row is an error naming name:line. Prices and quantities
 * stay exact decimals (never doubles). */
#ifndef SQT_BT_DATA_H
#define SQT_BT_DATA_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

typedef enum sqt_bt_format {
    SQT_BT_FMT_AUTO = 0,       /* detect from the header or the first row */
    SQT_BT_FMT_BINANCE_AGG = 1,
    SQT_BT_FMT_BINANCE_KLINES = 2,
    SQT_BT_FMT_BITGET = 3,
    SQT_BT_FMT_GATE = 4
} sqt_bt_format;

typedef struct sqt_bt_tick {
    int64_t time_ms;           /* never decreasing within a file */
    sqt_dec price;             /* > 0, as written in the file */
    sqt_dec qty;               /* >= 0, base quantity (Gate futures: contracts) */
    int64_t line;              /* source line */
} sqt_bt_tick;

/* Return 0 to go on; anything else stops the reader, which returns it. */
typedef int (*sqt_bt_tick_cb)(void *ud, const sqt_bt_tick *t);

typedef struct sqt_bt_reader sqt_bt_reader;

/* name: used in error messages (the file's path). */
sqt_bt_reader *sqt_bt_reader_new(const char *name, sqt_bt_format fmt, sqt_bt_tick_cb cb, void *ud);
void sqt_bt_reader_free(sqt_bt_reader *r);
/* Parse every complete line of buf (the rest waits for the next chunk). 0, the
 * callback's non-zero value, or SQT_EINVAL/SQT_ENOMEM with "name:line: why" in err. */
int sqt_bt_reader_push(sqt_bt_reader *r, const char *buf, size_t len, char *err, size_t errlen);
/* End of input: parse a last line without newline; SQT_EINVAL when no data row at all. */
int sqt_bt_reader_finish(sqt_bt_reader *r, char *err, size_t errlen);
sqt_bt_format sqt_bt_reader_format(const sqt_bt_reader *r);
uint64_t sqt_bt_reader_rows(const sqt_bt_reader *r);

/* "binance-aggtrades", "binance-klines", "bitget", "gate"; "auto" for 0. */
const char *sqt_bt_format_name(sqt_bt_format f);
/* Accepts the names above (and "aggtrades", "klines"). -1 when unknown. */
int sqt_bt_format_parse(const char *s, sqt_bt_format *out);

/* "1700000000000" (ms), or a UTC date "2024-01-31", "2024-01-31T12:00", "...:30",
 * space instead of T allowed, optional trailing Z. 0 or SQT_EINVAL. */
int sqt_bt_parse_time(const char *s, int64_t *ms);

#endif
