/* The grid engine's parameters from a loaded config and the exchange's symbol rules,
 * one mapping for the live app and the backtest, so a backtest trades exactly the grid
 * a live run of the same file would. */
#ifndef SQT_GRID_CONFIG_H
#define SQT_GRID_CONFIG_H

#include <stddef.h>

#include "config.h"
#include "core/grid.h"

/* The instance tag of client ids: app.instance, else the symbol's letters and digits
 * (at most 16 / 10), else "sqt". */
void sqt_grid_config_tag(const sqt_config *cfg, char *out, size_t cap);

/* Fill p (sqt_grid_params_init first, then every key the config gives). `tag` must
 * outlive p (it is referenced); id_seed is left to the caller. Returns 1 when
 * order_cleanup_threshold was lowered to the exchange's open-order cap, else 0. */
int sqt_grid_config_params(const sqt_config *cfg, const sqt_symbol_info *info, const char *tag,
                           sqt_grid_params *p);

#endif
