/* WebSocket client (host/net/ws.c) against the loopback test server. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/ws.h"
#include "net_test.h"
#include "server.h"
#include "sqt_test.h"

#define BIG (1u << 20)

/* What the server side does for a test. */
typedef struct srv_plan {
    int upgrade_mode;          /* sqt_srv_upgrade for every upgrade */
    int echo;                  /* echo text/binary messages */
    int ping_on_open;          /* send a ping "abc" when opened */
    int big_on_open;           /* send BIG bytes in 4 KiB fragments on the first open */
    int oversize_first;        /* first open: send 5000 bytes; later opens: "small" */
    int drop_first;            /* first open: RST */
    int close_first;           /* first open: close frame 1001 */
    int close_on_open;         /* every open: close frame 1000 (close race) */
    int stall_on_open;         /* first open: stop reading and writing */
    int trickle;               /* byte-by-byte output from accept on */
    int ping_per_msg;          /* ping on every received data message */
    int greet;                 /* send "hello-N" three times on open */
    int masked_first;          /* first open: a masked frame (servers must not mask) */
    int fin_first;             /* first open: FIN (TLS: close_notify) after the greeting */
} srv_plan;

typedef struct fx {
    uv_loop_t loop;
    sqt_srv *srv;
    int port;
    int srv_done;
    srv_plan plan;
    sqt_srv_conn *last;        /* most recent WebSocket connection */
    int srv_opens, srv_upgrades;
    int srv_pings, srv_pongs, srv_texts, srv_app_pings, srv_msgs;
    unsigned srv_close_code;
    char srv_pong_payload[16];
    uint64_t upgrade_at[16];
    size_t srv_bytes;

    /* client side */
    sqt_ws *ws;
    int opens, downs, closed, msgs;
    int msgs_at_down;          /* msgs when the first on_down ran */
    int down_codes[16];
    char down_msg[16][256];
    char last_msg[64];
    size_t last_len;
    int last_binary;
    int big_ok;
    int close_in_open, close_in_down, close_in_msg, send_in_open;
    int sends_in_open;         /* messages to send in on_open */
    size_t send_size;
    int send_errors;
} fx;

/* ------------------------------------------------------------------ server side */

static int s_upgrade(void *ud, sqt_srv_conn *c, const sqt_srv_request *req)
{
    fx *f = ud;
    (void)req;
    if (f->srv_upgrades < 16)
        f->upgrade_at[f->srv_upgrades] = uv_now(&f->loop);
    f->srv_upgrades++;
    if (f->plan.trickle)
        sqt_srv_conn_trickle(c, 1);
    return f->plan.upgrade_mode;
}

static void s_open(void *ud, sqt_srv_conn *c)
{
    fx *f = ud;
    int first = f->srv_opens == 0;
    f->srv_opens++;
    f->last = c;
    if (f->plan.ping_on_open)
        sqt_srv_ws_ping(c, "abc", 3);
    if (f->plan.big_on_open && first) {
        char *b = malloc(BIG);
        size_t i;
        for (i = 0; i < BIG; i++)
            b[i] = (char)(i * 7 + 3);
        sqt_srv_ws_send_fragmented(c, SQT_SRV_OP_BINARY, b, BIG, 4096);
        free(b);
    }
    if (f->plan.oversize_first) {
        if (first) {
            char b[5000];
            memset(b, 'o', sizeof(b));
            sqt_srv_ws_send(c, SQT_SRV_OP_TEXT, b, sizeof(b));
        } else {
            sqt_srv_ws_send(c, SQT_SRV_OP_TEXT, "small", 5);
        }
    }
    if (f->plan.greet) {
        int i;
        for (i = 0; i < 3; i++) {
            char m[32];
            snprintf(m, sizeof(m), "hello-%d", i);
            sqt_srv_ws_send(c, SQT_SRV_OP_TEXT, m, strlen(m));
        }
    }
    if (first && f->plan.masked_first) {
        static const char frame[] = {(char)0x81, (char)0x85, 1, 2, 3, 4, 'h' ^ 1, 'e' ^ 2,
                                     'l' ^ 3, 'l' ^ 4, 'o' ^ 1};
        sqt_srv_conn_write_raw(c, frame, sizeof(frame));
    }
    if (first && f->plan.fin_first)
        sqt_srv_conn_close(c);
    else if (first && f->plan.drop_first)
        sqt_srv_conn_drop(c);
    else if (first && f->plan.close_first)
        sqt_srv_ws_close(c, 1001, "going away");
    else if (first && f->plan.stall_on_open)
        sqt_srv_conn_stall(c, 1);
    else if (f->plan.close_on_open)
        sqt_srv_ws_close(c, 1000, "bye");
}

static void s_message(void *ud, sqt_srv_conn *c, int op, const char *d, size_t n)
{
    fx *f = ud;
    switch (op) {
    case SQT_SRV_OP_PING:
        f->srv_pings++;
        break;
    case SQT_SRV_OP_PONG:
        f->srv_pongs++;
        snprintf(f->srv_pong_payload, sizeof(f->srv_pong_payload), "%.*s", (int)(n < 15 ? n : 15), d);
        break;
    case SQT_SRV_OP_CLOSE:
        f->srv_close_code = sqt_srv_conn_close_code(c);
        break;
    default:
        f->srv_msgs++;
        f->srv_bytes += n;
        if (op == SQT_SRV_OP_TEXT)
            f->srv_texts++;
        if (op == SQT_SRV_OP_TEXT && n == 4 && memcmp(d, "ping", 4) == 0)
            f->srv_app_pings++;
        if (f->plan.ping_per_msg)
            sqt_srv_ws_ping(c, "p", 1);
        if (f->plan.echo)
            sqt_srv_ws_send(c, op, d, n);
        break;
    }
}

static void s_closed(void *ud, sqt_srv_conn *c)
{
    fx *f = ud;
    if (f->last == c)
        f->last = NULL;
}

static void srv_done(void *ud)
{
    ((fx *)ud)->srv_done = 1;
}

static void fx_start_tls(fx *f, const srv_plan *plan, const char *cert, const char *key)
{
    sqt_srv_opts o;
    memset(f, 0, sizeof(*f));
    if (plan)
        f->plan = *plan;
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&f->loop), 0);
    memset(&o, 0, sizeof(o));
    o.handlers.on_upgrade = s_upgrade;
    o.handlers.on_ws_open = s_open;
    o.handlers.on_ws_message = s_message;
    o.handlers.on_conn_closed = s_closed;
    o.ud = f;
    o.cert_file = cert;
    o.key_file = key;
    CU_ASSERT_EQUAL_FATAL(sqt_srv_start(&f->loop, &o, &f->srv), 0);
    f->port = sqt_srv_port(f->srv);
}

static void fx_start(fx *f, const srv_plan *plan)
{
    fx_start_tls(f, plan, NULL, NULL);
}

/* Close the client (if still open) and the server; the loop must end clean. */
static void fx_finish(fx *f)
{
    if (f->ws != NULL && !f->closed)
        sqt_ws_close(f->ws);
    NET_RUN_UNTIL(&f->loop, f->ws == NULL || f->closed, 5000);
    CU_ASSERT_TRUE(f->ws == NULL || f->closed == 1);
    sqt_srv_close(f->srv, srv_done, f);
    NET_RUN_UNTIL(&f->loop, f->srv_done, 3000);
    CU_ASSERT_TRUE(f->srv_done);
    SQT_ASSERT_INT_EQ(net_loop_finish(&f->loop, 3000), 0);
}

