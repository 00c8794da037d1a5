/* Host services table: timers on the loop (one-shot released after firing, repeating
 * until stopped), secrets only through secret(), config lookups, the unused-key warning. */
#include <string.h>
#include <uv.h>

#include "services.h"
#include "sqt_test.h"

static int warned;
static char last_line[512];

static void sink(void *ud, int level, const char *line)
{
    (void)ud;
    if (level == SQT_LV_WARN) {
        warned++;
        snprintf(last_line, sizeof last_line, "%s", line);
    }
}

static int fired_once, fired_repeat;
static sqt_timer *rep;
static struct sqt_host host;

static void once_cb(void *ud)
{
    (void)ud;
    fired_once++;
}

static void repeat_cb(void *ud)
{
    (void)ud;
    if (++fired_repeat == 3)
        sqt_host_services()->timer_stop(&host, rep);
}

static void test_timers(void)
{
    uv_loop_t loop;
    sqt_log log;
    const sqt_host_api *api = sqt_host_services();
    sqt_timer *t = NULL, *never = NULL;
    memset(&log, 0, sizeof log);
    log.level = SQT_LV_FATAL + 1;
    uv_loop_init(&loop);
    sqt_host_init(&host, &loop, &log, NULL, "test");
    SQT_ASSERT_INT_EQ(api->timer_start(&host, 5, 0, once_cb, NULL, &t), SQT_OK);
    SQT_ASSERT_INT_EQ(api->timer_start(&host, 1, 2, repeat_cb, NULL, &rep), SQT_OK);
    SQT_ASSERT_INT_EQ(api->timer_start(&host, 100000, 0, once_cb, NULL, &never), SQT_OK);
    api->timer_stop(&host, never); /* stopped before it fires: never runs */
    SQT_ASSERT_INT_EQ(api->timer_start(&host, 1, 0, NULL, NULL, NULL), SQT_EINVAL);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(fired_once, 1);
    SQT_ASSERT_INT_EQ(fired_repeat, 3);
    /* every handle released: the one-shot after its callback, the others when stopped */
    SQT_ASSERT_INT_EQ(host.live_timers, 0);
    SQT_ASSERT_INT_EQ(uv_loop_close(&loop), 0);
}

static void test_secrets_and_config(void)
{
    sqt_config cfg;
    sqt_exchange_cfg x;
    sqt_cfg_kv kv[3];
    sqt_log log;
    char buf[64];
    const sqt_host_api *api = sqt_host_services();
    memset(&cfg, 0, sizeof cfg);
    memset(&x, 0, sizeof x);
    memset(&log, 0, sizeof log);
    log.level = SQT_LV_DEBUG;
    log.sink = sink;
    x.name = "demo";
    x.api_key = "KEY-1234";
    x.secret_key = "SECRET-5678";
    kv[0].key = "rest_url";
    kv[0].value = "http://127.0.0.1:1";
    kv[0].line = 7;
    kv[1].key = "volatilty";
    kv[1].value = "0.1";
    kv[1].line = 8;
    kv[2].key = "ca_file";
    kv[2].value = "/x.pem";
    kv[2].line = 9;
    x.extra = kv;
    x.n_extra = 3;
    cfg.path = "cfg.yaml";
    cfg.current_exchange = "demo";
    cfg.exchanges = &x;
    cfg.n_exchanges = 1;
    sqt_host_init(&host, NULL, &log, &cfg, "demo");

    SQT_ASSERT_INT_EQ(api->secret(&host, "api_key", buf, sizeof buf), 8);
    SQT_ASSERT_STR_EQ(buf, "KEY-1234");
    SQT_ASSERT_INT_EQ(api->secret(&host, "passphrase", buf, sizeof buf), SQT_ENOENT);
    SQT_ASSERT_INT_EQ(api->secret(&host, "secret_key", buf, 4), SQT_ERANGE);
    /* secrets never come out of config() */
    SQT_ASSERT_INT_EQ(api->config(&host, "secret_key", buf, sizeof buf), SQT_ENOENT);
    SQT_ASSERT_INT_EQ(api->config(&host, "rest_url", buf, sizeof buf), 18);
    SQT_ASSERT_STR_EQ(buf, "http://127.0.0.1:1");
    SQT_ASSERT_INT_EQ(api->config(&host, "nope", buf, sizeof buf), SQT_ENOENT);

    warned = 0;
    SQT_ASSERT_INT_EQ(sqt_host_warn_unused_keys(&host), 1);
    SQT_ASSERT_INT_EQ(warned, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(last_line, "cfg.yaml:8: exchanges.demo.volatilty"));
}

int main(void)
{
    static const sqt_test_case cases[] = {{"timers", test_timers},
                                          {"secrets and config", test_secrets_and_config},
                                          {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("services", cases);
    return sqt_test_run();
}
