/* opensqt-emulator: the loopback exchange emulator as a program (docs/emulator.md).
 * Prints "listening on 127.0.0.1:PORT" as its first stdout line, then serves until
 * SIGINT or SIGTERM, closes everything and exits 0. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "emulator.h"

typedef struct app {
    uv_loop_t loop;
    uv_signal_t sig_int, sig_term;
    sqt_emu *emu;
    int stopping;
} app;

static void usage(FILE *f)
{
    char names[128];
    fprintf(f,
            "usage: opensqt-emulator --dialect NAME [--port N] [--seed N]\n"
            "         [--faults FILE] [--price-mode auto|manual] [--tick-ms N]\n"
            "         [--start-price P] [--symbol S] [--tick-size T] [--step-size Q]\n"
            "         [--min-qty Q] [--min-notional N] [--balance B] [--leverage L]\n"
            "         [--sigma X] [--partial-fill Q] [--ping-ms N] [--band-up M --band-down M]\n"
            "         [--api-key K] [--secret S] [--tls-cert F --tls-key F] [--verbose]\n"
            "Dialects built in: %s.\n"
            "Binds 127.0.0.1 only. Control endpoint: /_emu/<command> (docs/emulator.md).\n",
            sqt_emu_dialect_names(names, sizeof(names)));
}

static void on_closed_emu(void *ud)
{
    app *a = ud;
    a->emu = NULL;
    uv_close((uv_handle_t *)&a->sig_int, NULL);
    uv_close((uv_handle_t *)&a->sig_term, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
    app *a = s->data;
    (void)signum;
    if (a->stopping)
        return;
    a->stopping = 1;
    sqt_emu_close(a->emu, on_closed_emu, a);
}

static int dec_arg(const char *name, const char *v, sqt_dec *out)
{
    if (sqt_dec_parse(v, strlen(v), out) != SQT_OK || out->mant < 0) {
        fprintf(stderr, "opensqt-emulator: --%s: not a decimal: %s\n", name, v);
        return -1;
    }
    return 0;
}

static int num_arg(const char *name, const char *v, long long lo, long long hi, long long *out)
{
    char *end;
    long long n = strtoll(v, &end, 10);
    if (end == v || *end != '\0' || n < lo || n > hi) {
        fprintf(stderr, "opensqt-emulator: --%s must be an integer in %lld..%lld\n", name, lo, hi);
        return -1;
    }
    *out = n;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"dialect", required_argument, NULL, 'd'},   {"port", required_argument, NULL, 'p'},
        {"seed", required_argument, NULL, 's'},      {"faults", required_argument, NULL, 'f'},
        {"price-mode", required_argument, NULL, 'm'}, {"tick-ms", required_argument, NULL, 't'},
        {"start-price", required_argument, NULL, 'P'}, {"symbol", required_argument, NULL, 'S'},
        {"tick-size", required_argument, NULL, 1},   {"step-size", required_argument, NULL, 2},
        {"min-qty", required_argument, NULL, 3},     {"min-notional", required_argument, NULL, 4},
        {"balance", required_argument, NULL, 5},     {"leverage", required_argument, NULL, 6},
        {"sigma", required_argument, NULL, 7},       {"partial-fill", required_argument, NULL, 8},
        {"ping-ms", required_argument, NULL, 9},     {"api-key", required_argument, NULL, 10},
        {"secret", required_argument, NULL, 11},     {"tls-cert", required_argument, NULL, 12},
        {"tls-key", required_argument, NULL, 13},    {"band-up", required_argument, NULL, 14},
        {"band-down", required_argument, NULL, 15},  {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0}};
    sqt_emu_opts o;
    app a;
    char err[512];
    long long n;
    int c, rc;
    sqt_emu_opts_default(&o);
    memset(&a, 0, sizeof(a));
    while ((c = getopt_long(argc, argv, "hv", lo, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'd': o.dialect = optarg; break;
        case 'p': bad = num_arg("port", optarg, 0, 65535, &n); o.port = (int)n; break;
        case 's':
            bad = num_arg("seed", optarg, 0, INT64_MAX, &n);
            o.seed = (uint64_t)n;
            break;
        case 'f': o.faults_file = optarg; break;
        case 'm':
            if (strcmp(optarg, "auto") == 0)
                o.manual_price = 0;
            else if (strcmp(optarg, "manual") == 0)
                o.manual_price = 1;
            else {
                fprintf(stderr, "opensqt-emulator: --price-mode is auto or manual\n");
                bad = 1;
            }
            break;
        case 't': bad = num_arg("tick-ms", optarg, 10, 60000, &n); o.tick_ms = (uint32_t)n; break;
        case 'P': bad = dec_arg("start-price", optarg, &o.start_price); break;
        case 'S': o.symbol = optarg; break;
        case 1: bad = dec_arg("tick-size", optarg, &o.tick_size); break;
        case 2: bad = dec_arg("step-size", optarg, &o.step_size); break;
        case 3: bad = dec_arg("min-qty", optarg, &o.min_qty); break;
        case 4: bad = dec_arg("min-notional", optarg, &o.min_notional); break;
        case 5: bad = dec_arg("balance", optarg, &o.balance); break;
        case 6: bad = num_arg("leverage", optarg, 1, 125, &n); o.leverage = (int32_t)n; break;
        case 7: {
            char *end;
            o.sigma = strtod(optarg, &end);
            bad = end == optarg || *end != '\0';
            if (bad)
                fprintf(stderr, "opensqt-emulator: --sigma: not a number\n");
            break;
        }
        case 8: bad = dec_arg("partial-fill", optarg, &o.partial_fill_qty); break;
        case 9: bad = num_arg("ping-ms", optarg, 0, 86400000, &n); o.ping_ms = (uint32_t)n; break;
        case 10: o.api_key = optarg; break;
        case 11: o.secret = optarg; break;
        case 12: o.cert_file = optarg; break;
        case 13: o.key_file = optarg; break;
        case 14: bad = dec_arg("band-up", optarg, &o.band_up); break;
        case 15: bad = dec_arg("band-down", optarg, &o.band_down); break;
        case 'v': o.log = stderr; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (bad)
            return 2;
    }
    if (optind < argc || o.dialect == NULL) {
        char names[128];
        if (o.dialect == NULL)
            fprintf(stderr, "opensqt-emulator: --dialect is required (built in: %s)\n",
                    sqt_emu_dialect_names(names, sizeof(names)));
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a client that vanishes mid-write is an error, not a kill */
    if (uv_loop_init(&a.loop) != 0) {
        fprintf(stderr, "opensqt-emulator: cannot start the event loop\n");
        return 1;
    }
    rc = sqt_emu_start(&a.loop, &o, &a.emu, err, sizeof(err));
    if (rc != SQT_OK) {
        fprintf(stderr, "opensqt-emulator: %s\n", err);
        uv_loop_close(&a.loop);
        return 1;
    }
    uv_signal_init(&a.loop, &a.sig_int);
    uv_signal_init(&a.loop, &a.sig_term);
    a.sig_int.data = a.sig_term.data = &a;
    uv_signal_start(&a.sig_int, on_signal, SIGINT);
    uv_signal_start(&a.sig_term, on_signal, SIGTERM);
    printf("listening on 127.0.0.1:%d\n", sqt_emu_port(a.emu));
    fflush(stdout);
    uv_run(&a.loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(&a.loop);
    if (rc != 0) {
        fprintf(stderr, "opensqt-emulator: the event loop did not close cleanly\n");
        return 1;
    }
    return 0;
}