/* ------------------------------------------------------------------ client side */

static void c_open(void *ud, sqt_ws *ws)
{
    fx *f = ud;
    int i;
    f->opens++;
    CU_ASSERT_TRUE(sqt_ws_is_open(ws));
    if (f->send_in_open)
        SQT_ASSERT_INT_EQ(sqt_ws_send(ws, "hello", 5, 0), 0);
    for (i = 0; i < f->sends_in_open; i++) {
        char *b = malloc(f->send_size);
        memset(b, 'a' + i % 26, f->send_size);
        if (sqt_ws_send(ws, b, f->send_size, 1) != 0)
            f->send_errors++;
        free(b);
    }
    if (f->close_in_open)
        SQT_ASSERT_INT_EQ(sqt_ws_close(ws), 0);
}

static void c_message(void *ud, sqt_ws *ws, const char *d, size_t n, int bin)
{
    fx *f = ud;
    (void)ws;
    f->msgs++;
    f->last_len = n;
    f->last_binary = bin;
    snprintf(f->last_msg, sizeof(f->last_msg), "%.*s", (int)(n < 63 ? n : 63), d);
    if (n == BIG) {
        size_t i;
        f->big_ok = 1;
        for (i = 0; i < n; i++)
            if (d[i] != (char)(i * 7 + 3)) {
                f->big_ok = 0;
                break;
            }
    }
    if (f->close_in_msg)
        sqt_ws_close(ws);
}

static void c_down(void *ud, sqt_ws *ws, const sqt_error *why)
{
    fx *f = ud;
    CU_ASSERT_FALSE(sqt_ws_is_open(ws));
    if (getenv("SQT_TEST_VERBOSE"))
        fprintf(stderr, "    on_down: %s: %s\n", sqt_strerror(why->code), why->message);
    if (f->downs == 0)
        f->msgs_at_down = f->msgs;
    if (f->downs < 16) {
        f->down_codes[f->downs] = why->code;
        snprintf(f->down_msg[f->downs], sizeof(f->down_msg[0]), "%s", why->message);
    }
    f->downs++;
    if (f->close_in_down)
        SQT_ASSERT_INT_EQ(sqt_ws_close(ws), 0);
}

static void c_closed(void *ud, sqt_ws *ws)
{
    fx *f = ud;
    CU_ASSERT_PTR_EQUAL(ws, f->ws);
    f->closed++;
}

static const sqt_ws_callbacks client_cbs = {
    sizeof(sqt_ws_callbacks), c_open, c_message, c_down, c_closed,
};

static sqt_ws_options opts_for(const char *url)
{
    sqt_ws_options o;
    memset(&o, 0, sizeof(o));
    o.struct_size = sizeof(o);
    o.url = url;
    return o;
}

static sqt_ws_net_opts fast_net(void)
{
    sqt_ws_net_opts n;
    memset(&n, 0, sizeof(n));
    n.reconnect_base_ms = 20;
    n.reconnect_cap_ms = 200;
    n.connect_timeout_ms = 2000;
    n.handshake_timeout_ms = 2000;
    n.close_timeout_ms = 1000;
    return n;
}

static void open_client(fx *f, const sqt_ws_net_opts *net, const sqt_ws_options *o)
{
    int err = 1;
    f->ws = sqt_ws_open(&f->loop, net, o, &client_cbs, f, &err);
    SQT_ASSERT_INT_EQ(err, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->ws);
}

static void local_url(char *buf, size_t cap, const char *scheme, const char *host, int port)
{
    snprintf(buf, cap, "%s://%s:%d/ws/stream?x=1", scheme, host, port);
}

/* ------------------------------------------------------------------ tests */

/* An echo server, and a client on plain ws:// that sends "hello" once open. */
static void open_echo(fx *f)
{
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.echo = 1;
    fx_start(f, &p);
    f->send_in_open = 1;
    local_url(url, sizeof(url), "ws", "127.0.0.1", f->port);
    o = opts_for(url);
    open_client(f, &n, &o);
}

static void test_echo(void)
{
    fx f;
    sqt_ws_stats st;
    open_echo(&f);
    SQT_ASSERT_INT_EQ(f.opens, 0); /* nothing happens inside sqt_ws_open */
    SQT_ASSERT_INT_EQ(sqt_ws_send(f.ws, "x", 1, 0), SQT_ESTATE);
    NET_RUN_UNTIL(&f.loop, f.msgs >= 1, 3000);
    SQT_ASSERT_INT_EQ(f.opens, 1);
    SQT_ASSERT_STR_EQ(f.last_msg, "hello");
    SQT_ASSERT_INT_EQ(f.last_binary, 0);
    SQT_ASSERT_INT_EQ(sqt_ws_send(f.ws, "bin\0ary", 7, 1), 0);
    NET_RUN_UNTIL(&f.loop, f.msgs >= 2, 3000);
    SQT_ASSERT_INT_EQ(f.last_len, 7);
    SQT_ASSERT_INT_EQ(f.last_binary, 1);
    SQT_ASSERT_INT_EQ(sqt_ws_close(f.ws), 0);
    SQT_ASSERT_INT_EQ(sqt_ws_close(f.ws), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(sqt_ws_send(f.ws, "x", 1, 0), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(f.closed, 0); /* asynchronous */
    sqt_ws_get_stats(f.ws, &st);
    SQT_ASSERT_INT_EQ(st.opens, 1);
    SQT_ASSERT_INT_EQ(st.msgs_in, 2);
    SQT_ASSERT_INT_EQ(st.msgs_out, 2);
    NET_RUN_UNTIL(&f.loop, f.closed, 3000);
    SQT_ASSERT_INT_EQ(f.closed, 1);
    SQT_ASSERT_INT_EQ(f.downs, 0);
    SQT_ASSERT_INT_EQ(f.srv_close_code, 1000); /* a clean close frame */
    SQT_ASSERT_INT_EQ(f.srv_upgrades, 1);
    fx_finish(&f);
}

/* The wake hook runs before a read that comes after the thread's connections read
 * nothing for SQT_WS_WAKE_IDLE_MS or more, and no more once removed. */
static int wake_calls;

static void count_wake(void *ud)
{
    (void)ud;
    wake_calls++;
}

static void idle_done(uv_timer_t *t)
{
    *(int *)t->data = 1;
}

static void timer_closed(uv_handle_t *h)
{
    *(int *)h->data = 1;
}

/* The loop runs for ms with nothing to read (the echo server speaks only when spoken to). */
static void idle_for(uv_loop_t *loop, uint64_t ms)
{
    uv_timer_t t;
    int done = 0, closed = 0;
    uv_timer_init(loop, &t);
    t.data = &done;
    uv_timer_start(&t, idle_done, ms, 0);
    NET_RUN_UNTIL(loop, done, 3000);
    t.data = &closed;
    uv_close((uv_handle_t *)&t, timer_closed);
    NET_RUN_UNTIL(loop, closed, 3000);
}

static void test_wake_hook(void)
{
    fx f;
    int before;
    wake_calls = 0;
    sqt_ws_set_wake_hook(count_wake, NULL);
    open_echo(&f);
    NET_RUN_UNTIL(&f.loop, f.msgs >= 1, 3000);
    CU_ASSERT_TRUE(wake_calls >= 1); /* the thread's first read */
    idle_for(&f.loop, 30);
    before = wake_calls;
    SQT_ASSERT_INT_EQ(sqt_ws_send(f.ws, "again", 5, 0), 0);
    NET_RUN_UNTIL(&f.loop, f.msgs >= 2, 3000);
    SQT_ASSERT_STR_EQ(f.last_msg, "again");
    CU_ASSERT_TRUE(wake_calls >= before + 1); /* 30 ms idle, then a read */
    sqt_ws_set_wake_hook(NULL, NULL);
    idle_for(&f.loop, 30);
    before = wake_calls;
    SQT_ASSERT_INT_EQ(sqt_ws_send(f.ws, "once more", 9, 0), 0);
    NET_RUN_UNTIL(&f.loop, f.msgs >= 3, 3000);
    SQT_ASSERT_INT_EQ(wake_calls, before); /* removed */
    fx_finish(&f);
}

static void test_fragmented_large(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.big_on_open = 1;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    o.max_message_bytes = 2 * BIG;
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.msgs >= 1, 5000);
    SQT_ASSERT_INT_EQ(f.msgs, 1);
    SQT_ASSERT_INT_EQ(f.last_len, BIG);
    SQT_ASSERT_INT_EQ(f.last_binary, 1);
    CU_ASSERT_TRUE(f.big_ok);
    SQT_ASSERT_INT_EQ(f.downs, 0);
    fx_finish(&f);
}

static void test_size_cap(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.oversize_first = 1;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    o.max_message_bytes = 1000;
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.opens >= 2 && f.msgs >= 1, 3000);
    SQT_ASSERT_INT_EQ(f.downs, 1);
    SQT_ASSERT_INT_EQ(f.down_codes[0], SQT_ERANGE);
    SQT_ASSERT_INT_EQ(f.srv_close_code, 1009);
    SQT_ASSERT_INT_EQ(f.opens, 2);
    SQT_ASSERT_INT_EQ(f.msgs, 1); /* the oversized one was never delivered */
    SQT_ASSERT_STR_EQ(f.last_msg, "small");
    fx_finish(&f);
}

