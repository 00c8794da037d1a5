/* opensqt: the command line. Parses arguments, loads the config and the exchange plugin,
 * then hands over to sqt_app_run(). Exit statuses are those of exitcode.h; every error
 * is one line on stderr. */
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app.h"
#include "state/report.h"
#include "backtest/bt_run.h"
#include "build_config.h"
#include "config.h"
#include "exitcode.h"
#include "log.h"
#include "plugin.h"
#include "services.h"

typedef struct cli_opts {
    const char *config;
    const char *plugin_dir;
    const char *events;
    double run_for;
    int log_level;             /* -1 = from the config */
} cli_opts;

/* The exit statuses, shared by every help text (exitcode.h has the reasons). */
#define SQT_EXIT_HELP                                                                     \
    "Exit status:\n"                                                                      \
    "  0  clean stop, nothing left behind on the exchange\n"                              \
    "  1  runtime failure a restart may cure (network, exchange errors)\n"                \
    "  2  usage or configuration error (fix the command line or the file)\n"              \
    "  3  refused, needs a human: credentials, account state, a safety check,\n"          \
    "     another instance running\n"                                                    \
    "  4  stopped, but own orders may remain on the exchange (they are named in the log)\n"

static const char usage_text[] =
    "usage: opensqt <command> [options]\n"
    "\n"
    "commands:\n"
    "  run -c FILE [--plugin-dir DIR] [--run-for SECONDS] [--events FILE] [--log-level L]\n"
    "        trade on the exchange named by app.current_exchange until SIGINT/SIGTERM/SIGHUP\n"
    "  check -c FILE [--plugin-dir DIR]\n"
    "        validate the config and the plugin, print the effective config; no network\n"
    "  backtest -c FILE --data CSV [--from T --to T] [--json] [--out DIR] [--sweep K=V1,V2]\n"
    "        replay market trades through the engine on virtual time (no network)\n"
    "  plugins [--plugin-dir DIR]\n"
    "        list the plugins found in the plugin directory, with refusals explained\n"
    "\n"
    "  opensqt --version | --help | <command> --help\n"
    "\n"
    "Plugin directory: --plugin-dir, else $OPENSQT_PLUGIN_DIR, else app.plugin_dir,\n"
    "else the directory compiled in (next to the binary: <bindir>/" SQT_REL_PLUGIN_DIR ").\n"
    SQT_EXIT_HELP;

static const char run_help[] =
    "usage: opensqt run -c FILE [options]\n"
    "\n"
    "Trade on the exchange named by app.current_exchange of FILE. Stops cleanly on\n"
    "SIGINT, SIGTERM or SIGHUP (own open orders cancelled when system.cancel_on_exit is\n"
    "true); a second SIGINT/SIGTERM ends the wait. SIGUSR1 prints the buy window.\n"
    "SIGPIPE is ignored.\n"
    "\n"
    "  -c, --config FILE      configuration file (required)\n"
    "  -p, --plugin-dir DIR   load the exchange plugin from DIR\n"
    "      --run-for SECONDS  stop as on SIGTERM after SECONDS (> 0)\n"
    "      --events FILE      write the JSON-lines event log to FILE (overrides\n"
    "                         system.event_log)\n"
    "      --log-level L      DEBUG, INFO (order lines), NOTICE (default: lifecycle and\n"
    "                         status), WARN (NOTICE lines still shown), ERROR\n"
    "  -h, --help             this text\n"
    "\n"
    SQT_EXIT_HELP;

static const char check_help[] =
    "usage: opensqt check -c FILE [--plugin-dir DIR]\n"
    "\n"
    "Everything run checks before it touches the network: validate FILE, load its\n"
    "exchange plugin and let it judge its own keys (its create() runs on a host that\n"
    "does no I/O, then it is destroyed), check the credentials the plugin needs and\n"
    "that the log, event log and state directory can be written; then print the\n"
    "effective configuration with every secret shown as \"***\". FILE may be a pipe:\n"
    "  opensqt check -c <(sops -d config.yaml)\n"
    "\n"
    "  -c, --config FILE      configuration file (required)\n"
    "  -p, --plugin-dir DIR   look for the plugin in DIR\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 valid, 2 the first problem found, on stderr.\n";

