/* Internals shared by grid.c, grid_sync.c and grid_status.c. Not a public header. */
#ifndef SQT_GRID_INTERNAL_H
#define SQT_GRID_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "clientid.h"
#include "grid.h"
#include "grid_index.h"

/* 128-bit intermediates keep products of ticks and steps exact. */
__extension__ typedef __int128 sqt_i128;
__extension__ typedef unsigned __int128 sqt_u128;

/* Prices beyond this many ticks are refused, so k*I, p+I and 10*p never overflow. */
#define GRID_MAX_TICKS (INT64_MAX / 64)
#define GRID_MAX_INTERVAL_TICKS ((int64_t)1 << 40)
#define GRID_MAX_WINDOW 1000000
/* Fees are accumulated at this fixed scale (1e-12 quote). */
#define GRID_FEE_SCALE 12
/* Base-36 digits budgeted for the price part of a client id at creation time. */
#define GRID_ID_PRICE_CHARS 7

/* Rounding modes of the decimal conversions. */
enum { RND_FLOOR = 0, RND_CEIL = 1, RND_NEAREST = 2, RND_EXACT = 3 };

/* Tags of remembered finished client ids. */
enum {
    FIN_CONFIRMED = 1,         /* the exchange said it is final */
    FIN_ASSUMED = 2,           /* we concluded it (query: unknown order) */
    FIN_ORPHAN = 3             /* an untracked order of ours we asked to cancel */
};

/* Where a report came from. */
enum { SRC_PUSH = 0, SRC_PLACE = 1, SRC_QUERY = 2, SRC_LIST = 3 };

typedef struct grid_order {
    char cid[SQT_CLIENT_ID_MAX];
    char oid[SQT_ORDER_ID_MAX];
    sqt_side side;
    sqt_tif tif;
    uint8_t state;             /* sqt_grid_order_state, only grows */
    uint8_t cancel_req;
    uint8_t unknown;           /* place outcome unknown, a query settles it */
    uint8_t query_inflight;
    uint8_t cancel_reason;
    uint8_t fill_final_sent;   /* FILLED event emitted */
    uint8_t fee_nocum;         /* cumulative fees of this order are not used: imported with
                                * fills but no baseline, or one came with the wrong sign */
    uint32_t seen_epoch;       /* reconcile: present in the open-order list */
    int64_t price;             /* ticks */
    int64_t qty;               /* steps ordered */
    int64_t filled;            /* steps applied so far */
    sqt_i128 fee_seen;         /* fees booked for this order, 1e-12 of its fee asset */
    sqt_i128 notional;         /* fill price x quantity booked so far, ticks*steps */
    int64_t bare_lo, bare_hi;  /* cumulative steps (lo, hi] a REST answer booked without a
                                * fee: the pushes of those fills bring it later */
    int64_t base_qty;          /* buy: slot qty when placed (top-up buys) */
    int64_t created_ms;
    int64_t cancel_ms;
    int64_t query_ms;
} grid_order;

typedef struct grid_slot {
    int64_t k;
    int64_t qty;               /* inventory, steps */
    sqt_i128 cost;             /* what the inventory cost, ticks*steps */
    sqt_i128 rt_gross;         /* this round trip: sells minus cost, ticks*steps */
    sqt_i128 rt_fees;          /* this round trip's fees, 1e-12 quote */
    int64_t retry_at;          /* no new order before this time */
    int64_t park_px;           /* parked: the price (ticks) when it was parked */
    uint32_t hold_gen;         /* hold: the reconcile generation it was set in */
    int32_t po_fails;
    uint8_t in_use;
    uint8_t has_order;
    uint8_t parked;            /* waiting out a rules-rejection backoff */
    uint8_t rules_fails;       /* rules rejections in a row: the backoff's exponent */
    uint8_t held;              /* no new order until a reconcile checks the position */
    uint8_t repair;            /* hold: a position repair will release its holdings */
    grid_order o;
} grid_slot;

/* An order that ended on a push covering fills whose fee it did not carry (their own
 * pushes were lost): its query's cumulative fee books the rest to the slot. */
typedef struct fee_watch {
    uint64_t h;                /* client id hash; 0 = free */
    char cid[SQT_CLIENT_ID_MAX];
    char oid[SQT_ORDER_ID_MAX];
    int64_t k;                 /* slot */
    sqt_side side;
    int64_t price, qty, filled; /* ticks, steps: for the event */
    sqt_i128 seen;             /* fees booked for it, 1e-12 of its fee asset */
    int64_t bare_lo, bare_hi;  /* as grid_order's: fills whose pushes may still come */
    uint8_t nocum;             /* as grid_order's fee_nocum */
} fee_watch;

#define GRID_FEE_WATCH 16      /* the oldest is forgotten first */

