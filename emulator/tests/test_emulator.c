/* The exchange emulator (Binance, Bitget and Gate dialects) driven by the host's own HTTP and
 * WebSocket clients on one loop, plus the built binary as a process. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "emulator.h"
#include "net/http.h"
#include "net/ws.h"
#include "sqt_test.h"

#define SYM "ETHUSDT"

/* ------------------------------------------------------------------------------------
 * loop plumbing
 * ---------------------------------------------------------------------------------- */

typedef struct guard {
    uv_timer_t t;
    int expired;
} guard;

static void on_guard(uv_timer_t *t)
{
    ((guard *)t->data)->expired = 1;
}

static void guard_closed(uv_handle_t *h)
{
    ((guard *)h->data)->expired = 2;
}

#define RUN_UNTIL(loop, cond, ms)                                                      \
    do {                                                                               \
        guard g_;                                                                      \
        uv_timer_init((loop), &g_.t);                                                  \
        g_.t.data = &g_;                                                               \
        g_.expired = 0;                                                                \
        uv_timer_start(&g_.t, on_guard, (ms), 0);                                      \
        while (!(cond) && !g_.expired)                                                 \
            uv_run((loop), UV_RUN_ONCE);                                               \
        uv_close((uv_handle_t *)&g_.t, guard_closed);                                  \
        while (g_.expired != 2)                                                        \
            uv_run((loop), UV_RUN_NOWAIT);                                             \
    } while (0)

/* Run until nothing is left on the loop (at most ms); the guard does not keep it alive. */
static void drain(uv_loop_t *loop, uint64_t ms)
{
    guard g;
    uv_timer_init(loop, &g.t);
    g.t.data = &g;
    g.expired = 0;
    uv_timer_start(&g.t, on_guard, ms, 0);
    uv_unref((uv_handle_t *)&g.t);
    while (uv_loop_alive(loop) && !g.expired)
        uv_run(loop, UV_RUN_ONCE);
    if (g.expired)
        uv_print_all_handles(loop, stderr);
    uv_close((uv_handle_t *)&g.t, guard_closed);
    while (g.expired != 2)
        uv_run(loop, UV_RUN_NOWAIT);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct fx {
    uv_loop_t loop;
    sqt_emu *emu;
    sqt_http *http;
    int port;
    int emu_closed, http_closed;
    const char *dialect;       /* how SIGNED() signs */
} fx;

static FILE *fx_log; /* the next fx_start's log (NULL: quiet) */

/* The emulator in `dialect`, the price manual, seed 7. */
static int fx_start(fx *f, const char *dialect)
{
    sqt_emu_opts o;
    char err[256];
    memset(f, 0, sizeof(*f));
    f->dialect = dialect;
    uv_loop_init(&f->loop);
    sqt_emu_opts_default(&o);
    o.dialect = dialect;
    o.manual_price = 1;
    o.seed = 7;
    o.log = fx_log;
    if (getenv("SQT_EMU_VERBOSE"))
        o.log = stderr;
    if (sqt_emu_start(&f->loop, &o, &f->emu, err, sizeof(err)) != SQT_OK) {
        fprintf(stderr, "    emulator: %s\n", err);
        return -1;
    }
    f->port = sqt_emu_port(f->emu);
    f->http = sqt_http_new(&f->loop, NULL);
    return f->http != NULL && f->port > 0 ? 0 : -1;
}

/* fx_start, a test failure when it did not start. */
static int fx_up(fx *f, const char *dialect)
{
    if (fx_start(f, dialect) == 0)
        return 0;
    CU_FAIL("emulator did not start");
    return -1;
}

static void on_emu_closed(void *ud)
{
    ((fx *)ud)->emu_closed = 1;
}

static void on_http_closed(void *ud)
{
    ((fx *)ud)->http_closed = 1;
}

static void fx_stop(fx *f)
{
    if (f->http)
        sqt_http_close(f->http, on_http_closed, f);
    else
        f->http_closed = 1;
    if (f->emu)
        sqt_emu_close(f->emu, on_emu_closed, f);
    else
        f->emu_closed = 1;
    RUN_UNTIL(&f->loop, f->emu_closed && f->http_closed, 5000);
    CU_ASSERT_TRUE(f->emu_closed && f->http_closed);
    drain(&f->loop, 5000);
    SQT_ASSERT_INT_EQ(uv_loop_close(&f->loop), 0);
}

/* ------------------------------------------------------------------------------------
 * HTTP calls
 * ---------------------------------------------------------------------------------- */

typedef struct hres {
    int done;
    int status;
    int err;
    char *body;
    char weight[32], retry_after[32], orders10[32];
    char remain[32],
        page_limit[32]; /* Gate: X-Gate-RateLimit-Requests-Remain, X-Pagination-Limit */
    json_t *json;
} hres;

static void hres_free(hres *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

static void on_http(void *ud, const sqt_http_response *resp)
{
    hres *r = ud;
    size_t i;
    r->done = 1;
    r->status = resp->status;
    r->err = resp->err.code;
    r->body = strndup(resp->body ? resp->body : "", resp->body_len);
    for (i = 0; i < resp->n_headers; i++) {
        if (strcasecmp(resp->headers[i].name, "X-MBX-USED-WEIGHT-1M") == 0)
            snprintf(r->weight, sizeof(r->weight), "%s", resp->headers[i].value);
        if (strcasecmp(resp->headers[i].name, "Retry-After") == 0)
            snprintf(r->retry_after, sizeof(r->retry_after), "%s", resp->headers[i].value);
        if (strcasecmp(resp->headers[i].name, "X-MBX-ORDER-COUNT-10S") == 0)
            snprintf(r->orders10, sizeof(r->orders10), "%s", resp->headers[i].value);
        if (strcasecmp(resp->headers[i].name, "X-Gate-RateLimit-Requests-Remain") == 0)
            snprintf(r->remain, sizeof(r->remain), "%s", resp->headers[i].value);
        if (strcasecmp(resp->headers[i].name, "X-Pagination-Limit") == 0)
            snprintf(r->page_limit, sizeof(r->page_limit), "%s", resp->headers[i].value);
    }
    r->json = r->body ? json_loads(r->body, JSON_DECODE_ANY, NULL) : NULL;
}

/* One request to the emulator with these headers; waits for the answer in r. */
static void send_to(fx *f, const char *method, const char *target, const sqt_header *h,
                    size_t nh, const char *body, uint32_t timeout_ms, hres *r)
{
    char url[4096];
    sqt_http_request req;
    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", f->port, target);
    memset(&req, 0, sizeof(req));
    req.struct_size = sizeof(req);
    req.method = method;
    req.url = url;
    req.headers = h;
    req.n_headers = nh;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    req.timeout_ms = timeout_ms;
    if (sqt_http_send(f->http, &req, on_http, r, NULL) != 0) {
        r->done = 1;
        r->err = SQT_EINVAL;
        return;
    }
    RUN_UNTIL(&f->loop, r->done, 10000);
}

/* key: NULL = no X-MBX-APIKEY header. */
static void call_key(fx *f, const char *method, const char *target, const char *body,
                     const char *key, uint32_t timeout_ms, hres *r)
{
    sqt_header h[2];
    size_t nh = 0;
    memset(h, 0, sizeof h);
    if (key != NULL) {
        h[nh].name = "X-MBX-APIKEY";
        h[nh++].value = key;
    }
    if (body != NULL) {
        h[nh].name = "Content-Type";
        h[nh++].value = "application/x-www-form-urlencoded";
    }
    send_to(f, method, target, h, nh, body, timeout_ms, r);
}

static void call(fx *f, const char *method, const char *target, const char *body, hres *r)
{
    call_key(f, method, target, body, SQT_EMU_DEFAULT_KEY, 0, r);
}

/* params + "&recvWindow=5000&timestamp=TS&signature=HEX" signed with `secret`. */
static void sign(const char *params, int64_t ts, const char *secret, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    char msg[3000], hex[2 * EVP_MAX_MD_SIZE + 1];
    snprintf(msg, sizeof(msg), "%s%srecvWindow=5000&timestamp=%lld", params,
             params[0] ? "&" : "", (long long)ts);
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), md,
         &n);
    for (i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    snprintf(out, cap, "%s&signature=%s", msg, hex);
}

/* A signed call: params go into the query for GET/DELETE, into the body otherwise. */
static void scall(fx *f, const char *method, const char *path, const char *params, hres *r)
{
    char s[3200], target[3400];
    sign(params, wall_ms(), SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    if (strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0) {
        snprintf(target, sizeof(target), "%s?%s", path, s);
        call(f, method, target, NULL, r);
    } else {
        call(f, method, path, s, r);
    }
}

#define BG_PASS "emulator-passphrase"

/* A Bitget call: ACCESS-* headers (pass NULL: left out), signed over
 * ts + METHOD + path + ["?" query] + body with `secret`. */
static void bg_call(fx *f, const char *method, const char *path, const char *query,
                    const char *body, int64_t ts, const char *secret, const char *pass,
                    hres *r)
{
    char target[2048], tss[24], msg[4096], sig[64];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    sqt_header h[6];
    size_t nh = 0;
    snprintf(target, sizeof(target), "%s%s%s", path, query[0] ? "?" : "", query);
    snprintf(tss, sizeof(tss), "%lld", (long long)ts);
    snprintf(msg, sizeof(msg), "%s%s%s%s%s%s", tss, method, path, query[0] ? "?" : "", query,
             body ? body : "");
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), md,
         &n);
    EVP_EncodeBlock((unsigned char *)sig, md, (int)n);
    h[nh].name = "ACCESS-KEY";
    h[nh++].value = SQT_EMU_DEFAULT_KEY;
    h[nh].name = "ACCESS-SIGN";
    h[nh++].value = sig;
    h[nh].name = "ACCESS-TIMESTAMP";
    h[nh++].value = tss;
    if (pass != NULL) {
        h[nh].name = "ACCESS-PASSPHRASE";
        h[nh++].value = pass;
    }
    if (body != NULL) {
        h[nh].name = "Content-Type";
        h[nh++].value = "application/json";
    }
    send_to(f, method, target, h, nh, body, 0, r);
}

static void bg_ok(fx *f, const char *method, const char *path, const char *query,
                  const char *body, hres *r)
{
    bg_call(f, method, path, query, body, wall_ms(), SQT_EMU_DEFAULT_SECRET, BG_PASS, r);
}

#define GT "/api/v4/futures/usdt"

static void gt_hex(const unsigned char *md, unsigned int n, char *out)
{
    unsigned int i;
    for (i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The test's own Gate signature (gate.md 2.1), checked against the spec's vectors. */
static void gt_sign(const char *method, const char *path, const char *query, const char *body,
                    const char *ts, const char *secret, char out[129])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char bh[129], msg[4096];
    EVP_Digest(body, strlen(body), md, &n, EVP_sha512(), NULL);
    gt_hex(md, n, bh);
    snprintf(msg, sizeof(msg), "%s\n%s\n%s\n%s\n%s", method, path, query, bh, ts);
    HMAC(EVP_sha512(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), md,
         &n);
    gt_hex(md, n, out);
}

static void gt_ws_sign(const char *channel, const char *event, long long t, const char *secret,
                       char out[129])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char msg[160];
    snprintf(msg, sizeof(msg), "channel=%s&event=%s&time=%lld", channel, event, t);
    HMAC(EVP_sha512(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), md,
         &n);
    gt_hex(md, n, out);
}

/* A Gate call: KEY/SIGN/Timestamp (key NULL: no auth headers), signed over the query as
 * given in `signed_query` (NULL: the sent one), X-Gate-Size-Decimal when dec. */
static void gt_call(fx *f, const char *method, const char *path, const char *query,
                    const char *signed_query, const char *body, const char *ts,
                    const char *key, const char *secret, int dec, hres *r)
{
    char target[2048], sig[129];
    sqt_header h[6];
    size_t nh = 0;
    snprintf(target, sizeof(target), "%s%s%s", path, query[0] ? "?" : "", query);
    gt_sign(method, path, signed_query ? signed_query : query, body ? body : "", ts, secret,
            sig);
    if (key != NULL) {
        h[nh].name = "KEY";
        h[nh++].value = key;
        h[nh].name = "SIGN";
        h[nh++].value = sig;
        h[nh].name = "Timestamp";
        h[nh++].value = ts;
    }
    if (body != NULL) {
        h[nh].name = "Content-Type";
        h[nh++].value = "application/json";
    }
    if (dec) {
        h[nh].name = "X-Gate-Size-Decimal";
        h[nh++].value = "1";
    }
    send_to(f, method, target, h, nh, body, 0, r);
}

static const char *gt_now(char *buf, size_t cap, int64_t shift_ms)
{
    snprintf(buf, cap, "%lld", (long long)((wall_ms() + shift_ms) / 1000));
    return buf;
}

static void gt_ok(fx *f, const char *method, const char *path, const char *query,
                  const char *body, hres *r)
{
    char ts[24];
    gt_call(f, method, path, query, NULL, body, gt_now(ts, sizeof(ts), 0), SQT_EMU_DEFAULT_KEY,
            SQT_EMU_DEFAULT_SECRET, 0, r);
}

