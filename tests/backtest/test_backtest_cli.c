/* `opensqt backtest` end to end: the built binary on a config and CSV files in a temp
 * directory: summary, identical outputs of two runs, file:line errors, sweeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sqt_test.h"

static char dir[256];

static const char *CONFIG = "app:\n  current_exchange: binance\n"
                            "exchanges:\n  binance:\n    fee_rate: 0.0002\n"
                            "    tick_size: 0.01\n    step_size: 0.001\n    min_notional: 5\n"
                            "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
                            "  min_order_value: 20\n  buy_window_size: 10\n"
                            "risk_control:\n  enabled: false\n";

static int write_file(const char *name, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "w")) == NULL)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf;
    long n;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "rb")) == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

/* Run the binary with args (in dir); stdout/stderr to out.txt/err.txt. Exit status. */
static int opensqt(const char *args)
{
    char cmd[2048];
    const char *bin = getenv("SQT_BIN");
    int st;
    CU_ASSERT_FATAL(bin != NULL);
    snprintf(cmd, sizeof(cmd), "cd %s && %s backtest %s >out.txt 2>err.txt", dir, bin, args);
    st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int file_has(const char *name, const char *what)
{
    char *s = slurp(name, NULL);
    int ok = s != NULL && strstr(s, what) != NULL;
    if (!ok)
        fprintf(stderr, "    %s lacks \"%s\": %.400s\n", name, what, s ? s : "(none)");
    free(s);
    return ok;
}

static int make_data(void)
{
    FILE *f;
    char path[512];
    long p = 300000, t = 1704067200000L;
    unsigned x = 12345;
    int i;
    snprintf(path, sizeof(path), "%s/walk.csv", dir);
    if ((f = fopen(path, "w")) == NULL)
        return -1;
    for (i = 0; i < 50000; i++) {
        x = x * 1103515245u + 12345u;
        p += (long)((x >> 16) % 41) - 20;
        t += (long)((x >> 8) % 200);
        fprintf(f, "%d,%ld.%02ld,0.%03u,%d,%d,%ld,false\n", i + 1, p / 100, p % 100, (x >> 4) % 999 + 1,
                i, i, t);
    }
    return fclose(f);
}

static int same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    int ok = x && y && la == lb && la > 0 && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return ok;
}

static void test_summary_and_outputs(void)
{
    SQT_ASSERT_INT_EQ(opensqt("-c cfg.yaml --data walk.csv --json --out o1"), 0);
    CU_ASSERT(file_has("out.txt", "\"round_trips\""));
    CU_ASSERT(file_has("out.txt", "\"orders_per_min_limit\": 1200")); /* binance's */
    SQT_ASSERT_INT_EQ(opensqt("-c cfg.yaml --data walk.csv --out o2"), 0);
    CU_ASSERT(file_has("out.txt", "round trips"));
    CU_ASSERT(file_has("o1/chart.html", "<svg"));
    CU_ASSERT(file_has("o1/chart.html", "class=\"buy\""));  /* fills */
    CU_ASSERT(file_has("o1/chart.html", "class=\"sell\""));
    CU_ASSERT(file_has("o1/chart.html", "class=\"gl\""));   /* grid levels */
    CU_ASSERT(file_has("o1/chart.html", "class=\"eq\""));   /* equity */
    CU_ASSERT(file_has("o1/summary.txt", "binance 1200 orders/min"));
    CU_ASSERT(file_has("o1/events.jsonl", "\"event\":\"round_trip\""));
    CU_ASSERT(same_file("o1/events.jsonl", "o2/events.jsonl"));
    CU_ASSERT(same_file("o1/chart.html", "o2/chart.html"));
    CU_ASSERT(same_file("o1/summary.json", "o2/summary.json"));
    CU_ASSERT(same_file("o1/summary.txt", "o2/summary.txt"));
    /* a time window: fewer trades */
    SQT_ASSERT_INT_EQ(opensqt("-c cfg.yaml --data walk.csv --from 1704067200000 --to 2024-01-01T00:30 --json"), 0);
    CU_ASSERT(file_has("out.txt", "\"to\": \"2024-01-01T00:29:"));
}

static void test_bad_data(void)
{
    CU_ASSERT(write_file("bad.csv", "1,2281.50,0.5,1,1,1704067200012,false\n2,2281.5,0.5,2,2,1704067200013,false\n"
                          "3,22x1.5,0.5,3,3,1704067200014,false\n") == 0);
    SQT_ASSERT_INT_EQ(opensqt("-c cfg.yaml --data bad.csv"), 2);
    CU_ASSERT(file_has("err.txt", "bad.csv:3: price \"22x1.5\" is not a decimal number"));
    SQT_ASSERT_INT_EQ(opensqt("-c cfg.yaml --data nowhere.csv"), 2);
    CU_ASSERT(file_has("err.txt", "nowhere.csv"));
    SQT_ASSERT_INT_EQ(opensqt("-c cfg.yaml"), 2);
    CU_ASSERT(file_has("err.txt", "--data"));
    SQT_ASSERT_INT_EQ(opensqt("-c cfg.yaml --data walk.csv --from yesterday"), 2);
    SQT_ASSERT_INT_EQ(opensqt("-c cfg.yaml --data walk.csv --tick 0.03"), 2); /* 2 is not a multiple */
}

static void test_sweep(void)
{
    SQT_ASSERT_INT_EQ(opensqt("-c cfg.yaml --data walk.csv --sweep price_interval=1,2,4 "
                              "--sweep order_quantity=30,50 --jobs 2 --rank round_trips"),
                      0);
    CU_ASSERT(file_has("out.txt", "sweep: 6 runs ranked by round_trips"));
    CU_ASSERT(file_has("out.txt", "   6    "));
    SQT_ASSERT_INT_EQ(opensqt("-c cfg.yaml --data walk.csv --sweep colour=1,2"), 2);
    CU_ASSERT(file_has("out.txt", "unknown key"));
    SQT_ASSERT_INT_EQ(opensqt("-c cfg.yaml --data walk.csv --sweep price_interval"), 2);
}

int main(void)
{
    static const sqt_test_case cases[] = {{"summary, outputs identical twice", test_summary_and_outputs},
                                          {"bad data and usage", test_bad_data},
                                          {"sweep in parallel processes", test_sweep},
                                          {NULL, NULL}};
    int rc;
    snprintf(dir, sizeof(dir), "/tmp/sqt_bt_cli_XXXXXX");
    if (mkdtemp(dir) == NULL)
        return EXIT_FAILURE;
    if (write_file("cfg.yaml", CONFIG) != 0 || make_data() != 0)
        return EXIT_FAILURE;
    SQT_TEST_INIT();
    sqt_test_suite("backtest_cli", cases);
    rc = sqt_test_run();
    {
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return rc;
}