typedef struct grid_queue {
    unsigned char *buf;
    size_t item;
    size_t head;
    size_t n;
    size_t cap;
} grid_queue;

struct sqt_grid {
    /* configuration */
    char symbol[SQT_SYMBOL_MAX];
    char quote_asset[SQT_ASSET_MAX];
    char tag[SQT_CLIENTID_TAG_MAX + 1];
    size_t tag_len;            /* strlen(tag): ids are decoded on every update */
    char prefix[SQT_CLIENT_ID_MAX];
    sqt_dec tick;
    sqt_dec step;
    int64_t I;                 /* interval, ticks */
    int64_t oq_u;              /* floor(order_quantity / (tick*step)) */
    int64_t mov_u;             /* ceil(min_order_value / (tick*step)) */
    int64_t mn_u;              /* ceil(min_notional / (tick*step)) */
    int64_t min_qty;           /* steps, >= 1 */
    sqt_i128 unit_mant;        /* tick*step = unit_mant * 10^-unit_scale */
    int unit_scale;
    int N, SW, Th, batch, reserve, po_max, oow, slack;
    size_t id_max_len;
    uint64_t seq;
    int64_t lock_ms, retry_ms, cancel_to, pending_to, query_to, rules_max_ms;

    /* state */
    int started, reconciled, paused, locked, dirty, warned_small, have_price, oom;
    int restored;              /* continued from a journal: the anchor is the saved one */
    int recover_done;          /* unaccounted holdings recovered (first known position) */
    int data_paused;
    int want_rec;              /* a reconcile is wanted (sqt_grid_wants_reconcile) */
    int begun;                 /* sqt_grid_reconcile_begin called, reconcile not yet */
    int sell_hold;             /* no new sell until a reconcile checks the position */
    uint32_t gen;              /* reconcile generation: holds of older ones are lifted */
    uint32_t sell_hold_gen;
    int64_t short_prev;        /* steps the exchange lacked at the last reconcile (unexplained) */
    int64_t long_prev;         /* steps the exchange had beyond the slots, likewise */
    int64_t released, adopted; /* steps, in total (status) */
    uint64_t anomalies;
    int64_t lock_until;
    int64_t A;                 /* anchor, ticks */
    int64_t cur;               /* last price, ticks */
    int64_t kg;                /* grid index of cur */
    uint32_t epoch;

    grid_slot *pool;
    size_t pool_cap;
    uint32_t *free_idx;
    size_t free_n;
    sqt_gmap map;              /* k -> pool index */
    sqt_gset buys, sells;      /* slots with a buy / sell order (any state) */
    sqt_gset ready;            /* FREE slots with sellable inventory */
    sqt_gset hold;             /* slots with inventory */
    sqt_gring finished;
    int64_t *scratch;          /* sell-pass candidates, SW entries */

    int64_t position;          /* steps = sum of slot qty */
    int64_t bought, sold;      /* steps */
    sqt_i128 realized_gross;   /* ticks*steps */
    sqt_i128 realized_fees;    /* 1e-12 quote */
    sqt_i128 fees_paid;        /* 1e-12 quote */
    uint64_t round_trips, orders_placed, ignored, po_degrades;

    /* The buy pass's memo. order_gen changes whenever a slot is created or deleted or
     * gains or loses its order. A pass that placed nothing over the whole window
     * leaves bp_memo set, with the lowest level lacking an order (bp_lo, if
     * bp_has_lo): while the window, the anchor and order_gen stay, the next pass is
     * the same no-op unless that level left the safety buffer (levels above it with
     * an order are skipped, levels without one are skipped only inside the buffer,
     * which is the top of the window). */
    uint64_t order_gen;
    int memo_off;              /* tests: every pass in full, to compare */
    /* Timeouts only concern orders pending, cancel-requested or queried. The orders
     * the engine sends, cancels or queries itself are watched by time: watch_due is
     * no later than the earliest moment one of them can time out (the scan computes
     * it again), and scans before it are skipped (they could not act). Every other
     * step into one of those states sets watch: the next scan runs. */
    int watch, watch_off;      /* watch_off (tests): scan every time */
    int watch_timed;
    int64_t watch_due;
    int bp_memo, bp_has_lo;
    uint64_t bp_gen;
    int64_t bp_kg, bp_A, bp_lo;

    /* What the journal holds of each pool entry (grid_persist.c, sqt_grid_save_changed):
     * per pool index the image last written; the levels deleted since then; the pool
     * indices touched since the last sqt_grid_save_mark (sqt_grid__touch), each once:
     * a save reads only those, not every slot in use. */
    struct grid_save_img *sv_img;
    uint8_t *sv_mark;          /* per pool index: 1 while it is in sv_dirty */
    uint32_t *sv_dirty;        /* at most pool_cap entries (sv_mark keeps them unique) */
    size_t sv_n_dirty;
    int64_t *sv_gone;          /* at most one per written slot: pool_cap entries */
    uint32_t *sv_pend;         /* pool indices the last sqt_grid_save_changed reported */
    size_t sv_n_gone, sv_n_pend;
    const void *sv_owner;      /* the writer of the last sqt_grid_save_mark */
    int sv_full;               /* the last report was every slot */
    int sv_reported;           /* a report waits for its mark */
    int sv_late;               /* a slot changed between that report and its mark */