static void control(fx *f, const char *cmd, const char *json, hres *r)
{
    char target[128];
    snprintf(target, sizeof(target), "/_emu/%s", cmd);
    call_key(f, "POST", target, json, NULL, 0, r);
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long jint(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static json_t *filter(json_t *sym, const char *type)
{
    json_t *fl = json_object_get(sym, "filters"), *it;
    size_t i;
    json_array_foreach(fl, i, it) if (strcmp(jstr(it, "filterType"), type) == 0) return it;
    return NULL;
}

/* ------------------------------------------------------------------------------------
 * request -> answer checks, as tables
 * ---------------------------------------------------------------------------------- */

/* The member at a dotted path: "data.entrustedList.0.clientOid" (an all-digit step
 * indexes an array), "" for the answer itself; NULL when it is not there. */
static json_t *jpath(json_t *v, const char *path)
{
    while (v != NULL && *path != '\0') {
        char step[64];
        size_t n = strcspn(path, ".");
        snprintf(step, sizeof(step), "%.*s", (int)n, path);
        if (json_is_array(v) && step[0] >= '0' && step[0] <= '9')
            v = json_array_get(v, strtoul(step, NULL, 10));
        else
            v = json_object_get(v, step);
        path += n + (path[n] == '.');
    }
    return v;
}

/* One expected part of an answer: each is one CUnit assertion. */
enum want_kind {
    W_END,
    W_STATUS,  /* the HTTP status is n */
    W_STR,     /* the string at path is s ("" when absent or not a string) */
    W_INT,     /* the integer at path is n (0 when absent) */
    W_HAS,     /* the string at path contains s */
    W_FILLED,  /* the string at path is not empty */
    W_LEN,     /* the array at path has n elements (0 when not an array) */
    W_TRUE,    /* true at path */
    W_FALSE,   /* false at path */
    W_NULL,    /* a JSON null at path */
    W_ABSENT,  /* nothing at path */
    W_STRING,  /* a string at path */
    W_INTEGER, /* an integer at path */
    W_ARRAY,   /* an array at path */
    W_MEMBERS, /* the object at path has n members */
    W_PRESENT  /* something at path */
};

typedef struct want {
    int kind;
    const char *path;
    const char *s;
    long long n;
} want;

#define STATUS(n) {W_STATUS, "", NULL, (n)}
#define STR(p, v) {W_STR, (p), (v), 0}
#define INT(p, v) {W_INT, (p), NULL, (v)}
#define HAS(p, v) {W_HAS, (p), (v), 0}
#define FILLED(p) {W_FILLED, (p), NULL, 0}
#define LEN(p, n) {W_LEN, (p), NULL, (n)}
#define IS_TRUE(p) {W_TRUE, (p), NULL, 0}
#define IS_FALSE(p) {W_FALSE, (p), NULL, 0}
#define IS_NULL(p) {W_NULL, (p), NULL, 0}
#define ABSENT(p) {W_ABSENT, (p), NULL, 0}
#define IS_STRING(p) {W_STRING, (p), NULL, 0}
#define IS_INTEGER(p) {W_INTEGER, (p), NULL, 0}
#define IS_ARRAY(p) {W_ARRAY, (p), NULL, 0}
#define MEMBERS(p, n) {W_MEMBERS, (p), NULL, (n)}
#define PRESENT(p) {W_PRESENT, (p), NULL, 0}

/* A post-only buy of 0.010 ETHUSDT at the price that follows (Binance parameters). */
#define BN_GTX_BUY "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price="

static const char *const want_names[] = {
    "", "status", "string", "integer", "containing", "non-empty", "length", "true", "false",
    "null", "absent", "a string", "an integer", "an array", "members", "present"};

/* Whether the answer meets one want; what it found, for the failure line. */
static int want_met(const hres *r, const want *w, char *got, size_t cap)
{
    json_t *v = jpath(r->json, w->path);
    const char *s = json_string_value(v);
    long long n;
    s = s ? s : "";
    snprintf(got, cap, "\"%s\"", s);
    switch (w->kind) {
    case W_STATUS:
        snprintf(got, cap, "%d", r->status);
        return r->status == w->n;
    case W_STR:
        return strcmp(s, w->s) == 0;
    case W_HAS:
        return strstr(s, w->s) != NULL;
    case W_FILLED:
        return s[0] != '\0';
    case W_INT:
    case W_LEN:
    case W_MEMBERS:
        n = w->kind == W_INT   ? (long long)json_integer_value(v)
            : w->kind == W_LEN ? (long long)json_array_size(v)
                               : (long long)json_object_size(v);
        snprintf(got, cap, "%lld", n);
        return n == w->n;
    case W_TRUE:
        return json_is_true(v);
    case W_FALSE:
        return json_is_false(v);
    case W_NULL:
        return json_is_null(v);
    case W_STRING:
        return json_is_string(v);
    case W_INTEGER:
        return json_is_integer(v);
    case W_ARRAY:
        return json_is_array(v);
    case W_PRESENT:
        return v != NULL;
    default:
        return v == NULL;
    }
}

/* Check the answer against the table, each want one assertion at the caller's line;
 * on a miss the request and the body are printed once. */
static void answer_check(int line, const char *what, const hres *r, const want *w)
{
    int missed = 0;
    for (; w->kind != W_END; w++) {
        char got[160];
        int ok = want_met(r, w, got, sizeof(got));
        if (!ok) {
            char value[160] = "";
            if (w->s != NULL)
                snprintf(value, sizeof(value), " \"%.150s\"", w->s);
            else if (w->kind == W_STATUS || w->kind == W_INT || w->kind == W_LEN ||
                     w->kind == W_MEMBERS)
                snprintf(value, sizeof(value), " %lld", w->n);
            fprintf(stderr, "    %s:%d: %s: at \"%s\" want %s%s, got %s\n", __FILE__, line,
                    what, w->path, want_names[w->kind], value, got);
            if (!missed++)
                fprintf(stderr, "      body: %s\n", r->body ? r->body : "(none)");
        }
        CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, "answer as wanted",
                                __FILE__, "", CU_FALSE);
    }
}

enum ask_kind {
    ASK_SIGNED,  /* signed as the fixture's dialect signs (scall, bg_ok, gt_ok) */
    ASK_KEYED,   /* unsigned, with Binance's key header (call) */
    ASK_PUBLIC,  /* unsigned, no key (call_key with NULL) */
    ASK_CONTROL  /* a control command: path is its name, body its JSON */
};

/* Send one request, check the answer; keep it in *keep (the caller frees it) or free
 * it (keep NULL). For Binance the signed parameters are `query` (scall puts them in the
 * body of a POST). */
static void ask_at(int line, fx *f, int kind, const char *method, const char *path,
                   const char *query, const char *body, const want *w, hres *keep)
{
    hres r;
    char what[160];
    snprintf(what, sizeof(what), "%s %.100s%s%.40s", method ? method : "control", path,
             query != NULL && query[0] ? "?" : "", query ? query : "");
    if (kind == ASK_CONTROL)
        control(f, path, body, &r);
    else if (kind == ASK_KEYED)
        call(f, method, path, body, &r);
    else if (kind == ASK_PUBLIC)
        call_key(f, method, path, body, NULL, 0, &r);
    else if (strcmp(f->dialect, "bitget") == 0)
        bg_ok(f, method, path, query, body, &r);
    else if (strcmp(f->dialect, "gate") == 0)
        gt_ok(f, method, path, query, body, &r);
    else
        scall(f, method, path, query, &r);
    answer_check(line, what, &r, w);
    if (keep != NULL)
        *keep = r;
    else
        hres_free(&r);
}

#define WANTS(...) ((const want[]){__VA_ARGS__, {W_END, NULL, NULL, 0}})
/* SIGNED(f, keep, method, path, query, body, wants...): keep is NULL or an hres *. */
#define SIGNED(f, keep, m, p, q, b, ...) \
    ask_at(__LINE__, (f), ASK_SIGNED, (m), (p), (q), (b), WANTS(__VA_ARGS__), (keep))
#define KEYED(f, keep, m, target, b, ...) \
    ask_at(__LINE__, (f), ASK_KEYED, (m), (target), "", (b), WANTS(__VA_ARGS__), (keep))
#define PUBLIC(f, keep, m, target, ...) \
    ask_at(__LINE__, (f), ASK_PUBLIC, (m), (target), "", NULL, WANTS(__VA_ARGS__), (keep))
#define CTL(f, keep, cmd, json, ...) \
    ask_at(__LINE__, (f), ASK_CONTROL, NULL, (cmd), "", (json), WANTS(__VA_ARGS__), (keep))

/* CHECK(r, wants...): an answer sent some other way, checked, then freed. */
#define CHECK(r, ...)                                                   \
    do {                                                                \
        answer_check(__LINE__, "the answer", (r), WANTS(__VA_ARGS__)); \
        hres_free(r);                                                   \
    } while (0)

/* A control command whose answer nobody looks at. */
static void ctl(fx *f, const char *cmd, const char *json)
{
    hres r;
    control(f, cmd, json, &r);
    hres_free(&r);
}

/* ------------------------------------------------------------------------------------
 * WebSocket client
 * ---------------------------------------------------------------------------------- */

#define MAX_MSGS 256

typedef struct wsc {
    sqt_ws *ws;
    int opens, downs, closed;
    char *msgs[MAX_MSGS];
    int n;
} wsc;

static void w_open(void *ud, sqt_ws *ws)
{
    (void)ws;
    ((wsc *)ud)->opens++;
}

static void w_msg(void *ud, sqt_ws *ws, const char *data, size_t len, int bin)
{
    wsc *w = ud;
    (void)ws;
    (void)bin;
    if (w->n < MAX_MSGS)
        w->msgs[w->n++] = strndup(data, len);
}

static void w_down(void *ud, sqt_ws *ws, const sqt_error *why)
{
    (void)ws;
    (void)why;
    ((wsc *)ud)->downs++;
}

static void w_closed(void *ud, sqt_ws *ws)
{
    (void)ws;
    ((wsc *)ud)->closed = 1;
}

/* With these handshake headers (Gate: X-Gate-Size-Decimal). */
static int ws_connect_h(fx *f, wsc *w, const char *target, const sqt_header *h, size_t nh)
{
    static const sqt_ws_callbacks cbs = {sizeof(sqt_ws_callbacks), w_open, w_msg, w_down,
                                         w_closed};
    char url[512];
    sqt_ws_options o;
    int err = 0;
    memset(w, 0, sizeof(*w));
    snprintf(url, sizeof(url), "ws://127.0.0.1:%d%s", f->port, target);
    memset(&o, 0, sizeof(o));
    o.struct_size = sizeof(o);
    o.url = url;
    o.headers = h;
    o.n_headers = nh;
    o.reconnect_base_ms = 60000; /* the tests look at one connection */
    w->ws = sqt_ws_open(&f->loop, NULL, &o, &cbs, w, &err);
    if (w->ws == NULL)
        return -1;
    RUN_UNTIL(&f->loop, w->opens > 0 || w->downs > 0, 5000);
    return w->opens > 0 ? 0 : -1;
}

static int ws_connect(fx *f, wsc *w, const char *target)
{
    return ws_connect_h(f, w, target, NULL, 0);
}

static void ws_done(fx *f, wsc *w)
{
    int i;
    if (w->ws != NULL && !w->closed) {
        sqt_ws_close(w->ws);
        RUN_UNTIL(&f->loop, w->closed, 5000);
    }
    for (i = 0; i < w->n; i++)
        free(w->msgs[i]);
    w->n = 0;
}

/* A listenKey, then a user-stream socket on prefix KEY suffix. */
static int user_ws(fx *f, wsc *w, const char *prefix, const char *suffix)
{
    hres r;
    char target[256];
    call(f, "POST", "/fapi/v1/listenKey", NULL, &r);
    snprintf(target, sizeof(target), "%s%s%s", prefix, jstr(r.json, "listenKey"), suffix);
    hres_free(&r);
    return ws_connect(f, w, target);
}

/* First message from index *from on whose JSON has key == value (in "o" or top level,
 * or "data" in combined mode); NULL when none arrived within ms. */
static json_t *ws_wait(fx *f, wsc *w, int *from, const char *path1, const char *path2,
                       const char *value, int ms)
{
    json_t *hit = NULL;
    for (;;) {
        while (*from < w->n && hit == NULL) {
            json_t *j = json_loads(w->msgs[(*from)++], 0, NULL), *o = j;
            if (json_object_get(o, "data"))
                o = json_object_get(o, "data");
            if (path2 != NULL)
                o = json_object_get(o, path1);
            if (strcmp(jstr(o, path2 ? path2 : path1), value) == 0)
                hit = j;
            else
                json_decref(j);
        }
        if (hit != NULL || ms <= 0)
            return hit;
        {
            int before = w->n;
            RUN_UNTIL(&f->loop, w->n > before, 100);
        }
        ms -= 100;
    }
}

/* ------------------------------------------------------------------------------------
 * tests
 * ---------------------------------------------------------------------------------- */

static void test_time_and_info(void)
{
    fx f;
    hres r;
    json_t *syms, *eth = NULL, *btc = NULL, *it, *fl;
    size_t i;
    if (fx_up(&f, "binance") != 0)
        return;
    PUBLIC(&f, &r, "GET", "/fapi/v1/time", STATUS(200));
    CU_ASSERT_TRUE(llabs(jint(r.json, "serverTime") - wall_ms()) < 5000);
    CU_ASSERT_TRUE(r.weight[0] != '\0' && atoi(r.weight) >= 1);
    CU_ASSERT_TRUE(r.orders10[0] != '\0');
    hres_free(&r);

    PUBLIC(&f, &r, "GET", "/fapi/v1/exchangeInfo", STATUS(200));
    syms = json_object_get(r.json, "symbols");
    json_array_foreach(syms, i, it) {
        if (strcmp(jstr(it, "symbol"), SYM) == 0)
            eth = it;
        if (strcmp(jstr(it, "symbol"), "BTCUSDT") == 0)
            btc = it;
    }
    CU_ASSERT_PTR_NOT_NULL(eth);
    CU_ASSERT_PTR_NOT_NULL(btc);
    if (eth != NULL) {
        SQT_ASSERT_STR_EQ(jstr(eth, "status"), "TRADING");
        fl = filter(eth, "PRICE_FILTER");
        SQT_ASSERT_STR_EQ(jstr(fl, "tickSize"), "0.01");
        fl = filter(eth, "LOT_SIZE");
        SQT_ASSERT_STR_EQ(jstr(fl, "stepSize"), "0.001");
        SQT_ASSERT_STR_EQ(jstr(fl, "minQty"), "0.001");
        SQT_ASSERT_STR_EQ(jstr(filter(eth, "MIN_NOTIONAL"), "notional"), "5");
        SQT_ASSERT_INT_EQ(jint(filter(eth, "MAX_NUM_ORDERS"), "limit"), 200);
    }
    if (btc != NULL)
        SQT_ASSERT_STR_EQ(jstr(filter(btc, "PRICE_FILTER"), "tickSize"), "0.10");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(r.json, "rateLimits")), 3);
    hres_free(&r);

    PUBLIC(&f, NULL, "GET", "/fapi/v1/klines?symbol=ETHUSDT&interval=1m&limit=10", STATUS(200),
           LEN("", 10));
    PUBLIC(&f, NULL, "GET", "/fapi/v1/klines?symbol=ETHUSDT&interval=7m", INT("code", -1120));
    fx_stop(&f);
}

static void test_place_query_cancel(void)
{
    fx f;
    hres r;
    long long id;
    if (fx_up(&f, "binance") != 0)
        return;
    SIGNED(&f, &r, "POST", "/fapi/v1/order", BN_GTX_BUY "2990.00&newClientOrderId=x-test_B_1",
           NULL, STATUS(200), STR("status", "NEW"), STR("clientOrderId", "x-test_B_1"),
           STR("origQty", "0.010"), STR("price", "2990.00"), STR("timeInForce", "GTX"));
    SQT_ASSERT_STR_EQ(r.orders10, "1");
    id = jint(r.json, "orderId");
    CU_ASSERT_TRUE(id > 0);
    hres_free(&r);

    /* the same client id while the order is open */
    SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2980.00&newClientOrderId=x-test_B_1",
           NULL, STATUS(400), INT("code", -4116));
    /* post-only that would take: the price is 3000.00 */
    SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "3000.00", NULL, INT("code", -5022));
    /* notional 2.99 < 5 */
    SIGNED(&f, NULL, "POST", "/fapi/v1/order",
           "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.001&price=2990.00",
           NULL, INT("code", -4164));
    SIGNED(&f, NULL, "POST", "/fapi/v1/order",
           "symbol=XYZUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00",
           NULL, INT("code", -1121));
    /* reduce-only with no position */
    SIGNED(&f, NULL, "POST", "/fapi/v1/order",
           "symbol=ETHUSDT&side=SELL&type=LIMIT&timeInForce=GTX&quantity=0.010&price=3010.00&"
           "reduceOnly=true",
           NULL, INT("code", -2022));

    SIGNED(&f, NULL, "GET", "/fapi/v1/openOrders", "symbol=ETHUSDT", NULL, LEN("", 1));
    SIGNED(&f, &r, "GET", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=x-test_B_1", NULL,
           INT("orderId", id));
    CU_ASSERT_TRUE(jint(r.json, "time") > 0);
    hres_free(&r);

    SIGNED(&f, NULL, "DELETE", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=x-test_B_1",
           NULL, STATUS(200), STR("status", "CANCELED"));
    SIGNED(&f, NULL, "DELETE", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=x-test_B_1",
           NULL, STATUS(400), INT("code", -2011));
    SIGNED(&f, NULL, "GET", "/fapi/v1/order", "symbol=ETHUSDT&orderId=999", NULL,
           INT("code", -2013));
    SIGNED(&f, NULL, "GET", "/fapi/v2/account", "", NULL, STATUS(200),
           STR("assets.0.walletBalance", "10000.00000000"));
    SIGNED(&f, NULL, "GET", "/fapi/v1/positionSide/dual", "", NULL, IS_FALSE("dualSidePosition"));
    fx_stop(&f);
}

