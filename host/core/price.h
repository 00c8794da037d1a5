/* The price monitor: the single price source (seed principle 1). The plugin's price
 * stream writes into a one-slot "latest price" mailbox; a uv_idle handle, armed by the
 * first push of a loop turn, hands the freshest price to the consumer once per turn (an
 * armed idle handle also keeps the loop from blocking in poll, so delivery is never
 * delayed to the next timer). A burst of pushes costs one adjust step and a stale
 * queued price is never acted on. */
#ifndef SQT_PRICE_H
#define SQT_PRICE_H

#include <stdint.h>
#include <uv.h>

#include <opensqt/plugin.h>

#include "log.h"
#include "pricegate.h"

typedef void (*sqt_price_fn)(void *ud, sqt_dec price, int64_t exch_time_ms);

typedef struct sqt_price_monitor {
    void *data;
    uv_idle_t idle;
    int started;
    sqt_log *log;
    char symbol[SQT_SYMBOL_MAX];
    sqt_price_fn on_price;
    void *ud;
    /* mailbox */
    sqt_dec latest;
    int64_t latest_time_ms;
    int pending;
    int have_price;
    /* stats */
    uint64_t pushes;           /* accepted pushes */
    uint64_t delivered;        /* adjust steps triggered */
    uint64_t rejected;         /* non-positive / foreign-symbol pushes */
    uint64_t held;             /* pushes the gate held back (jumps not confirmed yet) */
    sqt_pricegate *gate;       /* NULL: every valid push is delivered */
    uint64_t last_warn_ns;
    int closing;
    void (*close_cb)(struct sqt_price_monitor *);
} sqt_price_monitor;

/* No I/O. `symbol` filters pushes (empty = accept all). */
int sqt_price_init(sqt_price_monitor *pm, uv_loop_t *loop, sqt_log *log, const char *symbol,
                   sqt_price_fn on_price, void *ud);
/* Start/stop delivering to on_price (pushes are still recorded while stopped). */
void sqt_price_start(sqt_price_monitor *pm);
void sqt_price_stop(sqt_price_monitor *pm);
/* Put the market-data gate (safety/pricegate.h, owned by the caller) in front of the
 * mailbox: a jump it holds is not delivered; its WARN/INFO lines go to the log. The
 * gate's clock is this loop's uv_now. NULL removes it. */
void sqt_price_set_gate(sqt_price_monitor *pm, sqt_pricegate *gate);
/* Deliver the price waiting in the mailbox now instead of from the idle (the caller is
 * at the end of the loop turn the price arrived in). No-op when none waits. */
void sqt_price_deliver_now(sqt_price_monitor *pm);
/* Feed one push (the plugin's price sink calls this). */
void sqt_price_push(sqt_price_monitor *pm, const sqt_price_tick *tick);
/* Latest accepted price; 0 if none yet. */
int sqt_price_latest(const sqt_price_monitor *pm, sqt_dec *out);
void sqt_price_close(sqt_price_monitor *pm, void (*cb)(sqt_price_monitor *));

#endif
