/* A fake exchange for the benchmarks that drive the real engine and executor on a libuv
 * loop: places are accepted and cancels confirmed on the next loop turn (a zero timer),
 * and each cancelled order's final push is handed back, as an exchange's order stream
 * would send it. No network, no matching: what it measures is the host's side. */
#ifndef SQT_BENCH_FAKEX_H
#define SQT_BENCH_FAKEX_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <opensqt/plugin.h>

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

#endif
