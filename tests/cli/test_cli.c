/* The opensqt command line, run as a user would: the built binary (SQT_BIN) spawned with
 * arguments, its exit status, stdout and stderr checked. Plugins come from the test
 * plugin directory (the loader's "good" plugin and the refused variants). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <opensqt/plugin.h>

#include "build_config.h"
#include "sqt_test.h"

extern char **environ;

#define API_KEY "AKIDcliTestKey0123456789"
#define SECRET_KEY "SECRETcliTestSecret9876543210"

static char scratch[64];
static const char *bin, *tdir;

typedef struct cli_result {
    int status;                /* exit status; 128 + signal when killed */
    char out[32768];
    char err[8192];
} cli_result;

static void slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    if (f != NULL) {
        n = fread(buf, 1, cap - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
}

/* Run SQT_BIN with args (NULL-terminated) and, when set, OPENSQT_PLUGIN_DIR=env_dir.
 * Every other OPENSQT_* variable is removed so a developer's shell cannot change the
 * outcome. */
static void run_cli(cli_result *r, const char *env_dir, const char *const *args)
{
    char *argv[24], *envp[256], envbuf[PATH_MAX + 32], out[96], err[96];
    posix_spawn_file_actions_t fa;
    pid_t pid;
    size_t i, n = 0, e = 0;
    int st = 0;

    argv[n++] = (char *)bin;
    for (i = 0; args[i] != NULL && n < 23; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    for (i = 0; environ[i] != NULL && e < 254; i++)
        if (strncmp(environ[i], "OPENSQT_", 8) != 0)
            envp[e++] = environ[i];
    if (env_dir != NULL) {
        snprintf(envbuf, sizeof(envbuf), "OPENSQT_PLUGIN_DIR=%s", env_dir);
        envp[e++] = envbuf;
    }
    envp[e] = NULL;

    snprintf(out, sizeof(out), "%s/stdout", scratch);
    snprintf(err, sizeof(err), "%s/stderr", scratch);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    r->status = -1;
    if (posix_spawn(&pid, bin, &fa, NULL, argv, envp) == 0 && waitpid(pid, &st, 0) == pid)
        r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    posix_spawn_file_actions_destroy(&fa);
    slurp(out, r->out, sizeof(r->out));
    slurp(err, r->err, sizeof(r->err));
    unlink(out);
    unlink(err);
}

#define RUN(r, env, ...)                                          \
    do {                                                          \
        const char *const a_[] = {__VA_ARGS__, NULL};             \
        run_cli((r), (env), a_);                                  \
    } while (0)

/* The last line of s (without its newline), in buf. */
static const char *last_line(const char *s, char *buf, size_t cap)
{
    size_t n = strlen(s);
    const char *start;
    if (n > 0 && s[n - 1] == '\n')
        n--;
    start = s + n;
    while (start > s && start[-1] != '\n')
        start--;
    snprintf(buf, cap, "%.*s", (int)(s + n - start), start);
    return buf;
}

static char last_buf[8192];
#define LAST(r) last_line((r)->err, last_buf, sizeof(last_buf))

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

#define ASSERT_CONTAINS(s, needle)                                                        \
    do {                                                                                  \
        const char *s_ = (s), *n_ = (needle);                                             \
        int ok_ = strstr(s_, n_) != NULL;                                                 \
        if (!ok_)                                                                         \
            fprintf(stderr, "    %s:%d: output does not contain \"%s\":\n%s\n", __FILE__, \
                    __LINE__, n_, s_);                                                    \
        CU_ASSERT_TRUE(ok_);                                                              \
    } while (0)

#define ASSERT_NOT_CONTAINS(s, needle)                                                    \
    do {                                                                                  \
        const char *s_ = (s), *n_ = (needle);                                             \
        int ok_ = strstr(s_, n_) == NULL;                                                 \
        if (!ok_)                                                                         \
            fprintf(stderr, "    %s:%d: output contains \"%s\"\n", __FILE__, __LINE__, n_); \
        CU_ASSERT_TRUE(ok_);                                                              \
    } while (0)

/* A config file in the scratch directory, mode 0600 (it holds secrets). */
static void write_config(const char *name, const char *text, char *path, size_t cap)
{
    int fd;
    snprintf(path, cap, "%s/%s", scratch, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static const char good_config[] =
    "app:\n"
    "  current_exchange: good\n"
    "exchanges:\n"
    "  good:\n"
    "    api_key: \"" API_KEY "\"\n"
    "    secret_key: \"" SECRET_KEY "\"\n"
    "    fee_rate: 0.0002\n"
    "trading:\n"
    "  symbol: ETHUSDT\n"
    "  price_interval: 2\n"
    "  order_quantity: 30\n"
    "  buy_window_size: 10\n"
    "system:\n"
    "  log_level: INFO\n";

/* ---- tests --------------------------------------------------------------------------- */

static void test_version_and_help(void)
{
    cli_result r;
    char want[256];

    RUN(&r, NULL, "--version");
    SQT_ASSERT_INT_EQ(r.status, 0);
    snprintf(want, sizeof(want), "opensqt %s (plugin ABI %d.%d, build signature %s)\n",
             SQT_VERSION, SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR, SQT_BUILD_SIGNATURE);
    SQT_ASSERT_STR_EQ(r.out, want);

    RUN(&r, NULL, "--help");
    SQT_ASSERT_INT_EQ(r.status, 0);
    ASSERT_CONTAINS(r.out, "usage: opensqt <command>");
    SQT_ASSERT_STR_EQ(r.err, "");

    RUN(&r, NULL, "run", "--help");
    SQT_ASSERT_INT_EQ(r.status, 0);
    ASSERT_CONTAINS(r.out, "usage: opensqt run -c FILE");
    RUN(&r, NULL, "check", "-h");
    SQT_ASSERT_INT_EQ(r.status, 0);
    ASSERT_CONTAINS(r.out, "usage: opensqt check -c FILE");
    RUN(&r, NULL, "plugins", "--help");
    SQT_ASSERT_INT_EQ(r.status, 0);
    ASSERT_CONTAINS(r.out, "usage: opensqt plugins");

    /* no arguments: usage on stderr, status 2 */
    {
        static const char *const none[] = {NULL};
        run_cli(&r, NULL, none);
    }
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(r.err, "usage: opensqt <command>");
    SQT_ASSERT_STR_EQ(r.out, "");
}

/* Issue 15: every exit status is documented where an operator looks first. */
static void test_help_lists_exit_codes(void)
{
    static const char *const cmds[] = {"--help", "run", "check", "plugins"};
    size_t i;
    cli_result r;
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (i == 0)
            RUN(&r, NULL, "--help");
        else if (i == 2)
            RUN(&r, NULL, cmds[i], "-h");
        else
            RUN(&r, NULL, cmds[i], "--help");
        SQT_ASSERT_INT_EQ(r.status, 0);
        if (i >= 2)
            continue; /* check and plugins: only their own two statuses */
        ASSERT_CONTAINS(r.out, "  0  clean stop");
        ASSERT_CONTAINS(r.out, "  1  runtime failure");
        ASSERT_CONTAINS(r.out, "  2  usage or configuration");
        ASSERT_CONTAINS(r.out, "  3  refused, needs a human");
        ASSERT_CONTAINS(r.out, "  4  stopped, but own orders may remain");
    }
    RUN(&r, NULL, "run", "--help");
    ASSERT_CONTAINS(r.out, "SIGHUP");
}

/* The original's habit `opensqt config.yaml` gets the command that does it. */
static void test_config_as_command_hint(void)
{
    cli_result r;
    char path[PATH_MAX], want[PATH_MAX + 64];
    RUN(&r, NULL, "config.yaml");
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(r.err, "opensqt run -c config.yaml");
    SQT_ASSERT_INT_EQ(count_lines(r.err), 1);
    write_config("oldstyle.conf", good_config, path, sizeof(path));
    RUN(&r, NULL, path);
    SQT_ASSERT_INT_EQ(r.status, 2);
    snprintf(want, sizeof(want), "opensqt run -c %s", path);
    ASSERT_CONTAINS(r.err, want);
    RUN(&r, NULL, "frobnicate");
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_NOT_CONTAINS(r.err, "run -c");
    /* the shipped configs' headers say a command that works */
    {
        static const char *const files[] = {"config/paper.yaml", "config/binance.yaml"};
        const char *src = getenv("SQT_SOURCE_DIR");
        size_t i;
        for (i = 0; src != NULL && i < 2; i++) {
            char p[PATH_MAX], text[4096];
            snprintf(p, sizeof(p), "%s/%s", src, files[i]);
            slurp(p, text, sizeof(text));
            ASSERT_CONTAINS(text, "opensqt run -c config/");
            ASSERT_NOT_CONTAINS(text, "Run:  opensqt config/");
        }
    }
}

/* `opensqt ... | head` or a tee ended by Ctrl-C: a write to a closed pipe is an error
 * the program handles, never death by SIGPIPE (exit 141). */
static void test_sigpipe_ignored(void)
{
    char *argv[] = {(char *)bin, (char *)"--help", NULL};
    posix_spawn_file_actions_t fa;
    int fds[2], st = 0;
    pid_t pid;
    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    close(fds[0]); /* nobody reads: the first write gets EPIPE / SIGPIPE */
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    CU_ASSERT_EQUAL_FATAL(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st))
        fprintf(stderr, "\n    killed by signal %d\n", WTERMSIG(st));
    CU_ASSERT_FALSE(WIFSIGNALED(st));
}

/* src with its first `from` replaced by `to`, in out. */
static void subst(const char *src, const char *from, const char *to, char *out, size_t cap)
{
    const char *at = strstr(src, from);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    snprintf(out, cap, "%.*s%s%s", (int)(at - src), src, to, at + strlen(from));
}

static const char binance_config[] =
    "app:\n"
    "  current_exchange: binance\n"
    "exchanges:\n"
    "  binance:\n"
    "    api_key: \"" API_KEY "\"\n"
    "    secret_key: \"" SECRET_KEY "\"\n"
    "    rest_url: http://127.0.0.1:1\n"
    "    ws_market_url: ws://127.0.0.1:1\n"
    "    ws_private_url: ws://127.0.0.1:1\n"
    "trading:\n"
    "  symbol: ETHUSDT\n"
    "  price_interval: 2\n"
    "  order_quantity: 30\n"
    "  buy_window_size: 10\n";

/* Issues 11 and 12: the original program's config file, as a trader has it, with only
 * current_exchange switched and the keys filled in: each exchange's block loads
 * unchanged (fee_rate and all), its plugin accepts it, nothing warns, no secret shows. */
static void test_original_file_every_exchange(void)
{
    static const char *const names[] = {"binance", "bitget", "gate"};
    const char *src = getenv("SQT_SOURCE_DIR"), *pdir = getenv("SQT_PLUGIN_DIR");
    char orig[8192], a[8192], b[8192], path[PATH_MAX], cfg[PATH_MAX], want[128], sel[64];
    cli_result r;
    size_t i;

    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pdir);
    snprintf(path, sizeof(path), "%s/tests/data/original-config.yaml", src);
    slurp(path, orig, sizeof(orig));
    subst(orig, "  bitget:\n    api_key: \"\"",
          "  bitget:\n    api_key: \"BGcliKey0123456789\"", a, sizeof(a));
    subst(a, "    secret_key: \"\"\n    passphrase: \"\"",
          "    secret_key: \"BGcliSecret987654321\"\n    passphrase: \"BGcliPass5555\"", b,
          sizeof(b));
    subst(b, "  gate:\n    api_key: \"\"\n    secret_key: \"\"",
          "  gate:\n    api_key: \"GTcliKey0123456789\"\n    secret_key: \"GTcliSecret98765\"", orig,
          sizeof(orig));
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(sel, sizeof(sel), "current_exchange: \"%s\"", names[i]);
        subst(orig, "current_exchange: \"binance\"", sel, a, sizeof(a));
        snprintf(path, sizeof(path), "original-%s.yaml", names[i]);
        write_config(path, a, cfg, sizeof(cfg));
        RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", pdir);
        SQT_ASSERT_INT_EQ(r.status, 0);
        snprintf(want, sizeof(want), "# plugin: %s ", names[i]);
        ASSERT_CONTAINS(r.out, want);
        ASSERT_CONTAINS(r.out, "# check passed");
        ASSERT_NOT_CONTAINS(r.err, "not a setting");
        ASSERT_NOT_CONTAINS(r.out, "PLACEHOLDER_BINANCE_SECRET");
        ASSERT_NOT_CONTAINS(r.out, "BGcliSecret");
        ASSERT_NOT_CONTAINS(r.out, "BGcliPass");
        ASSERT_NOT_CONTAINS(r.out, "GTcliSecret");
        ASSERT_NOT_CONTAINS(r.err, "BGcliSecret");
        ASSERT_NOT_CONTAINS(r.err, "BGcliPass");
        ASSERT_NOT_CONTAINS(r.err, "GTcliSecret");
    }
}

