/*
 * test_example: the example plugin's unit test, run by `make check`. It drives the
 * plugin's table through the fake host (<opensqt/fakehost.h>, libopensqt-fakehost):
 * no sockets, a virtual clock, every request and log line kept for the asserts. Copy it
 * with the plugin; a real plugin's test answers the HTTP requests the plugin makes with
 * fake_host_http_reply() and feeds stream messages with fake_host_ws_message().
 */
#include <stdio.h>
#include <string.h>

#include <opensqt/fakehost.h>
#include <opensqt/plugin.h>

const sqt_plugin *sqt_plugin_entry(void);

static int failures;

#define CHECK(cond)                                                                         \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);        \
            failures++;                                                                     \
        }                                                                                   \
    } while (0)

typedef struct seen {
    int calls;
    int code;
    char message[256];
    size_t n;
} seen;

static void on_place(void *ud, int status, const sqt_place_result *results, size_t n)
{
    seen *s = ud;
    (void)status;
    s->calls++;
    s->n = n;
    s->code = n > 0 ? results[0].err.code : 0;
    snprintf(s->message, sizeof(s->message), "%s", n > 0 ? results[0].err.message : "");
}

static void on_done(void *ud, const sqt_error *err)
{
    (void)err;
    (*(int *)ud)++;
}

int main(void)
{
    const sqt_plugin *p = sqt_plugin_entry();
    const sqt_exchange_api *x = p->exchange;
    fake_host *fh = fake_host_new();
    sqt_create_args args;
    sqt_exchange *ex = NULL;
    sqt_error err;
    sqt_order_req req;
    seen s;
    int done = 0;

    CHECK(p->abi_major == SQT_PLUGIN_ABI_MAJOR);
    CHECK(strcmp(p->name, "example") == 0);

    memset(&args, 0, sizeof(args));
    args.struct_size = sizeof(args);
    args.symbol = "ETHUSDT";
    args.exchange_name = "example";

    /* a bad URL is refused at create, with the key named */
    fake_host_set_config(fh, "rest_url", "ftp://nowhere");
    memset(&err, 0, sizeof(err));
    CHECK(x->create(fake_host_api(), fake_host_handle(fh), &args, &ex, &err) == SQT_EINVAL);
    CHECK(strstr(err.message, "exchanges.example.rest_url") != NULL);

    fake_host_set_config(fh, "rest_url", "https://api.example.test");
    CHECK(x->create(fake_host_api(), fake_host_handle(fh), &args, &ex, &err) == SQT_OK);
    CHECK(ex != NULL);
    CHECK(fake_host_log_contains(fh, "rest_url https://api.example.test"));
    if (ex == NULL)
        return 1;

    /* an order is answered later, from the loop, never inside the call */
    memset(&req, 0, sizeof(req));
    req.struct_size = sizeof(req);
    snprintf(req.client_id, sizeof(req.client_id), "t_1");
    req.side = SQT_SIDE_BUY;
    req.tif = SQT_TIF_POST_ONLY;
    req.price = sqt_dec_make(299000, 2);
    req.qty = sqt_dec_make(10, 3);
    memset(&s, 0, sizeof(s));
    CHECK(x->place_orders(ex, &req, 1, on_place, &s) == SQT_OK);
    CHECK(s.calls == 0);
    fake_host_advance(fh, 50);
    CHECK(s.calls == 1 && s.n == 1);
    CHECK(s.code != SQT_OK);
    CHECK(strstr(s.message, "does not trade") != NULL);

    /* shutdown is asynchronous too, then destroy */
    CHECK(x->shutdown(ex, on_done, &done) == SQT_OK);
    fake_host_advance(fh, 50);
    CHECK(done == 1);
    x->destroy(ex);
    CHECK(fake_host_active_timers(fh) == 0);
    CHECK(fake_host_misuse_count(fh) == 0);
    fake_host_free(fh);
    if (failures == 0)
        printf("test_example: ok\n");
    return failures == 0 ? 0 : 1;
}
