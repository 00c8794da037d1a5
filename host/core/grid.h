/* The grid (slot) engine: a pure state machine (behaviour.md §4-§7, §9.4 with the §11
 * fixes). No I/O, no clock, no globals: every entry point takes the time as now_ms
 * (any monotonic millisecond clock; only differences are used). Events go in,
 * commands and journal events come out through two queues the host drains.
 *
 * Model. The grid lives in integer units: prices in ticks, quantities in steps. Slot
 * k has the buy price anchor + k*I (ticks) and sells one interval higher. A slot holds
 * inventory (qty, steps) and at most one order at a time:
 *   FREE    no order              (EMPTY when qty == 0, FILLED when qty > 0)
 *   PENDING a place command was emitted, no answer yet
 *   LOCKED  the order was acknowledged (REST result or stream), live until a final
 *           status; CANCEL_REQUESTED is a flag on a LOCKED order
 * The order state only moves forward PENDING < PLACED < CONFIRMED < PARTIALLY_FILLED
 * (§11 #26). Fills are applied as deltas of the cumulative filled quantity from every
 * report (push, REST result, query, open-order list), whatever its status (§11 #24).
 *
 * Host protocol:
 *   g = sqt_grid_new(&params)                  validate; nothing happens yet
 *   sqt_grid_start(g, first_price, now)        anchor; places nothing
 *   sqt_grid_reconcile(g, open, n, &pos, now)  import own open orders and the position
 *                                              (§11 #32) - REQUIRED before any order
 *   sqt_grid_on_price(g, price, now)           stores the price and runs the adjust step
 *   sqt_grid_on_order_update / _on_place_result / _on_cancel_result / _on_query_result
 *                                              apply; they never place orders. When
 *                                              sqt_grid_needs_adjust() says so, call
 *                                              sqt_grid_adjust(g, now) once per loop
 *                                              turn (fills free slots, §11 #9)
 *   sqt_grid_on_time(g, now)                   every 0.5-1 s: timeouts (queries for
 *                                              stuck cancels/places, §11 #28), margin
 *                                              lock expiry, then the adjust step
 *   sqt_grid_set_risk_pause(g, on, now)        risk monitor edges (§3.5, §11 #38)
 *   sqt_grid_cleanup(g, now)                   the order cleaner (§9.4)
 *   stream DOWN/RESYNC, periodic reconcile:    fetch open orders + position, call
 *                                              sqt_grid_reconcile again
 * After every call drain sqt_grid_take_commands() (to the executor) and
 * sqt_grid_take_events() (to the audit log / logger). Queues grow until drained.
 *
 * Errors: negative SQT_E* codes. SQT_ENOMEM leaves the engine consistent (the step
 * that could not be recorded simply did not happen). */
#ifndef SQT_GRID_H
#define SQT_GRID_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

typedef struct sqt_grid sqt_grid;

typedef struct sqt_grid_params {
    /* symbol rules (sqt_symbol_info) */
    const char *symbol;        /* updates of other symbols are ignored (§11 #25); NULL/"" = no filter */
    const char *quote_asset;   /* fees in another asset are not subtracted from PnL; NULL/"" = all */
    sqt_dec tick_size;         /* > 0 */
    sqt_dec step_size;         /* > 0 */
    sqt_dec min_qty;           /* >= 0 */
    sqt_dec min_notional;      /* >= 0; applied to buys (sells are reduce-only) */

    /* trading */
    sqt_dec price_interval;    /* I > 0, an integer multiple of tick_size (§11 #3) */
    sqt_dec order_quantity;    /* quote amount per buy, > 0 */
    sqt_dec min_order_value;   /* minimum sell notional (slot+I)*qty, >= 0; buys whose
                                  sell could not meet it are not placed (E9) */
    int buy_window_size;       /* N > 0 */
    int sell_window_size;      /* > 0: max new sells per step and sell window height */
    int order_cleanup_threshold; /* Th > 0: live-order cap (§5.2) and cleaner trigger (§9.4) */
    int cleanup_batch_size;    /* > 0: cancels per cleaner run */
    int sell_quota_reserve;    /* 0 <= R < Th: live buys never exceed Th - R (§11 #17) */
    int post_only_max_failures; /* >= 0: post-only rejects before a slot sends plain GTC */
    int cancel_out_of_window_buys; /* 1: cancel buys far below the buy window (§11 #13) */
    int out_of_window_slack;   /* >= 0: levels below the window before that cancel */

    /* client ids */
    const char *instance_tag;  /* [A-Za-z0-9]{1,16} */
    int client_id_max_len;     /* from sqt_symbol_info (usable length), > 0 */
    const char *client_id_prefix; /* exchange prefix to strip if a plugin left it on; NULL */
    uint64_t id_seed;          /* wall clock ms at start: first sequence number */

    /* timing, ms */
    int64_t margin_lock_duration_ms; /* buys paused after an insufficient-margin error */
    int64_t place_retry_delay_ms;    /* a slot whose place failed waits this long */
    int64_t cancel_timeout_ms;       /* CANCEL_REQUESTED this long -> query (§11 #28) */
    int64_t pending_timeout_ms;      /* no place result this long -> query */
    int64_t query_retry_ms;          /* unanswered query -> ask again */
    int64_t rules_reject_backoff_max_ms; /* a rules rejection (SQT_ERULES) parks the slot
                                      * for place_retry_delay_ms, doubling per repeat up to
                                      * this (config safety.rules_reject_backoff_max_seconds
                                      * x 1000); >= place_retry_delay_ms */
    uint32_t finished_ids;           /* remembered finished client ids (§11 #23) */
} sqt_grid_params;