static void test_server_ping_answered(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    sqt_ws_stats st;
    p.ping_on_open = 1;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.srv_pongs >= 1, 3000);
    SQT_ASSERT_INT_EQ(f.srv_pongs, 1);
    SQT_ASSERT_STR_EQ(f.srv_pong_payload, "abc");
    sqt_ws_get_stats(f.ws, &st);
    SQT_ASSERT_INT_EQ(st.pings_in, 1);
    SQT_ASSERT_INT_EQ(f.msgs, 0); /* control frames are not messages */
    fx_finish(&f);
}

static void test_keepalives_sent(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    sqt_ws_stats st;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    o.ping_interval_ms = 40;
    o.app_ping_text = "ping";
    o.app_ping_interval_ms = 60;
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.srv_pings >= 3 && f.srv_app_pings >= 2, 3000);
    CU_ASSERT_TRUE(f.srv_pings >= 3);
    CU_ASSERT_TRUE(f.srv_app_pings >= 2);
    sqt_ws_get_stats(f.ws, &st);
    CU_ASSERT_TRUE(st.pongs_in >= 2); /* the server's pongs came back */
    SQT_ASSERT_INT_EQ(f.downs, 0);    /* pongs keep it alive */
    fx_finish(&f);
}

static void test_pong_timeout(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.stall_on_open = 1;       /* first connection goes silent */
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    o.ping_interval_ms = 30;
    n.pong_wait_ms = 120;
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.opens >= 2, 3000);
    SQT_ASSERT_INT_EQ(f.downs, 1);
    SQT_ASSERT_INT_EQ(f.down_codes[0], SQT_ETIMEOUT);
    SQT_ASSERT_INT_EQ(f.opens, 2);
    fx_finish(&f);
}

static void run_bad_handshake(int mode, int expect_code, const char *expect_text)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    sqt_ws_stats st;
    int i;
    p.upgrade_mode = mode;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    n.reconnect_base_ms = 30;
    n.reconnect_cap_ms = 10000;
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.downs >= 5, 4000);
    SQT_ASSERT_INT_EQ(f.opens, 0);
    CU_ASSERT_TRUE(f.downs >= 5);
    for (i = 0; i < 5; i++) {
        SQT_ASSERT_INT_EQ(f.down_codes[i], expect_code);
        if (strstr(f.down_msg[i], expect_text) == NULL)
            fprintf(stderr, "    down message \"%s\" lacks \"%s\"\n", f.down_msg[i], expect_text);
        CU_ASSERT_PTR_NOT_NULL(strstr(f.down_msg[i], expect_text));
    }
    /* backoff: gap k lies in [d/2, d] with d = base * 2^(k-1), so gaps grow */
    for (i = 1; i + 1 < 5; i++) {
        uint64_t g1 = f.upgrade_at[i] - f.upgrade_at[i - 1];
        uint64_t g2 = f.upgrade_at[i + 1] - f.upgrade_at[i];
        CU_ASSERT_TRUE(g2 + 5 >= g1);
    }
    CU_ASSERT_TRUE(f.upgrade_at[4] - f.upgrade_at[3] >= 4 * 30 - 5);
    CU_ASSERT_TRUE(f.upgrade_at[1] - f.upgrade_at[0] <= 30 + 25);
    sqt_ws_get_stats(f.ws, &st);
    SQT_ASSERT_INT_EQ(st.opens, 0);
    SQT_ASSERT_INT_EQ(st.downs, f.downs);
    CU_ASSERT_TRUE(st.attempts >= st.downs);
    fx_finish(&f);
}

static void test_bad_accept(void)
{
    run_bad_handshake(SQT_SRV_UPGRADE_BAD_ACCEPT, SQT_EPROTO, "Sec-WebSocket-Accept");
}

static void test_non_101(void)
{
    run_bad_handshake(SQT_SRV_UPGRADE_REJECT, SQT_EPROTO, "403");
}

static void test_truncated_response(void)
{
    run_bad_handshake(SQT_SRV_UPGRADE_TRUNCATE, SQT_EPROTO, "closed before");
}

static void test_handshake_timeout(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.upgrade_mode = SQT_SRV_UPGRADE_SILENT;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    n.handshake_timeout_ms = 100;
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.downs >= 2, 3000);
    SQT_ASSERT_INT_EQ(f.down_codes[0], SQT_ETIMEOUT);
    SQT_ASSERT_INT_EQ(f.down_codes[1], SQT_ETIMEOUT);
    SQT_ASSERT_INT_EQ(f.opens, 0);
    fx_finish(&f);
}

static void test_server_drop_reconnects(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.drop_first = 1;
    p.greet = 1;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.opens >= 2 && f.msgs >= 3, 3000);
    SQT_ASSERT_INT_EQ(f.opens, 2);
    SQT_ASSERT_INT_EQ(f.downs, 1);
    SQT_ASSERT_INT_EQ(f.down_codes[0], SQT_ENETWORK);
    SQT_ASSERT_STR_EQ(f.last_msg, "hello-2");
    fx_finish(&f);
}

