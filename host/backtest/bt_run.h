/* `opensqt backtest`: the command line, one run, and parameter sweeps in parallel
 * processes. */
#ifndef SQT_BT_RUN_H
#define SQT_BT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "backtest.h"
#include "bt_data.h"
#include "config.h"

/* argv[0] is "backtest". Exit status 0 ok, 1 runtime failure, 2 usage/config/data. */
int sqt_backtest_main(int argc, char **argv);

/* Apply one "key=value" override (sweep) to the config or the simulation params.
 * 0, or -1 with why (unknown key, bad value). */
int sqt_bt_override(sqt_config *cfg, sqt_bt_params *bp, const char *key, const char *value,
                    char *why, size_t whylen);

/* Feed a data file through a reader into bt, reading `chunk` bytes at a time, keeping
 * trades in [from_ms, to_ms]. progress: print rows/s and ETA to stderr. 0 or an error
 * with "file:line: why". */
int sqt_bt_feed_file(sqt_bt *bt, const char *path, sqt_bt_format fmt, size_t chunk, int64_t from_ms,
                     int64_t to_ms, int progress, char *err, size_t errlen);

#endif
