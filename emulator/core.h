/* The emulator core's shared context: what its files (emulator.c: server and life,
 * exchange.c: account and matching, faults.c: the fault engine, control.c: the control
 * commands) see of each other. Not for dialects: they see emulator.h only. */
#ifndef SQT_EMU_CORE_H
#define SQT_EMU_CORE_H

#include "emulator.h"
#include "pricepath.h"

#define HOUSEKEEP_MS 50
#define HOLD_MAX_MS 1000       /* a reordered push waits at most this for a successor */
#define HISTORY_MINUTES 1500   /* kline history before the start (sqt_kbars keeps 1500) */
#define HISTORY_STEP_MS 15000
#define MAX_STEPS 100000

typedef struct emu_ord {
    char order_id[SQT_ORDER_ID_MAX];
    int64_t created;
} emu_ord;

/* Which requests a fault hits: those whose path starts with `path` and, when `method`
 * is set, whose method is that one (POST and DELETE on one path are told apart). */
typedef struct emu_target {
    char path[96];
    char method[8];
} emu_target;

/* A request fault: the next `count` exchange requests on the target. */
typedef struct rfault {
    int count;
    int placed;                /* 503/timeout: the request is carried out first */
    int64_t retry_after_ms;
    emu_target t;
} rfault;

enum { SCHED_AT = 1, SCHED_ORDERS = 2, SCHED_REQUESTS = 3 };

typedef struct sched {
    struct sched *next;
    int kind;
    uint64_t at;               /* loop ms, or an order / request count */
    char name[32];
    json_t *args;
} sched;

typedef struct deferred {
    struct deferred *next;
    sqt_emu *e;
    sqt_srv_conn *conn;        /* NULL once the client is gone */
    uv_timer_t timer;
    sqt_emu_resp resp;
} deferred;

struct sqt_emu {
    uv_loop_t *loop;
    sqt_emu_opts o;
    char *s_dialect, *s_symbol, *s_key, *s_secret;
    const sqt_emu_dialect *d;
    void *dst;
    sqt_srv *srv;
    uv_timer_t timer;
    int timer_on;
    int closing;
    int pending;               /* handles still closing */
    int def_closing;           /* deferred answers' timers being closed */
    void (*done)(void *);
    void *done_ud;

    /* exchange */
    sqt_match_config mcfg;
    sqt_match *match;
    sqt_symbol_info info;
    sqt_pricepath *path;
    sqt_kbars *bars;
    sqt_dec price;
    int64_t clock_skew;
    uint64_t rng;
    int in_place;              /* fills inside a place took liquidity */
    int fills_pending;
    emu_ord *ords;
    size_t n_ords, cap_ords;
    sqt_emu_fill *fills;
    size_t n_fills, cap_fills;
    int64_t last_trade_id;     /* survives reset: trade ids are never reused */

    sqt_emu_ws *ws;
    deferred *defs;
    sched *scheds;
    uint64_t last_step, last_ping;

    /* faults */
    rfault f429, f503, ftimeout;
    int64_t delay_ms;
    emu_target delay_t;
    int64_t ban_until;         /* server time */
    int force_post_only, force_margin;
    int drop_pushes, dup_pushes, reorder_pushes;
    char *held_event, *held_json;
    uint64_t held_since;

    /* counters */
    uint64_t n_requests, n_orders, pushes_sent, pushes_dropped, n_faults;
};

/* emulator.c */
uint64_t emu_mono(const sqt_emu *e);
void emu_resp_free(sqt_emu_resp *r);
void emu_ws_free(sqt_emu *e, sqt_emu_ws *w);

/* exchange.c */
int emu_match_create(sqt_emu *e, char *err, size_t errlen);
/* Move the market to `price` (on the tick): market pushes, then resting orders fill. */
int emu_apply_price(sqt_emu *e, sqt_dec price, sqt_dec qty);
int emu_step_path(sqt_emu *e, char *err, size_t errlen);
/* A fresh account (order ids keep counting); SQT_ESTATE with err on failure. */
int emu_reset(sqt_emu *e, char *err, size_t errlen);
/* Change the partial-fill size; only while nothing is at stake. */
int emu_set_partial(sqt_emu *e, sqt_dec qty, char *err, size_t errlen);
/* An outside trade closing `qty` of the position (0: all) at the current price. */
int emu_close_position(sqt_emu *e, sqt_dec qty, sqt_dec *closed, char *err, size_t errlen);
/* One trade print at `price` on the market stream; nothing else moves. */
int emu_print(sqt_emu *e, sqt_dec price, char *err, size_t errlen);

/* faults.c */
enum { WHICH_ALL = 0, WHICH_MARKET = SQT_EMU_WS_MARKET, WHICH_USER = SQT_EMU_WS_USER };
enum { WS_DROP = 0, WS_CLOSE = 1, WS_STALL = 2, WS_UNSTALL = 3 };
/* Act on the connections of one kind; returns how many. */
int emu_ws_act(sqt_emu *e, int which, int act);
int emu_target_hit(const emu_target *t, const char *method, const char *path);
/* Count one request against the fault: 1 when it hits. */
int emu_rfault_hit(rfault *f, const char *method, const char *path);
void emu_held_release(sqt_emu *e);
void emu_clear_faults(sqt_emu *e);

/* control.c */
void emu_sched_check(sqt_emu *e);
int emu_command_exec(sqt_emu *e, const char *name, json_t *args, json_t *reply);
int emu_faults_file(sqt_emu *e, const char *path, char *err, size_t errlen);
void emu_reply_err(json_t *reply, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
