/* Fuzz target: the YAML config loader (host/config.c, libyaml) on an arbitrary file.
 * The input is written to a private temporary file (mode 0600) and loaded. Oracles
 * (config.h): a refusal is a non-empty one-line message; an accepted
 * config holds the validated values and its exchange block; the effective config that
 * sqt_config_print() writes loads again and prints the same (print is what operators
 * copy into a new file). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_file.h"

static int write_file(const void *data, size_t size)
{
    return fz_write_file("/tmp/sqt_fuzz_cfg_XXXXXX", data, size);
}

static void quiet_log(sqt_log *log)
{
    sqt_log_init(log);
    log->err = NULL;           /* warnings are expected on every odd input */
    log->color = 0;
}

/* The printed effective config, malloc'ed. */
static char *print_config(const sqt_config *cfg, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (f == NULL)
        abort();
    sqt_config_print(cfg, f);
    if (fclose(f) != 0)
        abort();
    return buf;
}

static void check_loaded(const sqt_config *cfg)
{
    const sqt_exchange_cfg *ex = sqt_config_exchange(cfg);
    sqt_symbol_info info;
    char err[512];
    int ok = 0;
    if (ex == NULL || ex->name == NULL || cfg->symbol == NULL)
        abort();
    if (cfg->price_interval.mant <= 0 || cfg->order_quantity.mant <= 0 ||
        cfg->buy_window_size <= 0 || cfg->sell_window_size <= 0)
        abort();
    if (sqt_dec_cmp(cfg->min_order_value, cfg->order_quantity, &ok) > 0 || !ok)
        abort();
    if (ex->fee_rate.mant < 0)
        abort();
    /* later checks must not trip on whatever was loaded */
    memset(&info, 0, sizeof(info));
    info.struct_size = sizeof(info);
    snprintf(info.symbol, sizeof(info.symbol), "%s", "ETHUSDT");
    info.tick_size = sqt_dec_make(1, 2);
    info.min_notional = sqt_dec_make(5, 0);
    sqt_config_check_symbol(cfg, &info, err, sizeof(err));
    sqt_config_check_credentials(cfg, SQT_EXF_NEEDS_API_KEY | SQT_EXF_NEEDS_PASSPHRASE, err,
                                 sizeof(err));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sqt_config cfg, again;
    sqt_log log;
    char err[512];
    char *p1, *p2;
    size_t n1 = 0, n2 = 0;

    if (write_file(data, size) != 0)
        return 0;
    quiet_log(&log);
    if (sqt_config_load(&cfg, g_path, &log, err, sizeof(err)) != 0) {
        /* (not checked to start with the path: a registered secret may be redacted
         * out of it) */
        if (err[0] == '\0' || strchr(err, '\n') != NULL)
            abort();
        sqt_log_close(&log);
        return 0;
    }
    check_loaded(&cfg);
    p1 = print_config(&cfg, &n1);
    sqt_config_free(&cfg);
    sqt_log_close(&log);

    /* the printed config is itself a valid config with the same content */
    if (write_file(p1, n1) != 0) {
        free(p1);
        return 0;
    }
    quiet_log(&log);
    if (sqt_config_load(&again, g_path, &log, err, sizeof(err)) != 0) {
        fprintf(stderr, "printed config does not load again: %s\n--- printed:\n%s\n", err, p1);
        abort();
    }
    p2 = print_config(&again, &n2);
    if (n1 != n2 || memcmp(p1, p2, n1) != 0) {
        fprintf(stderr, "printed config changes on reload\n--- first:\n%s\n--- second:\n%s\n",
                p1, p2);
        abort();
    }
    free(p1);
    free(p2);
    sqt_config_free(&again);
    sqt_log_close(&log);
    return 0;
}