/* Defaults for everything that has one (windows 10, Th 100, batch 10, reserve Th/4,
 * post-only 3, out-of-window on with slack 2, margin lock 10 s, retry 500 ms, cancel
 * timeout 5 s, pending timeout 30 s, query retry 5 s, rules backoff max 300 s, 8192
 * finished ids). Symbol
 * rules, I, order_quantity, tag and client_id_max_len must still be set. */
void sqt_grid_params_init(sqt_grid_params *p);

/* Validate and allocate. 0, SQT_EINVAL/SQT_ERANGE with a one-line message in err, or
 * SQT_ENOMEM. The params' strings are copied. */
int sqt_grid_new(const sqt_grid_params *p, sqt_grid **out, char *err, size_t errlen);
void sqt_grid_free(sqt_grid *g);

/* Anchor the grid at the first price (rounded to the nearest tick). Places nothing. */
int sqt_grid_start(sqt_grid *g, sqt_dec price, int64_t now_ms);

/* Compare the exchange's view with the engine's and repair:
 *  - own open orders (by instance tag; others are never touched) that the engine
 *    tracks: fills and status applied; untracked ones are adopted when they fit the
 *    grid and their slot is free, otherwise cancelled (orders on another grid
 *    alignment, a price that does not match the id (§11 #30), a second order for one
 *    slot);
 *  - tracked LOCKED orders missing from the list: a query command, so the host fetches
 *    their final state instead of the engine guessing;
 *  - position (base coin, NULL = unknown) vs the sum of slot quantities, on EVERY call:
 *    a POSITION_MISMATCH event with the numbers when they differ. The part of the
 *    difference that orders of unsure state explain (pending, queried, missing from the
 *    list: a fill whose report is not in yet) is left alone. What is left is repaired
 *    only when the previous call saw it too (two in a row; the smaller of the two):
 *      exchange below the slots: holdings are released from the HIGHEST slot down (its
 *        sell is the farthest from the market, the lower slots keep the exits nearest
 *        to it). A free slot is reduced at once; a slot with a live order gets a cancel
 *        (reason repair) and no new order, and is reduced at a later call once the
 *        order's final state is in;
 *      exchange above the slots: the excess is adopted into sell slots (§4.6) at the
 *        first free levels above the current grid price (above the anchor before the
 *        first price).
 *    Every slot changed gives a POSITION_REPAIRED event. On the FIRST call the excess is
 *    adopted at once above the anchor (§4.6 with the §11 #32 fixes: free levels only,
 *    q1 = 0 guarded, every slot sellable): nothing of this run can be in flight.
 *    While a difference waits for its confirmation the engine asks for another
 *    reconcile (sqt_grid_wants_reconcile).
 * On the first call, before anything was placed, the anchor may move by less than
 * I/2 so that the imported orders lie on the grid (a restart continues the old grid).
 * The engine places no order before the first reconcile. Order pushes that arrive
 * before it (the stream is up first) are kept, up to 1024, and applied after the
 * import and the recovery: `open` and `position` must be of one moment, the pushes
 * may be newer. */
