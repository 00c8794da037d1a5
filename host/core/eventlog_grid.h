/* The event-log line(s) of one grid engine event (docs/event-log.md): order events
 * with their cumulative fill, a "fill" line after each partial/complete fill, cancel
 * reasons, round trips and late fees. Shared by the live app and the backtest, which
 * differ only in the clock they stamp the lines with. */
#ifndef SQT_EVENTLOG_GRID_H
#define SQT_EVENTLOG_GRID_H

#include <stdint.h>

#include "eventlog.h"
#include "grid.h"

/* Write the line(s) for e with ts_ms as "ts": order events and the notices of
 * sqt_grid_event_is_notice(); query sends and buy skips write nothing. Returns 0, or -1 when a line could not be written. */
int sqt_eventlog_grid_event(sqt_eventlog *el, const sqt_grid_event *e, int64_t ts_ms);

#endif