static void test_auth_errors(void)
{
    fx f;
    char s[512], t[700];
    if (fx_up(&f, "binance") != 0)
        return;
    /* correct signature, wrong secret */
    sign("symbol=ETHUSDT", wall_ms(), "not-the-secret", s, sizeof(s));
    snprintf(t, sizeof(t), "/fapi/v1/openOrders?%s", s);
    KEYED(&f, NULL, "GET", t, NULL, STATUS(400), INT("code", -1022), IS_STRING("msg"),
          MEMBERS("", 2));
    /* tampered after signing */
    sign("symbol=ETHUSDT", wall_ms(), SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    s[7] = 'B'; /* symbol=BTHUSDT */
    snprintf(t, sizeof(t), "/fapi/v1/openOrders?%s", s);
    KEYED(&f, NULL, "GET", t, NULL, INT("code", -1022));
    /* stale and future timestamps */
    sign("symbol=ETHUSDT", wall_ms() - 10000, SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    snprintf(t, sizeof(t), "/fapi/v1/openOrders?%s", s);
    KEYED(&f, NULL, "GET", t, NULL, STATUS(400), INT("code", -1021));
    sign("symbol=ETHUSDT", wall_ms() + 5000, SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    snprintf(t, sizeof(t), "/fapi/v1/openOrders?%s", s);
    KEYED(&f, NULL, "GET", t, NULL, INT("code", -1021));
    /* keys */
    sign("symbol=ETHUSDT", wall_ms(), SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    snprintf(t, sizeof(t), "/fapi/v1/openOrders?%s", s);
    PUBLIC(&f, NULL, "GET", t, STATUS(401), INT("code", -2014));
    {
        hres r;
        call_key(&f, "GET", t, NULL, "someone-else", 0, &r);
        SQT_ASSERT_INT_EQ(jint(r.json, "code"), -2015);
        hres_free(&r);
    }
    /* no timestamp at all */
    KEYED(&f, NULL, "GET", "/fapi/v1/openOrders?symbol=ETHUSDT&signature=00", NULL,
          INT("code", -1102));
    /* the official test vector's shape with the emulator's secret, in the body */
    sign("symbol=ETHUSDT&side=BUY&type=LIMIT&quantity=0.010&price=2990.00&timeInForce=GTC",
         wall_ms(), SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    KEYED(&f, NULL, "POST", "/fapi/v1/order", s, STATUS(200));
    fx_stop(&f);
}

static void test_user_stream_fill(void)
{
    fx f;
    hres r;
    wsc user, market;
    char target[256];
    json_t *j, *o;
    int from = 0, mfrom = 0;
    if (fx_up(&f, "binance") != 0)
        return;
    KEYED(&f, &r, "POST", "/fapi/v1/listenKey", NULL, STATUS(200));
    snprintf(target, sizeof(target),
             "/private/ws?listenKey=%s&events=ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/listenKeyExpired",
             jstr(r.json, "listenKey"));
    SQT_ASSERT_INT_EQ(strlen(jstr(r.json, "listenKey")), 64);
    hres_free(&r);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &user, target), 0);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &market, "/market/ws/ethusdt@aggTrade"), 0);
    /* an unknown key: a silent socket by default, 403 when asked */
    {
        wsc dead;
        SQT_ASSERT_INT_EQ(ws_connect(&f, &dead, "/private/ws?listenKey=nope"), 0);
        CTL(&f, NULL, "dead_listen_key", "{\"mode\":\"refuse\"}", STATUS(200));
        wsc bad;
        CU_ASSERT_TRUE(ws_connect(&f, &bad, "/private/ws?listenKey=nope") != 0);
        ws_done(&f, &bad);
        scall(&f, "POST", "/fapi/v1/order", BN_GTX_BUY "2900.00", &r);
        hres_free(&r);
        RUN_UNTIL(&f.loop, user.n > 0, 2000);
        CU_ASSERT_TRUE(user.n > 0);
        SQT_ASSERT_INT_EQ(dead.n, 0); /* nothing on the dead key's socket */
        ws_done(&f, &dead);
        SIGNED(&f, NULL, "DELETE", "/fapi/v1/allOpenOrders", "symbol=ETHUSDT", NULL,
               INT("code", 200));
        from = user.n;
    }

    SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2990.00&newClientOrderId=grid_1", NULL,
           STATUS(200));
    j = ws_wait(&f, &user, &from, "o", "X", "NEW", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    o = json_object_get(j, "o");
    SQT_ASSERT_STR_EQ(jstr(j, "e"), "ORDER_TRADE_UPDATE");
    SQT_ASSERT_STR_EQ(jstr(o, "c"), "grid_1");
    SQT_ASSERT_STR_EQ(jstr(o, "x"), "NEW");
    SQT_ASSERT_STR_EQ(jstr(o, "f"), "GTX");
    SQT_ASSERT_STR_EQ(jstr(o, "z"), "0.000");
    json_decref(j);

    /* the manual price crosses the resting buy */
    CTL(&f, NULL, "price", "{\"price\":\"2989.50\"}", STATUS(200));
    j = ws_wait(&f, &user, &from, "o", "X", "FILLED", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    o = json_object_get(j, "o");
    SQT_ASSERT_STR_EQ(jstr(o, "x"), "TRADE");
    SQT_ASSERT_STR_EQ(jstr(o, "s"), SYM);
    SQT_ASSERT_STR_EQ(jstr(o, "S"), "BUY");
    SQT_ASSERT_STR_EQ(jstr(o, "l"), "0.010");
    SQT_ASSERT_STR_EQ(jstr(o, "z"), "0.010");
    SQT_ASSERT_STR_EQ(jstr(o, "L"), "2990.00");
    SQT_ASSERT_STR_EQ(jstr(o, "N"), "USDT");
    SQT_ASSERT_STR_EQ(jstr(o, "n"), "0.00598"); /* 29.9 * 0.0002 */
    CU_ASSERT_TRUE(json_is_true(json_object_get(o, "m")));
    CU_ASSERT_TRUE(jint(o, "i") > 0);
    json_decref(j);
    j = ws_wait(&f, &user, &from, "e", NULL, "ACCOUNT_UPDATE", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(json_object_get(j, "a"), "P"), 0), "pa"),
                      "0.010");
    json_decref(j);
    j = ws_wait(&f, &market, &mfrom, "e", NULL, "aggTrade", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(j, "p"), "2989.50");
    json_decref(j);

    /* the ground truth */
    KEYED(&f, NULL, "GET", "/_emu/state", NULL, STATUS(200), LEN("fills", 1),
          STR("position.size", "0.010"), LEN("open_orders", 0));

    /* the listenKey expires: listenKeyExpired, then the server closes the stream */
    CTL(&f, NULL, "expire_listen_key", NULL, STATUS(200));
    j = ws_wait(&f, &user, &from, "e", NULL, "listenKeyExpired", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    RUN_UNTIL(&f.loop, user.downs > 0, 3000);
    SQT_ASSERT_INT_EQ(user.downs, 1);
    KEYED(&f, NULL, "PUT", "/fapi/v1/listenKey", NULL, INT("code", -1125));
    ws_done(&f, &user);
    ws_done(&f, &market);
    fx_stop(&f);
}

static void test_rate_limit_fault(void)
{
    fx f;
    hres r;
    if (fx_up(&f, "binance") != 0)
        return;
    CTL(&f, NULL, "http429", "{\"count\":1,\"retry_after_ms\":2000}", STATUS(200));
    PUBLIC(&f, &r, "GET", "/fapi/v1/time", STATUS(429), INT("code", -1003));
    SQT_ASSERT_STR_EQ(r.retry_after, "2");
    CU_ASSERT_TRUE(r.weight[0] != '\0');
    hres_free(&r);
    PUBLIC(&f, NULL, "GET", "/fapi/v1/time", STATUS(200));
    /* a ban answers 418 to everything until lifted */
    ctl(&f, "ban", "{\"ms\":60000}");
    PUBLIC(&f, &r, "GET", "/fapi/v1/time", STATUS(418), HAS("msg", "banned until"));
    CU_ASSERT_TRUE(atoi(r.retry_after) >= 59);
    hres_free(&r);
    ctl(&f, "clear", NULL);
    PUBLIC(&f, NULL, "GET", "/fapi/v1/time", STATUS(200));
    fx_stop(&f);
}

static void test_batch_mixed(void)
{
    fx f;
    hres r;
    char p[1500];
    long long id;
    if (fx_up(&f, "binance") != 0)
        return;
    /* [valid, post-only crossing, too many decimals] as the URL-encoded JSON array */
    snprintf(p, sizeof(p), "batchOrders=%s",
             "%5B%7B%22symbol%22%3A%22ETHUSDT%22%2C%22side%22%3A%22BUY%22%2C%22type%22%3A%22"
             "LIMIT%22%2C%22timeInForce%22%3A%22GTX%22%2C%22quantity%22%3A%220.010%22%2C%22"
             "price%22%3A%222980.00%22%2C%22newClientOrderId%22%3A%22b1%22%7D%2C%7B%22symbol%22"
             "%3A%22ETHUSDT%22%2C%22side%22%3A%22BUY%22%2C%22type%22%3A%22LIMIT%22%2C%22"
             "timeInForce%22%3A%22GTX%22%2C%22quantity%22%3A%220.010%22%2C%22price%22%3A%22"
             "3005.00%22%2C%22newClientOrderId%22%3A%22b2%22%7D%2C%7B%22symbol%22%3A%22ETHUSDT"
             "%22%2C%22side%22%3A%22BUY%22%2C%22type%22%3A%22LIMIT%22%2C%22timeInForce%22%3A"
             "%22GTX%22%2C%22quantity%22%3A%220.010%22%2C%22price%22%3A%222980.001%22%2C%22"
             "newClientOrderId%22%3A%22b3%22%7D%5D");
    SIGNED(&f, &r, "POST", "/fapi/v1/batchOrders", p, NULL, STATUS(200), LEN("", 3),
           STR("0.status", "NEW"), STR("0.clientOrderId", "b1"), INT("1.code", -5022),
           INT("2.code", -1111));
    SQT_ASSERT_STR_EQ(r.orders10, "5");
    id = jint(json_array_get(r.json, 0), "orderId");
    hres_free(&r);

    snprintf(p, sizeof(p), "symbol=ETHUSDT&orderIdList=%%5B%lld%%2C12345%%5D", id);
    SIGNED(&f, NULL, "DELETE", "/fapi/v1/batchOrders", p, NULL, STATUS(200), LEN("", 2),
           STR("0.status", "CANCELED"), INT("1.code", -2011));
    fx_stop(&f);
}

static void test_outcome_unknown_and_timeout(void)
{
    fx f;
    hres r;
    if (fx_up(&f, "binance") != 0)
        return;
    /* 503 after the order was placed: the state has it */
    ctl(&f, "unknown_error", "{\"count\":1,\"placed\":true,\"path\":\"/fapi/v1/order\"}");
    SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2990.00&newClientOrderId=u1", NULL,
           STATUS(503),
           STR("msg", "Unknown error, please check your request or try again later."));
    SIGNED(&f, NULL, "GET", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=u1", NULL,
           STR("status", "NEW"));
    /* 503 without placing */
    ctl(&f, "unknown_error", "{\"placed\":false}");
    SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2990.00&newClientOrderId=u2", NULL,
           STATUS(503));
    SIGNED(&f, NULL, "GET", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=u2", NULL,
           INT("code", -2013));
    /* never answered */
    ctl(&f, "timeout", "{\"count\":1}");
    call_key(&f, "GET", "/fapi/v1/time", NULL, NULL, 400, &r);
    SQT_ASSERT_INT_EQ(r.err, SQT_ETIMEOUT);
    hres_free(&r);
    /* delayed, and a trigger: after the next order every post-only is rejected once */
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "after 1 orders reject_post_only {\"count\":1}", NULL),
                      0);
    ctl(&f, "delay", "{\"ms\":300}");
    {
        int64_t t0 = wall_ms();
        SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2980.00", NULL, STATUS(200));
        CU_ASSERT_TRUE(wall_ms() - t0 >= 290);
    }
    ctl(&f, "delay", "{\"ms\":0}");
    SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2970.00", NULL, INT("code", -5022));
    SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2970.00", NULL, STATUS(200));
    fx_stop(&f);
}

static void test_push_faults(void)
{
    fx f;
    wsc user;
    int from = 0, i, news = 0;
    const char *order[3];
    if (fx_up(&f, "binance") != 0)
        return;
    SQT_ASSERT_INT_EQ(
        user_ws(&f, &user, "/private/stream?listenKey=", "&events=ORDER_TRADE_UPDATE"), 0);
    /* drop the first push, duplicate the second, swap the next two */
    ctl(&f, "drop_pushes", "{\"count\":1}");
    ctl(&f, "dup_pushes", "{\"count\":1}");
    for (i = 1; i <= 4; i++) {
        char p[256];
        if (i == 3)
            ctl(&f, "reorder_pushes", "{\"count\":1}");
        snprintf(p, sizeof(p), BN_GTX_BUY "29%d0.00&newClientOrderId=p%d", i, i);
        SIGNED(&f, NULL, "POST", "/fapi/v1/order", p, NULL, STATUS(200));
    }
    RUN_UNTIL(&f.loop, user.n >= 4, 3000);
    SQT_ASSERT_INT_EQ(user.n, 4); /* p2 twice, p4, p3 */
    for (i = 0; i < user.n && i < 4; i++) {
        json_t *j = json_loads(user.msgs[i], 0, NULL);
        json_t *o = json_object_get(json_object_get(j, "data"), "o");
        CU_ASSERT_PTR_NOT_NULL(json_object_get(j, "stream")); /* combined mode */
        if (i < 3)
            order[i] = strdup(jstr(o, "c"));
        news += strcmp(jstr(o, "X"), "NEW") == 0;
        if (i == 3) {
            SQT_ASSERT_STR_EQ(jstr(o, "c"), "p3");
        }
        json_decref(j);
    }
    if (user.n >= 3) {
        SQT_ASSERT_STR_EQ(order[0], "p2");
        SQT_ASSERT_STR_EQ(order[1], "p2");
        SQT_ASSERT_STR_EQ(order[2], "p4");
        for (i = 0; i < 3; i++)
            free((char *)order[i]);
    }
    SQT_ASSERT_INT_EQ(news, 4);
    KEYED(&f, NULL, "GET", "/_emu/state", NULL, INT("counters.pushes_dropped", 1));
    (void)from;
    /* drop the user connections: the client sees it go down */
    CTL(&f, NULL, "drop_ws", "{\"which\":\"user\"}", INT("connections", 1));
    RUN_UNTIL(&f.loop, user.downs > 0, 3000);
    SQT_ASSERT_INT_EQ(user.downs, 1);
    ws_done(&f, &user);
    fx_stop(&f);
}

static void test_market_streams(void)
{
    fx f;
    wsc comb, pub;
    int from = 0, pfrom = 0;
    json_t *j;
    if (fx_up(&f, "binance") != 0)
        return;
    SQT_ASSERT_INT_EQ(
        ws_connect(&f, &comb, "/market/stream?streams=ethusdt@kline_1m/btcusdt@kline_1m"), 0);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &pub, "/public/ws/ethusdt@bookTicker/ethusdt@aggTrade"), 0);
    {
        static const char list[] = "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":7}";
        SQT_ASSERT_INT_EQ(sqt_ws_send(comb.ws, list, strlen(list), 0), 0);
    }
    j = ws_wait(&f, &comb, &from, "e", NULL, "kline", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    CU_ASSERT_PTR_NOT_NULL(json_object_get(json_object_get(json_object_get(j, "data"), "k"), "x"));
    json_decref(j);
    {
        int i = 0, listed = 0, waited;
        for (waited = 0; !listed && waited < 3000; waited += 100) {
            for (; i < comb.n && !listed; i++) {
                json_t *m = json_loads(comb.msgs[i], 0, NULL);
                listed = jint(m, "id") == 7 && json_array_size(json_object_get(m, "result")) == 2;
                json_decref(m);
            }
            if (!listed) {
                int before = comb.n;
                RUN_UNTIL(&f.loop, comb.n > before, 100);
            }
        }
        CU_ASSERT_TRUE(listed);
    }
    ctl(&f, "price", "{\"price\":\"3001.00\"}");
    j = ws_wait(&f, &pub, &pfrom, "e", NULL, "bookTicker", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(j, "a"), "3001.00");
    SQT_ASSERT_STR_EQ(jstr(j, "b"), "3000.99");
    json_decref(j);
    /* aggTrade is not a /public stream */
    pfrom = 0;
    j = ws_wait(&f, &pub, &pfrom, "e", NULL, "aggTrade", 300);
    CU_ASSERT_PTR_NULL(j);
    json_decref(j);
    ws_done(&f, &comb);
    ws_done(&f, &pub);
    fx_stop(&f);
}

