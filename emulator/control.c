/* The control commands: one table (name -> handler, help text) that the control
 * endpoint, the faults file and the scheduled triggers all run through; a dialect may
 * add its own after the table. See docs/emulator.md. */
#include "core.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void emu_reply_err(json_t *reply, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_object_set_new(reply, "ok", json_false());
    json_object_set_new(reply, "error", json_string(msg));
}

/* ------------------------------------------------------------------------------------
 * arguments
 * ---------------------------------------------------------------------------------- */

static int64_t arg_int(json_t *args, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(args, key);
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_string(v)) {
        char *end;
        long long n = strtoll(json_string_value(v), &end, 10);
        if (end != json_string_value(v) && *end == '\0')
            return n;
    }
    return dflt;
}

static int arg_bool(json_t *args, const char *key, int dflt)
{
    json_t *v = json_object_get(args, key);
    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    return dflt;
}

static const char *arg_str(json_t *args, const char *key, const char *dflt)
{
    json_t *v = json_object_get(args, key);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

static int arg_dec(json_t *args, const char *key, sqt_dec *out)
{
    json_t *v = json_object_get(args, key);
    char num[48];
    const char *s = num;
    if (json_is_string(v))
        s = json_string_value(v);
    else if (json_is_integer(v))
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
    else
        return SQT_EINVAL;
    return sqt_dec_parse(s, strlen(s), out);
}

static int arg_which(json_t *args, int *which)
{
    const char *s = arg_str(args, "which", "all");
    if (strcmp(s, "all") == 0)
        *which = WHICH_ALL;
    else if (strcmp(s, "market") == 0)
        *which = WHICH_MARKET;
    else if (strcmp(s, "user") == 0)
        *which = WHICH_USER;
    else
        return SQT_EINVAL;
    return SQT_OK;
}

/* "path" (a prefix, default every path) and "method" (default every method). */
static int arg_target(json_t *args, emu_target *t)
{
    const char *p = arg_str(args, "path", ""), *m = arg_str(args, "method", "");
    size_t i;
    if (strlen(p) >= sizeof(t->path) || strlen(m) >= sizeof(t->method))
        return SQT_EINVAL;
    for (i = 0; m[i] != '\0'; i++)
        if (!isalpha((unsigned char)m[i]))
            return SQT_EINVAL;
    snprintf(t->path, sizeof(t->path), "%s", p);
    memset(t->method, 0, sizeof(t->method));
    for (i = 0; i + 1 < sizeof(t->method) && m[i] != '\0'; i++)
        t->method[i] = (char)toupper((unsigned char)m[i]);
    return SQT_OK;
}

static int arg_count(json_t *args, json_t *reply, const char *name, int *out)
{
    int64_t n = arg_int(args, "count", 1);
    if (n < 0 || n > 1000000) {
        emu_reply_err(reply, "%s: \"count\" must be 0..1000000", name);
        return SQT_EINVAL;
    }
    *out = (int)n;
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * the commands
 * ---------------------------------------------------------------------------------- */

typedef struct emu_cmd {
    const char *name;
    int (*run)(sqt_emu *e, const struct emu_cmd *c, json_t *args, json_t *reply);
    int arg;                   /* a handler shared by several commands tells them apart */
    const char *help;
} emu_cmd;

static void reply_price(sqt_emu *e, json_t *reply)
{
    char b[48];
    json_object_set_new(reply, "price", json_string(sqt_emu_fmt(e->price, b, sizeof(b))));
}

/* The "price" argument: a positive decimal, else the reply says so. */
static int arg_price(json_t *args, json_t *reply, const emu_cmd *c, sqt_dec *p)
{
    if (arg_dec(args, "price", p) != SQT_OK || p->mant <= 0) {
        emu_reply_err(reply, "%s: needs \"price\" as a positive decimal string", c->name);
        return SQT_EINVAL;
    }
    return SQT_OK;
}

/* The optional "qty" of a trade: a positive multiple of the step size; absent, the
 * smallest trade (min qty, else one step). */
static int arg_trade_qty(sqt_emu *e, json_t *args, json_t *reply, const emu_cmd *c, sqt_dec *q)
{
    sqt_dec r;
    char b[48];
    if (json_object_get(args, "qty") == NULL) {
        *q = e->info.min_qty.mant > 0 ? e->info.min_qty : e->info.step_size;
        return SQT_OK;
    }
    if (arg_dec(args, "qty", q) != SQT_OK || q->mant <= 0 ||
        sqt_dec_rescale(*q, e->info.step_size.scale, &r) != SQT_OK ||
        r.mant % e->info.step_size.mant != 0) {
        emu_reply_err(reply, "%s: \"qty\" must be a positive multiple of the step size %s",
                      c->name, sqt_emu_fmt(e->info.step_size, b, sizeof(b)));
        return SQT_EINVAL;
    }
    *q = r;
    return SQT_OK;
}

static int cmd_price(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    sqt_dec p, q;
    char b[48];
    if (arg_price(args, reply, c, &p) != SQT_OK || arg_trade_qty(e, args, reply, c, &q) != SQT_OK)
        return SQT_EINVAL;
    if (emu_apply_price(e, p, q) != SQT_OK) {
        emu_reply_err(reply, "%s: %s is not a positive multiple of the tick size %s", c->name,
                      arg_str(args, "price", "?"), sqt_emu_fmt(e->info.tick_size, b, sizeof(b)));
        return SQT_EINVAL;
    }
    reply_price(e, reply);
    return SQT_OK;
}

static int cmd_step(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    int64_t n = arg_int(args, "n", 1), i;
    char err[256];
    if (n < 1 || n > MAX_STEPS) {
        emu_reply_err(reply, "%s: n must be 1..%d", c->name, MAX_STEPS);
        return SQT_EINVAL;
    }
    for (i = 0; i < n; i++)
        if (emu_step_path(e, err, sizeof(err)) != SQT_OK) {
            emu_reply_err(reply, "%s: %s", c->name, err);
            return SQT_ESTATE;
        }
    reply_price(e, reply);
    return SQT_OK;
}

static int cmd_print(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    sqt_dec p;
    char err[128];
    if (arg_price(args, reply, c, &p) != SQT_OK)
        return SQT_EINVAL;
    if (emu_print(e, p, err, sizeof(err)) != SQT_OK) {
        emu_reply_err(reply, "%s: %s: %s", c->name, arg_str(args, "price", "?"), err);
        return SQT_EINVAL;
    }
    reply_price(e, reply); /* unchanged: the print does not move it */
    return SQT_OK;
}

/* A push that cannot be true, for the host's anomaly checks: one open order's update
 * claiming `filled` (e.g. more than the order) at `price`; the book, the ledger and the
 * account do not change. */
static int cmd_bogus_push(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    const char *cid = arg_str(args, "client_id", "");
    sqt_order o;
    sqt_error err;
    sqt_dec filled, price;
    if (cid[0] == '\0' || arg_dec(args, "filled", &filled) != SQT_OK) {
        emu_reply_err(reply, "%s: needs \"client_id\" and \"filled\" (a decimal string)", c->name);
        return SQT_EINVAL;
    }
    memset(&err, 0, sizeof err);
    if (sqt_match_query(e->match, cid, NULL, &o, &err) != SQT_OK) {
        emu_reply_err(reply, "%s: no order %s", c->name, cid);
        return SQT_EINVAL;
    }
    price = o.price;
    if (json_object_get(args, "price") != NULL && arg_dec(args, "price", &price) != SQT_OK) {
        emu_reply_err(reply, "%s: \"price\" is a decimal string", c->name);
        return SQT_EINVAL;
    }
    o.filled_qty = filled;
    o.last_fill_qty = filled;
    o.last_fill_price = price;
    o.avg_price = price;
    o.status = SQT_ORDER_PARTIALLY_FILLED;
    o.update_time_ms = sqt_emu_now(e);
    if (e->d->on_order)
        e->d->on_order(e, e->dst, &o, 1, o.update_time_ms);
    return SQT_OK;
}

static int cmd_close_position(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    sqt_dec q = sqt_dec_make(0, 0), closed;
    char err[160], b[48];
    int rc;
    if (json_object_get(args, "qty") != NULL && (arg_dec(args, "qty", &q) != SQT_OK || q.mant < 0)) {
        emu_reply_err(reply, "%s: \"qty\" is a non-negative decimal string (absent: all)",
                      c->name);
        return SQT_EINVAL;
    }
    rc = emu_close_position(e, q, &closed, err, sizeof(err));
    if (rc != SQT_OK) {
        emu_reply_err(reply, "%s: %s", c->name, err);
        return rc;
    }
    json_object_set_new(reply, "closed", json_string(sqt_emu_fmt(closed, b, sizeof(b))));
    reply_price(e, reply);
    return SQT_OK;
}

static int cmd_ws(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    int which, act = c->arg;
    if (arg_which(args, &which) != SQT_OK) {
        emu_reply_err(reply, "%s: \"which\" is all, market or user", c->name);
        return SQT_EINVAL;
    }
    if (act == WS_STALL && !arg_bool(args, "on", 1))
        act = WS_UNSTALL;
    json_object_set_new(reply, "connections", json_integer(emu_ws_act(e, which, act)));
    return SQT_OK;
}

static int cmd_delay(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    emu_target t;
    int64_t ms = arg_int(args, "ms", -1);
    if (ms < 0 || ms > 3600000 || arg_target(args, &t) != SQT_OK) {
        emu_reply_err(reply, "%s: needs \"ms\" 0..3600000 (optional \"path\" prefix shorter "
                             "than 96, \"method\")", c->name);
        return SQT_EINVAL;
    }
    e->delay_ms = ms;
    e->delay_t = t;
    return SQT_OK;
}

enum { RF_429 = 1, RF_503 = 2, RF_TIMEOUT = 3 };

static int cmd_rfault(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    rfault f, *dst = c->arg == RF_429 ? &e->f429 : c->arg == RF_503 ? &e->f503 : &e->ftimeout;
    memset(&f, 0, sizeof(f));
    f.retry_after_ms = arg_int(args, "retry_after_ms", 1000);
    f.placed = arg_bool(args, "placed", 0);
    if (arg_count(args, reply, c->name, &f.count) != SQT_OK)
        return SQT_EINVAL;
    if (f.retry_after_ms < 0 || arg_target(args, &f.t) != SQT_OK) {
        emu_reply_err(reply, "%s: \"path\" shorter than 96, \"method\" a word, "
                             "\"retry_after_ms\" >= 0", c->name);
        return SQT_EINVAL;
    }
    *dst = f;
    return SQT_OK;
}

static int cmd_ban(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    int64_t ms = arg_int(args, "ms", 120000);
    if (ms < 0) {
        emu_reply_err(reply, "%s: \"ms\" must be >= 0", c->name);
        return SQT_EINVAL;
    }
    e->ban_until = ms > 0 ? sqt_emu_now(e) + ms : 0;
    return SQT_OK;
}

enum { CNT_POST_ONLY = 1, CNT_MARGIN, CNT_DROP, CNT_DUP, CNT_REORDER };

static int cmd_counted(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    int n, *dst = c->arg == CNT_POST_ONLY ? &e->force_post_only
                  : c->arg == CNT_MARGIN  ? &e->force_margin
                  : c->arg == CNT_DROP    ? &e->drop_pushes
                  : c->arg == CNT_DUP     ? &e->dup_pushes
                                          : &e->reorder_pushes;
    if (arg_count(args, reply, c->name, &n) != SQT_OK)
        return SQT_EINVAL;
    *dst = n;
    return SQT_OK;
}

static int cmd_partial(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    char err[256];
    sqt_dec q;
    int rc;
    if (arg_dec(args, "qty", &q) != SQT_OK || q.mant < 0) {
        emu_reply_err(reply, "%s: needs \"qty\" (0 = whole fills)", c->name);
        return SQT_EINVAL;
    }
    rc = emu_set_partial(e, q, err, sizeof(err));
    if (rc != SQT_OK)
        emu_reply_err(reply, "%s: %s", c->name, err);
    return rc;
}

static int cmd_expire(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    int rc = e->d->expire_session ? e->d->expire_session(e, e->dst, sqt_emu_now(e)) : SQT_ENOTSUP;
    (void)args;
    if (rc != SQT_OK) {
        emu_reply_err(reply, "%s: no active user-stream session", c->name);
        return SQT_ESTATE;
    }
    return SQT_OK;
}

static int cmd_clock_skew(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    (void)c;
    (void)reply;
    e->clock_skew = arg_int(args, "ms", 0);
    return SQT_OK;
}

static int cmd_clear(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    (void)c;
    (void)args;
    (void)reply;
    emu_clear_faults(e);
    return SQT_OK;
}

static int cmd_reset(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    char err[256];
    (void)args;
    if (emu_reset(e, err, sizeof(err)) != SQT_OK) {
        emu_reply_err(reply, "%s: %s", c->name, err);
        return SQT_ESTATE;
    }
    return SQT_OK;
}

static int cmd_state(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    json_t *st = sqt_emu_state(e);
    (void)args;
    if (st == NULL) {
        emu_reply_err(reply, "%s: out of memory", c->name);
        return SQT_ENOMEM;
    }
    json_object_update(reply, st);
    json_decref(st);
    return SQT_OK;
}

static int cmd_help(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply);

static const emu_cmd CMDS[] = {
    {"price", cmd_price, 0,
     "{\"price\", \"qty\"}: a trade there (market pushes, fills); qty adds kline volume"},
    {"step", cmd_step, 0, "{\"n\":1}: n steps of the price path"},
    {"print", cmd_print, 0,
     "{\"price\"}: one trade print on the market stream; the price and the book stay"},
    {"close_position", cmd_close_position, 0,
     "{\"qty\": all}: an outside trade closes the position at the market (fee, ledger, "
     "account push); our orders stay"},
    {"bogus_push", cmd_bogus_push, 0,
     "{\"client_id\", \"filled\", \"price\"}: a user push for an open order claiming that "
     "fill (one that cannot be true); the book stays"},
    {"drop_ws", cmd_ws, WS_DROP, "{\"which\":all|market|user}: reset the connections (RST)"},
    {"close_ws", cmd_ws, WS_CLOSE, "{\"which\"}: close the connections with a close frame"},
    {"stall_ws", cmd_ws, WS_STALL,
     "{\"which\", \"on\":true}: the connections stop sending (and pinging) until on:false"},
    {"delay", cmd_delay, 0, "{\"ms\", \"path\", \"method\"}: answer matching requests late"},
    {"http429", cmd_rfault, RF_429,
     "{\"count\":1, \"path\", \"method\", \"retry_after_ms\":1000}: rate-limit answers"},
    {"unknown_error", cmd_rfault, RF_503,
     "{\"count\", \"path\", \"method\", \"placed\":false}: 503, outcome unknown"},
    {"timeout", cmd_rfault, RF_TIMEOUT,
     "{\"count\", \"path\", \"method\", \"placed\":false}: never answer"},
    {"ban", cmd_ban, 0, "{\"ms\":120000}: every request is refused as banned (0 lifts it)"},
    {"reject_post_only", cmd_counted, CNT_POST_ONLY,
     "{\"count\":1}: the next post-only orders are rejected as takers"},
    {"reject_margin", cmd_counted, CNT_MARGIN,
     "{\"count\":1}: the next orders (not reduce-only) lack margin"},
    {"drop_pushes", cmd_counted, CNT_DROP, "{\"count\":1}: user pushes lost"},
    {"dup_pushes", cmd_counted, CNT_DUP, "{\"count\":1}: user pushes sent twice"},
    {"reorder_pushes", cmd_counted, CNT_REORDER,
     "{\"count\":1}: a user push goes after the next one"},
    {"partial_fill", cmd_partial, 0, "{\"qty\"}: max fill per order per price event (0 whole)"},
    {"expire_session", cmd_expire, 0, "{}: expire the user-stream session now"},
    {"expire_listen_key", cmd_expire, 0, "{}: the same as expire_session"},
    {"clock_skew", cmd_clock_skew, 0, "{\"ms\"}: server time offset"},
    {"clear", cmd_clear, 0, "{}: every fault off, scheduled commands dropped"},
    {"reset", cmd_reset, 0, "{}: a fresh account and no faults (order ids keep counting)"},
    {"state", cmd_state, 0, "{}: the ground truth (GET /_emu/state)"},
    {"help", cmd_help, 0, "{}: the commands and what they take"},
};

static int cmd_help(sqt_emu *e, const emu_cmd *c, json_t *args, json_t *reply)
{
    json_t *cmds = json_object();
    size_t i;
    (void)e;
    (void)c;
    (void)args;
    for (i = 0; cmds != NULL && i < sizeof(CMDS) / sizeof(CMDS[0]); i++)
        json_object_set_new(cmds, CMDS[i].name, json_string(CMDS[i].help));
    json_object_set_new(reply, "commands", cmds);
    return SQT_OK;
}

static int run_cmd(sqt_emu *e, const char *name, json_t *args, json_t *reply)
{
    size_t i;
    int rc;
    for (i = 0; i < sizeof(CMDS) / sizeof(CMDS[0]); i++)
        if (strcmp(CMDS[i].name, name) == 0)
            return CMDS[i].run(e, &CMDS[i], args, reply);
    if (e->d->command) {
        rc = e->d->command(e, e->dst, name, args, reply);
        if (rc != SQT_ENOENT)
            return rc;
    }
    emu_reply_err(reply, "unknown command \"%s\" (POST /_emu/help lists them)", name);
    return SQT_ENOENT;
}

/* ------------------------------------------------------------------------------------
 * running, scheduling, the command line and the faults file
 * ---------------------------------------------------------------------------------- */

static int valid_name(const char *s)
{
    size_t i, n = strlen(s);
    if (n == 0 || n >= 32)
        return 0;
    for (i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

static int schedule(sqt_emu *e, int kind, uint64_t at, const char *name, json_t *args)
{
    sched *s = calloc(1, sizeof(*s)), **p;
    if (s == NULL)
        return SQT_ENOMEM;
    s->kind = kind;
    s->at = at;
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->args = json_incref(args);
    for (p = &e->scheds; *p != NULL; p = &(*p)->next) /* keep them in order given */
        ;
    *p = s;
    return SQT_OK;
}

/* Run now, or schedule when the arguments carry a trigger. */
int emu_command_exec(sqt_emu *e, const char *name, json_t *args, json_t *reply)
{
    int64_t at = arg_int(args, "at_ms", -1), ao = arg_int(args, "after_orders", -1),
            ar = arg_int(args, "after_requests", -1);
    int rc;
    if (!valid_name(name)) {
        emu_reply_err(reply, "bad command name");
        return SQT_EINVAL;
    }
    if (at >= 0 || ao >= 0 || ar >= 0) {
        json_t *rest = json_deep_copy(args);
        json_object_del(rest, "at_ms");
        json_object_del(rest, "after_orders");
        json_object_del(rest, "after_requests");
        rc = at >= 0   ? schedule(e, SCHED_AT, emu_mono(e) + (uint64_t)at, name, rest)
             : ao >= 0 ? schedule(e, SCHED_ORDERS, e->n_orders + (uint64_t)ao, name, rest)
                       : schedule(e, SCHED_REQUESTS, e->n_requests + (uint64_t)ar, name, rest);
        json_decref(rest);
        if (rc != SQT_OK) {
            emu_reply_err(reply, "out of memory");
            return rc;
        }
        json_object_set_new(reply, "ok", json_true());
        json_object_set_new(reply, "scheduled", json_true());
        return SQT_OK;
    }
    rc = run_cmd(e, name, args, reply);
    if (rc == SQT_OK) {
        json_object_set_new(reply, "ok", json_true());
        sqt_emu_logf(e, "command %s", name);
    }
    return rc;
}

/* Run the scheduled commands whose trigger has come. */
void emu_sched_check(sqt_emu *e)
{
    int again = 1;
    while (again && !e->closing) {
        sched **p, *s = NULL;
        again = 0;
        for (p = &e->scheds; *p != NULL; p = &(*p)->next) {
            sched *c = *p;
            uint64_t now = c->kind == SCHED_AT       ? emu_mono(e)
                           : c->kind == SCHED_ORDERS ? e->n_orders
                                                     : e->n_requests;
            if (now >= c->at) {
                *p = c->next;
                s = c;
                break;
            }
        }
        if (s != NULL) {
            json_t *reply = json_object();
            if (reply != NULL && run_cmd(e, s->name, s->args, reply) != SQT_OK)
                sqt_emu_logf(e, "triggered command %s failed: %s", s->name,
                             arg_str(reply, "error", "?"));
            else
                sqt_emu_logf(e, "triggered command %s", s->name);
            json_decref(reply);
            json_decref(s->args);
            free(s);
            again = 1; /* the list may have changed: start over */
        }
    }
}

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return s;
}

/* Next word of s into w (cap): returns the rest. */
static const char *word(const char *s, char *w, size_t cap)
{
    size_t n = 0;
    s = skip_ws(s);
    while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '{' && *s != '\r' && *s != '\n') {
        if (n + 1 < cap)
            w[n++] = *s;
        s++;
    }
    w[n] = '\0';
    return s;
}

static int parse_count(const char *s, int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || v < 0 || v > 1000000000LL)
        return -1;
    *out = v;
    return (int)(end - s);
}

int sqt_emu_command(sqt_emu *e, const char *line, char **reply_out)
{
    json_t *reply = json_object(), *args = NULL;
    char w1[64], w2[64], name[64];
    const char *s = line ? line : "";
    int64_t n = -1;
    int rc = SQT_OK, used;
    const char *trig = NULL;
    if (reply_out)
        *reply_out = NULL;
    if (reply == NULL)
        return SQT_ENOMEM;
    s = word(s, w1, sizeof(w1));
    if (strcmp(w1, "at") == 0 || strcmp(w1, "after") == 0) {
        s = word(s, w2, sizeof(w2));
        if ((used = parse_count(w2, &n)) < 0) {
            emu_reply_err(reply, "\"%s\" needs a number", w1);
            rc = SQT_EINVAL;
            goto out;
        }
        if (strcmp(w1, "at") == 0) {
            const char *unit = w2 + used;
            if (*unit == '\0')
                s = word(s, name, sizeof(name)), unit = name;
            if (strcmp(unit, "ms") != 0 && strcmp(unit, "ms:") != 0) {
                emu_reply_err(reply, "\"at N ms\": unit must be ms");
                rc = SQT_EINVAL;
                goto out;
            }
            trig = "at_ms";
        } else {
            s = word(s, name, sizeof(name));
            if (strncmp(name, "order", 5) == 0)
                trig = "after_orders";
            else if (strncmp(name, "request", 7) == 0)
                trig = "after_requests";
            else {
                emu_reply_err(reply, "\"after N\": orders or requests");
                rc = SQT_EINVAL;
                goto out;
            }
        }
        s = word(s, w1, sizeof(w1));
    }
    snprintf(name, sizeof(name), "%s", w1);
    s = skip_ws(s);
    if (*s != '\0') {
        json_error_t je;
        args = json_loads(s, 0, &je);
        if (!json_is_object(args)) {
            emu_reply_err(reply, "arguments must be one JSON object: %s", je.text);
            rc = SQT_EINVAL;
            goto out;
        }
    } else {
        args = json_object();
    }
    if (trig != NULL)
        json_object_set_new(args, trig, json_integer(n));
    rc = emu_command_exec(e, name, args, reply);
out:
    json_decref(args);
    if (reply_out)
        *reply_out = json_dumps(reply, JSON_COMPACT);
    json_decref(reply);
    return rc;
}

int emu_faults_file(sqt_emu *e, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int lineno = 0;
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return SQT_ENOENT;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *s = skip_ws(line);
        char *reply = NULL;
        int rc;
        lineno++;
        if (*s == '\0' || *s == '#')
            continue;
        rc = sqt_emu_command(e, s, &reply);
        if (rc != SQT_OK) {
            json_t *r = reply ? json_loads(reply, 0, NULL) : NULL;
            snprintf(err, errlen, "%s:%d: %s", path, lineno, arg_str(r, "error", "failed"));
            json_decref(r);
            free(reply);
            fclose(f);
            return SQT_EINVAL;
        }
        free(reply);
    }
    fclose(f);
    return SQT_OK;
}

