/* The host services table handed to plugins (sqt_host_api): logging, clocks, timers on
 * the libuv loop, HTTP and WebSocket through host/net, secrets and config lookup. The
 * struct sqt_host is the context behind the opaque pointer plugins receive. */
#ifndef SQT_SERVICES_H
#define SQT_SERVICES_H

#include <uv.h>

#include <opensqt/plugin.h>

#include "config.h"
#include "log.h"

typedef void (*sqt_rate_usage_fn)(void *ud, const sqt_rate_usage *u);

struct sqt_host {
    uv_loop_t *loop;
    sqt_log *log;
    const sqt_config *cfg;
    const sqt_exchange_cfg *xcfg;      /* the plugin's config block */
    char plugin_name[40];
    void *net;                         /* host/net state (HTTP client), NULL until used */
    sqt_rate_usage_fn on_rate_usage;   /* the executor listens here */
    void *rate_ud;
    size_t live_timers;                /* timers not yet released (leak check) */
    size_t live_ws;                    /* WebSocket connections not yet closed */
    int closing;                       /* shutdown started: refuse new work */
    uint64_t asked;                    /* bit i: extra key i of the block was looked up */
};

/* No I/O; the loop, log and config must outlive the host. */
void sqt_host_init(struct sqt_host *h, uv_loop_t *loop, sqt_log *log, const sqt_config *cfg,
                   const char *plugin_name);
/* Asynchronously stop host-side network state; cb runs once on the loop. */
void sqt_host_close(struct sqt_host *h, void (*cb)(void *ud), void *ud);

const sqt_host_api *sqt_host_services(void);

/* Handle now what the plugin's market-data connections (SQT_WS_MARKET_DATA) read in this
 * loop turn: their messages wait until the poll phase's other callbacks ran (an order
 * push first). The app calls it first thing in its turn-end check, so the turn's price
 * is in before it is delivered; without the call a check of the connection's own does
 * it, in an order relative to the app's check that libuv does not promise. */
void sqt_host_run_deferred(struct sqt_host *h);

/* The host's part of the way to an order request run dry (sqt_http_warm): nothing is
 * sent. Nothing before the plugin's first request or once closing. */
void sqt_host_warm(struct sqt_host *h);
/* 1 once the plugin made an HTTP request (the host's HTTP client exists). */
int sqt_host_has_http(const struct sqt_host *h);

/* Warn about keys of the exchange block that the plugin never looked up (call after
 * create(): a typo such as `volatilty` must not pass silently). Returns how many. */
int sqt_host_warn_unused_keys(const struct sqt_host *h);

#endif
