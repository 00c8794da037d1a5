/* A fake exchange for the benchmarks that drive the real engine and executor on a libuv
 * loop: places are accepted and cancels confirmed on the next loop turn (a zero timer),
 * and each cancelled order's final push is handed back, as an exchange's order stream
 * would send it. No network, no matching: what it measures is the host's side.
 * Below it, the engine glue those benchmarks wire as app.c does (bench_engine). */
#ifndef SQT_BENCH_FAKEX_H
#define SQT_BENCH_FAKEX_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <opensqt/plugin.h>

#include "executor.h"
#include "grid.h"
#include "log.h"

#define BENCH_FAKEX_ANSWERS 256
#define BENCH_FAKEX_PLACES 8
#define BENCH_FAKEX_CANCELS 16

typedef struct bench_fakex_answer {
    int kind;                  /* 1 place, 2 cancel */
    size_t n;
    sqt_order_req reqs[BENCH_FAKEX_PLACES];
    sqt_cancel_req creqs[BENCH_FAKEX_CANCELS];
    sqt_place_cb pcb;
    sqt_cancel_cb ccb;
    void *ud;
} bench_fakex_answer;

/* The final push of a cancelled order (status CANCELED, nothing filled). */
typedef void (*bench_fakex_final_fn)(void *ud, const sqt_order *o);

typedef struct bench_fakex {
    uv_timer_t timer;
    bench_fakex_answer answers[BENCH_FAKEX_ANSWERS];
    bench_fakex_answer turn[BENCH_FAKEX_ANSWERS]; /* the ones being answered */
    size_t n_answers;
    uint64_t next_oid;
    long places, cancels;      /* orders asked for */
    bench_fakex_final_fn on_final;
    void *ud;
    /* Optional: called as a place (kind 1) or cancel (kind 2) arrives, before it is
     * queued; bench_tick_to_order_engine stamps its clocks here. */
    void (*on_send)(void *send_ud, int kind);
    void *send_ud;
} bench_fakex;

void bench_fakex_init(bench_fakex *fx, uv_loop_t *loop, bench_fakex_final_fn on_final,
                      void *ud);
void bench_fakex_close(bench_fakex *fx, uv_close_cb cb);
/* The exchange API's place / cancel / query (the plugin's own record is the caller's). */
int bench_fakex_place(bench_fakex *fx, const sqt_order_req *reqs, size_t n, sqt_place_cb cb,
                      void *ud);
int bench_fakex_cancel(bench_fakex *fx, const sqt_cancel_req *reqs, size_t n,
                       sqt_cancel_cb cb, void *ud);
/* Never expected in these benchmarks: answers "unknown order". */
int bench_fakex_query(sqt_orders_cb cb, void *ud);

/* ---- the engine glue: what app.c wires between the grid, the executor and the plugin ----
 * The grid and executor stay the bench's own fields (read at every call: the executor is
 * NULL once closed). Each executor result and each final push goes to the grid, then to
 * the bench's drain: each bench drains by its own rules (bench_tick_to_order_engine at the
 * end of the loop turn with the audit and a flush, bench_absorb at once, events dropped). */
typedef struct bench_engine {
    uv_loop_t *loop;
    sqt_grid **grid;
    sqt_executor **exec;
    void (*drain)(void *ud);
    void *ud;
    const char *name;          /* the bench, for the executor's fatal line */
    sqt_exchange_api api;      /* fx as the executor's exchange */
} bench_engine;

void bench_engine_init(bench_engine *en, const char *name, uv_loop_t *loop, sqt_grid **grid,
                       sqt_executor **exec, void (*drain)(void *ud), void *ud);
/* The executor on fx, its rate limit out of the way (1M/s: the pipeline is measured, not
 * the token bucket), batches of 5 places / 10 cancels, its results to the grid. */
sqt_executor *bench_engine_executor(bench_engine *en, sqt_log *log, bench_fakex *fx);
/* A cancelled order's final push from the fake exchange (bench_fakex_final_fn; ud = en). */
void bench_engine_final(void *ud, const sqt_order *o);
/* The grid's commands to the executor, as app.c's drain sends them (none once the
 * executor is closed); returns how many the executor refused. */
long bench_engine_send(bench_engine *en);

#endif