static const char plugins_help[] =
    "usage: opensqt plugins [--plugin-dir DIR]\n"
    "\n"
    "List every *.so of the plugin directory: name, version, ABI and path of those this\n"
    "host accepts, and the reason for each one it refuses.\n"
    "\n"
    "  -p, --plugin-dir DIR   list DIR instead of the default directory\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit status: 0 listed (even when some plugins are refused), 2 the directory cannot\n"
    "be read.\n";

__attribute__((format(printf, 2, 3))) static int usage_error(const char *cmd, const char *fmt,
                                                             ...)
{
    va_list ap;
    fprintf(stderr, "opensqt%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'opensqt%s%s --help')\n", cmd ? " " : "", cmd ? cmd : "");
    return SQT_EXIT_USAGE;
}

/* One error line. Once a log file is open the line goes through the log, so the file
 * has it too; before that, plainly to stderr. */
static void report(sqt_log *log, const char *msg)
{
    if (log != NULL && log->file != NULL)
        SQT_ERROR(log, "%s", msg);
    else
        fprintf(stderr, "opensqt: %s\n", msg);
}

enum { OPT_RUN_FOR = 0x100, OPT_EVENTS, OPT_LOG_LEVEL };

/* Parse the options of `cmd`; `need_config`: -c FILE is required. Returns -1 to go on,
 * else the exit status (help printed or usage error reported). */
static int parse_opts(const char *cmd, int argc, char **argv, const struct option *longopts,
                      const char *shortopts, int need_config, const char *help, cli_opts *o)
{
    int c;

    memset(o, 0, sizeof(*o));
    o->log_level = -1;
    opterr = 0;                /* our own one-line messages */
    optind = 1;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return SQT_EXIT_OK;
        case 'c':
            o->config = optarg;
            break;
        case 'p':
            o->plugin_dir = optarg;
            break;
        case OPT_RUN_FOR:
            errno = 0;
            o->run_for = strtod(optarg, &end);
            if (errno != 0 || end == optarg || *end != '\0' || !isfinite(o->run_for) ||
                o->run_for <= 0)
                return usage_error(cmd, "--run-for: '%s' is not a number of seconds > 0",
                                   optarg);
            break;
        case OPT_EVENTS:
            if (optarg[0] == '\0')
                return usage_error(cmd, "--events: empty file name");
            o->events = optarg;
            break;
        case OPT_LOG_LEVEL:
            o->log_level = sqt_log_level_parse(optarg);
            if (o->log_level < 0)
                return usage_error(cmd, "--log-level: unknown level '%s' (DEBUG, INFO, NOTICE, "
                                        "WARN, ERROR)", optarg);
            break;
        case ':':
            return usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
        default:
            if (optopt != 0 && optopt < 0x100)
                return usage_error(cmd, "unknown option '-%c'", optopt);
            return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (need_config && o->config == NULL)
        return usage_error(cmd, "missing -c FILE");
    return -1;
}

/* app.plugin_dir relative to the config file's directory, so a service started with
 * any working directory finds the same plugins. */
static const char *config_plugin_dir(const sqt_config *cfg, char *buf, size_t cap)
{
    const char *slash;
    int n;
    if (cfg->plugin_dir == NULL || cfg->plugin_dir[0] == '\0')
        return NULL;
    if (cfg->plugin_dir[0] == '/' || cfg->path == NULL ||
        (slash = strrchr(cfg->path, '/')) == NULL)
        return cfg->plugin_dir;
    n = snprintf(buf, cap, "%.*s/%s", (int)(slash - cfg->path), cfg->path, cfg->plugin_dir);
    return (n < 0 || (size_t)n >= cap) ? cfg->plugin_dir : buf;
}

