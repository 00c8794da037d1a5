/* Config -> grid parameters: see grid_config.h. */
#include "grid_config.h"

#include <ctype.h>
#include <stdio.h>

void sqt_grid_config_tag(const sqt_config *cfg, char *out, size_t cap)
{
    const char *src = cfg->instance && cfg->instance[0] ? cfg->instance : cfg->symbol;
    size_t n = 0, max = cfg->instance && cfg->instance[0] ? 16 : 10;
    for (; src && *src && n + 1 < cap && n < max; src++)
        if (isalnum((unsigned char)*src))
            out[n++] = *src;
    out[n] = '\0';
    if (n == 0)
        snprintf(out, cap, "sqt");
}

int sqt_grid_config_params(const sqt_config *c, const sqt_symbol_info *info, const char *tag,
                           sqt_grid_params *gp)
{
    int capped = 0;
    sqt_grid_params_init(gp);
    gp->symbol = c->symbol;
    gp->quote_asset = info->quote_asset;
    gp->tick_size = info->tick_size;
    gp->step_size = info->step_size;
    gp->min_qty = info->min_qty;
    gp->min_notional = info->min_notional;
    gp->price_interval = c->price_interval;
    gp->order_quantity = c->order_quantity;
    gp->min_order_value = c->min_order_value;
    gp->buy_window_size = c->buy_window_size;
    gp->sell_window_size = c->sell_window_size;
    gp->order_cleanup_threshold = c->order_cleanup_threshold;
    if (info->max_open_orders > 0 && gp->order_cleanup_threshold > info->max_open_orders) {
        gp->order_cleanup_threshold = info->max_open_orders;
        capped = 1;
    }
    gp->cleanup_batch_size = c->cleanup_batch_size;
    gp->sell_quota_reserve = c->sell_quota_reserve < gp->order_cleanup_threshold
                                 ? c->sell_quota_reserve
                                 : gp->order_cleanup_threshold / 4;
    gp->post_only_max_failures = c->post_only_max_failures;
    gp->cancel_out_of_window_buys = c->cancel_out_of_window_buys;
    gp->out_of_window_slack = c->out_of_window_slack;
    gp->instance_tag = tag;
    gp->client_id_max_len = info->client_id_max_len;
    gp->margin_lock_duration_ms = (int64_t)c->margin_lock_duration_seconds * 1000;
    gp->place_retry_delay_ms = c->order_retry_delay;
    gp->rules_reject_backoff_max_ms = (int64_t)c->rules_reject_backoff_max_seconds * 1000;
    return capped;
}
