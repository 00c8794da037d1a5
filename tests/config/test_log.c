/* Log module: levels, line format, neutralised control characters, truncation,
 * redaction, console colour and the log file. */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sqt_test.h"

typedef struct lines {
    char text[64][4200];
    int level[64];
    int n;
} lines;

static void sink(void *ud, int level, const char *line)
{
    lines *l = ud;
    if (l->n < 64) {
        snprintf(l->text[l->n], sizeof(l->text[0]), "%s", line);
        l->level[l->n] = level;
        l->n++;
    }
}

static lines g_lines;

static void quiet_log(sqt_log *log)
{
    sqt_log_init(log);
    log->err = NULL;
    log->sink = sink;
    log->sink_ud = &g_lines;
    memset(&g_lines, 0, sizeof(g_lines));
}

/* The message part of line i (after "[LEVEL] "). */
static const char *msg_of(int i)
{
    const char *p = strstr(g_lines.text[i], "] ");
    return p ? p + 2 : "";
}

/* Status and lifecycle lines survive --log-level WARN (issue 15); ERROR silences them. */
static void test_note(void)
{
    sqt_log log;
    quiet_log(&log);
    log.level = SQT_LV_WARN;
    SQT_INFO(&log, "order line");
    SQT_NOTE(&log, "status: price %s", "3000.12");
    SQT_ASSERT_INT_EQ(g_lines.n, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(g_lines.text[0], " [NOTICE] status: price 3000.12"));
    SQT_ASSERT_INT_EQ(g_lines.level[0], SQT_LV_NOTICE);
    sqt_log_add_secret(&log, "s3cr3t-NOTE");
    SQT_NOTE(&log, "k=%s", "s3cr3t-NOTE");
    SQT_ASSERT_STR_EQ(msg_of(1), "k=***");
    log.level = SQT_LV_ERROR;
    SQT_NOTE(&log, "hidden");
    SQT_ASSERT_INT_EQ(g_lines.n, 2);
    log.level = SQT_LV_DEBUG;
    SQT_NOTE(&log, "shown");
    SQT_ASSERT_INT_EQ(g_lines.n, 3);
    sqt_log_note(NULL, "harmless");
    sqt_log_close(&log);
}

static void test_level_parse_and_names(void)
{
    SQT_ASSERT_INT_EQ(sqt_log_level_parse("DEBUG"), SQT_LV_DEBUG);
    SQT_ASSERT_INT_EQ(sqt_log_level_parse("info"), SQT_LV_INFO);
    SQT_ASSERT_INT_EQ(sqt_log_level_parse(" Warn "), SQT_LV_WARN);
    SQT_ASSERT_INT_EQ(sqt_log_level_parse("WARNING"), SQT_LV_WARN);
    SQT_ASSERT_INT_EQ(sqt_log_level_parse("error\n"), SQT_LV_ERROR);
    SQT_ASSERT_INT_EQ(sqt_log_level_parse("FATAL"), SQT_LV_FATAL);
    SQT_ASSERT_INT_EQ(sqt_log_level_parse("verbose"), -1);
    SQT_ASSERT_INT_EQ(sqt_log_level_parse(""), -1);
    SQT_ASSERT_INT_EQ(sqt_log_level_parse("WARN2"), -1);
    SQT_ASSERT_INT_EQ(sqt_log_level_parse(NULL), -1);
    SQT_ASSERT_STR_EQ(sqt_log_level_name(SQT_LV_WARN), "WARN");
    SQT_ASSERT_STR_EQ(sqt_log_level_name(SQT_LV_FATAL), "FATAL");
    SQT_ASSERT_STR_EQ(sqt_log_level_name(9), "?");
}

static void test_init_defaults(void)
{
    sqt_log log;
    sqt_log_init(&log);
    SQT_ASSERT_INT_EQ(log.level, SQT_LV_INFO);
    CU_ASSERT_PTR_EQUAL(log.err, stderr);
    CU_ASSERT_PTR_NULL(log.file);
    SQT_ASSERT_INT_EQ(log.color, isatty(fileno(stderr)) ? 1 : 0);
    SQT_ASSERT_INT_EQ(log.n_secrets, 0);
    sqt_log_close(&log);
}

static void test_level_filter(void)
{
    sqt_log log;
    quiet_log(&log);
    log.level = SQT_LV_WARN;
    SQT_DEBUG(&log, "d");
    SQT_INFO(&log, "i");
    SQT_WARN(&log, "w %d", 1);
    SQT_ERROR(&log, "e %s", "x");
    sqt_logf(&log, SQT_LV_FATAL, "f");
    SQT_ASSERT_INT_EQ(g_lines.n, 3);
    SQT_ASSERT_STR_EQ(msg_of(0), "w 1");
    SQT_ASSERT_INT_EQ(g_lines.level[0], SQT_LV_WARN);
    SQT_ASSERT_STR_EQ(msg_of(1), "e x");
    SQT_ASSERT_INT_EQ(g_lines.level[2], SQT_LV_FATAL);
    log.level = SQT_LV_DEBUG;
    SQT_DEBUG(&log, "now");
    SQT_ASSERT_INT_EQ(g_lines.n, 4);
    /* a NULL log is a no-op, not a crash */
    sqt_logf(NULL, SQT_LV_ERROR, "nothing");
    sqt_log_close(&log);
}