static void test_server_close_frame_reconnects(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.close_first = 1;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.opens >= 2, 3000);
    SQT_ASSERT_INT_EQ(f.opens, 2);
    SQT_ASSERT_INT_EQ(f.downs, 1);
    SQT_ASSERT_INT_EQ(f.down_codes[0], SQT_ENETWORK);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.down_msg[0], "1001"));
    SQT_ASSERT_INT_EQ(f.srv_close_code, 1001); /* the client answered the close frame */
    fx_finish(&f);
}

static void test_protocol_error(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.masked_first = 1;
    p.greet = 1;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.opens >= 2 && f.msgs >= 6, 3000);
    SQT_ASSERT_INT_EQ(f.downs, 1);
    SQT_ASSERT_INT_EQ(f.down_codes[0], SQT_EPROTO);
    SQT_ASSERT_INT_EQ(f.srv_close_code, 1002);
    SQT_ASSERT_INT_EQ(f.opens, 2);
    SQT_ASSERT_INT_EQ(f.msgs, 6); /* greetings of both connections; the bad frame is not one */
    fx_finish(&f);
}

static void test_stale_watchdog(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    uint64_t t0;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    o.stale_timeout_ms = 150;
    o.ping_interval_ms = 30; /* pongs arrive, but pongs are not messages */
    t0 = uv_now(&f.loop);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.opens >= 2, 3000);
    SQT_ASSERT_INT_EQ(f.opens, 2);
    SQT_ASSERT_INT_EQ(f.downs, 1);
    SQT_ASSERT_INT_EQ(f.down_codes[0], SQT_ETIMEOUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.down_msg[0], "stale"));
    CU_ASSERT_TRUE(uv_now(&f.loop) - t0 >= 150);
    fx_finish(&f);
}

static void test_stale_fed_by_messages(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    int i;
    p.echo = 1;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    o.stale_timeout_ms = 150;
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.opens >= 1, 3000);
    for (i = 0; i < 8; i++) {  /* a message every 50 ms for 400 ms */
        int want = f.msgs + 1;
        SQT_ASSERT_INT_EQ(sqt_ws_send(f.ws, "tick", 4, 0), 0);
        NET_RUN_UNTIL(&f.loop, f.msgs >= want, 1000);
        NET_RUN_UNTIL(&f.loop, 0, 50);
    }
    SQT_ASSERT_INT_EQ(f.downs, 0);
    SQT_ASSERT_INT_EQ(f.opens, 1);
    fx_finish(&f);
}

static void test_close_before_connect(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    SQT_ASSERT_INT_EQ(sqt_ws_close(f.ws), 0);
    NET_RUN_UNTIL(&f.loop, f.closed, 3000);
    NET_RUN_UNTIL(&f.loop, 0, 50);
    SQT_ASSERT_INT_EQ(f.closed, 1);
    SQT_ASSERT_INT_EQ(f.opens, 0);
    SQT_ASSERT_INT_EQ(f.downs, 0);
    fx_finish(&f);
}

static void test_close_during_handshake(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.upgrade_mode = SQT_SRV_UPGRADE_SILENT;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.srv_upgrades >= 1, 3000);
    SQT_ASSERT_INT_EQ(sqt_ws_close(f.ws), 0);
    NET_RUN_UNTIL(&f.loop, f.closed, 3000);
    NET_RUN_UNTIL(&f.loop, 0, 50);
    SQT_ASSERT_INT_EQ(f.closed, 1);
    SQT_ASSERT_INT_EQ(f.opens, 0);
    SQT_ASSERT_INT_EQ(f.downs, 0);
    fx_finish(&f);
}

static void test_close_race_both_sides(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.close_on_open = 1;       /* the server closes as the client does */
    fx_start(&f, &p);
    f.close_in_open = 1;
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.closed, 3000);
    NET_RUN_UNTIL(&f.loop, 0, 50);
    SQT_ASSERT_INT_EQ(f.opens, 1);
    SQT_ASSERT_INT_EQ(f.closed, 1);
    SQT_ASSERT_INT_EQ(f.downs, 0); /* closing: no down, no reconnect */
    SQT_ASSERT_INT_EQ(f.srv_upgrades, 1);
    fx_finish(&f);
}

static void test_close_from_callbacks(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();

    /* inside on_down */
    p.upgrade_mode = SQT_SRV_UPGRADE_REJECT;
    fx_start(&f, &p);
    f.close_in_down = 1;
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.closed, 3000);
    NET_RUN_UNTIL(&f.loop, 0, 80);
    SQT_ASSERT_INT_EQ(f.downs, 1);
    SQT_ASSERT_INT_EQ(f.closed, 1);
    SQT_ASSERT_INT_EQ(f.srv_upgrades, 1); /* no reconnect after close */
    fx_finish(&f);

    /* inside on_message, with more messages behind it */
    memset(&p, 0, sizeof(p));
    p.greet = 1;
    fx_start(&f, &p);
    f.close_in_msg = 1;
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.closed, 3000);
    SQT_ASSERT_INT_EQ(f.msgs, 1);  /* nothing delivered after close() */
    SQT_ASSERT_INT_EQ(f.closed, 1);
    SQT_ASSERT_INT_EQ(f.downs, 0);
    fx_finish(&f);
}

static void test_trickle(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.trickle = 1;
    p.greet = 1;
    p.echo = 1;
    fx_start(&f, &p);
    f.send_in_open = 1;
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.msgs >= 4, 5000);
    SQT_ASSERT_INT_EQ(f.opens, 1);
    SQT_ASSERT_INT_EQ(f.msgs, 4);
    SQT_ASSERT_STR_EQ(f.last_msg, "hello"); /* greetings first, then our echo */
    SQT_ASSERT_INT_EQ(f.downs, 0);
    fx_finish(&f);
}

static void test_ping_during_sends(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    p.ping_per_msg = 1;
    fx_start(&f, &p);
    f.sends_in_open = 40;
    f.send_size = 20000;
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.srv_msgs >= 40 && f.srv_pongs >= 40, 5000);
    SQT_ASSERT_INT_EQ(f.send_errors, 0);
    SQT_ASSERT_INT_EQ(f.srv_msgs, 40);
    SQT_ASSERT_INT_EQ(f.srv_bytes, 40 * 20000);
    SQT_ASSERT_INT_EQ(f.srv_pongs, 40);
    SQT_ASSERT_INT_EQ(f.downs, 0);
    fx_finish(&f);
}

static void test_send_backpressure(void)
{
    fx f;
    srv_plan p = {0};
    char url[128], *chunk;
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    int sent = 0, full = 0, i;
    p.stall_on_open = 1;
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", f.port);
    o = opts_for(url);
    n.max_send_queue_bytes = 512 * 1024;
    n.pong_wait_ms = 60000;
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.opens >= 1 && f.last != NULL, 3000);
    chunk = malloc(65536);
    memset(chunk, 'q', 65536);
    /* the peer reads nothing: kernel buffers fill, then our bounded queue */
    for (i = 0; i < 2000 && !full; i++) {
        int rc = sqt_ws_send(f.ws, chunk, 65536, 1);
        if (rc == SQT_ERANGE)
            full = 1;
        else if (rc == 0)
            sent++;
        else
            break;
        uv_run(&f.loop, UV_RUN_NOWAIT);
    }
    free(chunk);
    CU_ASSERT_TRUE(full);
    CU_ASSERT_TRUE(sent > 0);
    sqt_srv_conn_stall(f.last, 0); /* everything accepted arrives */
    NET_RUN_UNTIL(&f.loop, f.srv_msgs >= sent, 5000);
    SQT_ASSERT_INT_EQ(f.srv_msgs, sent);
    SQT_ASSERT_INT_EQ(f.downs, 0);
    fx_finish(&f);
}