int sqt_grid_reconcile(sqt_grid *g, const sqt_order *open, size_t n, const sqt_dec *position,
                       int64_t now_ms);

/* A new market price: stored (rounded to the tick), then the adjust step runs. */
int sqt_grid_on_price(sqt_grid *g, sqt_dec price, int64_t now_ms);
/* The same for a price already in ticks of the symbol's tick size (the backtest holds
 * every trade in ticks: no decimal conversion per trade). */
int sqt_grid_on_price_ticks(sqt_grid *g, int64_t ticks, int64_t now_ms);

/* The trading step (§5): margin-lock expiry; nothing while risk-paused; census and
 * quota (sells first, buys capped at Th - R live, §11 #17); the sell pass (nearest
 * first, ties to the lower slot, §11 #18); the buy pass (§5.3 window and buffer); the
 * out-of-window buy cancels. O(window + orders emitted). */
int sqt_grid_adjust(sqt_grid *g, int64_t now_ms);

/* One order report from the order stream. Ignored: other symbols, ids that are not of
 * this instance, ids of finished orders (late/duplicate pushes, §11 #22/#23), reports
 * with unterminated text fields. A live order of ours the engine does not know gets a
 * cancel (ORPHAN event). Before the first reconcile pushes are kept for it.
 * A report about an order a slot tracks that cannot be true - another symbol, filled or
 * last fill above the order, a negative or unreadable quantity, a fill price <= 0, a
 * negative average - books nothing: an ANOMALY event with its raw values and a query
 * (not for a query's own answer). The same holds for REST and list reports.
 * A sell that ends CANCELED without our cancel, or EXPIRED far from the market (not a
 * post-only refusal), holds its slot until a reconcile checked the position. */
int sqt_grid_on_order_update(sqt_grid *g, const sqt_order *u, int64_t now_ms);

/* The outcome of one place command (executor on_place). err NULL or err->code SQT_OK
 * means accepted and `order` (may be NULL) is what the exchange returned. Errors:
 *  - SQT_EPOST_ONLY: the slot's post-only failure count rises (§11 #27);
 *  - SQT_EMARGIN: margin lock (buys only, §11 #19) + cancels for all live buys, after
 *    this result is recorded (§11 #20); buys accepted while locked are cancelled;
 *  - outcome unknown (SQT_EUNKNOWN_STATUS, SQT_ETIMEOUT, SQT_ENETWORK, SQT_EPROTO,
 *    SQT_ECANCELLED, SQT_EDUP_CLIENT_ID): the slot stays PENDING and a query is emitted;
 *  - SQT_ERULES (a price band such as PERCENT_PRICE, a filter, and on Binance -2022
 *    "reduce-only would increase the position"): the slot is parked (PARKED event) for
 *    place_retry_delay_ms doubling per refusal in a row up to rules_reject_backoff_max_ms,
 *    or until the price moved one interval from where it was parked; an acceptance
 *    resets it. A refused SELL may mean the inventory is gone: no sell at all goes out
 *    until a reconcile has checked the position (sqt_grid_wants_reconcile);
 *  - anything else: the slot is released and retried after place_retry_delay_ms.
 * A result for an order that already finished on the stream changes nothing (§11 #22). */
int sqt_grid_on_place_result(sqt_grid *g, const char *client_id, const sqt_error *err,
                             const sqt_order *order, int64_t now_ms);

/* The outcome of one cancel command. SQT_OK: the final push is awaited (timeout ->
 * query). SQT_EUNKNOWN_ORDER: the order is not open any more: a query fetches its
 * final fills. Other errors: retried through the cancel timeout. */
int sqt_grid_on_cancel_result(sqt_grid *g, const char *client_id, const sqt_error *err,
                              int64_t now_ms);

/* The outcome of one query command. SQT_OK: `order` is the exchange's current view
 * (applied like a push; a still-live order whose cancel was requested is cancelled
 * again). SQT_EUNKNOWN_ORDER: the order does not exist: an unconfirmed placement is
 * released, a LOCKED order is finished with the fills known so far. */
int sqt_grid_on_query_result(sqt_grid *g, const char *client_id, const sqt_error *err,
                             const sqt_order *order, int64_t now_ms);

/* Timeouts, margin lock expiry, then the adjust step. */
int sqt_grid_on_time(sqt_grid *g, int64_t now_ms);