static void test_line_format(void)
{
    sqt_log log;
    regex_t re;
    quiet_log(&log);
    SQT_INFO(&log, "hello %s", "world");
    SQT_WARN(&log, "second");
    CU_ASSERT_EQUAL_FATAL(regcomp(&re,
                                  "^[0-9]{4}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]"
                                  "\\.[0-9]{3} \\[INFO\\] hello world$",
                                  REG_EXTENDED | REG_NOSUB),
                          0);
    if (regexec(&re, g_lines.text[0], 0, NULL, 0) != 0)
        fprintf(stderr, "\n    line: %s\n", g_lines.text[0]);
    CU_ASSERT_EQUAL(regexec(&re, g_lines.text[0], 0, NULL, 0), 0);
    regfree(&re);
    CU_ASSERT_PTR_NOT_NULL(strstr(g_lines.text[1], " [WARN] second"));
    sqt_log_close(&log);
}

static void test_control_chars(void)
{
    sqt_log log;
    quiet_log(&log);
    SQT_WARN(&log, "exchange said: %s", "bad\nline\r\x1b[31mred\x07\x7f end\tx");
    SQT_ASSERT_STR_EQ(msg_of(0), "exchange said: bad?line??[31mred?? end x");
    /* UTF-8 text is kept; C1 controls (U+009B CSI) are not */
    SQT_WARN(&log, "%s", "caf\xc3\xa9 \xc2\x9b" "2J");
    SQT_ASSERT_STR_EQ(msg_of(1), "caf\xc3\xa9 ??2J");
    sqt_log_close(&log);
}

static void test_truncation(void)
{
    sqt_log log;
    char *big = malloc(20001);
    size_t len;
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, 'a', 20000);
    big[20000] = '\0';
    quiet_log(&log);
    SQT_INFO(&log, "%s", big);
    len = strlen(msg_of(0));
    CU_ASSERT(len <= 2048);
    CU_ASSERT(len > 1900);
    len = strlen(g_lines.text[0]);
    CU_ASSERT(strcmp(g_lines.text[0] + len - strlen(" [truncated]"), " [truncated]") == 0);

    /* a cut inside a multi-byte character never leaves half of it */
    memset(big, 0, 20001);
    for (len = 0; len + 2 <= 6000; len += 2)
        memcpy(big + len, "\xc3\xa9", 2);
    SQT_INFO(&log, "x%s", big);
    {
        const char *m = msg_of(1);
        size_t n = strlen(m) - strlen(" [truncated]");
        CU_ASSERT(n % 2 == 1); /* "x" + whole two-byte characters */
        CU_ASSERT(((unsigned char)m[n - 1]) == 0xa9);
    }

    /* a secret that straddles the cut is still removed, no prefix of it left */
    sqt_log_add_secret(&log, "SECRETSTRADDLE99");
    memset(big, 'b', 20000);
    memcpy(big + 2030, "SECRETSTRADDLE99", 16); /* across the cut at 2036 */
    SQT_INFO(&log, "%s", big);
    CU_ASSERT_PTR_NULL(strstr(g_lines.text[2], "SECR"));
    CU_ASSERT_PTR_NOT_NULL(strstr(g_lines.text[2], "***"));
    free(big);
    sqt_log_close(&log);
}

