/* The status line a trader reads (host/app/status.c): its figures (average entry,
 * unrealized PnL, exact and rounded), its width, the buy-window lines; and the NOTICE
 * level it is logged at, which a WARN console still shows. */
#include <stdio.h>
#include <string.h>

#include "app_internal.h"
#include "log.h"
#include "sqt_test.h"

static sqt_dec D(const char *s)
{
    sqt_dec d;
    CU_ASSERT_FATAL(sqt_dec_parse(s, strlen(s), &d) == SQT_OK);
    return d;
}

static const char *S(sqt_dec d, char *buf)
{
    return sqt_dec_format(d, buf, 48) >= 0 ? buf : "?";
}

static sqt_grid_slot_info slot(const char *price, const char *qty)
{
    sqt_grid_slot_info s;
    memset(&s, 0, sizeof(s));
    s.price = D(price);
    s.qty = D(qty);
    return s;
}

static void test_money(void)
{
    sqt_grid_slot_info h[3];
    sqt_dec avg, upnl;
    char b1[48], b2[48];
    /* 0.010 @ 2998.00 and 0.010 @ 2996.00: average 2997.00; at 3001.50: +0.090 */
    h[0] = slot("2998.00", "0.010");
    h[1] = slot("2996.00", "0.010");
    SQT_ASSERT_INT_EQ(app_status_money(h, 2, D("3001.50"), &avg, &upnl), SQT_OK);
    CU_ASSERT_STRING_EQUAL(S(avg, b1), "2997.00");
    CU_ASSERT_STRING_EQUAL(S(upnl, b2), "0.09000");
    /* uneven: 0.003 @ 2998.00 + 0.010 @ 2990.00 = 38894/0.013 = 2991.846.. -> 2991.85;
     * marked at 2980.00: 38.740 - 38.894 = -0.154 */
    h[0] = slot("2998.00", "0.003");
    h[1] = slot("2990.00", "0.010");
    SQT_ASSERT_INT_EQ(app_status_money(h, 2, D("2980.00"), &avg, &upnl), SQT_OK);
    CU_ASSERT_STRING_EQUAL(S(avg, b1), "2991.85");
    CU_ASSERT_STRING_EQUAL(S(upnl, b2), "-0.15400");
    /* mixed scales are brought to one */
    h[0] = slot("2998.5", "0.01");
    h[1] = slot("2996.25", "0.020");
    h[2] = slot("3000", "0.001");
    SQT_ASSERT_INT_EQ(app_status_money(h, 3, D("2999.00"), &avg, &upnl), SQT_OK);
    /* cost 29.985 + 59.925 + 3.000 = 92.910 for 0.031: 2997.096.. -> 2997.10 */
    CU_ASSERT_STRING_EQUAL(S(avg, b1), "2997.10");
    CU_ASSERT_STRING_EQUAL(S(upnl, b2), "0.05900");
    /* flat: zeros; no price yet: the average but no unrealized */
    SQT_ASSERT_INT_EQ(app_status_money(h, 0, D("2999.00"), &avg, &upnl), SQT_OK);
    CU_ASSERT_EQUAL(avg.mant, 0);
    CU_ASSERT_EQUAL(upnl.mant, 0);
    h[0] = slot("2998.00", "0.010");
    SQT_ASSERT_INT_EQ(app_status_money(h, 1, sqt_dec_make(0, 0), &avg, &upnl), SQT_OK);
    CU_ASSERT_STRING_EQUAL(S(avg, b1), "2998.00");
    CU_ASSERT_EQUAL(upnl.mant, 0);
    /* a scale beyond what a decimal holds is refused, not misread */
    h[0].qty = sqt_dec_make(1, 19);
    SQT_ASSERT_INT_EQ(app_status_money(h, 1, D("1"), &avg, &upnl), SQT_ERANGE);
}

static app_status_view view(void)
{
    app_status_view v;
    memset(&v, 0, sizeof(v));
    v.price = D("3001.57");
    v.position = D("0.040");
    v.avg_entry = D("2997.00");
    v.realized = D("1.23456789");
    v.unrealized = D("-0.4550");
    v.equity = D("10001.775");
    v.have_equity = 1;
    v.buys = 10;
    v.sells = 4;
    v.fills_per_min = 1.25;
    v.uptime_s = 3 * 3600 + 12 * 60 + 5;
    return v;
}

static void test_line(void)
{
    app_status_view v = view();
    char line[400];
    int n = app_status_format(&v, line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "status: 3001.57 pos 0.040@2997.00 pnl 1.23/-0.46 eq 10002 10b/4s 1.2f/m "
                                 "up 3h12m");
    SQT_ASSERT_INT_EQ(n, (int)strlen(line));
    /* the final line, flat, no equity known, paused: still readable */
    v.final = 1;
    v.position = sqt_dec_make(0, 3);
    v.have_equity = 0;
    v.risk_paused = 1;
    v.margin_locked = 1;
    v.uptime_s = 59;
    app_status_format(&v, line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "final status: 3001.57 pos 0.000 pnl 1.23/-0.46 eq ? 10b/4s 1.2f/m "
                                 "up 0m59s PAUSED MLOCK");
    v.uptime_s = 2 * 86400 + 5 * 3600;
    v.unrealized = D("0.005");  /* rounds half away from zero: +0.01 */
    v.equity = D("9999.994");   /* cents below 10000 */
    v.have_equity = 1;
    app_status_format(&v, line, sizeof(line));
    CU_ASSERT_PTR_NOT_NULL(strstr(line, "up 2d05h"));
    CU_ASSERT_PTR_NOT_NULL(strstr(line, "pnl 1.23/+0.01 eq 9999.99 "));
}