/* Issue 15: what check accepts, run accepts up to the network. */
static void test_check_as_strict_as_run(void)
{
    const char *pdir = getenv("SQT_PLUGIN_DIR");
    char cfg[PATH_MAX], text[8192], afile[PATH_MAX];
    cli_result r;
    const char *rest, *typo;

    CU_ASSERT_PTR_NOT_NULL_FATAL(pdir);
    /* the plugin's own keys: a value it refuses */
    subst(binance_config, "    rest_url:", "    recv_window: 999999\n    rest_url:", text,
          sizeof(text));
    write_config("recv.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", pdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(LAST(&r), "recv_window");
    ASSERT_NOT_CONTAINS(r.out, "check passed");

    /* a typo in a plugin key: warned by check, and by run before any URL is announced */
    subst(binance_config, "rest_url:", "rest_ulr:", text, sizeof(text));
    write_config("typo.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", pdir);
    SQT_ASSERT_INT_EQ(r.status, 0);
    ASSERT_CONTAINS(r.err, "exchanges.binance.rest_ulr: not a setting of plugin 'binance'");
    RUN(&r, NULL, "run", "-c", cfg, "--plugin-dir", pdir, "--run-for", "0.2");
    typo = strstr(r.err, "rest_ulr: not a setting");
    rest = strstr(r.err, "rest https://");
    CU_ASSERT_PTR_NOT_NULL(typo);
    if (typo != NULL && rest != NULL)
        CU_ASSERT_TRUE(typo < rest);

    /* a fee of 2 (200 %): run's safety check refuses it, so check does */
    subst(good_config, "fee_rate: 0.0002", "fee_rate: 2", text, sizeof(text));
    write_config("fee.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(LAST(&r), "exchanges.good.fee_rate: must be below 0.01");

    /* files run would write, unwritable: refused by check too */
    write_config("afile", "x", afile, sizeof(afile));
    snprintf(text, sizeof(text), "%s  log_file: %s/opensqt.log\n", good_config, afile);
    write_config("log.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(LAST(&r), "system.log_file: cannot open ");
    snprintf(text, sizeof(text), "%s  event_log: %s/no/such/dir/e.jsonl\n", good_config,
             scratch);
    write_config("ev.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(LAST(&r), "system.event_log: cannot open ");
    ASSERT_CONTAINS(LAST(&r), strerror(ENOENT));
    snprintf(text, sizeof(text), "%s  state_dir: %s/sub\n", good_config, afile);
    write_config("sd.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(LAST(&r), "system.state_dir: cannot open ");
    /* a state_dir whose parents do not exist yet is fine: it is created */
    snprintf(text, sizeof(text), "%s  state_dir: %s/new/state\n", good_config, scratch);
    write_config("sd2.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 0);
    unlink(afile);

    /* the exchange's name mistyped */
    subst(good_config, "current_exchange: good", "current_exchange: goo", text,
          sizeof(text));
    write_config("name.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(LAST(&r), "(did you mean good?)");
}

/* Every usage error: status 2, nothing on stdout, exactly one line on stderr. */
static void expect_usage_error(const cli_result *r, const char *want_line)
{
    SQT_ASSERT_INT_EQ(r->status, 2);
    SQT_ASSERT_STR_EQ(r->out, "");
    SQT_ASSERT_STR_EQ(r->err, want_line);
}

static void test_usage_errors(void)
{
    cli_result r;

    RUN(&r, NULL, "frobnicate");
    expect_usage_error(&r, "opensqt: unknown command 'frobnicate' (see 'opensqt --help')\n");
    RUN(&r, NULL, "-x");
    expect_usage_error(&r, "opensqt: unknown option '-x' (see 'opensqt --help')\n");
    RUN(&r, NULL, "check");
    expect_usage_error(&r, "opensqt check: missing -c FILE (see 'opensqt check --help')\n");
    RUN(&r, NULL, "run");
    expect_usage_error(&r, "opensqt run: missing -c FILE (see 'opensqt run --help')\n");
    RUN(&r, NULL, "check", "-c");
    expect_usage_error(&r, "opensqt check: option '-c' needs an argument "
                           "(see 'opensqt check --help')\n");
    RUN(&r, NULL, "check", "-c", "x.yaml", "--plugin-dir");
    expect_usage_error(&r, "opensqt check: option '--plugin-dir' needs an argument "
                           "(see 'opensqt check --help')\n");
    RUN(&r, NULL, "check", "-c", "x.yaml", "--bogus");
    expect_usage_error(&r, "opensqt check: unknown option '--bogus' "
                           "(see 'opensqt check --help')\n");
    RUN(&r, NULL, "check", "-q");
    expect_usage_error(&r, "opensqt check: unknown option '-q' (see 'opensqt check --help')\n");
    RUN(&r, NULL, "run", "-c", "x.yaml", "--run-for", "abc");
    expect_usage_error(&r, "opensqt run: --run-for: 'abc' is not a number of seconds > 0 "
                           "(see 'opensqt run --help')\n");
    RUN(&r, NULL, "run", "-c", "x.yaml", "--run-for", "-1");
    expect_usage_error(&r, "opensqt run: --run-for: '-1' is not a number of seconds > 0 "
                           "(see 'opensqt run --help')\n");
    RUN(&r, NULL, "run", "-c", "x.yaml", "--run-for", "inf");
    SQT_ASSERT_INT_EQ(r.status, 2);
    RUN(&r, NULL, "run", "-c", "x.yaml", "--log-level", "LOUD");
    expect_usage_error(&r, "opensqt run: --log-level: unknown level 'LOUD' (DEBUG, INFO, NOTICE, "
                           "WARN, ERROR) (see 'opensqt run --help')\n");
    RUN(&r, NULL, "plugins", "extra");
    expect_usage_error(&r, "opensqt plugins: unexpected argument 'extra' "
                           "(see 'opensqt plugins --help')\n");
    /* run's options are not check's */
    RUN(&r, NULL, "check", "-c", "x.yaml", "--run-for", "5");
    expect_usage_error(&r, "opensqt check: unknown option '--run-for' "
                           "(see 'opensqt check --help')\n");
}

static void test_check_good(void)
{
    cli_result r;
    char cfg[PATH_MAX], want[PATH_MAX + 64];

    write_config("good.yaml", good_config, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 0);
    ASSERT_CONTAINS(r.out, "current_exchange: ");
    ASSERT_CONTAINS(r.out, "good");
    ASSERT_CONTAINS(r.out, "ETHUSDT");
    ASSERT_CONTAINS(r.out, "***");
    snprintf(want, sizeof(want), "# plugin: good 1.2.3 (ABI %d.%d) %s/good.so\n",
             SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR, tdir);
    ASSERT_CONTAINS(r.out, want);
    ASSERT_CONTAINS(r.out, "# check passed");
    /* secrets: redacted everywhere, including any warning */
    ASSERT_NOT_CONTAINS(r.out, API_KEY);
    ASSERT_NOT_CONTAINS(r.out, SECRET_KEY);
    ASSERT_NOT_CONTAINS(r.err, API_KEY);
    ASSERT_NOT_CONTAINS(r.err, SECRET_KEY);
    ASSERT_NOT_CONTAINS(r.out, "AKIDcli");

    /* the same through $OPENSQT_PLUGIN_DIR, and --plugin-dir wins over it */
    RUN(&r, tdir, "check", "-c", cfg);
    SQT_ASSERT_INT_EQ(r.status, 0);
    ASSERT_CONTAINS(r.out, want);
    RUN(&r, "/nonexistent/plugins", "check", "-c", cfg, "-p", tdir);
    SQT_ASSERT_INT_EQ(r.status, 0);
    ASSERT_CONTAINS(r.out, want);
}

/* app.plugin_dir relative to the config file, whatever the working directory. */
static void test_check_config_plugin_dir(void)
{
    cli_result r;
    char cfg[PATH_MAX], link[PATH_MAX], text[2048], want[PATH_MAX + 64];

    snprintf(link, sizeof(link), "%s/plugins", scratch);
    CU_ASSERT_EQUAL_FATAL(symlink(tdir, link), 0);
    /* "plugin_dir: plugins" into the app section */
    snprintf(text, sizeof(text), "app:\n  plugin_dir: plugins\n%s", good_config + 5);
    write_config("reldir.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg);
    SQT_ASSERT_INT_EQ(r.status, 0);
    snprintf(want, sizeof(want), "# plugin: good 1.2.3 (ABI %d.%d) %s/good.so\n",
             SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR, link);
    ASSERT_CONTAINS(r.out, want);
    unlink(link);
}

static void test_config_errors(void)
{
    cli_result r;
    char cfg[PATH_MAX], want[PATH_MAX + 64], text[2048];
    const char *line;

    /* trading.buy_window_size: 0 on line 12 */
    snprintf(text, sizeof(text), "%s", good_config);
    line = strstr(text, "buy_window_size: 10");
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    memcpy((char *)line + strlen("buy_window_size: "), "0 ", 2);
    write_config("bad.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    snprintf(want, sizeof(want), "opensqt: %s:12: trading.buy_window_size", cfg);
    ASSERT_CONTAINS(r.err, want);
    SQT_ASSERT_INT_EQ(count_lines(r.err), 1);
    SQT_ASSERT_STR_EQ(r.out, "");
    RUN(&r, NULL, "run", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(LAST(&r), want);

    /* a YAML syntax error */
    write_config("syntax.yaml", "app:\n  current_exchange: [good\n", cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg);
    SQT_ASSERT_INT_EQ(r.status, 2);
    snprintf(want, sizeof(want), "opensqt: %s:", cfg);
    ASSERT_CONTAINS(r.err, want);
    SQT_ASSERT_INT_EQ(count_lines(r.err), 1);

    /* a missing file */
    snprintf(cfg, sizeof(cfg), "%s/absent.yaml", scratch);
    RUN(&r, NULL, "check", "-c", cfg);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(r.err, "absent.yaml");
    SQT_ASSERT_INT_EQ(count_lines(r.err), 1);
}

static void test_credentials_required(void)
{
    cli_result r;
    char cfg[PATH_MAX], text[2048];
    const char *k = strstr(good_config, "    api_key");
    const char *after = strstr(good_config, "    fee_rate");

    /* the good plugin sets SQT_EXF_NEEDS_API_KEY: keys absent -> refused by name */
    snprintf(text, sizeof(text), "%.*s%s", (int)(k - good_config), good_config, after);
    write_config("nokeys.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(r.err, "exchanges.good.api_key");
    ASSERT_CONTAINS(r.err, "OPENSQT_GOOD_API_KEY");
    SQT_ASSERT_INT_EQ(count_lines(r.err), 1);
    RUN(&r, NULL, "run", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(LAST(&r), "exchanges.good.api_key");
}

static void test_unknown_plugin(void)
{
    cli_result r;
    char cfg[PATH_MAX], text[2048], want[PATH_MAX + 64];
    char *p;

    snprintf(text, sizeof(text), "%s", good_config);
    while ((p = strstr(text, "good")) != NULL)
        memcpy(p, "nogo", 4);
    write_config("unknown.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    snprintf(want, sizeof(want), "opensqt: plugin 'nogo' not found in %s (available: ", tdir);
    ASSERT_CONTAINS(r.err, want);
    ASSERT_CONTAINS(r.err, "good");
    SQT_ASSERT_INT_EQ(count_lines(r.err), 1);
    RUN(&r, NULL, "run", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(LAST(&r), want);
}

static void test_refused_plugin(void)
{
    cli_result r;
    char cfg[PATH_MAX], text[2048];

    snprintf(text, sizeof(text),
             "app:\n  current_exchange: bad_major\nexchanges:\n  bad_major:\n"
             "    api_key: \"" API_KEY "\"\n    secret_key: \"" SECRET_KEY "\"\n"
             "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
             "  buy_window_size: 10\n");
    write_config("refused.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "check", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(r.err, "opensqt: plugin 'bad_major' was built for SDK ABI ");
    ASSERT_CONTAINS(r.err, ", this host supports ");
    SQT_ASSERT_INT_EQ(count_lines(r.err), 1);
}

static void test_run_log_file_error(void)
{
    cli_result r;
    char cfg[PATH_MAX], text[2048];

    snprintf(text, sizeof(text), "%s  log_file: %s/no/such/dir/opensqt.log\n", good_config,
             scratch);
    write_config("logfile.yaml", text, cfg, sizeof(cfg));
    RUN(&r, NULL, "run", "-c", cfg, "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(LAST(&r), "system.log_file: cannot open ");
}

/* The whole path into the app: the good plugin cannot trade, so start-up fails at run
 * time (status 1, not 2), and no secret reaches any output on the way. */
static void test_run_reaches_app(void)
{
    cli_result r;
    char cfg[PATH_MAX];

    write_config("run.yaml", good_config, cfg, sizeof(cfg));
    RUN(&r, NULL, "run", "-c", cfg, "--plugin-dir", tdir, "--run-for", "5", "--log-level",
        "debug");
    if (r.status != 1)
        fprintf(stderr, "%s\n", r.err);
    SQT_ASSERT_INT_EQ(r.status, 1);
    ASSERT_NOT_CONTAINS(r.err, API_KEY);
    ASSERT_NOT_CONTAINS(r.err, SECRET_KEY);
    ASSERT_NOT_CONTAINS(r.out, API_KEY);
    ASSERT_NOT_CONTAINS(r.out, SECRET_KEY);
}

static void test_plugins_listing(void)
{
    cli_result r;
    char want[PATH_MAX * 2], real[PATH_MAX];
    const char *build_plugins = getenv("SQT_PLUGIN_DIR");

    RUN(&r, NULL, "plugins", "--plugin-dir", tdir);
    SQT_ASSERT_INT_EQ(r.status, 0);
    snprintf(want, sizeof(want), "plugin directory: %s\n", tdir);
    ASSERT_CONTAINS(r.out, want);
    snprintf(want, sizeof(want), "  ok       good 1.2.3 (ABI %d.%d) %s/good.so\n",
             SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR, tdir);
    ASSERT_CONTAINS(r.out, want);
    snprintf(want, sizeof(want), "  ok       example 1.0.0 (ABI %d.%d) %s/example.so\n",
             SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR, tdir);
    ASSERT_CONTAINS(r.out, want);
    snprintf(want, sizeof(want),
             "  refused  %s/bad_major.so: plugin 'bad_major' was built for SDK ABI %d.%d", tdir,
             SQT_PLUGIN_ABI_MAJOR + 1, SQT_PLUGIN_ABI_MINOR);
    ASSERT_CONTAINS(r.out, want);
    snprintf(want, sizeof(want),
             "  refused  %s/no_entry.so: %s/no_entry.so is not an OpenSQT plugin", tdir, tdir);
    ASSERT_CONTAINS(r.out, want);
    snprintf(want, sizeof(want),
             "  refused  %s/misnamed.so: plugin file 'misnamed.so' declares the name 'other'",
             tdir);
    ASSERT_CONTAINS(r.out, want);
    ASSERT_CONTAINS(r.out, " refused\n");
    /* sorted by file name */
    CU_ASSERT_TRUE(strstr(r.out, "/bad_major.so") < strstr(r.out, "/good.so"));
    CU_ASSERT_TRUE(strstr(r.out, "/good.so") < strstr(r.out, "/no_entry.so"));

    RUN(&r, tdir, "plugins");
    SQT_ASSERT_INT_EQ(r.status, 0);
    snprintf(want, sizeof(want), "plugin directory: %s\n", tdir);
    ASSERT_CONTAINS(r.out, want);

    RUN(&r, NULL, "plugins", "--plugin-dir", "/nonexistent/sqt-plugins");
    SQT_ASSERT_INT_EQ(r.status, 2);
    ASSERT_CONTAINS(r.err, "opensqt: cannot read plugin directory /nonexistent/sqt-plugins: ");
    SQT_ASSERT_INT_EQ(count_lines(r.err), 1);

    /* no option, no variable: the build tree mirrors the install tree, so the built
     * binary finds the build's plugin directory by itself */
    if (SQT_DEFAULT_PLUGIN_DIR[0] == '\0' && build_plugins != NULL &&
        realpath(build_plugins, real) != NULL) {
        RUN(&r, NULL, "plugins");
        SQT_ASSERT_INT_EQ(r.status, 0);
        snprintf(want, sizeof(want), "plugin directory: %s\n", real);
        ASSERT_CONTAINS(r.out, want);
    }
}

static void cleanup(void)
{
    rmdir(scratch);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"version_and_help", test_version_and_help},
        {"usage_errors", test_usage_errors},
        {"help_lists_exit_codes", test_help_lists_exit_codes},
        {"config_as_command_hint", test_config_as_command_hint},
        {"sigpipe_ignored", test_sigpipe_ignored},
        {"check_as_strict_as_run", test_check_as_strict_as_run},
        {"check_good", test_check_good},
        {"check_config_plugin_dir", test_check_config_plugin_dir},
        {"config_errors", test_config_errors},
        {"credentials_required", test_credentials_required},
        {"unknown_plugin", test_unknown_plugin},
        {"refused_plugin", test_refused_plugin},
        {"run_log_file_error", test_run_log_file_error},
        {"run_reaches_app", test_run_reaches_app},
        {"plugins_listing", test_plugins_listing},
        {"original_file_every_exchange", test_original_file_every_exchange},
        {NULL, NULL}};
    int rc;

    bin = getenv("SQT_BIN");
    tdir = getenv("SQT_TEST_PLUGIN_DIR");
    if (bin == NULL || tdir == NULL) {
        fprintf(stderr, "SQT_BIN and SQT_TEST_PLUGIN_DIR must be set (run through ctest)\n");
        return EXIT_FAILURE;
    }
    snprintf(scratch, sizeof(scratch), "/tmp/sqt-cli-XXXXXX");
    if (mkdtemp(scratch) == NULL) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    SQT_TEST_INIT();
    if (sqt_test_suite("cli", cases) != 0)
        return EXIT_FAILURE;
    rc = sqt_test_run();
    {
        static const char *const files[] = {"good.yaml", "reldir.yaml", "bad.yaml",
                                            "syntax.yaml", "nokeys.yaml", "unknown.yaml",
                                            "refused.yaml", "logfile.yaml", "run.yaml", NULL};
        char p[PATH_MAX];
        size_t i;
        for (i = 0; files[i] != NULL; i++) {
            snprintf(p, sizeof(p), "%s/%s", scratch, files[i]);
            unlink(p);
        }
    }
    cleanup();
    return rc;
}