static void test_command_lines(void)
{
    fx f;
    char *reply = NULL;
    char path[] = "/tmp/sqt-emu-faults-XXXXXX";
    int fd;
    FILE *fp;
    sqt_emu_opts o;
    sqt_emu *e = NULL;
    char err[256];
    if (fx_up(&f, "binance") != 0)
        return;
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "price {\"price\":\"2999.99\"}", &reply), 0);
    CU_ASSERT_TRUE(reply && strstr(reply, "2999.99"));
    free(reply);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "price {\"price\":\"2999.995\"}", &reply), SQT_EINVAL);
    free(reply);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "no_such_thing", NULL), SQT_ENOENT);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "price {not json", NULL), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "at soon drop_ws", NULL), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "at 50 ms price {\"price\":\"2900.00\"}", &reply), 0);
    CU_ASSERT_TRUE(reply && strstr(reply, "scheduled"));
    free(reply);
    RUN_UNTIL(&f.loop, sqt_emu_price(f.emu).mant == 290000, 2000);
    SQT_ASSERT_INT_EQ(sqt_emu_price(f.emu).mant, 290000);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "step {\"n\":3}", NULL), 0);
    fx_stop(&f);

    /* a faults file with a bad line refuses to start, naming the line */
    fd = mkstemp(path);
    fp = fdopen(fd, "w");
    fprintf(fp, "# comment\n\nprice {\"price\":\"3100.00\"}\nafter 2 orders http429\nbogus\n");
    fclose(fp);
    uv_loop_init(&f.loop);
    sqt_emu_opts_default(&o);
    o.dialect = "binance";
    o.faults_file = path;
    CU_ASSERT_TRUE(sqt_emu_start(&f.loop, &o, &e, err, sizeof(err)) != SQT_OK);
    CU_ASSERT_TRUE(strstr(err, ":5:") != NULL);
    SQT_ASSERT_INT_EQ(uv_loop_close(&f.loop), 0);
    unlink(path);
}

static void test_partial_fill_and_reset(void)
{
    fx f;
    hres r;
    long long id1;
    if (fx_up(&f, "binance") != 0)
        return;
    CTL(&f, NULL, "partial_fill", "{\"qty\":\"0.004\"}", STATUS(200));
    scall(&f, "POST", "/fapi/v1/order", BN_GTX_BUY "2990.00&newClientOrderId=pf1", &r);
    id1 = jint(r.json, "orderId");
    hres_free(&r);
    /* with an open order the fill size cannot change */
    CTL(&f, NULL, "partial_fill", "{\"qty\":\"0\"}", STATUS(400));
    ctl(&f, "price", "{\"price\":\"2989.00\"}");
    SIGNED(&f, NULL, "GET", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=pf1", NULL,
           STR("status", "PARTIALLY_FILLED"), STR("executedQty", "0.004"));
    ctl(&f, "price", "{\"price\":\"2989.50\"}");
    ctl(&f, "price", "{\"price\":\"2989.00\"}");
    SIGNED(&f, NULL, "GET", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=pf1", NULL,
           STR("status", "FILLED"), STR("executedQty", "0.010"), STR("cumQuote", "29.9"));
    SIGNED(&f, NULL, "GET", "/fapi/v2/positionRisk", "symbol=ETHUSDT", NULL,
           STR("0.positionAmt", "0.010"));
    KEYED(&f, NULL, "GET", "/_emu/state", NULL, LEN("fills", 3));

    /* reset: flat, the starting wallet, no fills; order ids go on counting */
    CTL(&f, NULL, "reset", NULL, STATUS(200));
    KEYED(&f, NULL, "GET", "/_emu/state", NULL, STR("position.size", "0.000"),
          STR("balance", "10000.00000000"), LEN("fills", 0));
    SIGNED(&f, &r, "POST", "/fapi/v1/order", BN_GTX_BUY "2980.00", NULL, STATUS(200));
    CU_ASSERT_TRUE(jint(r.json, "orderId") > id1);
    hres_free(&r);
    /* insufficient margin, forced */
    ctl(&f, "reject_margin", "{\"count\":1}");
    SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2970.00", NULL, INT("code", -2019));
    fx_stop(&f);
}

/* A signed GET /fapi/v1/userTrades; its weight header in *weight. */
static json_t *user_trades(fx *f, const char *params, int status, int *weight)
{
    hres r;
    json_t *j;
    SIGNED(f, &r, "GET", "/fapi/v1/userTrades", params, NULL, STATUS(status));
    if (weight != NULL)
        *weight = atoi(r.weight);
    j = json_incref(r.json);
    hres_free(&r);
    return j;
}

static void place_buy(fx *f, const char *price, const char *cid, long long *id)
{
    char params[256];
    hres r;
    snprintf(params, sizeof(params), BN_GTX_BUY "%s&newClientOrderId=%s", price, cid);
    SIGNED(f, &r, "POST", "/fapi/v1/order", params, NULL, STATUS(200));
    *id = jint(r.json, "orderId");
    hres_free(&r);
}

static void set_price(fx *f, const char *price)
{
    char body[64];
    snprintf(body, sizeof(body), "{\"price\":\"%s\"}", price);
    CTL(f, NULL, "price", body, STATUS(200));
}

/* GET /fapi/v1/userTrades: the fill ledger as Binance's account trade list. */
static void test_user_trades(void)
{
    fx f;
    hres r;
    wsc user;
    json_t *j, *t, *fills, *push;
    long long a, b, last = 0;
    char params[128];
    size_t i;
    int w1 = 0, w2 = 0, from = 0;
    if (fx_up(&f, "binance") != 0)
        return;
    SQT_ASSERT_INT_EQ(user_ws(&f, &user, "/private/ws?listenKey=", ""), 0);
    ctl(&f, "partial_fill", "{\"qty\":\"0.004\"}");
    place_buy(&f, "2990.00", "ut_a", &a);
    place_buy(&f, "2980.00", "ut_b", &b);
    set_price(&f, "2989.00"); /* a: 0.004 */
    set_price(&f, "2989.50");
    set_price(&f, "2989.00"); /* a: 0.004 */
    set_price(&f, "2979.00"); /* a: 0.002 (filled), b: 0.004 */

    /* every trade of the symbol, ascending id, as the ledger has them */
    j = user_trades(&f, "symbol=ETHUSDT", 200, &w1);
    call(&f, "GET", "/_emu/state", NULL, &r);
    fills = json_object_get(r.json, "fills");
    SQT_ASSERT_INT_EQ(json_array_size(j), 4);
    SQT_ASSERT_INT_EQ(json_array_size(fills), 4);
    json_array_foreach(j, i, t) {
        json_t *fl = json_array_get(fills, i);
        CU_ASSERT_TRUE(jint(t, "id") > last);
        last = jint(t, "id");
        SQT_ASSERT_INT_EQ(jint(t, "id"), jint(fl, "trade_id"));
        SQT_ASSERT_STR_EQ(jstr(t, "symbol"), SYM);
        SQT_ASSERT_STR_EQ(jstr(t, "side"), "BUY");
        SQT_ASSERT_STR_EQ(jstr(t, "qty"), jstr(fl, "qty"));
        SQT_ASSERT_STR_EQ(jstr(t, "price"), jstr(fl, "price"));
        SQT_ASSERT_STR_EQ(jstr(t, "commission"), jstr(fl, "fee"));
        SQT_ASSERT_STR_EQ(jstr(t, "commissionAsset"), "USDT");
        SQT_ASSERT_STR_EQ(jstr(t, "positionSide"), "BOTH");
        CU_ASSERT_TRUE(json_is_true(json_object_get(t, "maker")));
        CU_ASSERT_TRUE(json_is_true(json_object_get(t, "buyer")));
        CU_ASSERT_TRUE(jint(t, "time") > 0);
        CU_ASSERT_TRUE(json_is_string(json_object_get(t, "quoteQty")));
        CU_ASSERT_TRUE(json_is_string(json_object_get(t, "realizedPnl")));
    }
    SQT_ASSERT_INT_EQ(jint(json_array_get(j, 3), "orderId"), b);
    hres_free(&r);
    json_decref(j);

    /* one order's trades: their quantities make its executedQty, the fee is the maker's */
    snprintf(params, sizeof(params), "symbol=ETHUSDT&orderId=%lld", a);
    j = user_trades(&f, params, 200, &w2);
    /* weight 5 (or the first of a new minute) */
    CU_ASSERT_TRUE(w2 - w1 == 5 || w2 == 5);
    SQT_ASSERT_INT_EQ(json_array_size(j), 3);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(j, 0), "qty"), "0.004");
    SQT_ASSERT_STR_EQ(jstr(json_array_get(j, 1), "qty"), "0.004");
    SQT_ASSERT_STR_EQ(jstr(json_array_get(j, 2), "qty"), "0.002");
    SQT_ASSERT_STR_EQ(jstr(json_array_get(j, 0), "commission"), "0.002392"); /* 11.96 * 0.0002 */
    SQT_ASSERT_STR_EQ(jstr(json_array_get(j, 0), "price"), "2990.00");
    json_array_foreach(j, i, t) SQT_ASSERT_INT_EQ(jint(t, "orderId"), a);
    /* the pushes name the same trades */
    for (i = 0; i < 3; i++) {
        push = ws_wait(&f, &user, &from, "o", "x", "TRADE", 3000);
        CU_ASSERT_PTR_NOT_NULL_FATAL(push);
        SQT_ASSERT_INT_EQ(jint(json_object_get(push, "o"), "t"), jint(json_array_get(j, i), "id"));
        json_decref(push);
    }
    json_decref(j);
    /* limit keeps the newest, still ascending */
    snprintf(params, sizeof(params), "symbol=ETHUSDT&orderId=%lld&limit=2", a);
    SIGNED(&f, &r, "GET", "/fapi/v1/userTrades", params, NULL, STATUS(200), LEN("", 2),
           STR("1.qty", "0.002"));
    CU_ASSERT_TRUE(jint(json_array_get(r.json, 0), "id") < jint(json_array_get(r.json, 1), "id"));
    hres_free(&r);
    SIGNED(&f, NULL, "GET", "/fapi/v1/userTrades", "symbol=ETHUSDT&orderId=999999", NULL,
           STATUS(200), LEN("", 0));
    SIGNED(&f, NULL, "GET", "/fapi/v1/userTrades", "symbol=BTCUSDT", NULL, /* never traded */
           STATUS(200), LEN("", 0));

    /* refusals */
    SIGNED(&f, NULL, "GET", "/fapi/v1/userTrades", "", NULL, STATUS(400), INT("code", -1102),
           HAS("msg", "'symbol'"));
    SIGNED(&f, NULL, "GET", "/fapi/v1/userTrades", "symbol=XYZUSDT", NULL, STATUS(400),
           INT("code", -1121));
    SIGNED(&f, NULL, "GET", "/fapi/v1/userTrades", "symbol=ETHUSDT&orderId=12a", NULL,
           STATUS(400), INT("code", -1102));
    SIGNED(&f, NULL, "GET", "/fapi/v1/userTrades", "symbol=ETHUSDT&limit=0", NULL, STATUS(400),
           INT("code", -1130));
    SIGNED(&f, NULL, "GET", "/fapi/v1/userTrades", "symbol=ETHUSDT&limit=1001", NULL,
           STATUS(400), INT("code", -1130));
    /* signed: no timestamp */
    KEYED(&f, NULL, "GET", "/fapi/v1/userTrades?symbol=ETHUSDT", NULL, STATUS(400));

    /* reset empties the ledger; trade ids are never reused */
    ctl(&f, "reset", NULL);
    SIGNED(&f, NULL, "GET", "/fapi/v1/userTrades", "symbol=ETHUSDT", NULL, STATUS(200),
           LEN("", 0));
    place_buy(&f, "2970.00", "ut_c", &a);
    set_price(&f, "2969.00");
    SIGNED(&f, &r, "GET", "/fapi/v1/userTrades", "symbol=ETHUSDT", NULL, STATUS(200), LEN("", 1));
    CU_ASSERT_TRUE(jint(json_array_get(r.json, 0), "id") > last);
    hres_free(&r);
    ws_done(&f, &user);
    fx_stop(&f);
}

/* The binary: first stdout line, a request, SIGTERM -> exit 0. */
static void test_binary(void)
{
    int out[2];
    pid_t pid;
    char line[128] = "";
    FILE *fp;
    int port = 0, status = 0;
    fx f;
    hres r;
    CU_ASSERT_FATAL(pipe(out) == 0);
    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(out[1], 1);
        if (devnull >= 0)
            dup2(devnull, 2);
        close(out[0]);
        close(out[1]);
        execl(SQT_EMU_BIN, "opensqt-emulator", "--dialect", "binance", "--port", "0",
              "--price-mode", "manual", "--seed", "3", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    fp = fdopen(out[0], "r");
    if (fp == NULL || fgets(line, sizeof(line), fp) == NULL)
        line[0] = '\0';
    CU_ASSERT_TRUE(sscanf(line, "listening on 127.0.0.1:%d", &port) == 1 && port > 0);
    CU_ASSERT_TRUE(strncmp(line, "listening on 127.0.0.1:", 23) == 0 &&
                   line[strlen(line) - 1] == '\n');
    if (port > 0) {
        memset(&f, 0, sizeof(f));
        uv_loop_init(&f.loop);
        f.port = port;
        f.http = sqt_http_new(&f.loop, NULL);
        call_key(&f, "GET", "/fapi/v1/time", NULL, NULL, 0, &r);
        SQT_ASSERT_INT_EQ(r.status, 200);
        hres_free(&r);
        sqt_http_close(f.http, on_http_closed, &f);
        RUN_UNTIL(&f.loop, f.http_closed, 3000);
        drain(&f.loop, 3000);
        SQT_ASSERT_INT_EQ(uv_loop_close(&f.loop), 0);
    }
    kill(pid, SIGTERM);
    {
        int i;
        for (i = 0; i < 100; i++) { /* at most 5 s */
            if (waitpid(pid, &status, WNOHANG) == pid)
                break;
            usleep(50000);
        }
        if (i == 100) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            CU_FAIL("the emulator did not stop on SIGTERM");
        }
    }
    CU_ASSERT_TRUE(WIFEXITED(status));
    SQT_ASSERT_INT_EQ(WEXITSTATUS(status), 0);
    if (fp)
        fclose(fp);
}

/* ------------------------------------------------------------------------------------
 * control commands other issues need, fidelity
 * ---------------------------------------------------------------------------------- */

static json_t *state_of(fx *f)
{
    hres r;
    json_t *j;
    call(f, "GET", "/_emu/state", NULL, &r);
    j = json_incref(r.json);
    hres_free(&r);
    return j;
}

/* A long of 0.010 bought at 2990.00 (maker), the price left at 2989.50. */
static void open_long(fx *f)
{
    SIGNED(f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2990.00&newClientOrderId=grid_long",
           NULL, STATUS(200));
    ctl(f, "price", "{\"price\":\"2989.50\"}");
}