/* The host is about to fetch open orders and position for a reconcile (whatever
 * triggered it). Returns 1 when the engine had asked for one (and clears the ask).
 * Holds the engine set before this call are lifted by the reconcile that follows;
 * holds set after it wait for the next one (its snapshot may predate them). A host
 * that never calls it gets the same with the snapshot taken at sqt_grid_reconcile. */
int sqt_grid_reconcile_begin(sqt_grid *g);

/* 1 when the engine wants a reconcile soon: a sell was refused by the trading rules
 * (a reduce-only sell refused means the inventory may be gone), a sell ended without
 * our cancel or vanished, or a position difference waits for its confirmation. The
 * host starts one (rate-limited, e.g. >= 1 s apart) and calls
 * sqt_grid_reconcile_begin() when it does. */
int sqt_grid_wants_reconcile(const sqt_grid *g);

/* Market data pause (stale or unconfirmed prices): no new order, no cancel, nothing
 * else changes; pushes and results are applied as usual. Distinct from the risk
 * pause (which also cancels buys). Off: trading resumes at the next adjust step. */
int sqt_grid_set_data_pause(sqt_grid *g, int paused, int64_t now_ms);

/* Risk monitor edge. On: cancel every live buy; no new orders at all while paused
 * (behaviour.md §9.2: no AdjustOrders while triggered; existing sells stay and may
 * fill). Off: trading resumes at the next adjust step. */
int sqt_grid_set_risk_pause(sqt_grid *g, int paused, int64_t now_ms);

/* The order cleaner (§9.4): when PLACED+CONFIRMED orders >= Th, cancel up to
 * cleanup_batch_size of the farthest ones (lowest buys / highest sells / half each).
 * Returns the number of cancels emitted or a negative error. */
int sqt_grid_cleanup(sqt_grid *g, int64_t now_ms);

/* 1 when something changed that the adjust step may act on (a slot was freed, a
 * fill, a resume). Cleared by sqt_grid_adjust(). */
int sqt_grid_needs_adjust(const sqt_grid *g);

/* ---- commands out -------------------------------------------------------------- */

typedef enum sqt_grid_cmd_kind {
    SQT_GRID_CMD_PLACE = 1,
    SQT_GRID_CMD_CANCEL = 2,
    SQT_GRID_CMD_QUERY = 3
} sqt_grid_cmd_kind;

typedef enum sqt_grid_reason {
    SQT_GRID_WHY_NONE = 0,
    SQT_GRID_WHY_OUT_OF_WINDOW = 1, /* buy far below the window */
    SQT_GRID_WHY_RISK = 2,          /* risk pause */
    SQT_GRID_WHY_MARGIN = 3,        /* margin lock */
    SQT_GRID_WHY_CLEANER = 4,       /* order cleaner */
    SQT_GRID_WHY_ORPHAN = 5,        /* our order the engine does not track */
    SQT_GRID_WHY_OFF_GRID = 6,      /* imported order that does not fit the grid */
    SQT_GRID_WHY_RETRY = 7,         /* a requested cancel did not take */
    SQT_GRID_WHY_TIMEOUT = 8,       /* query: no answer / no confirmation in time */
    SQT_GRID_WHY_UNKNOWN = 9,       /* query: outcome unknown */
    SQT_GRID_WHY_MISSING = 10,      /* query: not in the open-order list */
    SQT_GRID_WHY_GONE = 11,         /* query: cancel said the order is not open */
    SQT_GRID_WHY_FEE = 12,          /* query: a push covered fills whose fee it lacks */
    SQT_GRID_WHY_REPAIR = 13,       /* cancel: the exchange holds less than the slots */
    SQT_GRID_WHY_ANOMALY = 14       /* query: a report that cannot be true */
} sqt_grid_reason;

typedef struct sqt_grid_cmd {
    sqt_grid_cmd_kind kind;
    sqt_grid_reason reason;    /* CANCEL/QUERY: why */
    int64_t slot;              /* grid index */
    sqt_order_req req;         /* PLACE: complete request (client id, side, tif,
                                  reduce_only, price on the tick, qty on the step) */
    char client_id[SQT_CLIENT_ID_MAX];  /* all kinds */
    char order_id[SQT_ORDER_ID_MAX];    /* CANCEL/QUERY: exchange id when known, else "" */
} sqt_grid_cmd;