    grid_queue cmds;
    grid_queue evs;
    uint64_t ev_off;           /* bit k: events of kind k are not built (sqt_grid_set_events) */
    grid_queue early;          /* own pushes before the first reconcile (sqt_order) */
    /* Orders the previous run sent in a turn its journal does not hold whole (grid_intent.c):
     * each waits here until its slot has no other order, then becomes the slot's order. */
    sqt_grid_saved_intent *intents;
    size_t n_intents;
    fee_watch fw[GRID_FEE_WATCH];
    unsigned fw_next;
};

/* Pushes kept until the first reconcile; more are dropped (the periodic reconcile
 * repairs what they would have told). */
#define GRID_EARLY_MAX 1024

/* grid_money.c */
int sqt_grid__to_units(sqt_dec v, sqt_i128 umant, int uscale, int mode, int64_t *out);
int sqt_grid__from_units(sqt_i128 n, sqt_i128 umant, int uscale, int out_scale, sqt_dec *out);
int sqt_grid__ticks(const sqt_grid *g, sqt_dec v, int mode, int64_t *out);
int sqt_grid__steps(const sqt_grid *g, sqt_dec v, int mode, int64_t *out);
sqt_dec sqt_grid__price_dec(const sqt_grid *g, int64_t ticks);
sqt_dec sqt_grid__qty_dec(const sqt_grid *g, int64_t steps);
int sqt_grid__pnl_dec(const sqt_grid *g, sqt_i128 gross, sqt_i128 fees, sqt_dec *out);
int sqt_grid__fee_dec(sqt_i128 fees, sqt_dec *out);
sqt_dec sqt_grid__fee_exact(sqt_i128 fees);
sqt_i128 sqt_grid__fee_units(sqt_dec fee);
/* d as text into buf ("?" when it cannot be formatted); returns buf. */
const char *sqt_grid__dec_text(sqt_dec d, char *buf, size_t cap);

/* grid.c */
int64_t sqt_grid__level(const sqt_grid *g, int64_t k);
int sqt_grid__index_of(const sqt_grid *g, int64_t ticks, int64_t *k);
int sqt_grid__sellable(const sqt_grid *g, int64_t k, int64_t qty);
int sqt_grid__in_window(const sqt_grid *g, int64_t k);
int64_t sqt_grid__grid_index(const sqt_grid *g, int64_t ticks);

/* An order may time out from t0 + to on: the scans wait for the earliest such time. */
static inline void sqt_grid__watch_from(sqt_grid *g, int64_t t0, int64_t to)
{
    int64_t due = to > 0 && t0 > INT64_MAX - to ? INT64_MAX : t0 + to;
    if (!g->watch_timed || due < g->watch_due)
        g->watch_due = due;
    g->watch_timed = 1;
}

/* grid_store.c */
/* The slot of level k, or NULL. */
static inline grid_slot *sqt_grid__slot(const sqt_grid *g, int64_t k)
{
    const uint32_t *i = sqt_gmap_get(&g->map, k);
    return i != NULL ? &g->pool[*i] : NULL;
}
int sqt_grid__pool_grow(sqt_grid *g);

/* grid_persist.c: the journal's view follows the pool (grow with it; a deleted slot
 * the journal holds becomes a removal to report). */
int sqt_grid__save_grow(sqt_grid *g, size_t cap);
void sqt_grid__save_forget(sqt_grid *g, uint32_t idx);
void sqt_grid__save_free(sqt_grid *g);

/* EVERY change to what a slot's journal record is made of must call this, in any engine
 * file (grid_persist.c slot_img lists the fields: the slot's qty, cost, rt_gross,
 * rt_fees, po_fails, has_order; its order's cid, oid, side, tif, state, cancel_req,
 * unknown, fee_nocum, price, qty, filled, base_qty, bare_lo, bare_hi, fee_seen,
 * notional). sqt_grid_save_changed reads only the slots touched since the journal's
 * last save: an untouched change never reaches the journal, and a restart would come
 * back without it. Touching a slot that ends up unchanged costs one image compare at
 * the next save, nothing more: when in doubt, touch. Creating a slot touches it
 * (sqt_grid__slot_create); deleting one needs no touch (sqt_grid__save_forget).
 * Tests check every operation with sqt_grid__save_audit. */