/* Within 100 columns at the sizes a BTC grid reaches: the final line, and a line with
 * a flag. */
static void test_width(void)
{
    app_status_view v = view();
    char line[400];
    v.final = 1;
    v.price = D("104250.10");
    v.position = D("0.125");
    v.avg_entry = D("103990.55");
    v.realized = D("-1234.56");
    v.unrealized = D("32.44375");
    v.equity = D("123456.78");
    v.buys = 20;
    v.sells = 20;
    v.fills_per_min = 12.5;
    v.uptime_s = 30 * 86400;
    app_status_format(&v, line, sizeof(line));
    if (strlen(line) > 100)
        fprintf(stderr, "    %zu columns: %s\n", strlen(line), line);
    CU_ASSERT(strlen(line) <= 100);
    CU_ASSERT_PTR_NOT_NULL(strstr(line, "pnl -1234.56/+32.44 eq 123457 "));
    v.final = 0;
    v.risk_paused = 1;
    app_status_format(&v, line, sizeof(line));
    if (strlen(line) > 100)
        fprintf(stderr, "    %zu columns: %s\n", strlen(line), line);
    CU_ASSERT(strlen(line) <= 100);
    /* a small buffer is never overrun and says how long the line would be */
    CU_ASSERT(app_status_format(&v, line, 10) > 10);
    CU_ASSERT(strlen(line) == 9);
}

static void test_window_line(void)
{
    sqt_grid_slot_info s = slot("2998.00", "0");
    char line[300];
    app_window_line(&s, line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "  level 2998.00: free");
    s.order_state = SQT_GRID_ORD_CONFIRMED;
    s.side = SQT_SIDE_BUY;
    s.order_price = D("2998.00");
    snprintf(s.client_id, sizeof(s.client_id), "ex-B6fbs-1");
    app_window_line(&s, line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "  level 2998.00: BUY open @ 2998.00 ex-B6fbs-1");
    s.qty = D("0.010");
    s.side = SQT_SIDE_SELL;
    s.order_state = SQT_GRID_ORD_PENDING;
    s.order_price = D("3000.00");
    app_window_line(&s, line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "  level 2998.00: SELL pending @ 3000.00 ex-B6fbs-1, holding 0.010");
    s.order_state = SQT_GRID_ORD_NONE;
    app_window_line(&s, line, sizeof(line));
    CU_ASSERT_STRING_EQUAL(line, "  level 2998.00: holding 0.010");
}

typedef struct seen {
    int n;
    int level[8];
} seen;

static void sink(void *ud, int level, const char *line)
{
    seen *s = ud;
    (void)line;
    if (s->n < 8)
        s->level[s->n++] = level;
}

/* NOTICE between INFO and WARN: hidden at ERROR, shown at WARN, NOTICE, INFO. */
static void test_notice_level(void)
{
    static const struct {
        int level;
        int want_info, want_notice, want_warn;
    } rows[] = {{SQT_LV_DEBUG, 1, 1, 1}, {SQT_LV_INFO, 1, 1, 1}, {SQT_LV_NOTICE, 0, 1, 1},
                {SQT_LV_WARN, 0, 1, 1},  {SQT_LV_ERROR, 0, 0, 0}};
    size_t i;
    SQT_ASSERT_INT_EQ(sqt_log_level_parse("notice"), SQT_LV_NOTICE);
    CU_ASSERT_STRING_EQUAL(sqt_log_level_name(SQT_LV_NOTICE), "NOTICE");
    CU_ASSERT(SQT_LV_INFO < SQT_LV_NOTICE && SQT_LV_NOTICE < SQT_LV_WARN);
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sqt_log log;
        seen s;
        memset(&s, 0, sizeof(s));
        sqt_log_init(&log);
        log.err = NULL;
        log.sink = sink;
        log.sink_ud = &s;
        log.level = rows[i].level;
        sqt_logf(&log, SQT_LV_INFO, "info");
        sqt_logf(&log, SQT_LV_NOTICE, "notice");
        sqt_logf(&log, SQT_LV_WARN, "warn");
        SQT_ASSERT_INT_EQ(s.n, rows[i].want_info + rows[i].want_notice + rows[i].want_warn);
        SQT_ASSERT_INT_EQ(sqt_log_wants(&log, SQT_LV_NOTICE), rows[i].want_notice);
        sqt_log_close(&log);
    }
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"average entry and unrealized pnl, exact", test_money},
        {"the status line", test_line},
        {"the status line fits 100 columns", test_width},
        {"buy-window lines", test_window_line},
        {"NOTICE: shown at WARN, hidden at ERROR", test_notice_level},
        {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("app_status", cases);
    return sqt_test_run();
}
