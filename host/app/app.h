/* `opensqt run`: the trading host. Owns the libuv loop, wires the loaded exchange
 * plugin to the price monitor, grid engine, order executor and safety modules, and
 * runs the start-up and shutdown sequences of behaviour.md §2. */
#ifndef SQT_APP_H
#define SQT_APP_H

#include "config.h"
#include "log.h"
#include "plugin.h"

typedef struct sqt_app_opts {
    const sqt_config *cfg;
    const sqt_loaded_plugin *plugin;   /* loaded and ABI-checked */
    sqt_log *log;
    double run_for_seconds;            /* > 0: stop (as on SIGTERM) after this long */
    const char *events_path;           /* --events, overrides system.event_log */
} sqt_app_opts;

/* Runs until SIGINT/SIGTERM (or run_for). Returns the process exit status:
 * 0 clean stop, 1 runtime failure, 2 configuration error found at start-up. */
int sqt_app_run(const sqt_app_opts *opts);

#endif