static void test_close_position(void)
{
    fx f;
    wsc user;
    json_t *st, *j, *fl, *last;
    int from = 0;
    if (fx_up(&f, "binance") != 0)
        return;
    SQT_ASSERT_INT_EQ(user_ws(&f, &user, "/private/ws?listenKey=", ""), 0);
    /* nothing to close yet */
    CTL(&f, NULL, "close_position", NULL, STATUS(400), HAS("error", "no position"));
    open_long(&f);
    /* one of ours rests above: it must stay */
    SIGNED(&f, NULL, "POST", "/fapi/v1/order",
           "symbol=ETHUSDT&side=SELL&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2992.00&"
           "newClientOrderId=grid_sell",
           NULL, STATUS(200));
    from = user.n;
    CTL(&f, NULL, "close_position", "{\"qty\":\"0.004\"}", STATUS(200), STR("closed", "0.004"));
    j = ws_wait(&f, &user, &from, "e", NULL, "ACCOUNT_UPDATE", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(json_object_get(j, "a"), "P"), 0), "pa"),
                      "0.006");
    json_decref(j);
    st = state_of(&f);
    SQT_ASSERT_STR_EQ(jstr(json_object_get(st, "position"), "size"), "0.006");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(st, "open_orders")), 1);
    fl = json_object_get(st, "fills");
    SQT_ASSERT_INT_EQ(json_array_size(fl), 2);
    last = json_array_get(fl, 1);
    SQT_ASSERT_STR_EQ(jstr(last, "client_id"), "");
    SQT_ASSERT_STR_EQ(jstr(last, "side"), "SELL");
    SQT_ASSERT_STR_EQ(jstr(last, "qty"), "0.004");
    SQT_ASSERT_STR_EQ(jstr(last, "price"), "2989.50");
    SQT_ASSERT_STR_EQ(jstr(last, "fee"), "0.005979"); /* 11.958 * 0.0005, taker */
    SQT_ASSERT_STR_EQ(jstr(last, "realized_pnl"), "-0.002");
    /* wallet: 10000 - 0.00598 (maker buy) - 0.005979 - 0.002 */
    SQT_ASSERT_STR_EQ(jstr(st, "balance"), "9999.98604100");
    json_decref(st);
    /* the rest: all of it */
    CTL(&f, NULL, "close_position", "{}", STR("closed", "0.006"));
    KEYED(&f, NULL, "GET", "/_emu/state", NULL, STR("position.size", "0.000"),
          LEN("open_orders", 1));
    CTL(&f, NULL, "close_position", "{\"qty\":\"-1\"}", STATUS(400));
    ws_done(&f, &user);
    fx_stop(&f);
}

static void test_print_and_stalled_market(void)
{
    fx f;
    wsc m;
    json_t *j;
    int from = 0;
    if (fx_up(&f, "binance") != 0)
        return;
    SQT_ASSERT_INT_EQ(ws_connect(&f, &m, "/market/ws/ethusdt@aggTrade"), 0);
    SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2900.00", NULL, STATUS(200));
    /* one outlier print far below the resting buy */
    CTL(&f, NULL, "print", "{\"price\":\"2500.00\"}", STATUS(200), STR("price", "3000.00"));
    j = ws_wait(&f, &m, &from, "e", NULL, "aggTrade", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(j, "p"), "2500.00");
    json_decref(j);
    KEYED(&f, NULL, "GET", "/_emu/state", NULL, STR("price", "3000.00"), LEN("open_orders", 1),
          LEN("fills", 0));
    /* the next tick goes on from the real price */
    ctl(&f, "step", NULL);
    j = ws_wait(&f, &m, &from, "e", NULL, "aggTrade", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    CU_ASSERT_TRUE(atof(jstr(j, "p")) > 2950.0);
    json_decref(j);
    CTL(&f, NULL, "print", "{\"price\":\"2500.001\"}", STATUS(400));

    /* a stalled market stream: nothing arrives until it is let go */
    CTL(&f, NULL, "stall_ws", "{\"which\":\"market\"}", STATUS(200), INT("connections", 1));
    from = m.n;
    ctl(&f, "price", "{\"price\":\"3005.00\"}");
    j = ws_wait(&f, &m, &from, "e", NULL, "aggTrade", 500);
    CU_ASSERT_PTR_NULL(j);
    json_decref(j);
    ctl(&f, "stall_ws", "{\"which\":\"market\",\"on\":false}");
    ctl(&f, "price", "{\"price\":\"3006.00\"}");
    j = ws_wait(&f, &m, &from, "p", NULL, "3006.00", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    ws_done(&f, &m);
    fx_stop(&f);
}

/* The current 1m kline of the traded symbol: open time and volume in steps (1e-3). */
static int current_bar(fx *f, long long *open_ms, int64_t *vol_steps)
{
    hres r;
    json_t *k;
    sqt_dec v, v3;
    const char *s;
    int ok = 0;
    call_key(f, "GET", "/fapi/v1/klines?symbol=ETHUSDT&interval=1m&limit=1", NULL, NULL, 0, &r);
    k = json_array_get(r.json, 0);
    s = json_string_value(json_array_get(k, 5));
    if (r.status == 200 && s != NULL && sqt_dec_parse(s, strlen(s), &v) == SQT_OK &&
        sqt_dec_rescale(v, 3, &v3) == SQT_OK) {
        *open_ms = (long long)json_integer_value(json_array_get(k, 0));
        *vol_steps = v3.mant;
        ok = 1;
    }
    hres_free(&r);
    return ok;
}

static void test_trade_qty_volume(void)
{
    fx f;
    wsc m;
    json_t *j;
    int from = 0, tries, same = 0;
    long long open0 = 0, open1 = 0;
    int64_t v0 = 0, v1 = 0;
    if (fx_up(&f, "binance") != 0)
        return;
    SQT_ASSERT_INT_EQ(ws_connect(&f, &m, "/market/ws/ethusdt@aggTrade"), 0);
    /* without qty: the smallest trade */
    CTL(&f, NULL, "price", "{\"price\":\"2999.00\"}", STATUS(200));
    j = ws_wait(&f, &m, &from, "p", NULL, "2999.00", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(j, "q"), "0.001");
    json_decref(j);
    /* a big trade: its size on the stream and in the current bar's volume (a minute
     * boundary between the two reads is retried) */
    for (tries = 0; tries < 3 && !same; tries++) {
        CU_ASSERT_TRUE_FATAL(current_bar(&f, &open0, &v0));
        CTL(&f, NULL, "price", "{\"price\":\"2990.00\",\"qty\":\"25.5\"}", STATUS(200),
            STR("price", "2990.00"));
        CU_ASSERT_TRUE_FATAL(current_bar(&f, &open1, &v1));
        same = open0 == open1;
        ctl(&f, "price", "{\"price\":\"2999.00\"}");
    }
    CU_ASSERT_TRUE(same);
    SQT_ASSERT_INT_EQ(v1 - v0, 25500);
    j = ws_wait(&f, &m, &from, "p", NULL, "2990.00", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(j, "q"), "25.500");
    json_decref(j);
    /* a quantity off the step, zero, negative or not a number: refused, nothing moves */
    {
        static const char *const bad[] = {"{\"price\":\"2980.00\",\"qty\":\"0.0005\"}",
                                          "{\"price\":\"2980.00\",\"qty\":\"0\"}",
                                          "{\"price\":\"2980.00\",\"qty\":\"-1\"}",
                                          "{\"price\":\"2980.00\",\"qty\":\"lots\"}"};
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
            CTL(&f, NULL, "price", bad[i], STATUS(400), HAS("error", "step size 0.001"));
    }
    KEYED(&f, NULL, "GET", "/_emu/state", NULL, STR("price", "2999.00"));
    ws_done(&f, &m);
    fx_stop(&f);
}

static void test_method_faults_and_table(void)
{
    fx f;
    if (fx_up(&f, "binance") != 0)
        return;
    /* a 429 for DELETE on /fapi/v1/order only: the POST goes through */
    CTL(&f, NULL, "http429", "{\"path\":\"/fapi/v1/order\",\"method\":\"delete\"}", STATUS(200));
    SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2990.00&newClientOrderId=m1", NULL,
           STATUS(200));
    SIGNED(&f, NULL, "DELETE", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=m1", NULL,
           STATUS(429));
    SIGNED(&f, NULL, "DELETE", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=m1", NULL,
           STATUS(200));
    CTL(&f, NULL, "timeout", "{\"method\":\"DE1\"}", STATUS(400));
    /* the table answers help and names an unknown command */
    CTL(&f, NULL, "help", NULL, STATUS(200), IS_STRING("commands.close_position"),
        IS_STRING("commands.print"), IS_STRING("commands.stall_ws"));
    CTL(&f, NULL, "drop_wss", NULL, STATUS(404), HAS("error", "drop_wss"));
    fx_stop(&f);
}

/* The code and Binance's text of one refused order. */
static void refused(fx *f, const char *params, long code, const char *msg)
{
    SIGNED(f, NULL, "POST", "/fapi/v1/order", params, NULL, STATUS(400), INT("code", code),
           STR("msg", msg));
}

static void test_binance_texts_and_band(void)
{
    fx f;
    hres r;
    wsc a, b, u;
    json_t *j, *sym;
    int from = 0;
    if (fx_up(&f, "binance") != 0)
        return;
    /* PERCENT_PRICE around the mark 3000.00: [2850.00, 3150.00] */
    call(&f, "GET", "/fapi/v1/exchangeInfo", NULL, &r);
    sym = json_array_get(json_object_get(r.json, "symbols"), 0);
    SQT_ASSERT_STR_EQ(jstr(filter(sym, "PERCENT_PRICE"), "multiplierUp"), "1.0500");
    SQT_ASSERT_STR_EQ(jstr(filter(sym, "PERCENT_PRICE"), "multiplierDown"), "0.9500");
    hres_free(&r);
    refused(&f, "symbol=ETHUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.010&price=3150.01",
            -4016, "Limit price can't be higher than 3150.00.");
    refused(&f, "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=2849.99",
            -4024, "Limit price can't be lower than 2850.00.");
    SIGNED(&f, NULL, "POST", "/fapi/v1/order", BN_GTX_BUY "2850.00&newClientOrderId=t1", NULL,
           STATUS(200));
    refused(&f, BN_GTX_BUY "2990.00&newClientOrderId=t1", -4116, "ClientOrderId is duplicated.");
    refused(&f, BN_GTX_BUY "2990.00&newClientOrderId=bad%20id", -4015,
            "Client order id is not valid.");
    refused(&f, BN_GTX_BUY "0.00", -4014, "Price not increased by tick size.");
    refused(&f, BN_GTX_BUY "2990.001", -1111,
            "Precision is over the maximum defined for this asset.");
    refused(&f, "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.001&price=2990.00",
            -4164, "Order's notional must be no smaller than 5 (unless you choose reduce only).");
    refused(&f, "symbol=ETHUSDT&side=SELL&type=LIMIT&timeInForce=GTX&quantity=0.010&"
                "price=3010.00&reduceOnly=true",
            -2022, "ReduceOnly Order is rejected.");
    refused(&f, BN_GTX_BUY "3000.00", -5022,
            "Due to the order could not be executed as maker, the Post Only order will be "
            "rejected. The order will not be recorded in the order history");
    /* parameter names in any case (ccxt sends orderidlist) */
    SIGNED(&f, NULL, "DELETE", "/fapi/v1/batchOrders",
           "symbol=ETHUSDT&origclientorderidlist=%5B%22t1%22%5D", NULL, STATUS(200),
           STR("0.status", "CANCELED"));

    /* the indexed market forms and the key in the private path */
    SQT_ASSERT_INT_EQ(ws_connect(&f, &a, "/market/ws/1"), 0);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &b, "/public/ws/2"), 0);
    {
        static const char sub[] =
            "{\"method\":\"SUBSCRIBE\",\"params\":[\"ethusdt@aggTrade\"],\"id\":1}";
        SQT_ASSERT_INT_EQ(sqt_ws_send(a.ws, sub, strlen(sub), 0), 0);
        RUN_UNTIL(&f.loop, a.n > 0, 2000);
    }
    SQT_ASSERT_INT_EQ(user_ws(&f, &u, "/private/ws/", ""), 0);
    ctl(&f, "price", "{\"price\":\"3001.00\"}");
    j = ws_wait(&f, &a, &from, "e", NULL, "aggTrade", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    scall(&f, "POST", "/fapi/v1/order", BN_GTX_BUY "2990.00", &r);
    hres_free(&r);
    from = 0;
    j = ws_wait(&f, &u, &from, "e", NULL, "ORDER_TRADE_UPDATE", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    ws_done(&f, &a);
    ws_done(&f, &b);
    ws_done(&f, &u);
    fx_stop(&f);
}

static void test_v3_account_fields(void)
{
    fx f;
    if (fx_up(&f, "binance") != 0)
        return;
    /* flat, no orders: not listed */
    SIGNED(&f, NULL, "GET", "/fapi/v3/positionRisk", "symbol=ETHUSDT", NULL, LEN("", 0));
    SIGNED(&f, NULL, "GET", "/fapi/v3/account", "", NULL, LEN("positions", 0), ABSENT("feeTier"),
           ABSENT("canTrade"), STR("totalWalletBalance", "10000.00000000"));
    open_long(&f);
    SIGNED(&f, NULL, "GET", "/fapi/v3/account", "", NULL, STR("positions.0.positionAmt", "0.010"),
           ABSENT("positions.0.leverage"), ABSENT("positions.0.entryPrice"));
    SIGNED(&f, NULL, "GET", "/fapi/v3/positionRisk", "symbol=ETHUSDT", NULL,
           STR("0.positionAmt", "0.010"), STR("0.entryPrice", "2990.00"),
           STR("0.marginAsset", "USDT"), PRESENT("0.positionInitialMargin"),
           ABSENT("0.leverage"), ABSENT("0.marginType"));
    SIGNED(&f, NULL, "GET", "/fapi/v2/positionRisk", "symbol=ETHUSDT", NULL,
           STR("0.leverage", "5"));
    /* where a v3 client reads the leverage */
    SIGNED(&f, NULL, "GET", "/fapi/v1/symbolConfig", "symbol=ETHUSDT", NULL,
           INT("0.leverage", 5), STR("0.marginType", "CROSSED"));
    fx_stop(&f);
}

static void test_dialect_required_and_log(void)
{
    uv_loop_t loop;
    sqt_emu_opts o;
    sqt_emu *e = NULL;
    char err[256], line[512] = "";
    fx f;
    hres r;
    FILE *log = tmpfile();
    int y, mo, d, h, mi, s, ms;
    uv_loop_init(&loop);
    sqt_emu_opts_default(&o);
    CU_ASSERT_PTR_NULL(o.dialect);
    CU_ASSERT_TRUE(sqt_emu_start(&loop, &o, &e, err, sizeof(err)) != SQT_OK);
    CU_ASSERT_TRUE(strstr(err, "dialect") != NULL && strstr(err, "binance") != NULL);
    o.dialect = "bitfinex";
    CU_ASSERT_TRUE(sqt_emu_start(&loop, &o, &e, err, sizeof(err)) != SQT_OK);
    CU_ASSERT_TRUE(strstr(err, "bitfinex") != NULL && strstr(err, "binance") != NULL);
    SQT_ASSERT_INT_EQ(uv_loop_close(&loop), 0);

    /* every log line starts with its UTC time */
    CU_ASSERT_PTR_NOT_NULL_FATAL(log);
    fx_log = log;
    if (fx_start(&f, "binance") == 0) {
        call_key(&f, "GET", "/fapi/v1/time", NULL, NULL, 0, &r);
        hres_free(&r);
        fx_stop(&f);
    } else {
        CU_FAIL("emulator did not start");
    }
    fx_log = NULL;
    rewind(log);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), log));
    SQT_ASSERT_INT_EQ(sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ emulator: ", &y, &mo, &d, &h, &mi,
                             &s, &ms),
                      7);
    CU_ASSERT_TRUE(strstr(line, "Z emulator: ") != NULL);
    fclose(log);
}

/* ------------------------------------------------------------------------------------
 * the Bitget dialect
 * ---------------------------------------------------------------------------------- */