/* The plugin's lines said during the trial create(), replayed after the host's own
 * findings (and only by check: run's real create says them again). */
typedef struct held_lines {
    char text[16][512];
    int level[16];
    int n;
} held_lines;

static void hold_line(void *ud, int level, const char *line)
{
    held_lines *h = ud;
    const char *msg = strstr(line, "] ");
    if (level < SQT_LV_WARN || h->n >= 16)
        return;
    snprintf(h->text[h->n], sizeof(h->text[0]), "%s", msg ? msg + 2 : line);
    h->level[h->n++] = level;
}

static void close_walk(uv_handle_t *h, void *ud)
{
    (void)ud;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* The plugin's own keys, judged as run will judge them: its create() (which the SDK
 * says does no I/O) on a host whose loop is never run, then destroy(). Keys it never
 * looked up are warned about before anything else of the plugin is heard, so a typo
 * such as `rest_ulr` comes before the URLs the plugin announces. */
static int validate_plugin(const sqt_config *cfg, const sqt_loaded_plugin *p, sqt_log *log,
                           int replay, char *err, size_t errlen)
{
    const sqt_exchange_api *x = p->desc->exchange;
    struct sqt_host host;
    sqt_create_args args;
    sqt_exchange *ex = NULL;
    sqt_error perr;
    sqt_log quiet;
    held_lines *held;
    uv_loop_t loop;
    int rc, i;

    held = calloc(1, sizeof(*held));
    if (held == NULL || uv_loop_init(&loop) != 0) {
        free(held);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sqt_log_init(&quiet);
    quiet.err = NULL;
    quiet.level = SQT_LV_DEBUG;
    quiet.sink = hold_line;
    quiet.sink_ud = held;
    sqt_host_init(&host, &loop, &quiet, cfg, p->desc->name);
    sqt_config_create_args(cfg, &args);
    memset(&perr, 0, sizeof(perr));
    rc = x->create(sqt_host_services(), &host, &args, &ex, &perr);
    host.log = log;
    sqt_host_warn_unused_keys(&host);
    if (replay)
        for (i = 0; i < held->n; i++)
            sqt_logf(log, held->level[i], "%s", held->text[i]);
    if (rc == 0 && ex != NULL) {
        x->destroy(ex);
        if (host.live_timers > 0 || host.live_ws > 0) {
            snprintf(err, errlen, "plugin '%s' started timers or connections in create() "
                     "(the SDK says create does no I/O)", p->desc->name);
            rc = -1;
        }
    } else {
        snprintf(err, errlen, "plugin '%s' refuses the configuration: %s", p->desc->name,
                 perr.message[0] ? perr.message : sqt_strerror(rc));
        sqt_log_redact(log, err, errlen);
        rc = -1;
    }
    /* a plugin that broke the rule may have left handles: close them, never run I/O */
    if (uv_loop_close(&loop) != 0) {
        uv_walk(&loop, close_walk, NULL);
        uv_run(&loop, UV_RUN_NOWAIT);
        uv_loop_close(&loop);
    }
    sqt_log_close(&quiet);
    memset(held, 0, sizeof(*held)); /* may hold a secret the real log would redact */
    free(held);
    return rc;
}

/* Shared by run and check: config, plugin directory, plugin, credentials, the paths
 * the run writes, the plugin's own keys. On failure the message is in err and
 * everything acquired is released. */
static int prepare(const cli_opts *o, sqt_log *log, sqt_config *cfg, sqt_loaded_plugin *plugin,
                   int replay, char *dir, size_t dircap, char *err, size_t errlen)
{
    char rel[PATH_MAX];
    const char *cfg_dir;

    memset(cfg, 0, sizeof(*cfg));
    memset(plugin, 0, sizeof(*plugin));
    if (sqt_config_load(cfg, o->config, log, err, errlen) != 0) {
        sqt_config_free(cfg);
        return -1;
    }
    cfg_dir = config_plugin_dir(cfg, rel, sizeof(rel));
    if (sqt_plugin_resolve_dir(o->plugin_dir, cfg_dir, dir, dircap) != 0) {
        snprintf(err, errlen, "cannot determine the plugin directory (use --plugin-dir)");
        sqt_config_free(cfg);
        return -1;
    }
    if (sqt_plugin_load(dir, cfg->current_exchange, plugin, err, errlen) != 0) {
        sqt_config_free(cfg);
        return -1;
    }
    if (sqt_config_check_credentials(cfg, plugin->desc->exchange->flags, err, errlen) != 0 ||
        sqt_config_check_paths(cfg, err, errlen) != 0 ||
        validate_plugin(cfg, plugin, log, replay, err, errlen) != 0) {
        sqt_plugin_unload(plugin);
        sqt_config_free(cfg);
        return -1;
    }
    return 0;
}

/* Undo prepare() and close the log. */
static void release(sqt_loaded_plugin *plugin, sqt_config *cfg, sqt_log *log)
{
    sqt_plugin_unload(plugin);
    sqt_config_free(cfg);
    sqt_log_close(log);
}

static int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"plugin-dir", required_argument, NULL, 'p'},
        {"run-for", required_argument, NULL, OPT_RUN_FOR},
        {"events", required_argument, NULL, OPT_EVENTS},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    cli_opts o;
    sqt_log log;
    sqt_config cfg;
    sqt_loaded_plugin plugin;
    sqt_app_opts app;
    char dir[PATH_MAX], err[1024];
    int rc;

    rc = parse_opts("run", argc, argv, longopts, "+:hc:p:", 1, run_help, &o);
    if (rc >= 0)
        return rc;

    sqt_log_init(&log);
    if (o.log_level >= 0)
        log.level = o.log_level;
    if (prepare(&o, &log, &cfg, &plugin, 0, dir, sizeof(dir), err, sizeof(err)) != 0) {
        report(&log, err);
        sqt_log_close(&log);
        return SQT_EXIT_USAGE;
    }
    log.level = o.log_level >= 0 ? o.log_level : cfg.log_level;
    if (cfg.log_file != NULL && cfg.log_file[0] != '\0') {
        int e = sqt_log_open_file(&log, cfg.log_file);
        if (e != 0) {
            snprintf(err, sizeof(err), "%s: system.log_file: cannot open %s: %s", cfg.path,
                     cfg.log_file, strerror(-e));
            report(&log, err);
            release(&plugin, &cfg, &log);
            return SQT_EXIT_USAGE;
        }
    }

    memset(&app, 0, sizeof(app));
    app.cfg = &cfg;
    app.plugin = &plugin;
    app.log = &log;
    app.run_for_seconds = o.run_for;
    app.events_path = o.events;
    rc = sqt_app_run(&app);

    /* dlclose only now: sqt_app_run has destroyed every instance of the plugin */
    release(&plugin, &cfg, &log);
    return rc;
}

