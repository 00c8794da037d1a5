/* Fuzz target: the paper exchange's CSV replay (common/pricepath.c) on an
 * arbitrary file, as a klines or aggTrades export would arrive. The input is written to
 * a private temporary file (the parser reads a path), then opened with two tick sizes,
 * replayed to the end without looping and for a bounded number of points with looping.
 * Oracles (pricepath.h): every point is > 0 and on the tick, quantities are >= 0 at the
 * step's scale, time never goes backwards (across loops too), an error names the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pricepath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LOOP_POINTS 512
#define MAX_POINTS 100000

#include "fuzz_file.h"

static int write_input(const void *data, size_t size)
{
    return fz_write_file("/tmp/sqt_fuzz_csv_XXXXXX", data, size);
}

static void check_point(const sqt_price_point *pt, sqt_dec tick, sqt_dec step, int64_t *prev_t,
                        int *have_prev)
{
    if (pt->price.mant <= 0 || pt->price.scale != tick.scale || pt->price.mant % tick.mant != 0)
        abort();
    if (pt->qty.mant < 0 || pt->qty.scale != step.scale)
        abort();
    if (*have_prev && pt->time_ms < *prev_t)
        abort();
    *prev_t = pt->time_ms;
    *have_prev = 1;
}

static void replay(sqt_dec tick, sqt_dec step, int loop)
{
    sqt_pricepath_config cfg;
    sqt_pricepath *p = NULL;
    sqt_price_point pt;
    char err[512];
    int64_t prev_t = 0;
    int have_prev = 0, rc = 1;
    size_t n = 0, limit = loop ? LOOP_POINTS : MAX_POINTS;

    memset(&cfg, 0, sizeof(cfg));
    cfg.model = SQT_PATH_CSV;
    cfg.tick_size = tick;
    cfg.step_size = step;
    cfg.csv_path = g_path;
    cfg.loop = loop;
    if (sqt_pricepath_open(&cfg, &p, err, sizeof(err)) != SQT_OK) {
        /* a refusal says where: "path..." */
        if (p != NULL || strncmp(err, g_path, strlen(g_path)) != 0)
            abort();
        return;
    }
    if (sqt_pricepath_csv_format(p) == SQT_CSV_NONE || sqt_pricepath_csv_points(p) == 0)
        abort();
    while (n < limit && (rc = sqt_pricepath_next(p, &pt, err, sizeof(err))) == 1) {
        check_point(&pt, tick, step, &prev_t, &have_prev);
        n++;
    }
    /* the file was validated whole at open: the replay cannot fail afterwards */
    if (rc < 0)
        abort();
    if (!loop && n != sqt_pricepath_csv_points(p))
        abort();
    sqt_pricepath_close(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (write_input(data, size) != 0)
        return 0;
    replay(sqt_dec_make(1, 2), sqt_dec_make(1, 3), 0);
    replay(sqt_dec_make(1, 2), sqt_dec_make(1, 3), 1);
    replay(sqt_dec_make(5, 1), sqt_dec_make(1, 0), 1);
    return 0;
}