static void test_refused_retries(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CU_ASSERT_EQUAL_FATAL(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    getsockname(s, (struct sockaddr *)&a, &alen);
    fx_start(&f, &p);
    local_url(url, sizeof(url), "ws", "127.0.0.1", ntohs(a.sin_port));
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.downs >= 3, 3000);
    SQT_ASSERT_INT_EQ(f.down_codes[0], SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(f.down_codes[2], SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(f.opens, 0);
    fx_finish(&f);
    close(s);
}

static void test_invalid_options(void)
{
    uv_loop_t loop;
    sqt_ws_options o;
    sqt_header crlf[1] = {{"X-A", "b\r\nX-Evil: 1"}};
    sqt_header reserved[1] = {{"Sec-WebSocket-Key", "x"}};
    sqt_ws_net_opts n;
    int err = 0;
    uv_loop_init(&loop);
    memset(&n, 0, sizeof(n));
    o = opts_for("http://127.0.0.1:1/x");
    CU_ASSERT_PTR_NULL(sqt_ws_open(&loop, NULL, &o, &client_cbs, NULL, &err));
    SQT_ASSERT_INT_EQ(err, SQT_EINVAL);
    o = opts_for("ws://");
    CU_ASSERT_PTR_NULL(sqt_ws_open(&loop, NULL, &o, &client_cbs, NULL, &err));
    SQT_ASSERT_INT_EQ(err, SQT_EINVAL);
    o = opts_for("ws://127.0.0.1:1/a b");
    CU_ASSERT_PTR_NULL(sqt_ws_open(&loop, NULL, &o, &client_cbs, NULL, &err));
    SQT_ASSERT_INT_EQ(err, SQT_EINVAL);
    o = opts_for("ws://127.0.0.1:1/x");
    o.headers = crlf;
    o.n_headers = 1;
    CU_ASSERT_PTR_NULL(sqt_ws_open(&loop, NULL, &o, &client_cbs, NULL, &err));
    SQT_ASSERT_INT_EQ(err, SQT_EINVAL);
    o.headers = reserved;
    CU_ASSERT_PTR_NULL(sqt_ws_open(&loop, NULL, &o, &client_cbs, NULL, &err));
    SQT_ASSERT_INT_EQ(err, SQT_EINVAL);
    o = opts_for("wss://127.0.0.1:1/x");
    n.extra_ca_file = "/nonexistent/ca.pem";
    CU_ASSERT_PTR_NULL(sqt_ws_open(&loop, &n, &o, &client_cbs, NULL, &err));
    SQT_ASSERT_INT_EQ(err, SQT_ENOENT);
    SQT_ASSERT_INT_EQ(uv_loop_close(&loop), 0);
}

static void test_custom_headers_and_path(void)
{
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    sqt_header h[2] = {{"X-Api-Key", "k-123"}, {"User-Agent", "tester"}};
    p.echo = 1;
    fx_start(&f, &p);
    f.send_in_open = 1;
    snprintf(url, sizeof(url), "ws://localhost:%d/private/ws?listenKey=abc&events=ORDER", f.port);
    o = opts_for(url);
    o.headers = h;
    o.n_headers = 2;
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.msgs >= 1, 3000);
    SQT_ASSERT_INT_EQ(f.opens, 1); /* "localhost" may resolve to ::1 first: next address */
    SQT_ASSERT_STR_EQ(f.last_msg, "hello");
    fx_finish(&f);
}

static void test_wss(void)
{
    net_pki pki;
    fx f;
    srv_plan p = {0};
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    CU_ASSERT_EQUAL_FATAL(net_pki_make(&pki), 0);

    /* trusted through the extra CA; by name and by IP; byte-by-byte TLS records */
    p.echo = 1;
    p.greet = 1;
    p.trickle = 1;
    fx_start_tls(&f, &p, pki.cert, pki.key);
    f.send_in_open = 1;
    n.extra_ca_file = pki.ca;
    local_url(url, sizeof(url), "wss", "localhost", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.msgs >= 4, 8000);
    SQT_ASSERT_INT_EQ(f.opens, 1);
    SQT_ASSERT_INT_EQ(f.msgs, 4);
    SQT_ASSERT_STR_EQ(f.last_msg, "hello");
    SQT_ASSERT_INT_EQ(f.downs, 0);
    fx_finish(&f);

    memset(&p, 0, sizeof(p));
    p.echo = 1;
    fx_start_tls(&f, &p, pki.cert, pki.key);
    f.send_in_open = 1;
    local_url(url, sizeof(url), "wss", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.msgs >= 1, 5000);
    SQT_ASSERT_STR_EQ(f.last_msg, "hello");
    fx_finish(&f);

    /* without the extra CA: the system store does not know our CA */
    fx_start_tls(&f, &p, pki.cert, pki.key);
    n.extra_ca_file = NULL;
    local_url(url, sizeof(url), "wss", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.downs >= 1, 5000);
    SQT_ASSERT_INT_EQ(f.opens, 0);
    SQT_ASSERT_INT_EQ(f.down_codes[0], SQT_ENETWORK);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.down_msg[0], "verify"));
    fx_finish(&f);

    /* a valid chain for another name: refused, by name and by IP */
    fx_start_tls(&f, &p, pki.wrong_cert, pki.wrong_key);
    n.extra_ca_file = pki.ca;
    local_url(url, sizeof(url), "wss", "localhost", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.downs >= 2, 5000);
    SQT_ASSERT_INT_EQ(f.opens, 0);
    SQT_ASSERT_INT_EQ(f.down_codes[0], SQT_ENETWORK);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.down_msg[0], "mismatch"));
    fx_finish(&f);

    fx_start_tls(&f, &p, pki.wrong_cert, pki.wrong_key);
    local_url(url, sizeof(url), "wss", "127.0.0.1", f.port);
    o = opts_for(url);
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.downs >= 1, 5000);
    SQT_ASSERT_INT_EQ(f.opens, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(f.down_msg[0], "mismatch"));
    fx_finish(&f);

    /* market data over TLS: the plaintext waits, then the close_notify and FIN after
     * it are reported only once the greeting was delivered; then it reconnects */
    memset(&p, 0, sizeof(p));
    p.greet = 1;
    p.fin_first = 1;
    fx_start_tls(&f, &p, pki.cert, pki.key);
    local_url(url, sizeof(url), "wss", "127.0.0.1", f.port);
    o = opts_for(url);
    o.flags = SQT_WS_MARKET_DATA;
    open_client(&f, &n, &o);
    NET_RUN_UNTIL(&f.loop, f.opens >= 2 && f.msgs >= 6, 5000);
    SQT_ASSERT_INT_EQ(f.opens, 2);
    SQT_ASSERT_INT_EQ(f.downs, 1);
    SQT_ASSERT_INT_EQ(f.msgs_at_down, 3);
    SQT_ASSERT_INT_EQ(f.down_codes[0], SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(f.msgs, 6);
    SQT_ASSERT_STR_EQ(f.last_msg, "hello-2");
    fx_finish(&f);
    net_pki_remove(&pki);
}

