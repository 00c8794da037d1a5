/* `opensqt report`: what the journal says - realized PnL, round trips and fees, in total
 * and per day (UTC), and the holdings with their cost basis and unrealized PnL at the
 * last price the journal saw. Read-only: it may run while the bot trades (WAL).
 * All sums are exact (decimal strings summed as 128-bit integers at 1e-12). */
#define _GNU_SOURCE
#include "report.h"

#include <getopt.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "book.h"
#include "config.h"
#include "journal.h"
#include "log.h"

#define SCALE 12

__extension__ typedef __int128 wide;

/* A decimal string at 1e-12 units; 0 for NULL/empty. -1 when it does not fit exactly. */
static int to_wide(const unsigned char *s, wide *out)
{
    sqt_dec d;
    wide v;
    int i;
    *out = 0;
    if (s == NULL || s[0] == '\0')
        return 0;
    if (sqt_dec_parse((const char *)s, strlen((const char *)s), &d) != SQT_OK || d.scale > SCALE ||
        d.scale < 0)
        return -1;
    v = d.mant;
    for (i = d.scale; i < SCALE; i++)
        v *= 10;
    *out = v;
    return 0;
}

/* Format at `decimals` places (rounded half away from zero from 1e-12). */
static const char *fmt_wide(wide v, int decimals, char *buf, size_t cap)
{
    wide div = 1, q, r;
    unsigned __int128 uq;
    char digits[64];
    int i, n = 0, neg = v < 0;
    for (i = decimals; i < SCALE; i++)
        div *= 10;
    if (neg)
        v = -v;
    q = v / div;
    r = v % div;
    if (2 * r >= div)
        q++;
    uq = (unsigned __int128)q;
    do {
        digits[n++] = (char)('0' + (int)(uq % 10));
        uq /= 10;
    } while (uq != 0 || n <= decimals);
    {
        size_t k = 0;
        if (neg && q != 0 && k + 1 < cap)
            buf[k++] = '-';
        for (i = n - 1; i >= 0 && k + 2 < cap; i--) {
            buf[k++] = digits[i];
            if (i == decimals && decimals > 0)
                buf[k++] = '.';
        }
        buf[k] = '\0';
    }
    return buf;
}

typedef struct day {
    char date[16];
    wide pnl, fees;
    long trips, fills;
} day;

typedef struct rep {
    sqlite3 *db;
    long long since_ms;
    wide pnl, fees;
    long trips, fills;
    day *days;
    size_t nd, capd;
    int bad;                   /* a figure that could not be read */
    char quote[16];
} rep;