/* The envelope, contracts, and every authentication refusal with Bitget's code. */
static void test_bitget_rest_auth(void)
{
    static const char *const q = "symbol=ETHUSDT&productType=USDT-FUTURES&marginCoin=USDT";
    static const char acct[] = "/api/v2/mix/account/account";
    fx f;
    hres r;
    if (fx_up(&f, "bitget") != 0)
        return;
    KEYED(&f, NULL, "GET", "/api/v2/mix/market/contracts?productType=USDT-FUTURES", NULL,
          STATUS(200), STR("code", "00000"), STR("msg", "success"), IS_INTEGER("requestTime"),
          STR("data.0.symbol", SYM), STR("data.0.pricePlace", "2"),
          STR("data.0.priceEndStep", "1"), STR("data.0.sizeMultiplier", "0.001"));
    /* another product type: an empty list, code 00000 */
    KEYED(&f, NULL, "GET", "/api/v2/mix/market/contracts?productType=COIN-FUTURES", NULL,
          STR("code", "00000"), LEN("data", 0));
    SIGNED(&f, NULL, "GET", acct, q, NULL, STATUS(200), STR("data.posMode", "one_way_mode"));
    bg_call(&f, "GET", acct, q, NULL, wall_ms(), "wrong-secret", BG_PASS, &r);
    CHECK(&r, STATUS(400), STR("code", "40009"), IS_NULL("data"));
    bg_call(&f, "GET", acct, q, NULL, wall_ms(), SQT_EMU_DEFAULT_SECRET, "wrong-pass", &r);
    CHECK(&r, STR("code", "40012"));
    bg_call(&f, "GET", acct, q, NULL, wall_ms(), SQT_EMU_DEFAULT_SECRET, NULL, &r);
    CHECK(&r, STR("code", "40011"));
    bg_call(&f, "GET", acct, q, NULL, wall_ms() - 60000, SQT_EMU_DEFAULT_SECRET, BG_PASS, &r);
    CHECK(&r, STR("code", "40008"));
    /* the clock skew fault: a client on local time is now outside the window */
    ctl(&f, "clock_skew", "{\"ms\":45000}");
    SIGNED(&f, NULL, "GET", acct, q, NULL, STR("code", "40008"));
    call(&f, "GET", "/api/v2/public/time", NULL, &r);
    CU_ASSERT_TRUE(strtoll(jstr(json_object_get(r.json, "data"), "serverTime"), NULL, 10) >
                   wall_ms() + 40000);
    hres_free(&r);
    fx_stop(&f);
}

#define BG_BASE "{\"symbol\":\"ETHUSDT\",\"productType\":\"USDT-FUTURES\"," \
                "\"marginMode\":\"crossed\",\"marginCoin\":\"USDT\","

/* Place, the post-only refusal, pages of open orders, detail with its fee, cancel. */
static void test_bitget_orders(void)
{
    static const char place[] = "/api/v2/mix/order/place-order";
    fx f;
    hres r;
    char body[600], q[300], end[48];
    int i;
    if (fx_up(&f, "bitget") != 0)
        return;
    for (i = 0; i < 3; i++) {
        snprintf(body, sizeof(body), BG_BASE "\"size\":\"0.010\",\"price\":\"%d.00\","
                 "\"side\":\"buy\",\"orderType\":\"limit\",\"force\":\"post_only\","
                 "\"clientOid\":\"t_%d\"}", 2990 - i, i);
        SIGNED(&f, NULL, "POST", place, "", body, STR("code", "00000"));
    }
    /* a post-only buy above the price would take */
    SIGNED(&f, NULL, "POST", place, "",
           BG_BASE "\"size\":\"0.010\",\"price\":\"3010.00\",\"side\":\"buy\","
                   "\"orderType\":\"limit\",\"force\":\"post_only\",\"clientOid\":\"t_x\"}",
           STATUS(400), STR("code", "40099"), HAS("msg", "post only"));
    /* tradeSide in one-way mode: 40774 */
    SIGNED(&f, NULL, "POST", place, "",
           BG_BASE "\"size\":\"0.010\",\"price\":\"2980.00\",\"side\":\"buy\","
                   "\"tradeSide\":\"open\",\"orderType\":\"limit\",\"clientOid\":\"t_y\"}",
           STR("code", "40774"));
    /* pages of 2: newest first, then below the cursor */
    SIGNED(&f, &r, "GET", "/api/v2/mix/order/orders-pending",
           "productType=USDT-FUTURES&symbol=ETHUSDT&limit=2", NULL,
           LEN("data.entrustedList", 2), STR("data.entrustedList.0.clientOid", "t_2"));
    snprintf(end, sizeof(end), "%s", jstr(json_object_get(r.json, "data"), "endId"));
    hres_free(&r);
    snprintf(q, sizeof(q), "productType=USDT-FUTURES&symbol=ETHUSDT&limit=2&idLessThan=%s", end);
    SIGNED(&f, NULL, "GET", "/api/v2/mix/order/orders-pending", q, NULL,
           LEN("data.entrustedList", 1), STR("data.entrustedList.0.clientOid", "t_0"));
    /* the price falls through t_0: detail says filled, with the fee paid (negative) */
    ctl(&f, "price", "{\"price\":\"2989.00\"}");
    SIGNED(&f, &r, "GET", "/api/v2/mix/order/detail",
           "symbol=ETHUSDT&productType=USDT-FUTURES&clientOid=t_0", NULL,
           STR("data.state", "filled"), STR("data.baseVolume", "0.010"));
    CU_ASSERT_EQUAL(jstr(json_object_get(r.json, "data"), "fee")[0], '-');
    hres_free(&r);
    /* batch cancel: one open (t_2 at 2988.00; t_1 at 2989.00 filled too), one unknown */
    SIGNED(&f, NULL, "POST", "/api/v2/mix/order/batch-cancel-orders", "",
           "{\"symbol\":\"ETHUSDT\",\"productType\":\"USDT-FUTURES\",\"marginCoin\":\"USDT\","
           "\"orderIdList\":[{\"clientOid\":\"t_2\"},{\"clientOid\":\"nope\"}]}",
           LEN("data.successList", 1), STR("data.failureList.0.errorCode", "40768"));
    /* a POST without a JSON Content-Type: 40007 */
    KEYED(&f, NULL, "POST", "/api/v2/mix/order/cancel-order", "a=b", STR("code", "40007"));
    fx_stop(&f);
}