/* ------------------------------------------------------------------ market data last */

/* A client that records, into a log shared with the others, which client handled what. */
typedef struct mclient {
    sqt_ws *ws;
    char tag;                  /* 'M' market, 'P' private */
    char *log;                 /* shared: one tag per message, 'D' on_down */
    size_t *log_len;
    int opens, msgs, downs, closed;
    int msgs_at_down;
    uv_check_t *check_on_msg;  /* started by a message, as a turn-end check would be */
    sqt_ws *close_on_msg;      /* closed by a message */
    int numbered;              /* messages are "<n> ...", n = 0, 1, ...: counts those out of order */
    int out_of_order;
    sqt_srv_conn *send_on_first; /* the server writes "fill" to it at the first message */
    struct mclient *watch;     /* at its first message: how many watch had then */
    int watch_at_first;
} mclient;

/* What the app's turn-end check does first: the market data of the turn, then its own
 * work ('C' before, 'c' after). */
static void app_check_cb(uv_check_t *h)
{
    mclient *m = h->data;
    uv_check_stop(h);
    m->log[(*m->log_len)++] = 'C';
    sqt_ws_run_deferred(h->loop);
    m->log[(*m->log_len)++] = 'c';
}

static void m_open(void *ud, sqt_ws *ws)
{
    (void)ws;
    ((mclient *)ud)->opens++;
}

static void m_message(void *ud, sqt_ws *ws, const char *d, size_t n, int bin)
{
    mclient *m = ud;
    (void)ws, (void)bin;
    if (m->numbered && (n == 0 || strtol(d, NULL, 10) != m->msgs))
        m->out_of_order++;
    if (m->msgs == 0 && m->watch != NULL)
        m->watch_at_first = m->watch->msgs;
    if (m->msgs == 0 && m->send_on_first != NULL)
        SQT_ASSERT_INT_EQ(sqt_srv_ws_send(m->send_on_first, SQT_SRV_OP_TEXT, "fill", 4), 0);
    m->msgs++;
    if (*m->log_len < 63)
        m->log[(*m->log_len)++] = m->tag;
    if (m->check_on_msg != NULL)
        uv_check_start(m->check_on_msg, app_check_cb);
    if (m->close_on_msg != NULL)
        SQT_ASSERT_INT_EQ(sqt_ws_close(m->close_on_msg), 0);
}

static void m_down(void *ud, sqt_ws *ws, const sqt_error *why)
{
    mclient *m = ud;
    (void)ws, (void)why;
    m->downs++;
    m->msgs_at_down = m->msgs;
    if (*m->log_len < 63)
        m->log[(*m->log_len)++] = 'D';
}

static void m_closed(void *ud, sqt_ws *ws)
{
    (void)ws;
    ((mclient *)ud)->closed++;
}

static const sqt_ws_callbacks m_cbs = {sizeof(sqt_ws_callbacks), m_open, m_message, m_down,
                                       m_closed};

static void m_start_ca(mclient *m, uv_loop_t *loop, int port, char tag, uint32_t flags,
                       char *log, size_t *log_len, const char *ca)
{
    char url[128];
    sqt_ws_options o;
    sqt_ws_net_opts n = fast_net();
    int err = 1;
    n.extra_ca_file = ca;
    memset(m, 0, sizeof(*m));
    m->tag = tag;
    m->log = log;
    m->log_len = log_len;
    local_url(url, sizeof(url), ca != NULL ? "wss" : "ws", "127.0.0.1", port);
    o = opts_for(url);
    o.flags = flags;
    m->ws = sqt_ws_open(loop, &n, &o, &m_cbs, m, &err);
    SQT_ASSERT_INT_EQ(err, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->ws);
}

static void m_start(mclient *m, uv_loop_t *loop, int port, char tag, uint32_t flags, char *log,
                    size_t *log_len)
{
    m_start_ca(m, loop, port, tag, flags, log, log_len, NULL);
}

static void m_close(mclient *m, uv_loop_t *loop)
{
    sqt_ws_close(m->ws);
    NET_RUN_UNTIL(loop, m->closed, 3000);
    SQT_ASSERT_INT_EQ(m->closed, 1);
}

typedef struct fd_scan {
    int fds[16];
    int n;
} fd_scan;

static void scan_tcp(uv_handle_t *h, void *arg)
{
    fd_scan *s = arg;
    uv_os_fd_t fd;
    if (h->type == UV_TCP && !uv_is_closing(h) && uv_fileno(h, &fd) == 0 && s->n < 16)
        s->fds[s->n++] = fd;
}

/* Block (at most 2 s) until `want` TCP sockets of the loop hold bytes to read, so that
 * the next loop turn reads them all in one poll phase. */
static int wait_readable(uv_loop_t *loop, int want)
{
    int tries;
    for (tries = 0; tries < 200; tries++) {
        fd_scan s;
        struct pollfd pf[16];
        int i, ready = 0;
        memset(&s, 0, sizeof(s));
        uv_walk(loop, scan_tcp, &s);
        for (i = 0; i < s.n; i++) {
            pf[i].fd = s.fds[i];
            pf[i].events = POLLIN;
            pf[i].revents = 0;
        }
        if (poll(pf, (nfds_t)s.n, 10) > 0)
            for (i = 0; i < s.n; i++)
                ready += (pf[i].revents & POLLIN) != 0;
        if (ready >= want)
            return ready;
    }
    return 0;
}

/* Server side of these tests: the connections in accept order. */
typedef struct mserver {
    sqt_srv *srv;
    sqt_srv_conn *conns[4];
    int n, gone, done;
} mserver;

static void ms_open(void *ud, sqt_srv_conn *c)
{
    mserver *s = ud;
    if (s->n < 4)
        s->conns[s->n++] = c;
}

static void ms_closed(void *ud, sqt_srv_conn *c)
{
    mserver *s = ud;
    int i;
    for (i = 0; i < s->n; i++)
        if (s->conns[i] == c) {
            s->conns[i] = NULL;
            s->gone++;
        }
}

static void ms_done(void *ud)
{
    ((mserver *)ud)->done = 1;
}

static int ms_port_tls(mserver *s, uv_loop_t *loop, const net_pki *pki)
{
    sqt_srv_opts o;
    memset(s, 0, sizeof(*s));
    memset(&o, 0, sizeof(o));
    if (pki != NULL) {
        o.cert_file = pki->cert;
        o.key_file = pki->key;
    }
    o.handlers.on_ws_open = ms_open;
    o.handlers.on_conn_closed = ms_closed;
    o.ud = s;
    CU_ASSERT_EQUAL_FATAL(sqt_srv_start(loop, &o, &s->srv), 0);
    return sqt_srv_port(s->srv);
}

static int ms_port(mserver *s, uv_loop_t *loop)
{
    return ms_port_tls(s, loop, NULL);
}