static void test_redaction(void)
{
    sqt_log log;
    char buf[128];
    quiet_log(&log);
    sqt_log_add_secret(&log, "abc");          /* too short: ignored */
    sqt_log_add_secret(&log, NULL);
    sqt_log_add_secret(&log, "");
    sqt_log_add_secret(&log, "s3cr3t-KEY");
    sqt_log_add_secret(&log, "s3cr3t-KEY");   /* already known */
    sqt_log_add_secret(&log, "s3cr3t-KEY-LONGER");
    SQT_ASSERT_INT_EQ(log.n_secrets, 2);
    SQT_INFO(&log, "k=%s,k=%sX, long=%s abc", "s3cr3t-KEY", "s3cr3t-KEY", "s3cr3t-KEY-LONGER");
    SQT_ASSERT_STR_EQ(msg_of(0), "k=***,k=***X, long=*** abc");

    snprintf(buf, sizeof(buf), "error: bad key s3cr3t-KEYs3cr3t-KEY!");
    sqt_log_redact(&log, buf, sizeof(buf));
    SQT_ASSERT_STR_EQ(buf, "error: bad key ******!");
    sqt_log_redact(NULL, buf, sizeof(buf)); /* harmless */
    SQT_ASSERT_STR_EQ(buf, "error: bad key ******!");

    /* every registered secret is redacted, whatever the count (issue 15: the original
     * three-exchange config registers more than the old bound of 8) */
    {
        int i;
        char s[32];
        for (i = 0; i < 40; i++) {
            snprintf(s, sizeof(s), "extra-secret-%02d", i);
            sqt_log_add_secret(&log, s);
        }
        SQT_ASSERT_INT_EQ(log.n_secrets, 42);
        for (i = 0; i < 40; i++) {
            snprintf(s, sizeof(s), "extra-secret-%02d", i);
            g_lines.n = 0;
            SQT_INFO(&log, "k=%s", s);
            SQT_ASSERT_STR_EQ(msg_of(0), "k=***");
        }
    }
    sqt_log_close(&log);
    SQT_ASSERT_INT_EQ(log.n_secrets, 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    size_t n;
    if (f == NULL)
        return NULL;
    buf = calloc(1, 65536);
    n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_file_and_console(void)
{
    char dir[] = "/tmp/sqt-log-XXXXXX", path[128], *text, *con = NULL;
    size_t conlen = 0;
    struct stat st;
    sqt_log log;
    mode_t old;
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/opensqt.log", dir);

    sqt_log_init(&log);
    log.err = open_memstream(&con, &conlen);
    log.color = 1;
    sqt_log_add_secret(&log, "FILESECRET1");
    old = umask(022);
    SQT_ASSERT_INT_EQ(sqt_log_open_file(&log, path), 0);
    umask(old);
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    SQT_ASSERT_INT_EQ(st.st_mode & 0777, 0640);
    SQT_WARN(&log, "first FILESECRET1");
    log.color = 0;
    SQT_INFO(&log, "plain");
    sqt_log_close(&log);
    fclose(log.err);

    /* console: colour only on the tag when asked; same redaction */
    CU_ASSERT_PTR_NOT_NULL(strstr(con, " \033[33m[WARN]\033[0m first ***\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(con, " [INFO] plain\n"));
    CU_ASSERT_PTR_NULL(strstr(con, "FILESECRET1"));
    free(con);

    /* the file never gets colour; reopening appends */
    sqt_log_init(&log);
    log.err = NULL;
    SQT_ASSERT_INT_EQ(sqt_log_open_file(&log, path), 0);
    SQT_ERROR(&log, "third");
    sqt_log_close(&log);
    CU_ASSERT_PTR_NULL(log.file);
    text = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, " [WARN] first ***\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, " [INFO] plain\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, " [ERROR] third\n"));
    CU_ASSERT_PTR_NULL(strchr(text, '\033'));
    CU_ASSERT_PTR_NULL(strstr(text, "FILESECRET1"));
    free(text);

    /* errors come back as -errno */
    snprintf(path, sizeof(path), "%s/no/such/dir.log", dir);
    sqt_log_init(&log);
    SQT_ASSERT_INT_EQ(sqt_log_open_file(&log, path), -ENOENT);
    SQT_ASSERT_INT_EQ(sqt_log_open_file(&log, ""), -EINVAL);
    sqt_log_close(&log);

    snprintf(path, sizeof(path), "%s/opensqt.log", dir);
    unlink(path);
    rmdir(dir);
}

/* An unbuffered console (stderr) gets each line, newline included, in one write: a line
 * in two syscalls costs twice on the order path (issue 16). */
typedef struct wcount {
    int writes;
    char last[4300];
} wcount;

static ssize_t count_write(void *c, const char *buf, size_t n)
{
    wcount *w = c;
    size_t k = n < sizeof(w->last) - 1 ? n : sizeof(w->last) - 1;
    w->writes++;
    memcpy(w->last, buf, k);
    w->last[k] = '\0';
    return (ssize_t)n;
}

static void test_console_line_one_write(void)
{
    cookie_io_functions_t io = {NULL, count_write, NULL, NULL};
    wcount w;
    sqt_log log;
    int colour;
    for (colour = 0; colour <= 1; colour++) {
        memset(&w, 0, sizeof w);
        sqt_log_init(&log);
        log.err = fopencookie(&w, "w", io);
        CU_ASSERT_PTR_NOT_NULL_FATAL(log.err);
        setvbuf(log.err, NULL, _IONBF, 0); /* as stderr is */
        log.color = colour;
        SQT_INFO(&log, "place BUY 0.010 @ %s", "2998.00");
        SQT_ASSERT_INT_EQ(w.writes, 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(w.last, "place BUY 0.010 @ 2998.00\n"));
        sqt_log_close(&log);
        fclose(log.err);
    }
}

int main(void)
{
    static const sqt_test_case cases[] = {{"level parse and names", test_level_parse_and_names},
                                          {"init defaults", test_init_defaults},
                                          {"level filter", test_level_filter},
                                          {"line format", test_line_format},
                                          {"control characters", test_control_chars},
                                          {"truncation", test_truncation},
                                          {"redaction", test_redaction},
                                          {"note", test_note},
                                          {"file and console", test_file_and_console},
                                          {"a console line is one write", test_console_line_one_write},
                                          {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("log", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