/* Move up to cap commands (oldest first) into out; returns how many. */
size_t sqt_grid_take_commands(sqt_grid *g, sqt_grid_cmd *out, size_t cap);
size_t sqt_grid_pending_commands(const sqt_grid *g);

/* ---- journal events out -------------------------------------------------------- */

typedef enum sqt_grid_ev_kind {
    /* order life (one line each in the audit log) */
    SQT_GRID_EV_PLACED = 1,        /* place command emitted */
    SQT_GRID_EV_ACKED,             /* first acknowledgement (REST or stream NEW) */
    SQT_GRID_EV_PARTIAL,           /* a fill, order not complete: fill_qty/price/fee */
    SQT_GRID_EV_FILLED,            /* order complete (its last fill in fill_*) */
    SQT_GRID_EV_CANCELLED,         /* final cancel/expiry (text = exchange status) */
    SQT_GRID_EV_REJECTED,          /* place refused: err_code + text */
    SQT_GRID_EV_CANCEL_SENT,       /* cancel command emitted: reason */
    /* notices for the log (each emitted once per occurrence, not per tick) */
    SQT_GRID_EV_ROUND_TRIP,        /* a slot sold out: pnl of the round trip */
    SQT_GRID_EV_BUY_SKIPPED,       /* buy below min qty / notional / sell value (once until it fits again) */
    SQT_GRID_EV_POST_ONLY_DEGRADED,/* slot now sends plain GTC */
    SQT_GRID_EV_MARGIN_LOCK,       /* buys paused until time_ms + text */
    SQT_GRID_EV_MARGIN_UNLOCK,
    SQT_GRID_EV_RISK_PAUSE,
    SQT_GRID_EV_RISK_RESUME,
    SQT_GRID_EV_ORPHAN,            /* our order unknown to the engine: cancelled */
    SQT_GRID_EV_QUERY_SENT,        /* query command emitted: reason */
    SQT_GRID_EV_ORDER_VANISHED,    /* LOCKED order unknown to the exchange: finished */
    SQT_GRID_EV_POSITION_MISMATCH, /* qty = exchange position, filled = sum of slots */
    SQT_GRID_EV_RECOVERED,         /* a recovery slot created: slot, qty */
    SQT_GRID_EV_ADOPTED,           /* an open order imported by reconcile */
    SQT_GRID_EV_SELL_BELOW_MARKET, /* a sell placed at or below the market (§11 #16) */
    SQT_GRID_EV_ANOMALY,           /* inconsistent report, nothing booked from it: text
                                    * with the raw values */
    SQT_GRID_EV_FEE,               /* a fee learned after its fill (an order's cumulative
                                    * fee from a REST answer): fee, fee_asset */
    SQT_GRID_EV_PARKED,            /* a rules rejection parked the slot: text says how long */
    SQT_GRID_EV_POSITION_REPAIRED, /* one slot's holdings changed to match the exchange:
                                    * side SELL = released, BUY = adopted; fill_qty the
                                    * quantity, fill_price its cost per unit, qty the
                                    * slot's quantity after, pnl the cost written off */
    SQT_GRID_EV_DATA_PAUSE,        /* market data pause on (text: why) */
    SQT_GRID_EV_DATA_RESUME
} sqt_grid_ev_kind;

#define SQT_GRID_EV_LAST SQT_GRID_EV_DATA_RESUME

typedef struct sqt_grid_event {
    sqt_grid_ev_kind kind;
    int64_t time_ms;           /* now_ms of the call that produced it */
    int64_t slot;              /* grid index (0 when not about a slot) */
    sqt_side side;
    char client_id[SQT_CLIENT_ID_MAX];
    char order_id[SQT_ORDER_ID_MAX];
    sqt_dec price;             /* order price (slot price for slot notices) */
    sqt_dec qty;               /* order quantity (slot quantity for slot notices) */
    sqt_dec filled;            /* cumulative filled of the order */
    sqt_dec fill_qty;          /* PARTIAL/FILLED: this fill */
    sqt_dec fill_price;
    sqt_dec fee;               /* PARTIAL/FILLED: fee booked with this fill (the report's,
                                * plus what the order's cumulative fee adds); FEE: the
                                * fee booked late (fee_asset) */
    char fee_asset[SQT_ASSET_MAX];
    sqt_dec pnl;               /* ROUND_TRIP: realized pnl, quote, fees included */
    int err_code;              /* REJECTED: SQT_E*; queries/cancels: 0 */
    sqt_grid_reason reason;    /* CANCEL_SENT / QUERY_SENT */
    char text[128];            /* exchange message, status or explanation */
} sqt_grid_event;