static void ms_stop(mserver *s, uv_loop_t *loop)
{
    sqt_srv_close(s->srv, ms_done, s);
    NET_RUN_UNTIL(loop, s->done, 3000);
    CU_ASSERT_TRUE(s->done);
}

/* One round: a market-data client (flags mflags) connected first, a private one second;
 * the server writes to the market one first, both sockets hold their frame, one loop
 * turn runs. Returns the log of who handled what, in order. */
enum { ROUND_PLAIN, ROUND_APP_CHECK, ROUND_CLOSE_MARKET };

static void order_round(uint32_t mflags, int mode, char *log)
{
    uv_loop_t loop;
    uv_check_t chk;
    mserver s;
    mclient mk, pv;
    size_t len = 0;
    int port;
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&loop), 0);
    port = ms_port(&s, &loop);
    m_start(&mk, &loop, port, 'M', mflags, log, &len);
    NET_RUN_UNTIL(&loop, s.n == 1 && mk.opens == 1, 3000);
    m_start(&pv, &loop, port, 'P', 0, log, &len);
    NET_RUN_UNTIL(&loop, s.n == 2 && pv.opens == 1, 3000);
    CU_ASSERT_FATAL(s.n == 2 && mk.opens == 1 && pv.opens == 1);
    uv_check_init(&loop, &chk);
    chk.data = &pv;
    if (mode == ROUND_APP_CHECK) /* started after the market conn's check: runs first */
        pv.check_on_msg = &chk;
    if (mode == ROUND_CLOSE_MARKET)
        pv.close_on_msg = mk.ws;
    SQT_ASSERT_INT_EQ(sqt_srv_ws_send(s.conns[0], SQT_SRV_OP_TEXT, "trade", 5), 0);
    SQT_ASSERT_INT_EQ(sqt_srv_ws_send(s.conns[1], SQT_SRV_OP_TEXT, "fill", 4), 0);
    SQT_ASSERT_INT_EQ(wait_readable(&loop, 2), 2);
    uv_run(&loop, UV_RUN_NOWAIT);
    log[len] = '\0';
    uv_close((uv_handle_t *)&chk, NULL);
    if (mode == ROUND_CLOSE_MARKET) {
        NET_RUN_UNTIL(&loop, mk.closed, 3000);
        SQT_ASSERT_INT_EQ(mk.closed, 1);
        SQT_ASSERT_INT_EQ(mk.downs, 0);
    } else {
        m_close(&mk, &loop);
    }
    m_close(&pv, &loop);
    ms_stop(&s, &loop);
    SQT_ASSERT_INT_EQ(net_loop_finish(&loop, 3000), 0);
}

static void test_market_data_last(void)
{
    char log[64];
    /* the control: unflagged, the frame read first is handled first */
    order_round(0, ROUND_PLAIN, log);
    SQT_ASSERT_STR_EQ(log, "MP");
    /* flagged: the private push goes first, the market frame still in the same turn */
    order_round(SQT_WS_MARKET_DATA, ROUND_PLAIN, log);
    SQT_ASSERT_STR_EQ(log, "PM");
    /* a turn-end check that calls sqt_ws_run_deferred first has the market message in
     * before its own work, whichever check libuv runs first */
    order_round(SQT_WS_MARKET_DATA, ROUND_APP_CHECK, log);
    SQT_ASSERT_STR_EQ(log, "PCMc");
    /* the private push closes the market connection: what it read is not delivered, as
     * nothing after sqt_ws_close is, and its close still ends clean */
    order_round(SQT_WS_MARKET_DATA, ROUND_CLOSE_MARKET, log);
    SQT_ASSERT_STR_EQ(log, "P");
}

/* A burst of market data (400 frames, ~60 KB) read in one turn, and an order push that
 * reaches its socket while the burst is being decoded (the server writes it from the first
 * market message): the push is handled after the first slice of the burst, not behind all
 * of it, and every market message still arrives, in order. The control: unflagged, the
 * whole burst goes first. */
/* Bytes waiting in the loop's TCP sockets (FIONREAD), summed. */
static size_t bytes_waiting(uv_loop_t *loop)
{
    fd_scan sc;
    size_t sum = 0;
    int i, k;
    memset(&sc, 0, sizeof sc);
    uv_walk(loop, scan_tcp, &sc);
    for (i = 0; i < sc.n; i++)
        if (ioctl(sc.fds[i], FIONREAD, &k) == 0 && k > 0)
            sum += (size_t)k;
    return sum;
}

static int burst_round(uint32_t mflags)
{
    uv_loop_t loop, sloop;
    mserver s;
    mclient mk, pv;
    char log[64], msg[200];
    size_t len = 0, total = 0;
    int port, i;
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&loop), 0);
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&sloop), 0);
    /* the server on its own loop: the whole burst is in the socket before the client
     * reads any of it */
    port = ms_port(&s, &sloop);
    m_start(&mk, &loop, port, 'M', mflags, log, &len); /* the server's conns[0] */
    for (i = 0; i < 3000 && !(s.n == 1 && mk.opens == 1); i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        uv_run(&sloop, UV_RUN_NOWAIT);
        usleep(200);
    }
    m_start(&pv, &loop, port, 'P', 0, log, &len);
    for (i = 0; i < 3000 && !(s.n == 2 && pv.opens == 1); i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        uv_run(&sloop, UV_RUN_NOWAIT);
        usleep(200);
    }
    CU_ASSERT_FATAL(s.n == 2 && mk.opens == 1 && pv.opens == 1);
    if (mk.ws == NULL || s.conns[0] == NULL)
        return -1;
    mk.numbered = 1;
    pv.watch = &mk;
    for (i = 0; i < 400; i++) {
        int k = snprintf(msg, sizeof msg, "%d {\"e\":\"aggTrade\",\"E\":1765101261002,\"s\":"
                         "\"ETHUSDT\",\"a\":%d,\"p\":\"3000.00\",\"q\":\"0.010\",\"f\":1,"
                         "\"l\":1,\"T\":1765101261000,\"m\":true}", i, 1000 + i);
        SQT_ASSERT_INT_EQ(sqt_srv_ws_send(s.conns[0], SQT_SRV_OP_TEXT, msg, (size_t)k), 0);
        total += (size_t)k + (k <= 125 ? 2 : 4); /* a server frame's header (unmasked) */
    }
    for (i = 0; i < 3000 && bytes_waiting(&loop) < total; i++) {
        uv_run(&sloop, UV_RUN_NOWAIT);
        usleep(200);
    }
    SQT_ASSERT_INT_EQ(bytes_waiting(&loop), total);
    mk.send_on_first = s.conns[1];
    for (i = 0; i < 3000 && !(mk.msgs == 400 && pv.msgs == 1); i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        uv_run(&sloop, UV_RUN_NOWAIT);
    }
    SQT_ASSERT_INT_EQ(mk.msgs, 400);
    SQT_ASSERT_INT_EQ(pv.msgs, 1);
    SQT_ASSERT_INT_EQ(mk.out_of_order, 0);
    sqt_ws_close(mk.ws);
    sqt_ws_close(pv.ws);
    for (i = 0; i < 3000 && !(mk.closed && pv.closed); i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        uv_run(&sloop, UV_RUN_NOWAIT);
        usleep(200);
    }
    SQT_ASSERT_INT_EQ(mk.closed + pv.closed, 2);
    sqt_srv_close(s.srv, ms_done, &s);
    NET_RUN_UNTIL(&sloop, s.done, 3000);
    SQT_ASSERT_INT_EQ(net_loop_finish(&sloop, 3000), 0);
    SQT_ASSERT_INT_EQ(net_loop_finish(&loop, 3000), 0);
    return pv.watch_at_first;
}