static int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"plugin-dir", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    cli_opts o;
    sqt_log log;
    sqt_config cfg;
    sqt_loaded_plugin plugin;
    char dir[PATH_MAX], err[1024], desc[PATH_MAX + 128];
    int rc;

    rc = parse_opts("check", argc, argv, longopts, "+:hc:p:", 1, check_help, &o);
    if (rc >= 0)
        return rc;

    /* Warnings of the config loader go to stderr; its INFO notes on defaults would
     * repeat the effective config printed below. No log file: check changes nothing. */
    sqt_log_init(&log);
    log.level = SQT_LV_WARN;
    if (prepare(&o, &log, &cfg, &plugin, 1, dir, sizeof(dir), err, sizeof(err)) != 0) {
        report(NULL, err);
        sqt_log_close(&log);
        return SQT_EXIT_USAGE;
    }
    sqt_config_print(&cfg, stdout);
    sqt_plugin_describe(&plugin, desc, sizeof(desc));
    printf("# plugin: %s\n", desc);
    if (plugin.desc->description != NULL)
        printf("# %s\n", plugin.desc->description);
    printf("# check passed: configuration valid, plugin accepted (nothing was sent)\n");
    rc = fflush(stdout) == 0 ? SQT_EXIT_OK : SQT_EXIT_FAILURE;

    release(&plugin, &cfg, &log);
    return rc;
}