size_t sqt_grid_take_events(sqt_grid *g, sqt_grid_event *out, size_t cap);
size_t sqt_grid_pending_events(const sqt_grid *g);

/* Bookkeeping the engine put off to keep it off the way from a push to its order (the
 * finished client ids' index): call it once the turn's requests are out. Nothing the
 * engine decides depends on when (or whether) it runs; it only bounds that backlog's
 * size, and the engine does it itself when the backlog is full. */
void sqt_grid_tidy(sqt_grid *g);

/* Which events the caller reads: `kinds` has bit (1 << k) set for every kind k it
 * wants (SQT_GRID_EV_ALL: all of them, the default). Events of the other kinds are not
 * built or queued; the engine's state, commands and the events that are built are the
 * same as with all kinds on. For a caller that only counts a few kinds, such as a
 * backtest without an event log. */
#define SQT_GRID_EV_ALL UINT64_MAX
void sqt_grid_set_events(sqt_grid *g, uint64_t kinds);

/* "placed", "acknowledged", "partially_filled", "filled", "cancelled", "rejected",
 * "cancel_sent", "round_trip", ... (audit-log event names). */
const char *sqt_grid_event_name(sqt_grid_ev_kind kind);
/* 1 for the notices a trader audits besides the order life (position checks and
 * repairs, recoveries, adoptions, orphans, pauses and locks, degrades, parks,
 * anomalies): the event log and the journal record each of them. */
int sqt_grid_event_is_notice(sqt_grid_ev_kind kind);
const char *sqt_grid_reason_name(sqt_grid_reason why);

/* ---- status -------------------------------------------------------------------- */

typedef enum sqt_grid_order_state {
    SQT_GRID_ORD_NONE = 0,
    SQT_GRID_ORD_PENDING = 1,
    SQT_GRID_ORD_PLACED = 2,
    SQT_GRID_ORD_CONFIRMED = 3,
    SQT_GRID_ORD_PARTIAL = 4
} sqt_grid_order_state;

typedef struct sqt_grid_status {
    int started;
    int reconciled;
    int risk_paused;
    int margin_locked;
    int64_t margin_lock_until_ms;
    sqt_dec anchor;
    sqt_dec last_price;        /* 0 before the first price */
    sqt_dec grid_price;        /* G(last price) */
    int64_t grid_index;
    size_t live_buys;          /* buy orders of any state (pending .. cancel requested) */
    size_t live_sells;
    size_t pending;            /* placements not answered yet */
    size_t cancel_requested;
    size_t holding_slots;      /* slots with qty > 0 */
    size_t slots;              /* slots in memory */
    sqt_dec position;          /* sum of slot quantities, base coin */
    sqt_dec total_bought;      /* base coin */
    sqt_dec total_sold;
    sqt_dec realized_pnl;      /* quote: completed round trips, fees included */
    sqt_dec fees_paid;         /* quote: every fee in the quote asset */
    uint64_t round_trips;
    uint64_t orders_placed;
    uint64_t ignored_updates;  /* foreign, other symbol, finished, mismatched */
    uint64_t post_only_degrades;
    int data_paused;           /* market data pause */
    int reconcile_wanted;      /* sqt_grid_wants_reconcile() */
    size_t parked;             /* slots waiting out a rules-rejection backoff */
    size_t held;               /* slots held for a position check (no new sell) */
    uint64_t anomalies;        /* reports refused as impossible */
    sqt_dec released;          /* base coin released by position repairs, in total */
    sqt_dec adopted;           /* base coin adopted after the first reconcile */
} sqt_grid_status;

/* 0, or SQT_ERANGE when a figure does not fit a sqt_dec (then it reads 0). */
int sqt_grid_get_status(const sqt_grid *g, sqt_grid_status *st);

typedef struct sqt_grid_slot_info {
    int64_t index;
    sqt_dec price;             /* buy price of the level */
    sqt_dec qty;               /* inventory, base coin */
    sqt_grid_order_state order_state; /* NONE = FREE */
    int cancel_requested;
    sqt_side side;
    sqt_dec order_price;
    sqt_dec order_qty;
    sqt_dec order_filled;
    char client_id[SQT_CLIENT_ID_MAX];
    char order_id[SQT_ORDER_ID_MAX];
    int post_only_failures;
} sqt_grid_slot_info;