static day *day_of(rep *r, long long ts_ms)
{
    time_t t = (time_t)(ts_ms / 1000);
    struct tm tm;
    char d[16];
    size_t i;
    gmtime_r(&t, &tm);
    strftime(d, sizeof d, "%Y-%m-%d", &tm);
    for (i = r->nd; i > 0; i--)
        if (strcmp(r->days[i - 1].date, d) == 0)
            return &r->days[i - 1];
    if (r->nd == r->capd) {
        size_t cap = r->capd ? r->capd * 2 : 32;
        day *p = realloc(r->days, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        r->days = p;
        r->capd = cap;
    }
    memset(&r->days[r->nd], 0, sizeof r->days[0]);
    snprintf(r->days[r->nd].date, sizeof r->days[0].date, "%s", d);
    return &r->days[r->nd++];
}

static int cmp_day(const void *a, const void *b)
{
    return strcmp(((const day *)a)->date, ((const day *)b)->date);
}

static int collect(rep *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "SELECT ts_ms, kind, pnl FROM pnl WHERE ts_ms >= ?1 ORDER BY id", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, r->since_ms);
    while (sqlite3_step(st) == SQLITE_ROW) {
        wide v;
        day *d = day_of(r, sqlite3_column_int64(st, 0));
        int trip = strcmp((const char *)sqlite3_column_text(st, 1), "round_trip") == 0;
        if (to_wide(sqlite3_column_text(st, 2), &v) != 0) {
            r->bad++;
            continue;
        }
        r->pnl += v;
        r->trips += trip;
        if (d != NULL) {
            d->pnl += v;
            d->trips += trip;
        }
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(r->db,
                           "SELECT ts_ms, fee, fee_asset, qty FROM fills WHERE ts_ms >= ?1 ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, r->since_ms);
    while (sqlite3_step(st) == SQLITE_ROW) {
        wide v, q;
        day *d = day_of(r, sqlite3_column_int64(st, 0));
        const unsigned char *asset = sqlite3_column_text(st, 2);
        if (to_wide(sqlite3_column_text(st, 1), &v) != 0 || to_wide(sqlite3_column_text(st, 3), &q) != 0) {
            r->bad++;
            continue;
        }
        if (asset != NULL && asset[0] && r->quote[0] && strcmp((const char *)asset, r->quote) != 0)
            v = 0; /* a fee in another asset is not part of the quote PnL */
        r->fees += v;
        r->fills += q != 0;
        if (d != NULL) {
            d->fees += v;
            d->fills += q != 0;
        }
    }
    sqlite3_finalize(st);
    if (r->nd > 1)
        qsort(r->days, r->nd, sizeof *r->days, cmp_day);
    return 0;
}

typedef struct holding {
    char level[48], qty[48];
    wide qty_w, cost;
} holding;

static size_t holdings(rep *r, holding **out, wide *last_price, char *lp_text, size_t lp_cap)
{
    sqlite3_stmt *st;
    holding *h = NULL;
    size_t n = 0;
    *out = NULL;
    *last_price = 0;
    lp_text[0] = '\0';
    if (sqlite3_prepare_v2(r->db, "SELECT last_price FROM grid WHERE id=1", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
            snprintf(lp_text, lp_cap, "%s", (const char *)sqlite3_column_text(st, 0));
            if (to_wide(sqlite3_column_text(st, 0), last_price) != 0)
                r->bad++;
        }
        sqlite3_finalize(st);
    }
    if (sqlite3_prepare_v2(r->db, "SELECT level, qty_dec, cost_quote FROM slots WHERE qty > 0 ORDER BY k DESC",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        holding *p;
        if (n % 32 == 0) {
            p = realloc(h, (n + 32) * sizeof *p);
            if (p == NULL)
                break;
            h = p;
        }
        p = &h[n];
        snprintf(p->level, sizeof p->level, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(p->qty, sizeof p->qty, "%s", (const char *)sqlite3_column_text(st, 1));
        if (to_wide(sqlite3_column_text(st, 1), &p->qty_w) != 0 ||
            to_wide(sqlite3_column_text(st, 2), &p->cost) != 0) {
            r->bad++;
            continue;
        }
        n++;
    }
    sqlite3_finalize(st);
    *out = h;
    return n;
}

static const char usage[] =
    "usage: opensqt report -c FILE [--json] [--since YYYY-MM-DD]\n"
    "\n"
    "What the state journal of FILE's book says: realized PnL (fees included), round trips\n"
    "and fees, in total and per day (UTC); the holdings with their cost basis and their\n"
    "unrealized PnL at the last price the bot saw. Read-only; works while the bot runs.\n"
    "\n"
    "  -c, --config FILE   the config the bot runs with (it names the book and state_dir)\n"
    "  --json              one JSON object instead of the tables\n"
    "  --since DATE        only PnL and fees from that day (UTC) on\n"
    "\n"
    "Exit status: 0 ok, 1 the journal cannot be read, 2 usage or configuration error.\n";

static int parse_since(const char *s, long long *ms)
{
    struct tm tm;
    char *end;
    memset(&tm, 0, sizeof tm);
    end = strptime(s, "%Y-%m-%d", &tm);
    if (end == NULL || *end != '\0')
        return -1;
    *ms = (long long)timegm(&tm) * 1000;
    return 0;
}

int sqt_report_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"since", required_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *cfgpath = NULL, *since = NULL;
    int json = 0, c, rc = 0;
    sqt_config cfg;
    sqt_log logv, *log = &logv;
    sqt_book bk;
    sqt_journal *j = NULL;
    char err[1024];
    rep r;
    holding *h = NULL;
    size_t nh, i;
    wide lp, tq = 0, tc = 0;
    char lpt[48], b1[64], b2[64], b3[64], b4[64];

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfgpath = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 's':
            since = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fprintf(stderr, "opensqt report: %s '%s'\n%s",
                    c == ':' ? "option needs an argument:" : "unknown option", argv[optind - 1], usage);
            return 2;
        }
    }
    if (optind < argc || cfgpath == NULL) {
        fprintf(stderr, "opensqt report: %s\n%s", cfgpath == NULL ? "missing -c FILE" : "unexpected argument",
                usage);
        return 2;
    }
    memset(&r, 0, sizeof r);
    if (since != NULL && parse_since(since, &r.since_ms) != 0) {
        fprintf(stderr, "opensqt report: --since: '%s' is not a date (YYYY-MM-DD)\n", since);
        return 2;
    }
    sqt_log_init(log);
    log->level = SQT_LV_WARN; /* the config's warnings, not its defaults */
    memset(&cfg, 0, sizeof cfg);
    if (sqt_config_load(&cfg, cfgpath, log, err, sizeof err) != 0) {
        fprintf(stderr, "opensqt report: %s\n", err);
        sqt_config_free(&cfg);
        sqt_log_close(log);
        return 2;
    }
    sqt_book_of(&cfg, &bk);
    if (sqt_journal_open_ro(bk.journal, &j, err, sizeof err) != 0) {
        fprintf(stderr, "opensqt report: %s%s\n", err,
                strstr(err, "unable to open") || strstr(err, "cannot open")
                    ? " (the bot has not run with this config and state_dir yet)"
                    : "");
        sqt_config_free(&cfg);
        sqt_log_close(log);
        return 1;
    }
    r.db = sqt_journal_db(j);
    snprintf(r.quote, sizeof r.quote, "%s", "");
    if (collect(&r) != 0) {
        fprintf(stderr, "opensqt report: %s: %s\n", bk.journal, sqlite3_errmsg(r.db));
        rc = 1;
        goto out;
    }
    nh = holdings(&r, &h, &lp, lpt, sizeof lpt);
    for (i = 0; i < nh; i++) {
        tq += h[i].qty_w;
        tc += h[i].cost;
    }
    if (json) {
        json_t *o = json_object(), *days = json_array(), *hs = json_array();
        char *text;
        json_object_set_new(o, "journal", json_string(bk.journal));
        json_object_set_new(o, "exchange", json_string(cfg.current_exchange));
        json_object_set_new(o, "symbol", json_string(cfg.symbol));
        json_object_set_new(o, "instance", json_string(bk.tag));
        if (since)
            json_object_set_new(o, "since", json_string(since));
        json_object_set_new(o, "realized_pnl", json_string(fmt_wide(r.pnl, 8, b1, sizeof b1)));
        json_object_set_new(o, "fees", json_string(fmt_wide(r.fees, 8, b1, sizeof b1)));
        json_object_set_new(o, "round_trips", json_integer(r.trips));
        json_object_set_new(o, "fills", json_integer(r.fills));
        for (i = 0; i < r.nd; i++) {
            json_t *d = json_object();
            json_object_set_new(d, "date", json_string(r.days[i].date));
            json_object_set_new(d, "realized_pnl", json_string(fmt_wide(r.days[i].pnl, 8, b1, sizeof b1)));
            json_object_set_new(d, "fees", json_string(fmt_wide(r.days[i].fees, 8, b1, sizeof b1)));
            json_object_set_new(d, "round_trips", json_integer(r.days[i].trips));
            json_object_set_new(d, "fills", json_integer(r.days[i].fills));
            json_array_append_new(days, d);
        }
        json_object_set_new(o, "days", days);
        for (i = 0; i < nh; i++) {
            json_t *x = json_object();
            json_object_set_new(x, "level", json_string(h[i].level));
            json_object_set_new(x, "qty", json_string(h[i].qty));
            json_object_set_new(x, "cost", json_string(fmt_wide(h[i].cost, 8, b1, sizeof b1)));
            json_object_set_new(x, "unrealized_pnl",
                                json_string(fmt_wide(lp * h[i].qty_w / ((wide)1000000 * 1000000) - h[i].cost,
                                                     8, b1, sizeof b1)));
            json_array_append_new(hs, x);
        }
        json_object_set_new(o, "holdings", hs);
        json_object_set_new(o, "position", json_string(fmt_wide(tq, 8, b1, sizeof b1)));
        json_object_set_new(o, "cost", json_string(fmt_wide(tc, 8, b1, sizeof b1)));
        json_object_set_new(o, "last_price", json_string(lpt));
        json_object_set_new(o, "unrealized_pnl",
                            json_string(fmt_wide(lp * tq / ((wide)1000000 * 1000000) - tc, 8, b1, sizeof b1)));
        text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text != NULL)
            printf("%s\n", text);
        free(text);
        json_decref(o);
    } else {
        printf("OpenSQT report: %s %s (instance %s)\njournal: %s\n", cfg.current_exchange, cfg.symbol,
               bk.tag, bk.journal);
        printf("%s: realized pnl %s in %ld round trips, fees %s (%ld fills)\n",
               since ? since : "all time", fmt_wide(r.pnl, 8, b1, sizeof b1), r.trips,
               fmt_wide(r.fees, 8, b2, sizeof b2), r.fills);
        if (r.nd > 0) {
            printf("\n%-12s %12s %16s %14s %8s\n", "day (UTC)", "round trips", "realized pnl", "fees",
                   "fills");
            for (i = 0; i < r.nd; i++)
                printf("%-12s %12ld %16s %14s %8ld\n", r.days[i].date, r.days[i].trips,
                       fmt_wide(r.days[i].pnl, 8, b1, sizeof b1),
                       fmt_wide(r.days[i].fees, 8, b2, sizeof b2), r.days[i].fills);
        }
        printf("\nholdings at last price %s:\n", lpt[0] ? lpt : "(none yet)");
        if (nh == 0)
            printf("  none\n");
        else
            printf("  %-12s %12s %16s %14s %16s\n", "level", "qty", "cost", "avg cost", "unrealized");
        for (i = 0; i < nh; i++) {
            wide avg = h[i].qty_w != 0 ? h[i].cost * (wide)1000000 * 1000000 / h[i].qty_w : 0;
            printf("  %-12s %12s %16s %14s %16s\n", h[i].level, h[i].qty,
                   fmt_wide(h[i].cost, 8, b1, sizeof b1), fmt_wide(avg, 4, b2, sizeof b2),
                   fmt_wide(lp * h[i].qty_w / ((wide)1000000 * 1000000) - h[i].cost, 8, b3, sizeof b3));
        }
        if (nh > 0) {
            wide avg = tq != 0 ? tc * (wide)1000000 * 1000000 / tq : 0;
            printf("  %-12s %12s %16s %14s %16s\n", "total", fmt_wide(tq, 8, b4, sizeof b4),
                   fmt_wide(tc, 8, b1, sizeof b1), fmt_wide(avg, 4, b2, sizeof b2),
                   fmt_wide(lp * tq / ((wide)1000000 * 1000000) - tc, 8, b3, sizeof b3));
            printf("  (unrealized: at the last price, before the sell's fee)\n");
        }
    }
    if (r.bad > 0) {
        fprintf(stderr, "opensqt report: %d figures in the journal could not be read; they are left out\n",
                r.bad);
        rc = 1;
    }
    free(h);
out:
    free(r.days);
    sqt_journal_close(j);
    sqt_config_free(&cfg);
    sqt_log_close(log);
    return rc;
}
