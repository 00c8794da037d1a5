/* The harness of the process-level end-to-end tests (restart, safety): a book is one
 * emulator process, one config, one state directory and the host processes started on
 * it; checks compare the journal, the event log and `opensqt report` with the exchange.
 * CHECK() records a failure and keeps the files of the book (printed at close). */
#ifndef SQT_E2E_BOOK_H
#define SQT_E2E_BOOK_H

#include <sqlite3.h>
#include <stdint.h>
#include <sys/types.h>

#include "e2e_proc.h"
#include "sqt_test.h"

typedef struct book {
    char dir[256];
    char cfg[320], events[320], state[320], log[320], emu_log[320];
    e2e_emu emu;
    char tag[24];              /* the client-id tag (app.instance) */
    char prefix[32];           /* "<tag>-": our client ids start with it */
    const char *extra_yaml;    /* more top-level sections for the config, or NULL */
    const char *risk_yaml;     /* the risk_control block, NULL = disabled */
    const char *trading_yaml;  /* more keys of the trading block ("  key: v\n"), or NULL */
    const char *api_key;       /* NULL = the emulator's test key */
    int cleanup_threshold;     /* trading.order_cleanup_threshold, 0 = 50 */
    int cleanup_batch;         /* trading.cleanup_batch_size, 0 = 5 */
    int cleanup_interval;      /* timing.order_cleanup_interval in s, 0 = the default */
    int failed;
} book;

/* cond is evaluated once (it may be a call with effects) */
#define CHECK(b, cond, ...)                                                                \
    do {                                                                                   \
        int ok_ = (cond) ? 1 : 0;                                                          \
        if (!ok_) {                                                                        \
            fprintf(stderr, "    %s:%d: ", __FILE__, __LINE__);                            \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, "\n");                                                         \
            (b)->failed = 1;                                                               \
        }                                                                                  \
        CU_ASSERT_TRUE(ok_);                                                               \
    } while (0)

#define MAXO 4096

typedef struct ofill {
    char cid[64];
    int64_t qty;               /* steps */
} ofill;

typedef struct truth {
    ofill o[MAXO];             /* our orders with fills: the exchange's sum per order */
    size_t no;
    int64_t position;          /* steps (1e-3) */
    int64_t fees;              /* 1e-8, our fills */
    int64_t pnl_replay;        /* 1e-8: realized from the exchange's fill ledger */
    size_t our_fills;
    size_t open;
} truth;

typedef struct mine {
    ofill o[MAXO];             /* the journal's filled quantity per order */
    size_t no;
    int64_t position;          /* journal slots, steps */
    int64_t fees;              /* journal fills, 1e-8 */
    int64_t pnl;               /* journal pnl rows, 1e-8 */
    int64_t pnl_events;        /* event log pnl lines, 1e-8 */
    size_t fills;
    int recovered, orphans, mismatches;
} mine;

const char *host_bin(void);
int book_open(book *b, const char *name, const char *tag, const char *const *emu_args);
void book_close(book *b);
/* The config: Binance on the book's emulator, windows of `window`, reconcile every
 * `reconcile` s, the state dir and event log in the book's directory. */
void write_config(const book *b, int cancel_on_exit, int window, int reconcile);
pid_t host_up(book *b, const char *why);
/* How many lines since the last start marked in the host log contain text. */
int log_has_since_mark(const book *b, const char *text);
/* Manual price mode: once the host's price stream is up, trade at p. */
void kick(book *b, const char *p);
int wait_trading(book *b, unsigned ms);
/* Our open orders of one side, waited for until there are n; prices x100 in px. */
int wait_side(book *b, const char *side, size_t n, long *px, unsigned ms);
void price(book *b, const char *p);
/* A host up and trading on the manual-price emulator at first_price, with `buys` of our
 * buys open (0: do not wait for any). */
pid_t start_trading(book *b, const char *why, const char *first_price, size_t buys);
void exchange_truth(book *b, truth *t);
void journal_of(book *b, mine *m);
int64_t report_realized(book *b, int64_t *position);
/* Journal, event log, report and the exchange's ledger agree (expect_open < 0: any). */
void agree(book *b, const char *what, int expect_open);

#endif