typedef enum sqt_grid_list {
    SQT_GRID_LIST_HOLDING = 1, /* slots with inventory */
    SQT_GRID_LIST_WINDOW = 2,  /* the N buy-window levels (missing slots listed empty) */
    SQT_GRID_LIST_ORDERS = 3   /* slots with an order */
} sqt_grid_list;

/* Fill out[] (up to cap) sorted by price descending; returns the total number. */
size_t sqt_grid_list_slots(const sqt_grid *g, sqt_grid_list which, sqt_grid_slot_info *out,
                           size_t cap);

/* Check every structural and money invariant (one order per slot, indexes consistent,
 * position == sum of slots, sell qty == its slot's qty, prices on the grid, ...).
 * 0, or -1 with the first violation in why. For tests and debug builds. */
int sqt_grid_check_invariants(const sqt_grid *g, char *why, size_t cap);

/* ---- persistence (the state journal) --------------------------------------------
 * The engine's state as plain records, so a journal can store it and a later process
 * continue the same grid: slots with what they hold and at what cost, their orders,
 * the totals. Exact integers (ticks, steps; 128-bit figures as decimal-integer text);
 * times are not saved (they are monotonic and per process). */

#define SQT_GRID_WIDE_MAX 42       /* a 128-bit integer in decimal, sign and NUL */

typedef struct sqt_grid_saved_order {
    char cid[SQT_CLIENT_ID_MAX];
    char oid[SQT_ORDER_ID_MAX];
    sqt_side side;
    sqt_tif tif;
    int state;                 /* sqt_grid_order_state, PENDING..PARTIAL */
    int cancel_req, unknown, fee_nocum;
    int64_t price, qty, filled; /* ticks, steps */
    int64_t base_qty, bare_lo, bare_hi;
    char fee_seen[SQT_GRID_WIDE_MAX];   /* 1e-12 of its fee asset */
    char notional[SQT_GRID_WIDE_MAX];   /* ticks*steps */
} sqt_grid_saved_order;

typedef struct sqt_grid_saved_slot {
    int64_t k;
    int64_t qty;                        /* steps held */
    char cost[SQT_GRID_WIDE_MAX];       /* ticks*steps */
    char rt_gross[SQT_GRID_WIDE_MAX];   /* ticks*steps */
    char rt_fees[SQT_GRID_WIDE_MAX];    /* 1e-12 quote */
    int32_t po_fails;
    int has_order;
    sqt_grid_saved_order o;
    /* readable figures for reports (ignored by restore) */
    sqt_dec level;                      /* the slot's buy price */
    sqt_dec qty_dec;
    sqt_dec cost_quote;                 /* what the holding cost, quote */
} sqt_grid_saved_slot;

typedef struct sqt_grid_saved_watch {  /* an ended order whose late fee is still awaited */
    char cid[SQT_CLIENT_ID_MAX];
    char oid[SQT_ORDER_ID_MAX];
    int64_t k;
    sqt_side side;
    int64_t price, qty, filled;
    char seen[SQT_GRID_WIDE_MAX];
    int64_t bare_lo, bare_hi;
    int nocum;
} sqt_grid_saved_watch;

#define SQT_GRID_SAVED_WATCHES 16

typedef struct sqt_grid_saved {
    int64_t anchor;                     /* ticks */
    int64_t interval;                   /* ticks: must match on restore */
    sqt_dec tick, step;                 /* must match on restore */
    uint64_t seq;
    int64_t position, bought, sold;     /* steps */
    char realized_gross[SQT_GRID_WIDE_MAX];
    char realized_fees[SQT_GRID_WIDE_MAX];
    char fees_paid[SQT_GRID_WIDE_MAX];
    uint64_t round_trips, orders_placed, po_degrades;
    size_t n_watches;
    sqt_grid_saved_watch watches[SQT_GRID_SAVED_WATCHES];
} sqt_grid_saved;

/* The totals and the fee watches. SQT_ESTATE before sqt_grid_start/restore. */
int sqt_grid_save(const sqt_grid *g, sqt_grid_saved *out);

/* Every slot in use (holding or with an order), in no particular order. fn returning
 * non-zero stops the walk and is returned. */
