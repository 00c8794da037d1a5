/* The scripted exchange (scripted_plugin.c): a test plugin that keeps its own book -
 * open orders, position, each order's cumulative fill and fee - answers every call
 * through a host timer like a real exchange, and can fill one of the book's orders at a
 * chosen call, with the order push a real exchange would send. The book lives in the
 * loaded .so, so it outlives one run of the app: a test runs the app, stops it, and
 * runs it again against the same exchange. The test reaches it through
 * scripted_plugin_api() (dlsym on the loaded plugin). */
#ifndef SCRIPTED_PLUGIN_H
#define SCRIPTED_PLUGIN_H

#include <opensqt/plugin.h>

/* The plugin calls a script can fire at, counted per run (per create). */
enum scripted_call {
    SCR_NONE = 0,
    SCR_SYMBOL_INFO,
    SCR_ACCOUNT,
    SCR_SUBSCRIBE_ORDERS,
    SCR_OPEN_ORDERS,
    SCR_POSITIONS,
    SCR_SUBSCRIBE_PRICE,
    SCR_QUERY,
    SCR_PLACE,
    SCR_CANCEL,
    SCR_PRICE_TICK,            /* not a call: the nth price the stream sends */
    SCR_WARM,                  /* warm (system.keep_warm_ms): counted, never fired at */
    SCR_CALL_MAX
};

#define SCR_MAX_ORDERS 256
#define SCR_MAX_FILLED 8

typedef struct scripted_script {
    int call;                  /* scripted_call that triggers the fill; SCR_NONE: none */
    int nth;                   /* at its nth call of the run (1-based) */
    int dup_out_of_order;      /* fill in two parts; push part 2, part 1, part 2, part 1 */
    int lost_push;             /* the push is lost in a gap of the order stream, which
                                * reports DOWN before and UP after (a reconnect) */
    int fills;                 /* buys filled at once, highest first, a push each in the
                                * same callback (0: 1) */
    int tick_after;            /* then a price in that same callback: the rest of a poll
                                * phase that read the fill */
} scripted_script;

typedef struct scripted_api {
    /* An empty book, no script, counters zero (between test cases; no live instance). */
    void (*reset)(void);
    /* The script of the next run(s); fires once. */
    void (*set_script)(const scripted_script *s);
    /* Fill the highest open BUY now (a fill while the bot is down: a push only when an
     * order stream is live). Its client id into cid. 0, or -1 when no buy is open. */
    int (*fill_top_buy)(char *cid, size_t cap);
    /* What the script did: 1 once it fired, with the client id of the order it filled. */
    int (*fired)(char *cid, size_t cap);
    /* Calls of the current run of that kind; the same when the script fired. */
    int (*calls)(int call);
    int (*calls_at_fire)(int call);
    /* The book: position (base coin), open orders (copied, up to cap; returns the total). */
    sqt_dec (*position)(void);
    size_t (*open_orders)(sqt_order *out, size_t cap);
    /* One order of the book by client id, open or not: 0, or -1 when unknown. */
    int (*order)(const char *cid, sqt_order *out);
    /* Reduce-only sells refused because they exceeded the position. */
    int (*reduce_only_refused)(void);
    /* Orders placed on a price where one of ours was already open (same side). */
    int (*duplicate_places)(void);
    /* At the first sell placed after the script's fill (the filled buy's counterpart):
     * look into this event log for the fill's line (reset clears it). */
    void (*probe_audit)(const char *events_path);
    /* 1: the fill's line was in the file when that place call came; 0: not yet (the
     * request left before the audit was written); -1: no place call after the fill. */
    int (*probe_result)(void);
    /* The market of the next runs: the open-order limit the book enforces (a place
     * beyond it is refused; 0: 200), whether the symbol info reports it (else it says
     * 0, unknown), and the price each tick sends (the kth tick sends cents[k], the last
     * one after that; n 0: 3000.00). */
    void (*set_market)(int max_open_orders, int reported, const int64_t *cents, size_t n);
    /* The most of our orders the book held open at once, and the places it refused
     * for the limit. */
    int (*peak_open)(void);
    int (*limit_refused)(void);
    /* The calls in the order they came: 'P' a place call, 'C' a cancel call, '|' a
     * price tick. */
    const char *(*call_log)(void);
    /* Fill this open order now, all of it (a push only when an order stream is live).
     * 0, or -1 when it is not open. */
    int (*fill_order)(const char *cid);
    /* A kill -9 between a turn's two journal writes: at the first sell placed after the
     * script's fill (with fills > 1: at the sell that makes them as many as the buys
     * filled; in the place call, before its answer), the journal's file and WAL
     * and intent log are copied into snap_dir (same names) - what that kill would leave on disk - and
     * the book freezes: that sell reaches it, every later place or cancel is refused, so
     * the exchange stays as the kill left it. set_script clears it. */
    void (*probe_journal)(const char *journal, const char *snap_dir);
    /* 1 once the files were copied (the sell's client id into sell_cid), 0 not yet, -1
     * the copy failed. */
    int (*probe_journal_result)(char *sell_cid, size_t cap);
    /* Answer place calls inside the call, before it returns (the SDK forbids it; a host
     * must survive a plugin that does it). reset clears it. */
    void (*sync_places)(int on);
    /* At the script's fill, limit the size of the files this process writes (RLIMIT_FSIZE
     * soft limit, SIGXFSZ ignored: a write past it fails) - a disk that fills up just as
     * the fill arrives. The test restores the limit. 0: off (reset clears it too). */
    void (*disk_full_at_fire)(long bytes);
    /* With tick_after: the place calls made between the script's fill and that price
     * (the counter-orders sent before the rest of the poll phase); -1 not yet. */
    int (*places_before_tick)(void);
    /* warm calls of the current run made before the price stream was asked for (the
     * host runs warm only while trading, which comes after it). */
    int (*warms_before_price)(void);
} scripted_api;

#define SCRIPTED_API_SYMBOL "scripted_plugin_api"
typedef const scripted_api *(*scripted_api_fn)(void);

#endif
