/* The emulator core's plumbing (see emulator.h): options, the loopback server's
 * callbacks, the request path through the fault engine to the dialect, the control
 * endpoint, housekeeping, start and close. */
#include "core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

__extension__ typedef __int128 i128;

/* The dialects built in; --dialect names one of them. */
static const sqt_emu_dialect *const DIALECTS[] = {
    &sqt_emu_dialect_binance, &sqt_emu_dialect_bitget, &sqt_emu_dialect_gate};

const char *sqt_emu_dialect_names(char *buf, size_t cap)
{
    size_t i, n = 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    for (i = 0; i < sizeof(DIALECTS) / sizeof(DIALECTS[0]); i++) {
        int w = snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", DIALECTS[i]->name);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    return buf;
}

static const sqt_emu_dialect *dialect_find(const char *name)
{
    size_t i;
    for (i = 0; name != NULL && i < sizeof(DIALECTS) / sizeof(DIALECTS[0]); i++)
        if (strcmp(name, DIALECTS[i]->name) == 0)
            return DIALECTS[i];
    return NULL;
}

void sqt_emu_opts_default(sqt_emu_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->dialect = NULL; /* no default: the caller names the exchange it wants */
    o->seed = 1;
    o->tick_ms = 250;
    o->sigma = 0.0002;
    o->symbol = "ETHUSDT";
    o->start_price = sqt_dec_make(300000, 2);
    o->tick_size = sqt_dec_make(1, 2);
    o->step_size = sqt_dec_make(1, 3);
    o->min_qty = sqt_dec_make(1, 3);
    o->min_notional = sqt_dec_make(5, 0);
    o->balance = sqt_dec_make(10000, 0);
    o->leverage = 5;
    o->partial_fill_qty = sqt_dec_make(0, 0);
    o->api_key = SQT_EMU_DEFAULT_KEY;
    o->secret = SQT_EMU_DEFAULT_SECRET;
    o->ping_ms = 180000;
    o->band_up = sqt_dec_make(10500, 4);
    o->band_down = sqt_dec_make(9500, 4);
}

void sqt_emu_logf(sqt_emu *e, const char *fmt, ...)
{
    va_list ap;
    if (e == NULL || e->o.log == NULL)
        return;
    {
        /* UTC wall time with ms: lines line up with the client's own log */
        struct timeval tv;
        struct tm tm;
        char ts[32];
        gettimeofday(&tv, NULL);
        gmtime_r(&tv.tv_sec, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(e->o.log, "%s.%03dZ emulator: ", ts, (int)(tv.tv_usec / 1000));
    }
    va_start(ap, fmt);
    vfprintf(e->o.log, fmt, ap);
    va_end(ap);
    fputc('\n', e->o.log);
    fflush(e->o.log);
}

const char *sqt_emu_fmt(sqt_dec d, char *buf, size_t cap)
{
    if (sqt_dec_format(d, buf, cap) < 0)
        snprintf(buf, cap, "0");
    return buf;
}

sqt_dec sqt_emu_dec_mul(sqt_dec a, sqt_dec b)
{
    i128 m = (i128)a.mant * b.mant;
    int32_t s = a.scale + b.scale;
    while (s > 0 && m % 10 == 0) {
        m /= 10;
        s--;
    }
    while (s > 8) { /* round half away from zero to 8 decimals */
        i128 q = m / 10, r = m % 10;
        if (r >= 5)
            q++;
        else if (r <= -5)
            q--;
        m = q;
        s--;
    }
    if (m > INT64_MAX || m < INT64_MIN || s < 0 || s > SQT_DEC_MAX_SCALE)
        return sqt_dec_make(0, 0);
    return sqt_dec_make((int64_t)m, s);
}

uint64_t sqt_emu_rand(sqt_emu *e)
{
    /* splitmix64: tiny, seedable, good enough for ids */
    uint64_t z = (e->rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

int64_t sqt_emu_now(const sqt_emu *e)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + e->clock_skew;
}

uint64_t emu_mono(const sqt_emu *e)
{
    return uv_now(e->loop);
}

const sqt_emu_opts *sqt_emu_options(const sqt_emu *e)
{
    return &e->o;
}

sqt_match *sqt_emu_match(sqt_emu *e)
{
    return e->match;
}

const sqt_symbol_info *sqt_emu_info(const sqt_emu *e)
{
    return &e->info;
}

const sqt_kbars *sqt_emu_kbars(const sqt_emu *e)
{
    return e->bars;
}

sqt_dec sqt_emu_price(const sqt_emu *e)
{
    return e->price;
}

sqt_emu_ws *sqt_emu_ws_list(sqt_emu *e)
{
    return e->ws;
}

int sqt_emu_port(const sqt_emu *e)
{
    return e ? sqt_srv_port(e->srv) : 0;
}

void sqt_emu_resp_set(sqt_emu_resp *r, int status, char *body)
{
    free(r->body);
    r->status = status;
    r->body = body;
    r->len = body ? strlen(body) : 0;
}

void sqt_emu_resp_json(sqt_emu_resp *r, int status, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (text == NULL) {
        sqt_emu_resp_set(r, 500, strdup("{\"error\":\"emulator: out of memory\"}"));
        return;
    }
    sqt_emu_resp_set(r, status, text);
}

void sqt_emu_resp_header(sqt_emu_resp *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    int i;
    for (i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->hname[i], name) == 0)
            break;
    if (i == SQT_EMU_MAX_HEADERS)
        return;
    snprintf(r->hname[i], sizeof(r->hname[i]), "%s", name);
    va_start(ap, fmt);
    vsnprintf(r->hvalue[i], sizeof(r->hvalue[i]), fmt, ap);
    va_end(ap);
    if (i == r->n_headers)
        r->n_headers++;
}

void emu_resp_free(sqt_emu_resp *r)
{
    free(r->body);
    r->body = NULL;
}

static void ws_unlink(sqt_emu *e, sqt_emu_ws *w)
{
    sqt_emu_ws **p;
    for (p = &e->ws; *p != NULL; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            return;
        }
}

void emu_ws_free(sqt_emu *e, sqt_emu_ws *w)
{
    if (e->d->ws_free)
        e->d->ws_free(e->dst, w);
    free(w);
}

static int srv_on_upgrade(void *ud, sqt_srv_conn *c, const sqt_srv_request *req)
{
    sqt_emu *e = ud;
    sqt_emu_ws *w;
    int rc;
    if (e->closing || (w = calloc(1, sizeof(*w))) == NULL)
        return SQT_SRV_UPGRADE_REJECT;
    w->emu = e;
    w->conn = c;
    w->up_headers = req->headers;
    w->n_up_headers = req->n_headers;
    rc = e->d->ws_accept(e, e->dst, w, req->target);
    w->up_headers = NULL;
    w->n_up_headers = 0;
    if (rc != 0) {
        sqt_emu_logf(e, "WebSocket %s refused", req->target);
        emu_ws_free(e, w);
        return SQT_SRV_UPGRADE_REJECT;
    }
    w->next = e->ws;
    e->ws = w;
    sqt_srv_conn_set_ud(c, w);
    return SQT_SRV_UPGRADE_ACCEPT;
}

static void srv_on_ws_open(void *ud, sqt_srv_conn *c)
{
    sqt_emu_ws *w = sqt_srv_conn_ud(c);
    (void)ud;
    if (w != NULL) {
        w->open = 1;
        sqt_emu_logf(w->emu, "WebSocket %llu open (%s)", (unsigned long long)sqt_srv_conn_id(c),
                     w->kind == SQT_EMU_WS_USER     ? "user"
                     : w->kind == SQT_EMU_WS_MARKET ? "market"
                     : w->kind == 0                 ? "no channel yet"
                                                    : "market and user");
    }
}

static void srv_on_ws_message(void *ud, sqt_srv_conn *c, int opcode, const char *data,
                              size_t len)
{
    sqt_emu *e = ud;
    sqt_emu_ws *w = sqt_srv_conn_ud(c);
    if (w != NULL && opcode == SQT_SRV_OP_TEXT && e->d->ws_message && !e->closing)
        e->d->ws_message(e, e->dst, w, data, len);
}

static void srv_on_conn_closed(void *ud, sqt_srv_conn *c)
{
    sqt_emu *e = ud;
    sqt_emu_ws *w = sqt_srv_conn_ud(c);
    deferred *d;
    for (d = e->defs; d != NULL; d = d->next)
        if (d->conn == c)
            d->conn = NULL;
    if (w != NULL) {
        ws_unlink(e, w);
        emu_ws_free(e, w);
        sqt_srv_conn_set_ud(c, NULL);
    }
}

/* ------------------------------------------------------------------------------------
 * HTTP
 * ---------------------------------------------------------------------------------- */

static void send_resp(sqt_srv_conn *c, const sqt_emu_resp *r)
{
    sqt_header h[SQT_EMU_MAX_HEADERS + 1];
    int i, n = 0;
    h[n].name = "Content-Type";
    h[n++].value = "application/json";
    for (i = 0; i < r->n_headers; i++) {
        h[n].name = r->hname[i];
        h[n++].value = r->hvalue[i];
    }
    sqt_srv_respond(c, r->status, h, (size_t)n, r->body ? r->body : "", r->len);
}

static void one_closed(sqt_emu *e);

/* Every deferred answer's timer goes through here; during shutdown each one counts. */
static void deferred_closed(uv_handle_t *h)
{
    deferred *d = h->data;
    sqt_emu *e = d->e;
    emu_resp_free(&d->resp);
    free(d);
    e->def_closing--;
    if (e->closing)
        one_closed(e);
}

static void deferred_unlink_close(deferred *d)
{
    sqt_emu *e = d->e;
    deferred **p;
    for (p = &e->defs; *p != NULL; p = &(*p)->next)
        if (*p == d) {
            *p = d->next;
            break;
        }
    uv_timer_stop(&d->timer);
    e->def_closing++;
    uv_close((uv_handle_t *)&d->timer, deferred_closed);
}

static void on_deferred(uv_timer_t *t)
{
    deferred *d = t->data;
    if (d->conn != NULL)
        send_resp(d->conn, &d->resp);
    deferred_unlink_close(d);
}

static void control(sqt_emu *e, sqt_srv_conn *c, const sqt_srv_request *req, const char *path)
{
    const char *name = path + strlen(SQT_EMU_CTL_PREFIX);
    json_t *reply = json_object(), *args = NULL;
    sqt_emu_resp r;
    int rc;
    memset(&r, 0, sizeof(r));
    if (reply == NULL) {
        sqt_emu_resp_set(&r, 500, NULL);
        goto send;
    }
    if (strcmp(name, "line") == 0 && strcmp(req->method, "POST") == 0) {
        char *text = NULL, *line = strndup(req->body, req->body_len);
        rc = line ? sqt_emu_command(e, line, &text) : SQT_ENOMEM;
        free(line);
        json_decref(reply);
        sqt_emu_resp_set(&r, rc == SQT_OK ? 200 : 400, text);
        goto send;
    }
    if (strcmp(req->method, "GET") == 0 && strcmp(name, "state") != 0) {
        emu_reply_err(reply, "control: GET only for state; POST /_emu/<command> with JSON");
        sqt_emu_resp_json(&r, 405, reply);
        goto send;
    }
    if (req->body_len > 0) {
        json_error_t je;
        args = json_loadb(req->body, req->body_len, 0, &je);
        if (!json_is_object(args)) {
            emu_reply_err(reply, "control: the body must be one JSON object: %s", je.text);
            sqt_emu_resp_json(&r, 400, reply);
            goto send;
        }
    } else {
        args = json_object();
    }
    rc = emu_command_exec(e, name, args, reply);
    sqt_emu_resp_json(&r, rc == SQT_OK ? 200 : rc == SQT_ENOENT ? 404 : 400, reply);
send:
    json_decref(args);
    send_resp(c, &r);
    emu_resp_free(&r);
}

static void srv_on_request(void *ud, sqt_srv_conn *c, const sqt_srv_request *sreq)
{
    sqt_emu *e = ud;
    char *path = NULL;
    const char *q;
    sqt_emu_req req;
    sqt_emu_resp r;
    int process = 1, never = 0, unknown = 0, fault = 0;
    int64_t now = sqt_emu_now(e), delay = 0;
    memset(&r, 0, sizeof(r));
    q = strchr(sreq->target, '?');
    path = q ? strndup(sreq->target, (size_t)(q - sreq->target)) : strdup(sreq->target);
    if (path == NULL) {
        sqt_srv_respond(c, 500, NULL, 0, "", 0);
        return;
    }
    if (strncmp(path, SQT_EMU_CTL_PREFIX, strlen(SQT_EMU_CTL_PREFIX)) == 0) {
        control(e, c, sreq, path);
        free(path);
        return;
    }
    e->n_requests++;
    memset(&req, 0, sizeof(req));
    req.method = sreq->method;
    req.path = path;
    req.query = q ? q + 1 : "";
    req.body = sreq->body;
    req.body_len = sreq->body_len;
    req.headers = sreq->headers;
    req.n_headers = sreq->n_headers;

    if (e->ban_until > now) {
        e->d->fault_resp(e, e->dst, SQT_EMU_FAULT_BAN, &req, e->ban_until - now, &r);
        process = 0;
        fault = 1;
    } else if (emu_rfault_hit(&e->f429, sreq->method, path)) {
        e->d->fault_resp(e, e->dst, SQT_EMU_FAULT_RATE, &req, e->f429.retry_after_ms, &r);
        process = 0;
        fault = 1;
    } else if (emu_rfault_hit(&e->ftimeout, sreq->method, path)) {
        never = 1;
        process = e->ftimeout.placed;
        fault = 1;
    } else if (emu_rfault_hit(&e->f503, sreq->method, path)) {
        unknown = 1;
        process = e->f503.placed;
        fault = 1;
    }
    if (process)
        e->d->rest(e, e->dst, &req, &r);
    if (unknown)
        e->d->fault_resp(e, e->dst, SQT_EMU_FAULT_UNKNOWN, &req, 0, &r);
    if (e->d->finish)
        e->d->finish(e, e->dst, &r);
    if (fault)
        e->n_faults++;
    if (e->delay_ms > 0 && emu_target_hit(&e->delay_t, sreq->method, path))
        delay = e->delay_ms;
    sqt_emu_logf(e, "%s %s -> %s%d%s%s", sreq->method, path, never ? "(never answered) " : "",
                 r.status, process ? "" : " (not carried out)", delay ? " (delayed)" : "");
    free(path);
    if (never) {
        emu_resp_free(&r);
    } else if (delay > 0) {
        deferred *d = calloc(1, sizeof(*d));
        if (d == NULL) {
            send_resp(c, &r);
            emu_resp_free(&r);
        } else {
            d->e = e;
            d->conn = c;
            d->resp = r;
            uv_timer_init(e->loop, &d->timer);
            d->timer.data = d;
            uv_timer_start(&d->timer, on_deferred, (uint64_t)delay, 0);
            d->next = e->defs;
            e->defs = d;
        }
    } else {
        send_resp(c, &r);
        emu_resp_free(&r);
    }
    emu_sched_check(e);
}

/* ------------------------------------------------------------------------------------
 * housekeeping

 * ---------------------------------------------------------------------------------- */

static void on_housekeep(uv_timer_t *t)
{
    sqt_emu *e = t->data;
    uint64_t m = emu_mono(e);
    char err[256];
    if (e->closing)
        return;
    if (!e->o.manual_price && m - e->last_step >= e->o.tick_ms) {
        e->last_step = m;
        if (emu_step_path(e, err, sizeof(err)) != SQT_OK)
            sqt_emu_logf(e, "price path: %s", err);
    }
    if (e->held_event != NULL && m - e->held_since >= HOLD_MAX_MS)
        emu_held_release(e);
    if (e->o.ping_ms > 0 && m - e->last_ping >= e->o.ping_ms) {
        sqt_emu_ws *w;
        e->last_ping = m;
        for (w = e->ws; w != NULL; w = w->next)
            if (w->open && !w->stalled)
                sqt_srv_ws_ping(w->conn, "emu", 3);
    }
    if (e->d->on_timer)
        e->d->on_timer(e, e->dst, sqt_emu_now(e));
    emu_sched_check(e);
}

/* ------------------------------------------------------------------------------------
 * life
 * ---------------------------------------------------------------------------------- */

static void emu_free(sqt_emu *e)
{
    while (e->ws != NULL) { /* only before the server started */
        sqt_emu_ws *w = e->ws;
        e->ws = w->next;
        emu_ws_free(e, w);
    }
    emu_clear_faults(e);
    if (e->d && e->dst)
        e->d->destroy(e->dst);
    sqt_match_free(e->match);
    sqt_pricepath_close(e->path);
    sqt_kbars_free(e->bars);
    free(e->ords);
    free(e->fills);
    free(e->s_dialect);
    free(e->s_symbol);
    free(e->s_key);
    free(e->s_secret);
    free(e);
}

static int build_history(sqt_emu *e, const sqt_pricepath_config *pc, char *err, size_t errlen)
{
    sqt_pricepath_config hc = *pc;
    size_t n = (size_t)HISTORY_MINUTES * 60000 / HISTORY_STEP_MS, i;
    sqt_price_point *hist = calloc(n, sizeof(*hist));
    int rc;
    if (hist == NULL) {
        snprintf(err, errlen, "out of memory");
        return SQT_ENOMEM;
    }
    /* same statistics on a coarser step */
    hc.sigma = pc->sigma * sqrt((double)HISTORY_STEP_MS / (double)pc->step_ms);
    if (hc.sigma > 0.05)
        hc.sigma = 0.05;
    hc.step_ms = HISTORY_STEP_MS;
    rc = sqt_pricepath_history(&hc, n, hist, err, errlen);
    for (i = 0; rc == SQT_OK && i < n; i++)
        sqt_kbars_trade(e->bars, hist[i].price, hist[i].qty, hist[i].time_ms);
    free(hist);
    return rc;
}

static int dup_opt(const char *s, char **out, const char **field)
{
    if (s == NULL)
        return SQT_OK;
    if ((*out = strdup(s)) == NULL)
        return SQT_ENOMEM;
    *field = *out;
    return SQT_OK;
}

/* A band multiplier: 0 (off), else >= 1 for the upper edge, 0..1 for the lower one. */
static int band_ok(sqt_dec m, int up)
{
    int ok = 1, c;
    if (m.mant == 0)
        return m.scale >= 0 && m.scale <= 8;
    if (m.mant < 0 || m.scale < 0 || m.scale > 8)
        return 0;
    c = sqt_dec_cmp(m, sqt_dec_make(1, 0), &ok);
    return ok && (up ? c >= 0 : c <= 0);
}

int sqt_emu_start(uv_loop_t *loop, const sqt_emu_opts *o, sqt_emu **out, char *err,
                  size_t errlen)
{
    sqt_emu *e;
    sqt_pricepath_config pc;
    sqt_srv_opts so;
    sqt_price_point pt;
    int rc;
    if (loop == NULL || o == NULL || out == NULL) {
        snprintf(err, errlen, "no options");
        return SQT_EINVAL;
    }
    *out = NULL;
    if (dialect_find(o->dialect) == NULL) {
        char names[128];
        if (o->dialect == NULL)
            snprintf(err, errlen, "a dialect is required (built in: %s)",
                     sqt_emu_dialect_names(names, sizeof(names)));
        else
            snprintf(err, errlen, "unknown dialect \"%s\" (built in: %s)", o->dialect,
                     sqt_emu_dialect_names(names, sizeof(names)));
        return SQT_EINVAL;
    }
    if (o->tick_ms < 10 || o->tick_ms > 60000 || o->port < 0 || o->port > 65535 ||
        !(o->sigma >= 0 && o->sigma <= 0.1)) {
        snprintf(err, errlen, "tick_ms must be 10..60000, port 0..65535, sigma 0..0.1");
        return SQT_EINVAL;
    }
    if (o->api_key == NULL || o->secret == NULL || o->api_key[0] == '\0' ||
        o->secret[0] == '\0') {
        snprintf(err, errlen, "api key and secret must not be empty");
        return SQT_EINVAL;
    }
    if (!band_ok(o->band_up, 1) || !band_ok(o->band_down, 0)) {
        snprintf(err, errlen, "the price band's up multiplier is >= 1, its down one 0..1");
        return SQT_EINVAL;
    }
    if ((o->cert_file == NULL) != (o->key_file == NULL)) {
        snprintf(err, errlen, "TLS needs both a certificate and a key");
        return SQT_EINVAL;
    }
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        snprintf(err, errlen, "out of memory");
        return SQT_ENOMEM;
    }
    uv_update_time(loop); /* "at N ms" triggers count from now, not the last loop turn */
    e->loop = loop;
    e->o = *o;
    e->d = dialect_find(o->dialect);
    e->rng = o->seed ^ UINT64_C(0x5EED5EED5EED5EED);
    if (dup_opt(o->dialect, &e->s_dialect, &e->o.dialect) || dup_opt(o->symbol, &e->s_symbol, &e->o.symbol) ||
        dup_opt(o->api_key, &e->s_key, &e->o.api_key) ||
        dup_opt(o->secret, &e->s_secret, &e->o.secret)) {
        snprintf(err, errlen, "out of memory");
        rc = SQT_ENOMEM;
        goto fail;
    }
    e->o.faults_file = e->o.cert_file = e->o.key_file = NULL; /* used during start only */

    sqt_match_config_default(&e->mcfg, o->symbol ? o->symbol : "ETHUSDT");
    e->mcfg.tick_size = o->tick_size;
    e->mcfg.step_size = o->step_size;
    e->mcfg.min_qty = o->min_qty;
    e->mcfg.min_notional = o->min_notional;
    e->mcfg.balance = o->balance;
    e->mcfg.leverage = o->leverage;
    e->mcfg.partial_fill_qty = o->partial_fill_qty;
    if ((rc = emu_match_create(e, err, errlen)) != SQT_OK)
        goto fail;

    memset(&pc, 0, sizeof(pc));
    pc.model = SQT_PATH_GBM;
    pc.tick_size = e->info.tick_size;
    pc.step_size = e->info.step_size;
    pc.seed = o->seed;
    pc.start_price = o->start_price;
    pc.sigma = o->sigma;
    pc.step_ms = o->tick_ms;
    pc.start_ms = sqt_emu_now(e);
    if ((rc = sqt_pricepath_open(&pc, &e->path, err, errlen)) != SQT_OK)
        goto fail;
    if ((rc = sqt_kbars_new(e->info.symbol, e->info.tick_size, e->info.step_size, &e->bars)) !=
        SQT_OK) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if ((rc = build_history(e, &pc, err, errlen)) != SQT_OK)
        goto fail;
    if ((rc = e->d->create(e, &e->dst)) != SQT_OK) {
        snprintf(err, errlen, "dialect %s: cannot start", e->d->name);
        goto fail;
    }
    if (sqt_pricepath_next(e->path, &pt, err, errlen) != 1 ||
        emu_apply_price(e, pt.price, pt.qty) != SQT_OK) {
        snprintf(err, errlen, "the price path has no first point");
        rc = SQT_EINVAL;
        goto fail;
    }
    e->last_step = e->last_ping = emu_mono(e);
    if (o->faults_file != NULL && (rc = emu_faults_file(e, o->faults_file, err, errlen)) != SQT_OK)
        goto fail;

    memset(&so, 0, sizeof(so));
    so.host = "127.0.0.1"; /* loopback only, whatever else is asked */
    so.port = o->port;
    so.cert_file = o->cert_file;
    so.key_file = o->key_file;
    so.handlers.on_request = srv_on_request;
    so.handlers.on_upgrade = srv_on_upgrade;
    so.handlers.on_ws_open = srv_on_ws_open;
    so.handlers.on_ws_message = srv_on_ws_message;
    so.handlers.on_conn_closed = srv_on_conn_closed;
    so.ud = e;
    if ((rc = sqt_srv_start(loop, &so, &e->srv)) != 0) {
        snprintf(err, errlen, "cannot listen on 127.0.0.1:%d: %s", o->port,
                 rc < -100 ? uv_strerror(rc) : sqt_strerror(rc));
        goto fail;
    }
    uv_timer_init(loop, &e->timer);
    e->timer.data = e;
    uv_timer_start(&e->timer, on_housekeep, HOUSEKEEP_MS, HOUSEKEEP_MS);
    e->timer_on = 1;
    *out = e;
    return SQT_OK;
fail:
    emu_free(e);
    return rc < 0 ? rc : SQT_EINVAL;
}

static void finish_close(sqt_emu *e)
{
    void (*done)(void *) = e->done;
    void *ud = e->done_ud;
    emu_free(e);
    if (done)
        done(ud);
}

static void one_closed(sqt_emu *e)
{
    if (--e->pending == 0)
        finish_close(e);
}

static void timer_closed(uv_handle_t *h)
{
    one_closed(h->data);
}

static void srv_closed(void *ud)
{
    sqt_emu *e = ud;
    e->srv = NULL;
    one_closed(e);
}

void sqt_emu_close(sqt_emu *e, void (*done)(void *ud), void *ud)
{
    if (e == NULL || e->closing)
        return;
    e->closing = 1;
    e->done = done;
    e->done_ud = ud;
    e->pending = 1; /* ours, dropped at the end of this function */
    while (e->defs != NULL)
        deferred_unlink_close(e->defs);
    e->pending += e->def_closing; /* each of those closes calls one_closed */
    if (e->timer_on) {
        e->pending++;
        uv_timer_stop(&e->timer);
        uv_close((uv_handle_t *)&e->timer, timer_closed);
    }
    e->pending++;
    sqt_srv_close(e->srv, srv_closed, e);
    one_closed(e);
}