static void test_market_burst_sliced(void)
{
    int at = burst_round(SQT_WS_MARKET_DATA);
    printf("\n    the push came after %d of 400 market messages\n", at);
    CU_ASSERT_TRUE(at >= 1 && at <= 80); /* one 8 KiB slice: ~55 of these */
    SQT_ASSERT_INT_EQ(burst_round(0), 400);
}

static void test_market_data_alone(void)
{
    uv_loop_t loop;
    mserver s;
    mclient mk;
    char log[64];
    size_t len = 0;
    sqt_ws_stats st;
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&loop), 0);
    m_start(&mk, &loop, ms_port(&s, &loop), 'M', SQT_WS_MARKET_DATA, log, &len);
    NET_RUN_UNTIL(&loop, s.n == 1 && mk.opens == 1, 3000);
    CU_ASSERT_FATAL(s.n == 1 && mk.opens == 1);
    SQT_ASSERT_INT_EQ(sqt_srv_ws_send(s.conns[0], SQT_SRV_OP_TEXT, "a", 1), 0);
    SQT_ASSERT_INT_EQ(sqt_srv_ws_send(s.conns[0], SQT_SRV_OP_TEXT, "b", 1), 0);
    SQT_ASSERT_INT_EQ(wait_readable(&loop, 1), 1);
    uv_run(&loop, UV_RUN_NOWAIT); /* its own check handles them: no second turn */
    SQT_ASSERT_INT_EQ(mk.msgs, 2);
    sqt_ws_get_stats(mk.ws, &st);
    SQT_ASSERT_INT_EQ(st.msgs_in, 2);
    /* and the explicit entry finds nothing left */
    SQT_ASSERT_INT_EQ(sqt_ws_run_deferred(&loop), 0);
    m_close(&mk, &loop);
    ms_stop(&s, &loop);
    SQT_ASSERT_INT_EQ(net_loop_finish(&loop, 3000), 0);
}

/* Messages then the server's FIN, read in one turn: every message, then on_down. With
 * pki: the same over TLS (the plaintext waits; the end is reported after it). */
static void market_then_eof(const net_pki *pki)
{
    uv_loop_t loop, sloop;
    mserver s;
    mclient mk;
    char log[64], *big;
    size_t len = 0;
    int i;
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&loop), 0);
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&sloop), 0);
    /* the server on its own loop: it can finish writing and close while the client
     * reads nothing */
    m_start_ca(&mk, &loop, ms_port_tls(&s, &sloop, pki), 'M', SQT_WS_MARKET_DATA, log, &len,
               pki != NULL ? pki->ca : NULL);
    for (i = 0; i < 3000 && !(s.n == 1 && mk.opens == 1); i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        uv_run(&sloop, UV_RUN_NOWAIT);
        if (!(s.n == 1 && mk.opens == 1))
            usleep(1000);
    }
    CU_ASSERT_FATAL(s.n == 1 && mk.opens == 1);
    /* exactly one read buffer (64 KiB) of frames: libuv reads it whole, reads again and
     * finds the FIN in the same read callback loop (a shorter read would end the turn) */
    big = calloc(1, 20000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, 'm', 20000);
    for (i = 0; i < 3; i++) /* 3 x (4 + 20000) */
        SQT_ASSERT_INT_EQ(sqt_srv_ws_send(s.conns[0], SQT_SRV_OP_TEXT, big, 20000), 0);
    SQT_ASSERT_INT_EQ(sqt_srv_ws_send(s.conns[0], SQT_SRV_OP_TEXT, big, 5520), 0); /* 4+5520 */
    free(big);
    sqt_srv_conn_close(s.conns[0]);
    NET_RUN_UNTIL(&sloop, s.gone == 1, 3000);
    SQT_ASSERT_INT_EQ(s.gone, 1);
    SQT_ASSERT_INT_EQ(wait_readable(&loop, 1), 1);
    uv_run(&loop, UV_RUN_NOWAIT);
    if (pki != NULL) /* the ciphertext is longer: the end comes with a later read */
        NET_RUN_UNTIL(&loop, mk.downs >= 1, 3000);
    log[len] = '\0';
    SQT_ASSERT_STR_EQ(log, "MMMMD");
    SQT_ASSERT_INT_EQ(mk.msgs_at_down, 4);
    m_close(&mk, &loop);
    ms_stop(&s, &sloop);
    SQT_ASSERT_INT_EQ(net_loop_finish(&sloop, 3000), 0);
    SQT_ASSERT_INT_EQ(net_loop_finish(&loop, 3000), 0);
}

static void test_market_data_then_eof(void)
{
    net_pki pki;
    market_then_eof(NULL);
    CU_ASSERT_EQUAL_FATAL(net_pki_make(&pki), 0);
    market_then_eof(&pki);
    net_pki_remove(&pki);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"echo round trip, clean close", test_echo},
        {"the wake hook: before a read after idle, none once removed", test_wake_hook},
        {"large fragmented message reassembled", test_fragmented_large},
        {"message size cap: 1009 and reconnect", test_size_cap},
        {"server ping answered", test_server_ping_answered},
        {"our pings and app keep-alive sent", test_keepalives_sent},
        {"no pong: reconnect", test_pong_timeout},
        {"bad accept key: down + backoff", test_bad_accept},
        {"non-101 status: down + backoff", test_non_101},
        {"truncated handshake: down + backoff", test_truncated_response},
        {"handshake timeout", test_handshake_timeout},
        {"server drop: down then open again", test_server_drop_reconnects},
        {"server close frame: down then open again", test_server_close_frame_reconnects},
        {"protocol error from the server: 1002 and reconnect", test_protocol_error},
        {"stale watchdog reconnects", test_stale_watchdog},
        {"stale watchdog fed by messages", test_stale_fed_by_messages},
        {"close before connect", test_close_before_connect},
        {"close during handshake", test_close_during_handshake},
        {"close race: both sides close", test_close_race_both_sides},
        {"close from inside callbacks", test_close_from_callbacks},
        {"server writes byte by byte", test_trickle},
        {"server pings while client sends", test_ping_during_sends},
        {"send queue back-pressure", test_send_backpressure},
        {"connection refused: retries", test_refused_retries},
        {"invalid options refused", test_invalid_options},
        {"custom headers, path and query, localhost", test_custom_headers_and_path},
        {"wss: extra CA trusted, wrong host refused", test_wss},
        {"market data: a private push read in the same turn goes first", test_market_data_last},
        {"market data alone: handled in the turn that read it", test_market_data_alone},
        {"a market burst: an order push that comes meanwhile goes after one slice", test_market_burst_sliced},
        {"market data then EOF: every message, then on_down", test_market_data_then_eof},
        {NULL, NULL},
    };
    SQT_TEST_INIT();
    if (sqt_test_suite("net_ws", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