static inline void sqt_grid__touch(sqt_grid *g, const grid_slot *s)
{
    size_t i = (size_t)(s - g->pool);
    g->sv_late |= g->sv_reported;
    if (!g->sv_mark[i]) {
        g->sv_mark[i] = 1;
        g->sv_dirty[g->sv_n_dirty++] = (uint32_t)i;
    }
}
/* Tests and debug: the full comparison the marks replace. SQT_EINVAL with the first
 * slot whose record differs from what the journal last marked as written (or a free
 * pool entry whose row was never reported gone) while it is not touched, or marks out
 * of step, in why; else 0. */
int sqt_grid__save_audit(const sqt_grid *g, char *why, size_t cap);
int sqt_grid__slot_create(sqt_grid *g, int64_t k, grid_slot **out);
/* Re-derive a slot's index memberships; deletes it when idle outside the window.
 * Returns 1 when the slot was deleted (the pointer is dead then). */
int sqt_grid__slot_refresh(sqt_grid *g, grid_slot *s);
grid_slot *sqt_grid__slot_by_cid(const sqt_grid *g, const char *cid);
/* The same with cid decoded already (id). */
grid_slot *sqt_grid__slot_by_id(const sqt_grid *g, const sqt_clientid *id, const char *cid);

void *sqt_grid__queue_push(grid_queue *q);
sqt_grid_cmd *sqt_grid__cmd_new(sqt_grid *g, sqt_grid_cmd_kind kind, int64_t slot);
sqt_grid_event *sqt_grid__ev_new(sqt_grid *g, sqt_grid_ev_kind kind, int64_t now);
sqt_grid_event *sqt_grid__ev_order(sqt_grid *g, sqt_grid_ev_kind kind, int64_t now,
                                   const grid_slot *s);
/* printf into e->text (e may be NULL). */
void sqt_grid__ev_text(sqt_grid_event *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hold slot s (no new order) until a reconcile that began after now lifts it, and ask
 * for one. */
void sqt_grid__hold(sqt_grid *g, grid_slot *s);

/* grid_persist.c: a saved slot record against the grid's rules (0, or SQT_EINVAL with
 * the reason in err); a saved order into slot s (which has none): the order, its side's
 * index, the watch. */
int sqt_grid__check_saved(const sqt_grid *g, const sqt_grid_saved_slot *r, sqt_i128 *cost,
                          char *err, size_t cap);
void sqt_grid__order_load(sqt_grid *g, grid_slot *s, const sqt_grid_saved_order *r, int64_t now);

/* grid_intent.c: intents waiting for their slot. 1 when cid is one (its reports are
 * not an orphan's: they wait for the query its slot will ask); bind: every intent whose
 * slot is free now becomes its order (before any new order is placed). */
int sqt_grid__intent_waits(const sqt_grid *g, const char *cid);
/* What the waiting intents of one side order (steps): in flight for the position check. */
int64_t sqt_grid__intents_qty(const sqt_grid *g, sqt_side side);
int sqt_grid__intents_bind(sqt_grid *g, int64_t now);

/* grid_order.c */
/* 1 when the report's text fields are NUL-terminated. */
int sqt_grid__report_ok(const sqt_order *u);
int sqt_grid__place(sqt_grid *g, int64_t k, sqt_side side, int64_t price, int64_t qty, int64_t now);

int sqt_grid__cancel(sqt_grid *g, grid_slot *s, sqt_grid_reason why, int force, int64_t now);
int sqt_grid__query(sqt_grid *g, grid_slot *s, sqt_grid_reason why, int64_t now);
int sqt_grid__cancel_all_buys(sqt_grid *g, sqt_grid_reason why, int64_t now);
int sqt_grid__cancel_untracked(sqt_grid *g, const char *cid, const char *oid, int64_t slot,
                               sqt_grid_reason why, int64_t now);
/* Apply one report to the slot's current order. Returns 1 when the slot was deleted. */
int sqt_grid__apply(sqt_grid *g, grid_slot *s, const sqt_order *u, int src, int64_t now);
int sqt_grid__fee_watch_take(sqt_grid *g, const char *cid, const sqt_order *u, int64_t now);
void sqt_grid__fee_watch_push(sqt_grid *g, const char *cid, const sqt_order *u, int64_t now);
/* End the slot's order. Returns 1 when the slot was deleted. */
int sqt_grid__finish(sqt_grid *g, grid_slot *s, sqt_order_status st, int confirmed,
                     sqt_grid_ev_kind ev, const char *text, int64_t now);
void sqt_grid__po_fail(sqt_grid *g, grid_slot *s, int64_t now);
void sqt_grid__lock_expire(sqt_grid *g, int64_t now);
void sqt_grid__ack_policy(sqt_grid *g, grid_slot *s, int64_t now);
void sqt_grid__untracked(sqt_grid *g, const char *cid, const sqt_order *u, int live,
                         int64_t now);

#endif
