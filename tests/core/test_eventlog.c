/* The event log: lines are buffered until sqt_eventlog_flush (the app flushes once per
 * loop turn, after the turn's requests left), and close writes what is left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eventlog.h"
#include "sqt_test.h"

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long n;
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static void event(sqt_audit_event *ev, const char *cid)
{
    memset(ev, 0, sizeof(*ev));
    ev->ts_ms = 1765000000000;
    ev->event = "placed";
    ev->client_id = cid;
    ev->side = SQT_SIDE_BUY;
    ev->price = sqt_dec_make(299800, 2);
    ev->qty = sqt_dec_make(10, 3);
    ev->slot = -1;
}

static void test_buffered_until_flush(void)
{
    char dir[] = "/tmp/sqt-evlog-XXXXXX", path[128], *text;
    sqt_eventlog el;
    sqt_audit_event ev;
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    SQT_ASSERT_INT_EQ(sqt_eventlog_open(&el, path), 0);
    event(&ev, "a-1");
    SQT_ASSERT_INT_EQ(sqt_eventlog_write(&el, &ev), 0);
    event(&ev, "a-2");
    SQT_ASSERT_INT_EQ(sqt_eventlog_write(&el, &ev), 0);
    /* nothing on disk before the turn's flush */
    SQT_ASSERT_INT_EQ(file_size(path), 0);
    SQT_ASSERT_INT_EQ(el.lines, 2);
    SQT_ASSERT_INT_EQ(sqt_eventlog_flush(&el), 0);
    text = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"client_id\":\"a-1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"client_id\":\"a-2\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"price\":\"2998.00\""));
    free(text);
    /* a flush with nothing buffered is a no-op; close writes the rest */
    SQT_ASSERT_INT_EQ(sqt_eventlog_flush(&el), 0);
    event(&ev, "a-3");
    SQT_ASSERT_INT_EQ(sqt_eventlog_write(&el, &ev), 0);
    sqt_eventlog_close(&el);
    text = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"client_id\":\"a-3\""));
    free(text);
    unlink(path);
    rmdir(dir);
}

/* A write that cannot reach the disk is reported by the flush, and remembered. */
static void test_flush_failure_reported(void)
{
    sqt_eventlog el;
    sqt_audit_event ev;
    if (access("/dev/full", W_OK) != 0)
        return; /* no /dev/full here: nothing to provoke the error with */
    SQT_ASSERT_INT_EQ(sqt_eventlog_open(&el, "/dev/full"), 0);
    event(&ev, "b-1");
    SQT_ASSERT_INT_EQ(sqt_eventlog_write(&el, &ev), 0);
    SQT_ASSERT_INT_EQ(sqt_eventlog_flush(&el), -1);
    SQT_ASSERT_INT_EQ(el.failed, 1);
    sqt_eventlog_close(&el);
}

static void test_closed_is_noop(void)
{
    sqt_eventlog el;
    sqt_audit_event ev;
    memset(&el, 0, sizeof el);
    event(&ev, "c-1");
    SQT_ASSERT_INT_EQ(sqt_eventlog_write(&el, &ev), 0);
    SQT_ASSERT_INT_EQ(sqt_eventlog_flush(&el), 0);
    sqt_eventlog_close(&el);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"lines buffered until the turn's flush", test_buffered_until_flush},
        {"a failed flush is reported", test_flush_failure_reported},
        {"not open: no-op", test_closed_is_noop},
        {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("eventlog", cases);
    return sqt_test_run();
}