/* Text ping/pong, login (seconds, signed), orders pushes after it, the 24 h cut. */
static void test_bitget_streams(void)
{
    static const char sub[] = "{\"op\":\"subscribe\",\"args\":[{\"instType\":\"USDT-FUTURES\","
                              "\"channel\":\"orders\",\"instId\":\"default\"}]}";
    fx f;
    hres r;
    wsc pub, prv;
    char login[400], ts[24], msg[64], sig[64];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int from = 0, k, seen_live = 0, seen_filled = 0;
    json_t *j;
    if (fx_up(&f, "bitget") != 0)
        return;
    CU_ASSERT_EQUAL_FATAL(ws_connect(&f, &pub, "/v2/ws/public"), 0);
    sqt_ws_send(pub.ws, "ping", 4, 0);
    RUN_UNTIL(&f.loop, pub.n > 0, 2000);
    CU_ASSERT_TRUE_FATAL(pub.n > 0);
    SQT_ASSERT_STR_EQ(pub.msgs[0], "pong");
    ws_done(&f, &pub);
    CU_ASSERT_EQUAL_FATAL(ws_connect(&f, &prv, "/v2/ws/private"), 0);
    /* subscribing before the login: 30004 */
    sqt_ws_send(prv.ws, sub, strlen(sub), 0);
    j = ws_wait(&f, &prv, &from, "event", NULL, "error", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_INT_EQ(jint(j, "code"), 30004);
    json_decref(j);
    snprintf(ts, sizeof(ts), "%lld", (long long)(wall_ms() / 1000));
    snprintf(msg, sizeof(msg), "%sGET/user/verify", ts);
    HMAC(EVP_sha256(), SQT_EMU_DEFAULT_SECRET, (int)strlen(SQT_EMU_DEFAULT_SECRET),
         (const unsigned char *)msg, strlen(msg), md, &n);
    EVP_EncodeBlock((unsigned char *)sig, md, (int)n);
    snprintf(login, sizeof(login), "{\"op\":\"login\",\"args\":[{\"apiKey\":\"%s\","
             "\"passphrase\":\"%s\",\"timestamp\":\"%s\",\"sign\":\"%s\"}]}",
             SQT_EMU_DEFAULT_KEY, BG_PASS, ts, sig);
    sqt_ws_send(prv.ws, login, strlen(login), 0);
    j = ws_wait(&f, &prv, &from, "event", NULL, "login", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_INT_EQ(jint(j, "code"), 0);
    json_decref(j);
    sqt_ws_send(prv.ws, sub, strlen(sub), 0);
    j = ws_wait(&f, &prv, &from, "event", NULL, "subscribe", 2000);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    bg_ok(&f, "POST", "/api/v2/mix/order/place-order", "",
          BG_BASE "\"size\":\"0.010\",\"price\":\"2990.00\",\"side\":\"buy\","
                  "\"orderType\":\"limit\",\"force\":\"post_only\",\"clientOid\":\"s_1\"}",
          &r);
    hres_free(&r);
    ctl(&f, "price", "{\"price\":\"2989.00\"}");
    RUN_UNTIL(&f.loop, prv.n >= from + 2, 2000);
    for (k = from; k < prv.n; k++) {
        json_t *m = json_loads(prv.msgs[k], 0, NULL);
        json_t *d0 = json_array_get(json_object_get(m, "data"), 0);
        if (d0 != NULL && strcmp(jstr(d0, "status"), "live") == 0)
            seen_live = 1;
        if (d0 != NULL && strcmp(jstr(d0, "status"), "filled") == 0) {
            seen_filled = 1;
            SQT_ASSERT_STR_EQ(jstr(d0, "accBaseVolume"), "0.010");
            SQT_ASSERT_STR_EQ(jstr(d0, "fillPrice"), "2990.00");
            CU_ASSERT_EQUAL(jstr(d0, "fillFee")[0], '-');
            SQT_ASSERT_STR_EQ(jstr(d0, "tradeScope"), "M");
        }
        json_decref(m);
    }
    CU_ASSERT_TRUE(seen_live);
    CU_ASSERT_TRUE(seen_filled);
    /* the session fault is the 24 h cut: the private socket closes */
    ctl(&f, "expire_listen_key", NULL);
    RUN_UNTIL(&f.loop, prv.downs > 0 || prv.closed, 3000);
    CU_ASSERT_TRUE(prv.downs > 0 || prv.closed);
    ws_done(&f, &prv);
    fx_stop(&f);
}

/* ------------------------------------------------------------------------------------
 * the Gate dialect
 * ---------------------------------------------------------------------------------- */

/* A poc buy of n contracts at price with text; returns the id (0 on failure). */
static long long gt_buy(fx *f, int n, const char *price, const char *text, int *status)
{
    char body[300];
    hres r;
    long long id;
    snprintf(body, sizeof(body), "{\"contract\":\"ETH_USDT\",\"size\":%d,\"price\":\"%s\","
             "\"tif\":\"poc\",\"text\":\"%s\"}", n, price, text);
    gt_ok(f, "POST", GT "/orders", "", body, &r);
    if (status != NULL)
        *status = r.status;
    id = r.status == 201 ? jint(r.json, "id") : 0;
    hres_free(&r);
    return id;
}

/* The spec's vectors (gate.md 2.2) through the test's signer: it is Gate's algorithm. */
static void test_gate_vectors(void)
{
    char sig[129];
    gt_sign("GET", "/api/v4/futures/orders", "contract=BTC_USD&status=finished&limit=50", "",
            "1541993715", "secret", sig);
    SQT_ASSERT_STR_EQ(sig, "55f84ea195d6fe57ce62464daaa7c3c02fa9d1dde954e4c898289c9a2407a3d6"
                           "fb3faf24deff16790d726b66ac9f74526668b13bd01029199cc4fcc522418b8a");
    gt_sign("POST", "/api/v4/futures/orders", "",
            "{\"contract\":\"BTC_USD\",\"type\":\"limit\",\"size\":100,\"price\":6800,"
            "\"time_in_force\":\"gtc\"}",
            "1541993715", "secret", sig);
    SQT_ASSERT_STR_EQ(sig, "eae42da914a590ddf727473aff25fc87d50b64783941061f47a3fdb92742541f"
                           "c4c2c14017581b4199a1418d54471c269c03a38d788d802e2c306c37636389f0");
    gt_sign("POST", "/api/v4/futures/usdt/orders", "",
            "{\"contract\":\"BTC_USDT\",\"size\":10,\"price\":\"60000\",\"tif\":\"poc\","
            "\"text\":\"t-60000_B_1\"}",
            "1700000000", "secret", sig);
    SQT_ASSERT_STR_EQ(sig, "efc0aff324a2cf8a23c442919e3a78020a69c05e3cc02cad6075573ab1a50b06"
                           "031a1cb261d5bde4024e560a29991149bde43325caf9cc78639bf40ba5ef2369");
    gt_ws_sign("futures.orders", "subscribe", 1700000000LL, "secret", sig);
    SQT_ASSERT_STR_EQ(sig, "e40a0260c1d090a7b5f60f6171dfc3d9ca6a1b1dd6abfd8e92347bad5e134af7"
                           "7fb03930eff122f7f72cdcb3c41898a16dbf1ee7089615f540c11b12c19b6d04");
}

/* Contracts, the account, every signature refusal, fractional seconds, the decoded query,
 * clock skew and the rate headers. */
static void test_gate_rest_auth(void)
{
    fx f;
    hres r;
    char ts[24];
    if (fx_up(&f, "gate") != 0)
        return;
    KEYED(&f, &r, "GET", GT "/contracts/ETH_USDT", NULL, STATUS(200), STR("name", "ETH_USDT"),
          STR("quanto_multiplier", "0.001"), STR("order_price_round", "0.01"),
          INT("order_size_min", 1));
    CU_ASSERT_TRUE(jint(r.json, "orders_limit") > 0);
    CU_ASSERT_TRUE(r.remain[0] != '\0');
    hres_free(&r);
    KEYED(&f, NULL, "GET", GT "/contracts/BTC_USDT", NULL, STATUS(400),
          STR("label", "CONTRACT_NOT_FOUND"));
    SIGNED(&f, &r, "GET", GT "/accounts", "", NULL, STATUS(200));
    CU_ASSERT_TRUE(json_is_integer(json_object_get(r.json, "user")) && jint(r.json, "user") > 0);
    CHECK(&r, STR("currency", "USDT"), STR("position_mode", "single"));
    /* a wrong secret, a wrong key, a missing header, a stale timestamp */
    gt_call(&f, "GET", GT "/accounts", "", NULL, NULL, gt_now(ts, sizeof(ts), 0),
            SQT_EMU_DEFAULT_KEY, "wrong-secret", 0, &r);
    CHECK(&r, STATUS(401), STR("label", "INVALID_SIGNATURE"), FILLED("message"));
    gt_call(&f, "GET", GT "/accounts", "", NULL, NULL, gt_now(ts, sizeof(ts), 0), "other-key",
            SQT_EMU_DEFAULT_SECRET, 0, &r);
    CHECK(&r, STATUS(401), STR("label", "INVALID_KEY"));
    KEYED(&f, NULL, "GET", GT "/accounts", NULL, STATUS(400),
          STR("label", "MISSING_REQUIRED_HEADER"));
    gt_call(&f, "GET", GT "/accounts", "", NULL, NULL, gt_now(ts, sizeof(ts), -61000),
            SQT_EMU_DEFAULT_KEY, SQT_EMU_DEFAULT_SECRET, 0, &r);
    CHECK(&r, STATUS(403), STR("label", "REQUEST_EXPIRED"));
    /* fractional seconds are signed as sent (gate.md 11) */
    snprintf(ts, sizeof(ts), "%lld.%03lld", (long long)(wall_ms() / 1000),
             (long long)(wall_ms() % 1000));
    gt_call(&f, "GET", GT "/accounts", "", NULL, NULL, ts, SQT_EMU_DEFAULT_KEY,
            SQT_EMU_DEFAULT_SECRET, 0, &r);
    CHECK(&r, STATUS(200));
    /* the query is signed decoded; signing the encoded form is refused */
    gt_call(&f, "GET", GT "/orders", "contract=ETH%5FUSDT&status=open",
            "contract=ETH_USDT&status=open", NULL, gt_now(ts, sizeof(ts), 0),
            SQT_EMU_DEFAULT_KEY, SQT_EMU_DEFAULT_SECRET, 0, &r);
    CHECK(&r, STATUS(200), IS_ARRAY(""));
    gt_call(&f, "GET", GT "/orders", "contract=ETH%5FUSDT&status=open", NULL, NULL,
            gt_now(ts, sizeof(ts), 0), SQT_EMU_DEFAULT_KEY, SQT_EMU_DEFAULT_SECRET, 0, &r);
    CHECK(&r, STR("label", "INVALID_SIGNATURE"));
    /* leverage in the query with an empty body; dual mode */
    SIGNED(&f, NULL, "POST", GT "/positions/ETH_USDT/leverage",
           "leverage=0&cross_leverage_limit=10", NULL, STATUS(200), STR("leverage", "0"),
           STR("cross_leverage_limit", "10"));
    SIGNED(&f, NULL, "POST", GT "/dual_mode", "dual_mode=true", NULL, STATUS(200),
           IS_TRUE("in_dual_mode"));
    SIGNED(&f, NULL, "GET", GT "/positions/ETH_USDT", "", NULL,
           STR("label", "POSITION_DUAL_MODE"));
    SIGNED(&f, NULL, "GET", GT "/dual_comp/positions/ETH_USDT", "", NULL, LEN("", 2));
    gt_ok(&f, "POST", GT "/dual_mode", "dual_mode=false", NULL, &r);
    hres_free(&r);
    /* clock skew: a client on local time falls outside the 60 s window */
    ctl(&f, "clock_skew", "{\"ms\":75000}");
    SIGNED(&f, NULL, "GET", GT "/accounts", "", NULL, STATUS(403),
           STR("label", "REQUEST_EXPIRED"));
    call(&f, "GET", "/api/v4/spot/time", NULL, &r);
    CU_ASSERT_TRUE(jint(r.json, "server_time") > wall_ms() + 70000);
    hres_free(&r);
    fx_stop(&f);
}

/* Orders in contracts: 201, the size forms, refusals, pages, get by text, fills, the
 * trade list's fee, cancel and its second time, batches, cancel all. */
static void test_gate_orders(void)
{
    fx f;
    hres r;
    char ts[24], q[200];
    json_t *st, *o;
    long long id0, id2;
    int status, i;
    if (fx_up(&f, "gate") != 0)
        return;
    id0 = gt_buy(&f, 10, "2990.00", "t-2990_B_0", &status);
    SQT_ASSERT_INT_EQ(status, 201);
    CU_ASSERT_TRUE(id0 > 0);
    gt_buy(&f, 10, "2989.00", "t-2989_B_1", NULL);
    id2 = gt_buy(&f, 10, "2988.00", "t-2988_B_2", NULL);
    /* the core holds coins: 10 contracts x 0.001 */
    st = sqt_emu_state(f.emu);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(st, "open_orders"), 0), "qty"),
                      "0.010");
    json_decref(st);
    /* refusals before the core */
    SIGNED(&f, NULL, "POST", GT "/orders", "",
           "{\"contract\":\"ETH_USDT\",\"size\":\"1.5\",\"price\":\"2980\",\"tif\":\"poc\","
           "\"text\":\"t-x\"}",
           STATUS(400), STR("label", "INVALID_PARAM_VALUE"));
    SIGNED(&f, NULL, "POST", GT "/orders", "",
           "{\"contract\":\"ETH_USDT\",\"size\":1,\"price\":\"2980\",\"text\":\"no-prefix\"}",
           STR("label", "INVALID_PARAM_VALUE"));
    SIGNED(&f, NULL, "POST", GT "/orders", "",
           "{\"contract\":\"ETH_USDT\",\"size\":1,\"price\":\"2980\","
           "\"text\":\"t-12345678901234567890123456789\"}", /* 31 bytes */
           STR("label", "INVALID_PARAM_VALUE"));
    /* a poc buy above the price would take: ORDER_POC_IMMEDIATE, nothing rests */
    gt_buy(&f, 10, "3010.00", "t-3010_B_9", &status);
    SQT_ASSERT_INT_EQ(status, 400);
    SIGNED(&f, NULL, "POST", GT "/orders", "",
           "{\"contract\":\"ETH_USDT\",\"size\":10,\"price\":\"3010.00\",\"tif\":\"poc\","
           "\"text\":\"t-3010_B_9\"}",
           STR("label", "ORDER_POC_IMMEDIATE"));
    /* pages of 2, newest first; the decimal header turns sizes into strings */
    gt_call(&f, "GET", GT "/orders", "contract=ETH_USDT&status=open&limit=2", NULL, NULL,
            gt_now(ts, sizeof(ts), 0), SQT_EMU_DEFAULT_KEY, SQT_EMU_DEFAULT_SECRET, 1, &r);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 2);
    SQT_ASSERT_STR_EQ(r.page_limit, "2");
    CHECK(&r, STR("0.text", "t-2988_B_2"), STR("0.size", "10"), STR("0.status", "open"));
    SIGNED(&f, NULL, "GET", GT "/orders", "contract=ETH_USDT&status=open&limit=2&offset=2", NULL,
           LEN("", 1), STR("0.text", "t-2990_B_0"), IS_INTEGER("0.size"), INT("0.size", 10),
           INT("0.left", 10));
    /* by text */
    SIGNED(&f, NULL, "GET", GT "/orders/t-2989_B_1", "", NULL, STATUS(200), STR("tif", "poc"),
           STR("finish_as", ""));
    /* the price falls through 2990 and 2989: both filled, left 0 */
    ctl(&f, "price", "{\"price\":\"2989.00\"}");
    snprintf(q, sizeof(q), GT "/orders/%lld", id0);
    SIGNED(&f, NULL, "GET", q, "", NULL, STR("status", "finished"), STR("finish_as", "filled"),
           INT("left", 0), STR("fill_price", "2990.00"));
    /* the fee of the fill: 0.0002 x 2990 x 0.010 */
    snprintf(q, sizeof(q), "contract=ETH_USDT&order=%lld", id0);
    SIGNED(&f, &r, "GET", GT "/my_trades", q, NULL, LEN("", 1), STR("0.role", "maker"),
           INT("0.size", 10), STR("0.price", "2990.00"));
    o = json_array_get(r.json, 0);
    {
        sqt_dec fee = sqt_dec_make(0, 0);
        const char *fs = jstr(o, "fee");
        CU_ASSERT_EQUAL(sqt_dec_parse(fs, strlen(fs), &fee), SQT_OK);
        {
            int okc = 0;
            CU_ASSERT_EQUAL(sqt_dec_cmp(fee, sqt_dec_make(598, 5), &okc), 0);
            CU_ASSERT_TRUE(okc);
        }
    }
    hres_free(&r);
    /* cancel by id: finished / cancelled; a second time: ORDER_FINISHED; unknown: 404 */
    snprintf(q, sizeof(q), GT "/orders/%lld", id2);
    SIGNED(&f, NULL, "DELETE", q, "contract=ETH_USDT", NULL, STATUS(200),
           STR("finish_as", "cancelled"), INT("left", 10));
    SIGNED(&f, NULL, "DELETE", q, "", NULL, STR("label", "ORDER_FINISHED"));
    SIGNED(&f, NULL, "DELETE", GT "/orders/424242", "", NULL, STATUS(404),
           STR("label", "ORDER_NOT_FOUND"));
    /* a batch: HTTP 200, per-item results; an item without text fails the whole batch */
    SIGNED(&f, NULL, "POST", GT "/batch_orders", "",
           "[{\"contract\":\"ETH_USDT\",\"size\":5,\"price\":\"2980.00\",\"tif\":\"poc\","
           "\"text\":\"t-b1\"},{\"contract\":\"ETH_USDT\",\"size\":-5,\"price\":\"2970.00\","
           "\"tif\":\"poc\",\"text\":\"t-b2\",\"reduce_only\":true}]",
           STATUS(200), LEN("", 2), IS_TRUE("0.succeeded"), IS_FALSE("1.succeeded"),
           STR("1.label", "ORDER_POC_IMMEDIATE"));
    SIGNED(&f, NULL, "POST", GT "/batch_orders", "",
           "[{\"contract\":\"ETH_USDT\",\"size\":5,\"price\":\"2980.00\"}]", STATUS(400));
    /* a sell of the position: size negative */
    SIGNED(&f, NULL, "POST", GT "/orders", "",
           "{\"contract\":\"ETH_USDT\",\"size\":-20,\"price\":\"3000.00\",\"tif\":\"poc\","
           "\"text\":\"t-s1\",\"reduce_only\":true}",
           STATUS(201), INT("size", -20), IS_TRUE("is_reduce_only"));
    SIGNED(&f, NULL, "GET", GT "/positions/ETH_USDT", "", NULL, INT("size", 20));
    /* batch cancel by id strings: one known, one not */
    SIGNED(&f, NULL, "POST", GT "/batch_cancel_orders", "", "[\"t-s1\",\"777\"]", LEN("", 2),
           IS_TRUE("0.succeeded"), IS_FALSE("1.succeeded"));
    /* cancel all of the contract: the bids only, then the rest */
    for (i = 0; i < 2; i++) {
        char text[16];
        snprintf(text, sizeof(text), "t-c%d", i);
        gt_buy(&f, 2, "2950.00", text, NULL);
    }
    SIGNED(&f, NULL, "DELETE", GT "/orders", "contract=ETH_USDT&side=ask", NULL, LEN("", 0));
    SIGNED(&f, NULL, "DELETE", GT "/orders", "contract=ETH_USDT", NULL, LEN("", 3));
    /* the margin fault */
    ctl(&f, "reject_margin", "{\"count\":1}");
    gt_buy(&f, 2, "2950.00", "t-m1", &status);
    SQT_ASSERT_INT_EQ(status, 400);
    SIGNED(&f, NULL, "GET", GT "/orders/t-m1", "", NULL, STATUS(404));
    fx_stop(&f);
}

/* Every finish_as the spec lists comes out of the finish_as command; a reduce-only order
 * the core expires (the position closed outside) says position_closed. */
static void test_gate_finish_as(void)
{
    static const char *const labels[] = {
        "cancelled", "liquidated", "liquidate_cancelled", "reduce_only", "position_closed",
        "reduce_out", "auto_deleveraged", "stp", "small", "depth_not_enough",
        "trader_not_enough", "poc", "ioc", "fok"};
    fx f;
    char text[32], cmd[160], q[160];
    size_t i;
    if (fx_up(&f, "gate") != 0)
        return;
    for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        snprintf(text, sizeof(text), "t-fa%zu", i);
        gt_buy(&f, 2, "2900.00", text, NULL);
        snprintf(cmd, sizeof(cmd), "{\"text\":\"%s\",\"as\":\"%s\"}", text, labels[i]);
        CTL(&f, NULL, "finish_as", cmd, STATUS(200));
        snprintf(q, sizeof(q), GT "/orders/%s", text);
        SIGNED(&f, NULL, "GET", q, "", NULL, STR("status", "finished"),
               STR("finish_as", labels[i]));
    }
    CTL(&f, NULL, "finish_as", "{\"text\":\"t-fa0\",\"as\":\"filled\"}", STATUS(400));
    /* a long, a reduce-only sell, the position closed outside */
    gt_buy(&f, 10, "2999.00", "t-long", NULL);
    ctl(&f, "price", "{\"price\":\"2998.00\"}");
    SIGNED(&f, NULL, "POST", GT "/orders", "",
           "{\"contract\":\"ETH_USDT\",\"size\":-10,\"price\":\"3050.00\",\"tif\":\"poc\","
           "\"text\":\"t-ro\",\"reduce_only\":true}",
           STATUS(201));
    ctl(&f, "close_position", NULL);
    ctl(&f, "price", "{\"price\":\"3050.00\"}"); /* it would fill: nothing to reduce */
    SIGNED(&f, NULL, "GET", GT "/orders/t-ro", "", NULL, STR("status", "finished"),
           STR("finish_as", "position_closed"));
    fx_stop(&f);
}

/* A subscription to a private Gate channel: payload [user, second], signed with
 * `secret` (NULL: no auth block), "id" when id > 0; the answer on that channel, NULL
 * when none came within 2 s. */
static json_t *gt_ws_sub(fx *f, wsc *w, int *from, long long t, const char *channel,
                         const char *user, const char *second, const char *secret, int id)
{
    char msg[800], sig[129], idf[24] = "", auth[400] = "";
    if (id > 0)
        snprintf(idf, sizeof(idf), "\"id\":%d,", id);
    if (secret != NULL) {
        gt_ws_sign(channel, "subscribe", t, secret, sig);
        snprintf(auth, sizeof(auth),
                 ",\"auth\":{\"method\":\"api_key\",\"KEY\":\"%s\",\"SIGN\":\"%s\"}",
                 SQT_EMU_DEFAULT_KEY, sig);
    }
    snprintf(msg, sizeof(msg), "{\"time\":%lld,%s\"channel\":\"%s\",\"event\":\"subscribe\","
             "\"payload\":[\"%s\",\"%s\"]%s}", t, idf, channel, user, second, auth);
    sqt_ws_send(w->ws, msg, strlen(msg), 0);
    return ws_wait(f, w, from, "channel", NULL, channel, 2000);
}

/* One socket: app ping, tickers and trades, candles, the private channels' auth (none,
 * a wrong user id, a bad signature, then right), order and trade pushes in contracts
 * with the decimal header, a dropped push, the upgrade cut. */