typedef int (*sqt_grid_slot_fn)(void *ud, const sqt_grid_saved_slot *s);
int sqt_grid_save_slots(const sqt_grid *g, sqt_grid_slot_fn fn, void *ud);

/* The slots whose record changed since the journal `owner` last marked a save (every
 * slot in use when full is set, or when owner did not write the last save): the cost
 * of a save follows what the turn changed, not the size of the grid. A slot whose row
 * must go (emptied, or pruned from the pool) comes as a record with qty 0 and no order.
 * Returns 1 when every slot was reported (rows not reported must go), 0 when only the
 * changes were, or SQT_ESTATE / what fn returned. The engine changes nothing here:
 * after a failed write the next call reports the same slots again. */
int sqt_grid_save_changed(sqt_grid *g, const void *owner, int full, sqt_grid_slot_fn fn, void *ud);
/* The last sqt_grid_save_changed is written (committed) by owner; call it before any
 * other call into the engine (when a slot changed in between, owner's next save is a
 * full one: correct, but it writes every slot). */
void sqt_grid_save_mark(sqt_grid *g, const void *owner);
/* The last price the engine stepped on (0 before the first), as the journal records it
 * with each save: sqt_grid_get_status's last_price without the rest of the status. */
sqt_dec sqt_grid_last_price(const sqt_grid *g);
/* The orders the engine counts as live (open, being placed or being cancelled):
 * sqt_grid_get_status's live_buys + live_sells in O(1), for the open-order room the app
 * works out on every drain, before that turn's requests leave. */
size_t sqt_grid_live_orders(const sqt_grid *g);
/* 1 when owner wrote the last save, so that a report of changes is all it needs. */
int sqt_grid_save_synced(const sqt_grid *g, const void *owner);

/* Instead of sqt_grid_start: continue a saved grid. The saved tick, step and interval
 * must be this engine's (SQT_EINVAL with a message naming both otherwise); every
 * record is checked (one order per slot, prices on the grid, quantities in range,
 * position = sum of holdings) before anything is changed. Orders whose placement was
 * never answered get a query (reason unknown) at once; the first reconcile finds the
 * others. `finished` are client ids the previous run saw end (late pushes of them are
 * ignored). As after sqt_grid_start, nothing is placed before the first reconcile. */
int sqt_grid_restore(sqt_grid *g, const sqt_grid_saved *saved, const sqt_grid_saved_slot *slots,
                     size_t n, const char *const *finished, size_t n_finished, int64_t now_ms,
                     char *err, size_t errlen);

/* Queries sent and not answered yet (start-up waits for the missed fills they book). */
size_t sqt_grid_queries_inflight(const sqt_grid *g);

/* ---- orders sent before their turn was saved -------------------------------------
 * The journal writes a loop turn in two steps: the orders the turn places (their
 * intents) before its requests leave, everything else right after. A process killed
 * between the two leaves orders the exchange may hold in a turn the journal does not
 * hold: the fills of that turn are found again by the start-up queries, and its orders
 * are these intents. */
typedef struct sqt_grid_saved_intent {
    int64_t k;                 /* the slot */
    sqt_grid_saved_order o;    /* the order as placed (state PENDING) */
} sqt_grid_saved_intent;

/* The order of slot k as just placed, if its client id is cid: 0, or SQT_ENOENT. */
int sqt_grid_intent_of(const sqt_grid *g, int64_t k, const char *cid, sqt_grid_saved_intent *out);

/* After sqt_grid_restore: the intents of the previous run's last, unsaved turn. Each
 * becomes its slot's order, its placement unanswered (a query is sent, as for the
 * restored ones), as soon as the slot has no other order - at once, or when the order
 * the saved slot still holds ends (a restored buy whose fill made this sell) - and
 * always before the engine places anything on that slot; until then reports of its id
 * are not taken for an orphan's. An intent that does not fit its slot once free (a
 * sell of other than the holding) is cancelled with an ANOMALY event: the position
 * check repairs what it may have traded. 0, SQT_EINVAL (restore first; bad records are
 * skipped with an ANOMALY event), SQT_ENOMEM. */
int sqt_grid_restore_intents(sqt_grid *g, const sqt_grid_saved_intent *v, size_t n,
                             int64_t now_ms);
/* Intents still waiting for their slot. */
size_t sqt_grid_intents_waiting(const sqt_grid *g);

#endif