typedef struct list_state {
    int ok;
    int bad;
} list_state;

static void print_plugin(void *ud, const char *path, const sqt_loaded_plugin *ok,
                         const char *why_bad)
{
    list_state *st = ud;
    char desc[PATH_MAX + 128];
    if (ok != NULL) {
        sqt_plugin_describe(ok, desc, sizeof(desc));
        printf("  ok       %s\n", desc);
        st->ok++;
    } else {
        printf("  refused  %s: %s\n", path, why_bad);
        st->bad++;
    }
}

static int cmd_plugins(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"plugin-dir", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    cli_opts o;
    list_state st = {0, 0};
    char dir[PATH_MAX];
    int rc, n;

    rc = parse_opts("plugins", argc, argv, longopts, "+:hp:", 0, plugins_help, &o);
    if (rc >= 0)
        return rc;
    if (sqt_plugin_resolve_dir(o.plugin_dir, NULL, dir, sizeof(dir)) != 0) {
        fprintf(stderr, "opensqt: cannot determine the plugin directory (use --plugin-dir)\n");
        return SQT_EXIT_USAGE;
    }
    printf("plugin directory: %s\n", dir);
    fflush(stdout);
    n = sqt_plugin_list(dir, print_plugin, &st);
    if (n < 0) {
        fprintf(stderr, "opensqt: cannot read plugin directory %s: %s\n", dir, strerror(-n));
        return SQT_EXIT_USAGE;
    }
    if (n == 0)
        printf("  (no plugins)\n");
    else
        printf("%d accepted, %d refused\n", st.ok, st.bad);
    return fflush(stdout) == 0 ? SQT_EXIT_OK : SQT_EXIT_FAILURE;
}

/* The original took the config file as its only argument: `opensqt config.yaml`. */
static int looks_like_config(const char *arg)
{
    size_t n = strlen(arg);
    struct stat st;
    if ((n > 5 && strcmp(arg + n - 5, ".yaml") == 0) || (n > 4 && strcmp(arg + n - 4, ".yml") == 0))
        return 1;
    return strchr(arg, '/') != NULL && stat(arg, &st) == 0 && !S_ISDIR(st.st_mode);
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    /* Before anything can write: a closed pipe (`opensqt run ... | tee log` ended by
     * Ctrl-C) must be an EPIPE the code handles, not a death that leaves orders open. */
    signal(SIGPIPE, SIG_IGN);

    if (cmd == NULL) {
        fputs(usage_text, stderr);
        return SQT_EXIT_USAGE;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("opensqt %s (plugin ABI %d.%d, build signature %s)\n", SQT_VERSION,
               SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR, SQT_BUILD_SIGNATURE);
        return SQT_EXIT_OK;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return SQT_EXIT_OK;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "plugins") == 0)
        return cmd_plugins(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return sqt_report_main(argc - 1, argv + 1);
    if (strcmp(cmd, "backtest") == 0)
        return sqt_backtest_main(argc - 1, argv + 1);
    if (cmd[0] == '-')
        return usage_error(NULL, "unknown option '%s'", cmd);
    if (looks_like_config(cmd))
        return usage_error(NULL, "unknown command '%s'; to trade with a configuration file: "
                                 "opensqt run -c %s", cmd, cmd);
    return usage_error(NULL, "unknown command '%s'", cmd);
}