static void test_gate_streams(void)
{
    static const sqt_header dec = {"X-Gate-Size-Decimal", "1"};
    fx f;
    hres r;
    wsc w;
    json_t *j, *res;
    char msg[800], uid[24];
    long long now_s = wall_ms() / 1000;
    int from = 0, k, open_seen = 0, filled_seen = 0, trade_seen = 0, orders_after_drop = 0;
    if (fx_up(&f, "gate") != 0)
        return;
    {
        json_t *stt = sqt_emu_state(f.emu);
        snprintf(uid, sizeof(uid), "%lld",
                 (long long)json_integer_value(json_object_get(stt, "user")));
        json_decref(stt);
    }
    CU_ASSERT_TRUE_FATAL(ws_connect(&f, &w, "/v4/ws/elsewhere") != 0);
    ws_done(&f, &w);
    CU_ASSERT_EQUAL_FATAL(ws_connect_h(&f, &w, "/v4/ws/usdt", &dec, 1), 0);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.ping\"}", now_s);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.pong", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_TRUE(json_is_null(json_object_get(j, "result")));
    json_decref(j);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.tickers\",\"event\":"
             "\"subscribe\",\"payload\":[\"ETH_USDT\"]}", now_s);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.trades\",\"event\":"
             "\"subscribe\",\"payload\":[\"ETH_USDT\"]}", now_s);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.candlesticks\",\"event\":"
             "\"subscribe\",\"payload\":[\"1m\",\"ETH_USDT\"]}", now_s);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    j = ws_wait(&f, &w, &from, "event", NULL, "subscribe", 2000);
    CU_ASSERT_PTR_NOT_NULL(j);
    CU_ASSERT_TRUE(json_is_null(json_object_get(j, "error")));
    SQT_ASSERT_STR_EQ(jstr(json_object_get(j, "result"), "status"), "success");
    json_decref(j);
    ctl(&f, "price", "{\"price\":\"2995.00\",\"qty\":\"0.020\"}");
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.tickers", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(j, "result"), 0), "last"), "2995.00");
    json_decref(j);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.trades", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(j, "result"), 0), "size"), "20");
    json_decref(j);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.candlesticks", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    res = json_array_get(json_object_get(j, "result"), 0);
    SQT_ASSERT_STR_EQ(jstr(res, "n"), "1m_ETH_USDT");
    CU_ASSERT_TRUE(json_is_false(json_object_get(res, "w")));
    CU_ASSERT_TRUE(json_is_integer(json_object_get(res, "t")));
    json_decref(j);
    /* private: no auth, a wrong user id, a bad signature */
    j = gt_ws_sub(&f, &w, &from, now_s, "futures.orders", uid, "ETH_USDT", NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_INT_EQ(jint(json_object_get(j, "error"), "code"), 4);
    json_decref(j);
    j = gt_ws_sub(&f, &w, &from, now_s, "futures.orders", SQT_EMU_DEFAULT_KEY, "ETH_USDT",
                  SQT_EMU_DEFAULT_SECRET, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_INT_EQ(jint(json_object_get(j, "error"), "code"), 2); /* the API key as user */
    json_decref(j);
    j = gt_ws_sub(&f, &w, &from, now_s, "futures.orders", uid, "ETH_USDT", "wrong-secret", 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_INT_EQ(jint(json_object_get(j, "error"), "code"), 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(json_object_get(j, "error"), "message"),
                                  "INVALID_SIGNATURE"));
    json_decref(j);
    j = gt_ws_sub(&f, &w, &from, now_s, "futures.orders", uid, "ETH_USDT",
                  SQT_EMU_DEFAULT_SECRET, 7);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_TRUE(json_is_null(json_object_get(j, "error")));
    SQT_ASSERT_INT_EQ(jint(j, "id"), 7);
    json_decref(j);
    j = gt_ws_sub(&f, &w, &from, now_s, "futures.usertrades", uid, "!all",
                  SQT_EMU_DEFAULT_SECRET, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_TRUE(json_is_null(json_object_get(j, "error")));
    json_decref(j);
    /* one socket with public and private channels counts as both streams */
    {
        json_t *stt = sqt_emu_state(f.emu), *cn = json_object_get(stt, "connections");
        SQT_ASSERT_INT_EQ(jint(cn, "market"), 1);
        SQT_ASSERT_INT_EQ(jint(cn, "user"), 1);
        json_decref(stt);
    }
    /* an order that fills: open, then finished / filled with its trade */
    gt_buy(&f, 10, "2990.00", "t-ws1", NULL);
    ctl(&f, "price", "{\"price\":\"2989.00\"}");
    RUN_UNTIL(&f.loop, w.n >= from + 3, 2000);
    for (k = from; k < w.n; k++) {
        json_t *m = json_loads(w.msgs[k], 0, NULL);
        json_t *d0 = json_array_get(json_object_get(m, "result"), 0);
        const char *ch = jstr(m, "channel");
        if (strcmp(ch, "futures.orders") == 0 && strcmp(jstr(m, "event"), "update") == 0) {
            SQT_ASSERT_STR_EQ(jstr(d0, "text"), "t-ws1");
            SQT_ASSERT_STR_EQ(jstr(d0, "user"), uid);
            SQT_ASSERT_STR_EQ(jstr(d0, "size"), "10");
            CU_ASSERT_TRUE(json_is_number(json_object_get(d0, "price")));
            if (strcmp(jstr(d0, "status"), "open") == 0) {
                open_seen = 1;
                SQT_ASSERT_STR_EQ(jstr(d0, "finish_as"), "open");
                SQT_ASSERT_STR_EQ(jstr(d0, "left"), "10");
            } else if (strcmp(jstr(d0, "finish_as"), "filled") == 0) {
                filled_seen = 1;
                SQT_ASSERT_STR_EQ(jstr(d0, "left"), "0");
                CU_ASSERT_TRUE(strstr(w.msgs[k], "\"fill_price\":2990.00") != NULL);
            }
        }
        if (strcmp(ch, "futures.usertrades") == 0 && strcmp(jstr(m, "event"), "update") == 0) {
            trade_seen = 1;
            SQT_ASSERT_STR_EQ(jstr(d0, "role"), "maker");
            SQT_ASSERT_STR_EQ(jstr(d0, "size"), "10");
            SQT_ASSERT_STR_EQ(jstr(d0, "price"), "2990.00");
            CU_ASSERT_TRUE(strstr(w.msgs[k], "\"fee\":0.00598") != NULL);
        }
        json_decref(m);
    }
    CU_ASSERT_TRUE(open_seen);
    CU_ASSERT_TRUE(filled_seen);
    CU_ASSERT_TRUE(trade_seen);
    /* a dropped push: the next order's NEW is lost, its cancel arrives */
    from = w.n;
    ctl(&f, "drop_pushes", "{\"count\":1}");
    gt_buy(&f, 10, "2980.00", "t-ws2", NULL);
    gt_ok(&f, "DELETE", GT "/orders/t-ws2", "", NULL, &r);
    hres_free(&r);
    RUN_UNTIL(&f.loop, w.n >= from + 1, 2000);
    RUN_UNTIL(&f.loop, 0, 200); /* a second push would be here by now */
    for (k = from; k < w.n; k++)
        if (strstr(w.msgs[k], "\"futures.orders\"") && strstr(w.msgs[k], "t-ws2")) {
            orders_after_drop++;
            CU_ASSERT_PTR_NOT_NULL(strstr(w.msgs[k], "\"cancelled\""));
        }
    SQT_ASSERT_INT_EQ(orders_after_drop, 1);
    /* the session fault: the upgrade notice, then the cut */
    CTL(&f, NULL, "expire_session", NULL, STATUS(200));
    RUN_UNTIL(&f.loop, w.downs > 0 || w.closed, 3000);
    CU_ASSERT_TRUE(w.downs > 0 || w.closed);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.system", 0);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    ws_done(&f, &w);
    fx_stop(&f);
}

/* Faults in Gate's shapes: 429 with the rate headers at 0, 503 with the order placed,
 * the forced post-only refusal. */
static void test_gate_faults(void)
{
    fx f;
    hres r;
    int status;
    if (fx_up(&f, "gate") != 0)
        return;
    gt_ok(&f, "GET", GT "/accounts", "", NULL, &r);
    CU_ASSERT_TRUE(atoi(r.remain) > 0);
    hres_free(&r);
    ctl(&f, "http429", "{\"count\":1,\"retry_after_ms\":2000}");
    SIGNED(&f, &r, "GET", GT "/accounts", "", NULL, STATUS(429),
           STR("label", "TOO_MANY_REQUESTS"));
    SQT_ASSERT_STR_EQ(r.remain, "0");
    hres_free(&r);
    /* Gate has no ban answer: a 429 until it ends */
    ctl(&f, "ban", "{\"ms\":3000}");
    KEYED(&f, &r, "GET", GT "/contracts", NULL, STATUS(429), STR("label", "TOO_MANY_REQUESTS"));
    SQT_ASSERT_STR_EQ(r.remain, "0");
    hres_free(&r);
    ctl(&f, "ban", "{\"ms\":0}");
    ctl(&f, "unknown_error", "{\"count\":1,\"placed\":true,\"path\":\"" GT "/orders\"}");
    gt_buy(&f, 10, "2990.00", "t-u1", &status);
    SQT_ASSERT_INT_EQ(status, 503);
    SIGNED(&f, NULL, "GET", GT "/orders/t-u1", "", NULL, STATUS(200), STR("status", "open"));
    ctl(&f, "reject_post_only", "{\"count\":1}");
    SIGNED(&f, NULL, "POST", GT "/orders", "",
           "{\"contract\":\"ETH_USDT\",\"size\":10,\"price\":\"2900.00\",\"tif\":\"poc\","
           "\"text\":\"t-p1\"}",
           STATUS(400), STR("label", "ORDER_POC_IMMEDIATE"));
    fx_stop(&f);
}

/* Malformed requests each get Gate's error shape with a 4xx, never a crash (ASan). */
static void test_gate_bad_input(void)
{
    static const struct {
        const char *method, *path, *query, *body;
        int status;
        const char *label;
    } cases[] = {
        {"POST", GT "/orders", "", "[1,2]", 400, "INVALID_REQUEST_BODY"},
        {"POST", GT "/orders", "", "{\"contract\":\"ETH_USDT\"}", 400, "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "", "{\"size\":1,\"price\":\"2900\"}", 400,
         "MISSING_REQUIRED_PARAM"},
        {"POST", GT "/orders", "", "{\"contract\":\"BTC_USDT\",\"size\":1,\"price\":\"1\"}",
         400, "CONTRACT_NOT_FOUND"},
        {"POST", GT "/orders", "", "{\"contract\":\"ETH_USDT\",\"size\":0,\"price\":\"2900\"}",
         400, "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":99999999999,\"price\":\"2900\"}", 400,
         "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":2,\"price\":2900.5}", 400,
         "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":2,\"price\":\"-1\"}", 400,
         "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":2,\"price\":\"2900.001\"}", 400,
         "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":2,\"price\":\"2900\",\"tif\":\"fok\"}", 400,
         "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":2,\"price\":\"2900\",\"text\":\"t-a b\"}",
         400, "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "", "not json", 400, "INVALID_REQUEST_BODY"},
        {"POST", GT "/batch_orders", "", "{}", 400, "INVALID_REQUEST_BODY"},
        {"POST", GT "/batch_orders", "", "[]", 400, "INVALID_REQUEST_BODY"},
        {"POST", GT "/batch_orders", "", "[7]", 400, "MISSING_REQUIRED_PARAM"},
        {"POST", GT "/batch_cancel_orders", "", "[1]", 400, "INVALID_REQUEST_BODY"},
        {"GET", GT "/orders", "contract=ETH_USDT", NULL, 400, "MISSING_REQUIRED_PARAM"},
        {"GET", GT "/orders", "contract=ETH_USDT&status=open&limit=0", NULL, 400,
         "INVALID_PARAM_VALUE"},
        {"GET", GT "/orders", "contract=ETH_USDT&status=open&offset=-1", NULL, 400,
         "INVALID_PARAM_VALUE"},
        {"GET", GT "/orders/abc", "", NULL, 404, "ORDER_NOT_FOUND"},
        {"GET", GT "/orders/t-nope", "", NULL, 404, "ORDER_NOT_FOUND"},
        {"DELETE", GT "/orders", "", NULL, 400, "MISSING_REQUIRED_PARAM"},
        {"DELETE", GT "/orders", "contract=ETH_USDT&side=both", NULL, 400, "INVALID_PARAM_VALUE"},
        {"POST", GT "/positions/ETH_USDT/leverage", "leverage=x", NULL, 400, "INVALID_PARAM_VALUE"},
        {"POST", GT "/positions/ETH_USDT/leverage", "leverage=500", NULL, 400, "LEVERAGE_TOO_HIGH"},
        {"POST", GT "/dual_mode", "dual_mode=maybe", NULL, 400, "INVALID_PARAM_VALUE"},
        {"GET", GT "/my_trades", "order=x", NULL, 400, "INVALID_PARAM_VALUE"},
        {"GET", GT "/candlesticks", "contract=ETH_USDT&interval=10s", NULL, 400,
         "INVALID_PARAM_VALUE"},
        {"GET", GT "/candlesticks", "contract=ETHUSDT&interval=1m", NULL, 400,
         "MISSING_REQUIRED_PARAM"},
        {"GET", GT "/candlesticks", "contract=ETH_USDT&interval=1m&limit=5&from=1", NULL, 400,
         "INVALID_PARAM_VALUE"},
        {"GET", GT "/nothing", "", NULL, 404, "NOT_FOUND"},
    };
    fx f;
    size_t i;
    if (fx_up(&f, "gate") != 0)
        return;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        SIGNED(&f, NULL, cases[i].method, cases[i].path, cases[i].query, cases[i].body,
               STATUS(cases[i].status), STR("label", cases[i].label), FILLED("message"));
    /* the socket: not JSON, no channel, an unknown channel, a bad payload */
    {
        static const char *const msgs[] = {"nope", "{}", "{\"channel\":\"futures.x\",\"event\":"
                                           "\"subscribe\",\"payload\":[]}",
                                           "{\"channel\":\"futures.tickers\",\"event\":"
                                           "\"subscribe\",\"payload\":\"ETH_USDT\"}",
                                           "{\"channel\":\"futures.candlesticks\",\"event\":"
                                           "\"subscribe\",\"payload\":[\"1m\"]}"};
        wsc w;
        int k;
        CU_ASSERT_EQUAL_FATAL(ws_connect(&f, &w, "/v4/ws/usdt"), 0);
        for (k = 0; k < 5; k++)
            sqt_ws_send(w.ws, msgs[k], strlen(msgs[k]), 0);
        RUN_UNTIL(&f.loop, w.n >= 5, 2000);
        SQT_ASSERT_INT_EQ(w.n, 5);
        for (k = 0; k < w.n; k++) {
            json_t *m = json_loads(w.msgs[k], 0, NULL), *err = json_object_get(m, "error");
            CU_ASSERT_TRUE(jint(err, "code") >= 1 && jint(err, "code") <= 2);
            json_decref(m);
        }
        ws_done(&f, &w);
    }
    fx_stop(&f);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"time and exchangeInfo", test_time_and_info},
        {"signed place, query, cancel and order errors", test_place_query_cancel},
        {"signature, key and timestamp errors", test_auth_errors},
        {"listenKey stream: NEW then FILLED on a manual price", test_user_stream_fill},
        {"429 and 418 faults", test_rate_limit_fault},
        {"batch with mixed per-item results", test_batch_mixed},
        {"503 outcome unknown, timeout, delay, triggers", test_outcome_unknown_and_timeout},
        {"dropped, duplicated and reordered pushes", test_push_faults},
        {"market streams and entry points", test_market_streams},
        {"command lines and faults file", test_command_lines},
        {"partial fills, reset, forced margin rejection", test_partial_fill_and_reset},
        {"userTrades from the fill ledger", test_user_trades},
        {"the binary: first line and SIGTERM", test_binary},
        {"close_position: an outside trade", test_close_position},
        {"print, and a stalled market stream", test_print_and_stalled_market},
        {"a trade's qty: stream size and kline volume", test_trade_qty_volume},
        {"faults by method, the command table", test_method_faults_and_table},
        {"Binance's texts, PERCENT_PRICE, parameter case, stream forms",
         test_binance_texts_and_band},
        {"v3 account and positionRisk fields", test_v3_account_fields},
        {"no default dialect, timestamped log", test_dialect_required_and_log},
        {"bitget: envelope, contracts, every auth refusal, clock skew", test_bitget_rest_auth},
        {"bitget: place, post-only, pages, detail fee, batch cancel", test_bitget_orders},
        {"bitget: ping/pong, login, orders pushes, the 24 h cut", test_bitget_streams},
        {"gate: the spec's signature vectors", test_gate_vectors},
        {"gate: contracts, account, every auth refusal, clock skew", test_gate_rest_auth},
        {"gate: contracts as sizes, 201, pages, fills, fees, batches, cancels", test_gate_orders},
        {"gate: every finish_as", test_gate_finish_as},
        {"gate: one socket, ping, public and private channels, auth, pushes", test_gate_streams},
        {"gate: 429, 503 placed, forced post-only", test_gate_faults},
        {"gate: malformed requests and messages get labels", test_gate_bad_input},
        {NULL, NULL}};
    signal(SIGPIPE, SIG_IGN);
    SQT_TEST_INIT();
    if (sqt_test_suite("emulator", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
