/* The state journal: what is written comes back exactly (also after the writer was
 * killed mid-run), every refusal names its reason and leaves the file untouched, and
 * the one-instance lock holds across processes and dies with its holder. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "clientid.h"
#include "crc32c.h"
#include "intentlog.h"
#include "book.h"
#include "config.h"
#include "grid_test_util.h"
#include "journal.h"
#include "log.h"
#include "report.h"
#include "statelock.h"

static char tmp[256];

static void mk_tmp(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/sqt-journal-XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmp));
}

static void path_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tmp, name);
}

static const sqt_journal_identity ID = {"binance", "k0123456789ab", "ETHUSDT", "T1"};

static sqt_journal *open_ok(const char *path, const sqt_journal_identity *id, int *created)
{
    sqt_journal *j = NULL;
    char err[512] = "";
    int rc = sqt_journal_open(path, id, SQT_JOURNAL_SYNC_NORMAL, &j, created, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "    open: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    return j;
}

/* Write a turn like the host does: events and state in one transaction; the
 * commands go to c (when given). */
static void turn_cap(sqt_journal *j, sqt_grid *g, int64_t t, capture *c)
{
    sqt_grid_event ev[256];
    size_t n = sqt_grid_take_events(g, ev, 256), i;
    sqt_grid_cmd cmds[256];
    ASSERT_INVARIANTS(g); /* with the journal marks: every change since the last turn */
    CU_ASSERT_EQUAL_FATAL(sqt_journal_begin(j), 0);
    for (i = 0; i < n; i++)
        CU_ASSERT_EQUAL(sqt_journal_event(j, &ev[i], 1000 + t), 0);
    CU_ASSERT_EQUAL(sqt_journal_save_grid(j, g, D("2999.00")), 0);
    CU_ASSERT_EQUAL_FATAL(sqt_journal_commit(j), 0);
    ASSERT_INVARIANTS(g); /* nothing touched now: every slot as written */
    n = sqt_grid_take_commands(g, cmds, 256);
    for (i = 0; c != NULL && i < n && c->nc < 4096; i++)
        c->cmd[c->nc++] = cmds[i];
}

static void turn(sqt_journal *j, sqt_grid *g, int64_t t)
{
    turn_cap(j, g, t, NULL);
}

/* A grid with two filled buys, their sells resting, one round trip done. */
static sqt_grid *busy_grid(sqt_grid_params *p, sqt_journal *j)
{
    static capture c;
    sqt_grid *g;
    const sqt_grid_cmd *b;
    size_t i;
    e_params(p);
    g = grid_up(p, "3000.00");
    turn(j, g, 0);
    cap_clear(&c);
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("2999.00"), 1), 0);
    turn_cap(j, g, 1, &c);
    ack_all(g, &c, 2);
    b = cap_place_at(&c, "2998.00");
    fill_whole(g, b, "0.006", 3);
    fill_whole(g, cap_place_at(&c, "2996.00"), "0.006", 3);
    turn(j, g, 3);
    CU_ASSERT_EQUAL(sqt_grid_adjust(g, 4), 0);
    cap_clear(&c);
    turn_cap(j, g, 4, &c);
    for (i = 0; i < c.nc; i++)
        if (c.cmd[i].kind == SQT_GRID_CMD_PLACE)
            place_ok(g, c.cmd[i].client_id, 5);
    /* the sell of the 2998 slot fills: a round trip */
    fill_whole(g, cap_place_at(&c, "3000.00"), "0.006", 6);
    turn(j, g, 6);
    ASSERT_INVARIANTS(g);
    return g;
}

static void status_equal(const sqt_grid *a, const sqt_grid *b)
{
    sqt_grid_status x, y;
    sqt_grid_get_status(a, &x);
    sqt_grid_get_status(b, &y);
    CU_ASSERT_TRUE(dec_is(y.position, dec_str(x.position, (char[48]){0}, 48)));
    CU_ASSERT_TRUE(dec_is(y.realized_pnl, dec_str(x.realized_pnl, (char[48]){0}, 48)));
    CU_ASSERT_TRUE(dec_is(y.fees_paid, dec_str(x.fees_paid, (char[48]){0}, 48)));
    CU_ASSERT_TRUE(dec_is(y.anchor, dec_str(x.anchor, (char[48]){0}, 48)));
    CU_ASSERT_EQUAL(y.round_trips, x.round_trips);
    CU_ASSERT_EQUAL(y.holding_slots, x.holding_slots);
    CU_ASSERT_EQUAL(y.live_buys, x.live_buys);
    CU_ASSERT_EQUAL(y.live_sells, x.live_sells);
}

static sqt_grid *restore_from(const sqt_grid_params *p, sqt_journal *j, int64_t now)
{
    sqt_journal_state st;
    sqt_grid *g = NULL;
    char err[512] = "";
    int rc = sqt_journal_load(j, &st, err, sizeof err);
    if (rc != 1)
        fprintf(stderr, "    load: %d %s\n", rc, err);
    CU_ASSERT_EQUAL_FATAL(rc, 1);
    CU_ASSERT_EQUAL_FATAL(sqt_grid_new(p, &g, err, sizeof err), 0);
    rc = sqt_grid_restore(g, &st.meta, st.slots, st.n_slots, (const char *const *)st.finished,
                          st.n_finished, now, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "    restore: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_TRUE(dec_is(st.last_price, "2999.00"));
    CU_ASSERT_TRUE(st.last_fill_ms > 0);
    sqt_journal_free_state(&st);
    return g;
}

static int count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_write_and_replay(void)
{
    char path[400];
    sqt_grid_params p;
    sqt_journal *j;
    sqt_grid *g, *g2;
    int created = 0;
    mk_tmp();
    path_of(path, sizeof path, "a.journal");
    j = open_ok(path, &ID, &created);
    CU_ASSERT_EQUAL(created, 1);
    g = busy_grid(&p, j);
    sqt_journal_close(j);

    j = open_ok(path, &ID, &created);
    CU_ASSERT_EQUAL(created, 0);
    g2 = restore_from(&p, j, 100);
    status_equal(g, g2);
    ASSERT_INVARIANTS(g2);
    /* the history: fills with their fees, the round trip with its pnl, the orders */
    CU_ASSERT_EQUAL(count(sqt_journal_db(j), "SELECT count(*) FROM fills"), 3);
    CU_ASSERT_EQUAL(count(sqt_journal_db(j), "SELECT count(*) FROM pnl WHERE kind='round_trip'"), 1);
    CU_ASSERT_EQUAL(count(sqt_journal_db(j), "SELECT count(*) FROM orders WHERE status='filled'"), 3);
    sqt_journal_close(j);
    sqt_grid_free(g);
    sqt_grid_free(g2);
}

/* Only changed slots are written; a turn that changed nothing writes nothing. */
static void test_diff_writes(void)
{
    static capture c;
    char path[400];
    sqt_grid_params p;
    sqt_journal *j;
    sqt_grid *g;
    int before, slots;
    size_t i;
    mk_tmp();
    path_of(path, sizeof path, "d.journal");
    j = open_ok(path, &ID, NULL);
    g = busy_grid(&p, j);
    before = sqlite3_total_changes(sqt_journal_db(j));
    turn(j, g, 50); /* nothing changed */
    CU_ASSERT_EQUAL(sqlite3_total_changes(sqt_journal_db(j)), before);
    slots = count(sqt_journal_db(j), "SELECT count(*) FROM slots");
    CU_ASSERT_TRUE(slots >= 6);
    /* one buy fills: its slot, its order and fill rows and the totals - not every slot */
    {
        sqt_grid_slot_info si[64];
        size_t n = sqt_grid_list_slots(g, SQT_GRID_LIST_ORDERS, si, 64);
        for (i = 0; i < n && si[i].side != SQT_SIDE_BUY; i++)
            ;
        CU_ASSERT_FATAL(i < n);
        memset(&c, 0, sizeof c.cmd[0]);
        snprintf(c.cmd[0].client_id, sizeof c.cmd[0].client_id, "%s", si[i].client_id);
        c.cmd[0].req.side = SQT_SIDE_BUY;
        c.cmd[0].req.price = si[i].order_price;
        c.cmd[0].req.qty = si[i].order_qty;
        fill_whole(g, &c.cmd[0], "0.006", 60);
    }
    before = sqlite3_total_changes(sqt_journal_db(j));
    turn(j, g, 60);
    CU_ASSERT_TRUE(sqlite3_total_changes(sqt_journal_db(j)) - before <= 5);
    CU_ASSERT_TRUE(sqlite3_total_changes(sqt_journal_db(j)) - before >= 3);
    sqt_journal_close(j);
    sqt_grid_free(g);
}

/* A writer killed at any point: everything committed is there, intact. */
static void test_killed_writer(void)
{
    char path[400];
    int round;
    mk_tmp();
    path_of(path, sizeof path, "k.journal");
    for (round = 0; round < 5; round++) {
        int pfd[2];
        pid_t pid;
        int status = 0;
        char ready = 0;
        CU_ASSERT_EQUAL_FATAL(pipe(pfd), 0);
        pid = fork();
        CU_ASSERT_FATAL(pid >= 0);
        if (pid == 0) {
            /* the child writes turns until it is killed */
            sqt_grid_params p;
            sqt_journal *j = NULL;
            char err[256];
            sqt_grid *g;
            int64_t t = 0;
            if (sqt_journal_open(path, &ID, SQT_JOURNAL_SYNC_NORMAL, &j, NULL, err, sizeof err) != 0)
                _exit(3);
            e_params(&p);
            if (sqt_grid_new(&p, &g, err, sizeof err) != 0 || sqt_grid_start(g, D("3000.00"), 0) != 0 ||
                sqt_grid_reconcile(g, NULL, 0, NULL, 0) != 0)
                _exit(4);
            for (;;) {
                sqt_grid_event ev[64];
                sqt_grid_cmd c[64];
                size_t n, i;
                sqt_grid_on_price(g, D(t % 2 ? "2990.00" : "3000.00"), t);
                n = sqt_grid_take_commands(g, c, 64);
                for (i = 0; i < n; i++)
                    if (c[i].kind == SQT_GRID_CMD_PLACE)
                        place_ok(g, c[i].client_id, t);
                n = sqt_grid_take_events(g, ev, 64);
                if (sqt_journal_begin(j) != 0)
                    _exit(5);
                for (i = 0; i < n; i++)
                    sqt_journal_event(j, &ev[i], t);
                sqt_journal_save_grid(j, g, D("3000.00"));
                if (sqt_journal_commit(j) != 0)
                    _exit(6);
                if (t == 0 && write(pfd[1], "r", 1) != 1)
                    _exit(7);
                t++;
            }
        }
        CU_ASSERT_EQUAL(read(pfd[0], &ready, 1), 1); /* the first turn is committed */
        close(pfd[0]);
        close(pfd[1]);
        usleep((useconds_t)(round * 7000));
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        CU_ASSERT_TRUE(WIFSIGNALED(status));
        {
            sqt_journal *j = open_ok(path, &ID, NULL);
            sqt_grid_params p;
            sqt_journal_state st;
            sqt_grid *g = NULL;
            char err[256] = "";
            int rc = sqt_journal_load(j, &st, err, sizeof err);
            CU_ASSERT_EQUAL(rc, 1);
            e_params(&p);
            if (rc == 1) {
                CU_ASSERT_EQUAL_FATAL(sqt_grid_new(&p, &g, err, sizeof err), 0);
                rc = sqt_grid_restore(g, &st.meta, st.slots, st.n_slots, NULL, 0, 0, err, sizeof err);
                if (rc != 0)
                    fprintf(stderr, "    after kill %d: %s\n", round, err);
                CU_ASSERT_EQUAL(rc, 0);
                sqt_grid_free(g);
                sqt_journal_free_state(&st);
            }
            sqt_journal_close(j);
        }
    }
}

static void file_bytes(const char *path, char *buf, size_t cap, size_t *n)
{
    FILE *f = fopen(path, "rb");
    *n = 0;
    if (f == NULL)
        return;
    *n = fread(buf, 1, cap, f);
    fclose(f);
}

static void refused(const char *path, const sqt_journal_identity *id, int code, const char *needle)
{
    static char before[1 << 16], after[1 << 16];
    size_t nb, na;
    sqt_journal *j = NULL;
    char err[512] = "";
    int rc;
    file_bytes(path, before, sizeof before, &nb);
    rc = sqt_journal_open(path, id, SQT_JOURNAL_SYNC_NORMAL, &j, NULL, err, sizeof err);
    SQT_ASSERT_INT_EQ(rc, code);
    CU_ASSERT_PTR_NULL(j);
    if (strstr(err, needle) == NULL)
        fprintf(stderr, "    message '%s' lacks '%s'\n", err, needle);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
    file_bytes(path, after, sizeof after, &na);
    CU_ASSERT_EQUAL(na, nb);
    CU_ASSERT_TRUE(memcmp(before, after, nb) == 0);
    if (j)
        sqt_journal_close(j);
}

static void test_refusals(void)
{
    char path[400], other[400];
    sqt_journal *j;
    sqt_grid_params p;
    sqt_grid *g;
    sqt_journal_identity id;
    FILE *f;
    sqlite3 *db;
    mk_tmp();
    path_of(path, sizeof path, "r.journal");
    j = open_ok(path, &ID, NULL);
    g = busy_grid(&p, j);
    sqt_grid_free(g);
    sqt_journal_close(j);
    /* the WAL is checkpointed into the file at close: the bytes compared are the data */

    id = ID;
    id.exchange = "gate";
    refused(path, &id, SQT_ESTATE, "another exchange (binance, this run: gate)");
    id = ID;
    id.account = "kffffffffffff";
    refused(path, &id, SQT_ESTATE, "another account");
    id = ID;
    id.symbol = "BTCUSDT";
    refused(path, &id, SQT_ESTATE, "another symbol");
    id = ID;
    id.instance = "T2";
    refused(path, &id, SQT_ESTATE, "another instance tag");

    /* a newer schema */
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db, "PRAGMA user_version=3", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    refused(path, &ID, SQT_ESTATE, "newer OpenSQT (journal schema 3, this one knows 2");

    /* not a database at all */
    path_of(other, sizeof other, "garbage.journal");
    f = fopen(other, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("this is not an sqlite file, but it is somebody's data\n", f);
    {
        int i;
        for (i = 0; i < 200; i++)
            fputs("0123456789abcdef", f);
    }
    fclose(f);
    refused(other, &ID, SQT_EPROTO, "not an OpenSQT journal or is damaged");

    /* an SQLite file of something else */
    path_of(other, sizeof other, "other.db");
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(other, &db), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1)", NULL, NULL, NULL),
                    SQLITE_OK);
    sqlite3_close(db);
    refused(other, &ID, SQT_EPROTO, "not an OpenSQT journal");

    /* a directory where the file should be */
    path_of(other, sizeof other, "dir.journal");
    CU_ASSERT_EQUAL(mkdir(other, 0700), 0);
    {
        sqt_journal *jj = NULL;
        char err[256] = "";
        CU_ASSERT_EQUAL(sqt_journal_open(other, &ID, 0, &jj, NULL, err, sizeof err), SQT_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
    }
}

/* A corrupted page in the middle is found at load, never half-loaded. */
static void test_damaged_page(void)
{
    char path[400], err[512] = "";
    sqt_journal *j;
    sqt_grid_params p;
    sqt_grid *g;
    sqt_journal_state st;
    struct stat sb;
    int fd, rc, i;
    char junk[4096];
    mk_tmp();
    path_of(path, sizeof path, "c.journal");
    j = open_ok(path, &ID, NULL);
    g = busy_grid(&p, j);
    sqt_grid_free(g);
    sqt_journal_close(j);
    CU_ASSERT_EQUAL_FATAL(stat(path, &sb), 0);
    CU_ASSERT_FATAL(sb.st_size > 8192);
    for (i = 0; i < (int)sizeof junk; i++)
        junk[i] = (char)(i * 37 + 11);
    fd = open(path, O_WRONLY);
    CU_ASSERT_FATAL(fd >= 0);
    /* every page after the first: the schema survives, the tables do not */
    for (i = 1; (off_t)(i + 1) * 4096 <= sb.st_size; i++)
        CU_ASSERT_EQUAL(pwrite(fd, junk, sizeof junk, (off_t)i * 4096), (ssize_t)sizeof junk);
    close(fd);
    j = NULL;
    rc = sqt_journal_open(path, &ID, 0, &j, NULL, err, sizeof err);
    if (rc == 0) {
        rc = sqt_journal_load(j, &st, err, sizeof err);
        CU_ASSERT_TRUE(rc < 0);
        if (rc == 1)
            sqt_journal_free_state(&st);
        sqt_journal_close(j);
    }
    CU_ASSERT_TRUE(rc < 0);
    CU_ASSERT_TRUE(err[0] != '\0');
}

static void test_lock(void)
{
    char err[512] = "", book[160];
    long holder = -1;
    int fd, fd2, pfd[2];
    pid_t pid;
    mk_tmp();
    sqt_state_book_name("binance", "k0123", "ETH/USDT", "T1", book, sizeof book);
    SQT_ASSERT_STR_EQ(book, "binance-k0123-ETH_USDT-T1");
    fd = sqt_state_lock(tmp, book, &holder, err, sizeof err);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    /* a second taker (another open file, as another process would have) is refused */
    fd2 = sqt_state_lock(tmp, book, &holder, err, sizeof err);
    CU_ASSERT_EQUAL(fd2, -EWOULDBLOCK);
    CU_ASSERT_EQUAL(holder, (long)getpid());
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "another opensqt (PID"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "app.instance"));
    sqt_state_unlock(fd);
    /* a holder killed with -9 leaves no stale lock */
    CU_ASSERT_EQUAL_FATAL(pipe(pfd), 0);
    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        char e[256];
        long h;
        int f = sqt_state_lock(tmp, book, &h, e, sizeof e);
        if (write(pfd[1], f >= 0 ? "y" : "n", 1) != 1)
            _exit(2);
        pause();
        _exit(0);
    }
    {
        char c = 0;
        CU_ASSERT_EQUAL(read(pfd[0], &c, 1), 1);
        CU_ASSERT_EQUAL(c, 'y');
    }
    fd2 = sqt_state_lock(tmp, book, &holder, err, sizeof err);
    CU_ASSERT_EQUAL(fd2, -EWOULDBLOCK);
    CU_ASSERT_EQUAL(holder, (long)pid);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fd2 = sqt_state_lock(tmp, book, &holder, err, sizeof err);
    CU_ASSERT_TRUE(fd2 >= 0);
    sqt_state_unlock(fd2);
    close(pfd[0]);
    close(pfd[1]);
}

static void test_account_id(void)
{
    char a[32], b[32], c[32];
    sqt_state_account_id("my-secret-api-key", a, sizeof a);
    sqt_state_account_id("my-secret-api-key", b, sizeof b);
    sqt_state_account_id("another-key", c, sizeof c);
    SQT_ASSERT_STR_EQ(a, b);
    CU_ASSERT_TRUE(strcmp(a, c) != 0);
    CU_ASSERT_EQUAL(strlen(a), 13);
    CU_ASSERT_PTR_NULL(strstr(a, "secret"));
    sqt_state_account_id(NULL, a, sizeof a);
    SQT_ASSERT_STR_EQ(a, "nokey");
}

/* No checkpoint inside a commit (an fsync on the order path, milliseconds at times):
 * the WAL only grows while the loop commits; the host copies it back with a connection
 * of its own (sqt_journal_checkpoint_file, on another thread), after which the WAL
 * starts again and nothing is lost. */
static void test_checkpoint_off_the_commit(void)
{
    char path[400], err[256] = "", text[64];
    sqt_journal *j;
    int i, prev = 0, grew = 1, left = -1;
    mk_tmp();
    path_of(path, sizeof path, "w.journal");
    j = open_ok(path, &ID, NULL);
    for (i = 0; i < 3000; i++) {
        snprintf(text, sizeof text, "note %d with some text to fill a page", i);
        CU_ASSERT_EQUAL_FATAL(sqt_journal_begin(j), 0);
        CU_ASSERT_EQUAL_FATAL(sqt_journal_note(j, 1000 + i, "test", text), 0);
        CU_ASSERT_EQUAL_FATAL(sqt_journal_commit(j), 0);
        if (sqt_journal_wal_frames(j) <= prev)
            grew = 0; /* SQLite's own hook would have checkpointed and restarted the WAL */
        prev = sqt_journal_wal_frames(j);
    }
    CU_ASSERT_TRUE(grew);
    CU_ASSERT_TRUE(prev > 1000); /* past SQLite's default auto-checkpoint threshold */
    CU_ASSERT_EQUAL(sqt_journal_checkpoint_file(path, &left, err, sizeof err), 0);
    CU_ASSERT_EQUAL(left, 0);
    CU_ASSERT_EQUAL_FATAL(sqt_journal_begin(j), 0);
    CU_ASSERT_EQUAL_FATAL(sqt_journal_note(j, 5000, "test", "after the checkpoint"), 0);
    CU_ASSERT_EQUAL_FATAL(sqt_journal_commit(j), 0);
    CU_ASSERT_TRUE(sqt_journal_wal_frames(j) < 10); /* the WAL started again */
    CU_ASSERT_EQUAL(count(sqt_journal_db(j), "SELECT count(*) FROM notes WHERE kind='test'"),
                    3001);
    sqt_journal_close(j);
    /* what the file holds once the writer is gone */
    CU_ASSERT_EQUAL_FATAL(sqt_journal_open_ro(path, &j, err, sizeof err), 0);
    CU_ASSERT_EQUAL(count(sqt_journal_db(j), "SELECT count(*) FROM notes WHERE kind='test'"),
                    3001);
    sqt_journal_close(j);
    /* no journal there: an error with the path, no file made */
    path_of(path, sizeof path, "missing/none.journal");
    CU_ASSERT_TRUE(sqt_journal_checkpoint_file(path, NULL, err, sizeof err) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "none.journal"));
}

/* ---- the slots follow the engine's changes ---------------------------------------- */

static void slot_equal(const sqt_grid_saved_slot *a, const sqt_grid_saved_slot *b)
{
    int ok = 1;
    CU_ASSERT_EQUAL(a->k, b->k);
    CU_ASSERT_EQUAL(a->qty, b->qty);
    CU_ASSERT_STRING_EQUAL(a->cost, b->cost);
    CU_ASSERT_STRING_EQUAL(a->rt_gross, b->rt_gross);
    CU_ASSERT_STRING_EQUAL(a->rt_fees, b->rt_fees);
    CU_ASSERT_EQUAL(a->po_fails, b->po_fails);
    CU_ASSERT_EQUAL_FATAL(a->has_order, b->has_order);
    if (a->has_order) {
        CU_ASSERT_STRING_EQUAL(a->o.cid, b->o.cid);
        CU_ASSERT_STRING_EQUAL(a->o.oid, b->o.oid);
        CU_ASSERT_EQUAL(a->o.side, b->o.side);
        CU_ASSERT_EQUAL(a->o.tif, b->o.tif);
        CU_ASSERT_EQUAL(a->o.state, b->o.state);
        CU_ASSERT_EQUAL(a->o.cancel_req, b->o.cancel_req);
        CU_ASSERT_EQUAL(a->o.unknown, b->o.unknown);
        CU_ASSERT_EQUAL(a->o.fee_nocum, b->o.fee_nocum);
        CU_ASSERT_EQUAL(a->o.price, b->o.price);
        CU_ASSERT_EQUAL(a->o.qty, b->o.qty);
        CU_ASSERT_EQUAL(a->o.filled, b->o.filled);
        CU_ASSERT_EQUAL(a->o.base_qty, b->o.base_qty);
        CU_ASSERT_EQUAL(a->o.bare_lo, b->o.bare_lo);
        CU_ASSERT_EQUAL(a->o.bare_hi, b->o.bare_hi);
        CU_ASSERT_STRING_EQUAL(a->o.fee_seen, b->o.fee_seen);
        CU_ASSERT_STRING_EQUAL(a->o.notional, b->o.notional);
    }
    CU_ASSERT_EQUAL(sqt_dec_cmp(a->level, b->level, &ok), 0);
    CU_ASSERT_EQUAL(sqt_dec_cmp(a->qty_dec, b->qty_dec, &ok), 0);
    CU_ASSERT_EQUAL(sqt_dec_cmp(a->cost_quote, b->cost_quote, &ok), 0);
    CU_ASSERT_TRUE(ok);
}

typedef struct slot_set {
    sqt_grid_saved_slot s[512];
    size_t n;
} slot_set;

static int collect_slot(void *ud, const sqt_grid_saved_slot *s)
{
    slot_set *ss = ud;
    if (ss->n == 512)
        return SQT_ENOMEM;
    ss->s[ss->n++] = *s;
    return 0;
}

static int by_k(const void *a, const void *b)
{
    int64_t x = ((const sqt_grid_saved_slot *)a)->k, y = ((const sqt_grid_saved_slot *)b)->k;
    return x < y ? -1 : x > y;
}

/* The file's slots are exactly the engine's, record for record. */
static void file_is_engine(sqt_journal *j, const sqt_grid *g)
{
    static slot_set eng;
    sqt_journal_state st;
    char err[256] = "";
    size_t i;
    eng.n = 0;
    CU_ASSERT_EQUAL_FATAL(sqt_grid_save_slots(g, collect_slot, &eng), 0);
    qsort(eng.s, eng.n, sizeof eng.s[0], by_k);
    CU_ASSERT_EQUAL_FATAL(sqt_journal_load(j, &st, err, sizeof err), 1);
    CU_ASSERT_EQUAL(st.n_slots, eng.n);
    for (i = 0; i < eng.n && i < st.n_slots; i++)
        slot_equal(&st.slots[i], &eng.s[i]);
    sqt_journal_free_state(&st);
}

/* A market that walks, orders acknowledged, filled or cancelled at random, the buy
 * window moving and slots pruned: after every committed turn the file holds what a
 * full save would, though each turn wrote only what the engine changed; a turn rolled
 * back (a failed write) is written by the next one. */
static void test_changed_slots_only(void)
{
    static capture c;
    char path[400];
    sqt_grid_params p;
    sqt_journal *j;
    sqt_grid *g;
    unsigned seed = 7;
    int64_t t, cents = 300000;
    int rolled = 0, partial_writes = 0;
    if (getenv("SQT_JOURNAL_SEED") != NULL) /* other walks, by hand */
        seed = (unsigned)strtoul(getenv("SQT_JOURNAL_SEED"), NULL, 10);
    mk_tmp();
    path_of(path, sizeof path, "c.journal");
    j = open_ok(path, &ID, NULL);
    e_params(&p);
    p.buy_window_size = 5;
    p.sell_window_size = 5;
    g = grid_up(&p, "3000.00");
    cap_clear(&c);
    for (t = 1; t <= 400; t++) {
        sqt_grid_event ev[512];
        size_t n, i;
        char px[32];
        int before, rollback;
        /* last turn's commands answered: places acknowledged, cancels confirmed */
        for (i = 0; i < c.nc; i++) {
            if (c.cmd[i].kind == SQT_GRID_CMD_PLACE)
                place_ok(g, c.cmd[i].client_id, t);
            else if (c.cmd[i].kind == SQT_GRID_CMD_CANCEL)
                push(g, c.cmd[i].client_id, SQT_ORDER_CANCELED, "0", t);
        }
        cap_clear(&c);
        /* the price walks a level at a time; the orders it crosses fill */
        cents += ((int64_t)(rand_r(&seed) % 5) - 2) * 100;
        if (cents < 290000 || cents > 310000)
            cents = 300000;
        snprintf(px, sizeof px, "%lld.%02lld", (long long)(cents / 100), (long long)(cents % 100));
        CU_ASSERT_EQUAL(sqt_grid_on_price(g, D(px), t), 0);
        CU_ASSERT_TRUE(dec_is(sqt_grid_last_price(g), px)); /* what the grid row records */
        {
            static sqt_grid_slot_info si[256];
            size_t no = sqt_grid_list_slots(g, SQT_GRID_LIST_ORDERS, si, 256), k;
            for (k = 0; k < no; k++) {
                int ok = 1;
                int cmp = sqt_dec_cmp(si[k].order_price, D(px), &ok);
                sqt_grid_cmd fc;
                if (si[k].order_state != SQT_GRID_ORD_CONFIRMED || si[k].cancel_requested ||
                    (si[k].side == SQT_SIDE_BUY ? cmp < 0 : cmp > 0) || rand_r(&seed) % 3 == 0)
                    continue;
                memset(&fc, 0, sizeof fc);
                snprintf(fc.client_id, sizeof fc.client_id, "%s", si[k].client_id);
                fc.req.side = si[k].side;
                fc.req.price = si[k].order_price;
                fc.req.qty = si[k].order_qty;
                fill_whole(g, &fc, "0.006", t);
            }
        }
        CU_ASSERT_EQUAL(sqt_grid_adjust(g, t), 0);
        ASSERT_INVARIANTS(g); /* the turn's changes are all touched */
        cap_drain(g, &c);
        n = c.ne;
        memcpy(ev, c.ev, (n < 512 ? n : 512) * sizeof ev[0]);
        rollback = t > 10 && rand_r(&seed) % 10 == 0;
        before = sqlite3_total_changes(sqt_journal_db(j));
        CU_ASSERT_EQUAL_FATAL(sqt_journal_begin(j), 0);
        for (i = 0; i < n && i < 512; i++)
            CU_ASSERT_EQUAL(sqt_journal_event(j, &ev[i], 1000 + t), 0);
        CU_ASSERT_EQUAL_FATAL(sqt_journal_save_grid(j, g, D(px)), 0);
        if (rollback) {
            sqt_journal_rollback(j); /* as a failed commit leaves it */
            rolled++;
            continue;
        }
        CU_ASSERT_EQUAL_FATAL(sqt_journal_commit(j), 0);
        if (t > 1 && sqlite3_total_changes(sqt_journal_db(j)) - before <
                         count(sqt_journal_db(j), "SELECT count(*) FROM slots"))
            partial_writes++;
        file_is_engine(j, g);
        ASSERT_INVARIANTS(g);
    }
    if (getenv("SQT_JOURNAL_SEED") == NULL) {
        /* the default walk goes where it is meant to (another seed checks the file only) */
        CU_ASSERT_TRUE(rolled > 10);
        CU_ASSERT_TRUE(partial_writes > 300); /* most turns wrote fewer rows than the grid has */
        CU_ASSERT_TRUE(count(sqt_journal_db(j), "SELECT count(*) FROM fills") > 50);
    }
    ASSERT_INVARIANTS(g);
    /* a second handle on the same file starts with every slot, then follows changes */
    sqt_journal_close(j);
    j = open_ok(path, &ID, NULL);
    CU_ASSERT_EQUAL(sqlite3_exec(sqt_journal_db(j), "DELETE FROM slots WHERE k IN (SELECT k FROM "
                                                     "slots LIMIT 2)", NULL, NULL, NULL),
                    SQLITE_OK);
    turn(j, g, 1000);
    file_is_engine(j, g);
    sqt_journal_close(j);
    sqt_grid_free(g);
}

/* ---- pages per turn --------------------------------------------------------------- */

/* A turn with a buy's fill and its sell's placement writes one WAL page per b-tree it
 * touches: the orders (one b-tree since they are keyed by client id), the index of
 * ended orders, the fill, the slot and the totals - five, where schema 1 wrote seven
 * (orders and its key index, the updated_ms index, sqlite_sequence). An
 * acknowledgement writes the order and the slot. */
static void test_fill_turn_pages(void)
{
    static capture c;
    char path[400];
    sqt_grid_params p;
    sqt_journal *j;
    sqt_grid *g;
    const sqt_grid_cmd *b;
    int f0, fills;
    mk_tmp();
    path_of(path, sizeof path, "p.journal");
    j = open_ok(path, &ID, NULL);
    e_params(&p);
    g = grid_up(&p, "3000.00");
    cap_clear(&c);
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("2999.00"), 1), 0);
    turn_cap(j, g, 1, &c);
    ack_all(g, &c, 2);
    turn(j, g, 2);
    b = cap_place_at(&c, "2998.00");
    fills = count(sqt_journal_db(j), "SELECT count(*) FROM fills");
    f0 = sqt_journal_wal_frames(j);
    fill_whole(g, b, "0.006", 3);
    CU_ASSERT_EQUAL(sqt_grid_adjust(g, 3), 0);
    cap_clear(&c);
    turn_cap(j, g, 3, &c);
    CU_ASSERT_EQUAL(count(sqt_journal_db(j), "SELECT count(*) FROM fills"), fills + 1);
    CU_ASSERT_EQUAL(cap_count(&c, SQT_GRID_CMD_PLACE, SQT_SIDE_SELL), 1);
    CU_ASSERT_EQUAL(sqt_journal_wal_frames(j) - f0, 5);
    /* no sequence table is kept for the history */
    CU_ASSERT_EQUAL(count(sqt_journal_db(j), "SELECT count(*) FROM sqlite_master WHERE "
                                             "name='sqlite_sequence'"),
                    0);
    f0 = sqt_journal_wal_frames(j);
    ack_all(g, &c, 4);
    turn(j, g, 4);
    CU_ASSERT_EQUAL(sqt_journal_wal_frames(j) - f0, 2);
    /* no statement of a turn builds a temporary b-tree each time it runs (an IN list
     * in the partial index's WHERE did: tens of microseconds a turn) */
    {
        sqlite3_stmt *q = NULL;
        int n = 0, ephemeral = 0;
        while ((q = sqlite3_next_stmt(sqt_journal_db(j), q)) != NULL) {
            char sql[1200];
            sqlite3_stmt *ex = NULL;
            snprintf(sql, sizeof sql, "EXPLAIN %s", sqlite3_sql(q));
            CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(sqt_journal_db(j), sql, -1, &ex, NULL), SQLITE_OK);
            while (sqlite3_step(ex) == SQLITE_ROW)
                ephemeral += strcmp((const char *)sqlite3_column_text(ex, 1), "OpenEphemeral") == 0;
            sqlite3_finalize(ex);
            n++;
        }
        CU_ASSERT_TRUE(n >= 15);
        CU_ASSERT_EQUAL(ephemeral, 0);
    }
    /* start-up's query of the newest ended orders reads the partial index */
    {
        sqlite3_stmt *st = NULL;
        int uses = 0;
        CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(sqt_journal_db(j),
                                                 "EXPLAIN QUERY PLAN SELECT cid FROM orders WHERE "
                                                 "(status='filled' OR status='cancelled' OR "
                                                 "status='rejected') ORDER BY updated_ms DESC LIMIT "
                                                 "8192",
                                                 -1, &st, NULL),
                              SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW)
            uses |= strstr((const char *)sqlite3_column_text(st, 3), "orders_ended") != NULL;
        sqlite3_finalize(st);
        CU_ASSERT_TRUE(uses);
    }
    sqt_journal_close(j);
    sqt_grid_free(g);
}

/* ---- schema 1 ------------------------------------------------------------------- */

/* The layout journals were written with before schema 2. */
static const char SCHEMA_1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE grid(id INTEGER PRIMARY KEY CHECK(id=1), anchor INTEGER NOT NULL,"
    " interval_ticks INTEGER NOT NULL, tick TEXT NOT NULL, step TEXT NOT NULL, seq INTEGER,"
    " position INTEGER NOT NULL, bought INTEGER, sold INTEGER, realized_gross TEXT,"
    " realized_fees TEXT, fees_paid TEXT, round_trips INTEGER, orders_placed INTEGER,"
    " po_degrades INTEGER, last_price TEXT, updated_ms INTEGER);"
    "CREATE TABLE slots(k INTEGER PRIMARY KEY, qty INTEGER NOT NULL, cost TEXT NOT NULL,"
    " rt_gross TEXT NOT NULL, rt_fees TEXT NOT NULL, po_fails INTEGER, has_order INTEGER,"
    " cid TEXT, oid TEXT, side INTEGER, tif INTEGER, state INTEGER, cancel_req INTEGER,"
    " unknown INTEGER, fee_nocum INTEGER, o_price INTEGER, o_qty INTEGER, o_filled INTEGER,"
    " base_qty INTEGER, bare_lo INTEGER, bare_hi INTEGER, fee_seen TEXT, notional TEXT,"
    " level TEXT, qty_dec TEXT, cost_quote TEXT);"
    "CREATE TABLE watches(i INTEGER PRIMARY KEY, cid TEXT, oid TEXT, k INTEGER, side INTEGER,"
    " price INTEGER, qty INTEGER, filled INTEGER, seen TEXT, bare_lo INTEGER, bare_hi INTEGER,"
    " nocum INTEGER);"
    "CREATE TABLE orders(cid TEXT PRIMARY KEY, oid TEXT, slot INTEGER, side TEXT, price TEXT,"
    " qty TEXT, filled TEXT, status TEXT, reason TEXT, fee TEXT, created_ms INTEGER,"
    " updated_ms INTEGER);"
    "CREATE INDEX orders_updated ON orders(updated_ms);"
    "CREATE TABLE fills(id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER, cid TEXT, oid TEXT,"
    " side TEXT, slot INTEGER, qty TEXT, price TEXT, fee TEXT, fee_asset TEXT);"
    "CREATE TABLE pnl(id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER, kind TEXT,"
    " slot INTEGER, cid TEXT, pnl TEXT);"
    "CREATE TABLE notes(id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER, kind TEXT,"
    " text TEXT);";

/* Every row of a query as one text (FNV-1a of the values and their types) and the row
 * count. */
static uint64_t digest(sqlite3 *db, const char *sql, int *rows)
{
    sqlite3_stmt *st = NULL;
    uint64_t h = 1469598103934665603ull;
    *rows = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    *rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int i;
        for (i = 0; i < sqlite3_column_count(st); i++) {
            const unsigned char *t = sqlite3_column_text(st, i);
            unsigned char ty = (unsigned char)sqlite3_column_type(st, i);
            h = (h ^ ty) * 1099511628211ull;
            for (; t != NULL && *t; t++)
                h = (h ^ *t) * 1099511628211ull;
            h = (h ^ 0xff) * 1099511628211ull;
        }
        (*rows)++;
    }
    sqlite3_finalize(st);
    return h;
}

static const char *const HISTORY_Q[] = {
    "SELECT * FROM orders ORDER BY cid", "SELECT * FROM fills ORDER BY id",
    "SELECT * FROM pnl ORDER BY id",     "SELECT * FROM notes ORDER BY id",
    "SELECT * FROM grid",                "SELECT * FROM slots ORDER BY k",
    "SELECT * FROM watches ORDER BY i",  "SELECT * FROM meta WHERE key<>'schema' ORDER BY key"};
#define N_HISTORY_Q (sizeof HISTORY_Q / sizeof HISTORY_Q[0])

/* A schema-1 journal at path with the rows of the (current) journal at from, plus a
 * note whose id leaves a gap. */
static void write_schema_1(const char *path, const char *from)
{
    sqlite3 *db;
    char sql[1024];
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, SCHEMA_1, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, "ATTACH '%s' AS cur", from);
    CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL_FATAL(
        sqlite3_exec(db,
                     "BEGIN;"
                     "INSERT INTO meta SELECT key, CASE key WHEN 'schema' THEN '1' ELSE value END "
                     "FROM cur.meta;"
                     "INSERT INTO grid SELECT * FROM cur.grid; INSERT INTO slots SELECT * FROM cur.slots;"
                     "INSERT INTO watches SELECT * FROM cur.watches;"
                     "INSERT INTO orders SELECT * FROM cur.orders; INSERT INTO fills SELECT * FROM cur.fills;"
                     "INSERT INTO pnl SELECT * FROM cur.pnl; INSERT INTO notes SELECT * FROM cur.notes;"
                     "INSERT INTO notes(id,ts_ms,kind,text) VALUES(100,1,'old','from schema 1');"
                     "PRAGMA user_version=1; COMMIT",
                     NULL, NULL, NULL),
        SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db, "DETACH cur", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* What `opensqt report --json` prints for the book of cfg. */
static void report_of(const char *cfg, char *out, size_t cap)
{
    char rpath[420];
    char *argv[] = {"report", "-c", (char *)cfg, "--json", NULL};
    FILE *f;
    size_t n;
    int fd, saved = dup(1);
    snprintf(rpath, sizeof rpath, "%s/report.out", tmp);
    fd = open(rpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL(fd >= 0 && saved >= 0);
    fflush(stdout);
    dup2(fd, 1);
    optind = 0;
    CU_ASSERT_EQUAL(sqt_report_main(4, argv), 0);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(fd);
    f = fopen(rpath, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
}

/* A journal written by schema 1 (the old layout, built here with its DDL) is upgraded
 * at open in one transaction: every row is found again with its id, the grid
 * continues, `opensqt report` prints the same before and after, new rows take the next
 * ids; an upgrade that cannot finish leaves the file as it was. */
static void test_upgrade_from_schema_1(void)
{
    char cur[400], old[4400], cfgp[400], yaml[1024], rep1[8192], rep2[8192];
    uint64_t h[N_HISTORY_Q];
    int rows[N_HISTORY_Q], r2;
    sqt_grid_params p;
    sqt_journal *j;
    sqt_grid *g, *g2;
    sqt_config cfg;
    sqt_book bk;
    sqt_log lg;
    char err[512] = "";
    sqlite3 *db;
    size_t i;
    FILE *f;
    mk_tmp();
    /* the book's journal path, as `run` and `report` find it */
    path_of(cfgp, sizeof cfgp, "book.yaml");
    snprintf(yaml, sizeof yaml,
             "app:\n  current_exchange: binance\n  instance: T1\n"
             "exchanges:\n  binance:\n    api_key: k\n    secret_key: s\n    fee_rate: 0.0002\n"
             "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
             "  min_order_value: 20\n  buy_window_size: 10\n  sell_window_size: 10\n"
             "system:\n  state_dir: %s\n",
             tmp);
    f = fopen(cfgp, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(yaml, f);
    fclose(f);
    chmod(cfgp, 0600);
    sqt_log_init(&lg);
    lg.level = SQT_LV_ERROR;
    memset(&cfg, 0, sizeof cfg);
    CU_ASSERT_EQUAL_FATAL(sqt_config_load(&cfg, cfgp, &lg, err, sizeof err), 0);
    sqt_book_of(&cfg, &bk);
    sqt_config_free(&cfg);
    sqt_log_close(&lg);
    snprintf(old, sizeof old, "%s", bk.journal);

    path_of(cur, sizeof cur, "cur.journal");
    {
        sqt_journal_identity id = ID;
        id.account = bk.account;
        j = open_ok(cur, &id, NULL);
        g = busy_grid(&p, j);
        sqt_journal_close(j);
        write_schema_1(old, cur);
        CU_ASSERT_EQUAL_FATAL(sqlite3_open(old, &db), SQLITE_OK);
        for (i = 0; i < N_HISTORY_Q; i++) {
            h[i] = digest(db, HISTORY_Q[i], &rows[i]);
            CU_ASSERT_TRUE(rows[i] >= (strstr(HISTORY_Q[i], "watches") ? 0 : 1));
        }
        sqlite3_close(db);
        report_of(cfgp, rep1, sizeof rep1); /* read-only: the file stays schema 1 */
        CU_ASSERT_PTR_NOT_NULL(strstr(rep1, "\"round_trips\""));

        /* an upgrade that fails (a row schema 2 cannot take) changes nothing */
        CU_ASSERT_EQUAL_FATAL(sqlite3_open(old, &db), SQLITE_OK);
        CU_ASSERT_EQUAL(sqlite3_exec(db, "INSERT INTO orders(cid,status) VALUES(NULL,'placed')",
                                     NULL, NULL, NULL),
                        SQLITE_OK);
        sqlite3_close(db);
        {
            sqt_journal *jj = NULL;
            CU_ASSERT_EQUAL(sqt_journal_open(old, &id, 0, &jj, NULL, err, sizeof err), SQT_EINVAL);
            CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot upgrade the journal from schema 1 to 2"));
            CU_ASSERT_PTR_NULL(jj);
        }
        CU_ASSERT_EQUAL_FATAL(sqlite3_open(old, &db), SQLITE_OK);
        CU_ASSERT_EQUAL(count(db, "PRAGMA user_version"), 1);
        CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM sqlite_master WHERE name='orders_updated'"), 1);
        CU_ASSERT_EQUAL(sqlite3_exec(db, "DELETE FROM orders WHERE cid IS NULL", NULL, NULL, NULL),
                        SQLITE_OK);
        sqlite3_close(db);

        /* the upgrade */
        j = open_ok(old, &id, NULL);
        db = sqt_journal_db(j);
        CU_ASSERT_EQUAL(count(db, "PRAGMA user_version"), 2);
        CU_ASSERT_EQUAL(count(db, "SELECT value FROM meta WHERE key='schema'"), 2);
        CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%AUTOINCREMENT%'"), 0);
        CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                  "('orders_updated','sqlite_autoindex_orders_1')"),
                        0);
        for (i = 0; i < N_HISTORY_Q; i++) {
            CU_ASSERT_EQUAL(digest(db, HISTORY_Q[i], &r2), h[i]);
            CU_ASSERT_EQUAL(r2, rows[i]);
        }
        g2 = restore_from(&p, j, 100);
        status_equal(g, g2);
        sqt_journal_close(j);
    }
    report_of(cfgp, rep2, sizeof rep2);
    CU_ASSERT_STRING_EQUAL(rep2, rep1);
    /* the next rows continue the ids; a second open upgrades nothing */
    j = open_ok(old, &(sqt_journal_identity){"binance", bk.account, "ETHUSDT", "T1"}, NULL);
    CU_ASSERT_EQUAL_FATAL(sqt_journal_begin(j), 0);
    CU_ASSERT_EQUAL(sqt_journal_note(j, 2, "new", "after the upgrade"), 0);
    CU_ASSERT_EQUAL_FATAL(sqt_journal_commit(j), 0);
    CU_ASSERT_EQUAL(count(sqt_journal_db(j), "SELECT id FROM notes WHERE kind='new'"), 101);
    sqt_journal_close(j);
    sqt_grid_free(g);
    sqt_grid_free(g2);
}


/* ---- a turn killed between its two writes ------------------------------------------ */

/* The engine of a restart from j: restored, the journal's intents given to it. */
static sqt_grid *restart_with_intents(const sqt_grid_params *p, sqt_journal *j, size_t want_intents,
                                      char *intent_cid, size_t cap)
{
    sqt_journal_state st;
    sqt_grid *g = NULL;
    char err[512] = "";
    CU_ASSERT_EQUAL_FATAL(sqt_journal_load(j, &st, err, sizeof err), 1);
    SQT_ASSERT_INT_EQ(st.n_intents, want_intents);
    if (st.n_intents > 0)
        snprintf(intent_cid, cap, "%s", st.intents[0].o.cid);
    CU_ASSERT_EQUAL_FATAL(sqt_grid_new(p, &g, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(sqt_grid_restore(g, &st.meta, st.slots, st.n_slots,
                                           (const char *const *)st.finished, st.n_finished, 100,
                                           err, sizeof err),
                          0);
    CU_ASSERT_EQUAL(sqt_grid_restore_intents(g, st.intents, st.n_intents, 100), 0);
    sqt_journal_free_state(&st);
    return g;
}

/* sqt_grid_save_slots' callback: the saved slot k, when there is one. */
typedef struct slot_pick {
    int64_t k;
    int found;
    sqt_grid_saved_slot s;
} slot_pick;

static int pick_slot(void *ud, const sqt_grid_saved_slot *s)
{
    slot_pick *p = ud;
    if (s->k == p->k) {
        p->s = *s;
        p->found = 1;
    }
    return 0;
}

/* The host's turn, killed after the requests left: the fill of the 2998.00 buy and the
 * sell it makes are in one turn; only the turn's first write (the sell's intent) is in
 * the file. The restart finds the buy gone and asks for it (filled: booked), and the
 * sell becomes that slot's order before anything is placed there - no second sell.
 * mode 0: the sell is open; 1: it filled too while the bot was down (booked: a round
 * trip); 2: it never left (killed before the request): the exchange does not know it,
 * the slot is freed and sells once, later. */
static void killed_between_writes(int mode)
{
    const int sell_filled = mode == 1;
    static capture c, r;
    char path[400], icid[SQT_CLIENT_ID_MAX] = "";
    sqt_grid_params p;
    sqt_journal *j;
    sqt_grid *g;
    sqt_grid_cmd buy, sell;
    sqt_grid_saved_intent it;
    sqt_order open[16], ans;
    sqt_grid_status stt;
    size_t n_open = 0, i;
    mk_tmp();
    path_of(path, sizeof path, mode == 0 ? "kb1.journal" : mode == 1 ? "kb2.journal" : "kb4.journal");
    j = open_ok(path, &ID, NULL);
    e_params(&p);
    p.buy_window_size = 3;
    g = grid_up(&p, "3000.00");
    turn(j, g, 0);
    cap_clear(&c);
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("2999.00"), 1), 0);
    turn_cap(j, g, 1, &c);
    ack_all(g, &c, 2);
    turn(j, g, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap_place_at(&c, "2998.00"));
    buy = *cap_place_at(&c, "2998.00");
    for (i = 0; i < c.nc; i++)
        if (c.cmd[i].kind == SQT_GRID_CMD_PLACE && strcmp(c.cmd[i].client_id, buy.client_id) != 0)
            open[n_open++] = mk_open(c.cmd[i].client_id, SQT_SIDE_BUY,
                                     dec_str(c.cmd[i].req.price, (char[48]){0}, 48),
                                     dec_str(c.cmd[i].req.qty, (char[48]){0}, 48), "0",
                                     SQT_ORDER_NEW);
    /* the killed turn: fill, sell placed, its intent written, the request out - and no
     * second write */
    fill_whole(g, &buy, "0.006", 3);
    CU_ASSERT_EQUAL(sqt_grid_adjust(g, 3), 0);
    cap_clear(&c);
    cap_drain(g, &c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap_place_at(&c, "3000.00"));
    sell = *cap_place_at(&c, "3000.00");
    CU_ASSERT_EQUAL_FATAL(sqt_grid_intent_of(g, sell.slot, sell.client_id, &it), 0);
    CU_ASSERT_EQUAL(sqt_grid_intent_of(g, sell.slot, buy.client_id, &(sqt_grid_saved_intent){0}),
                    SQT_ENOENT);
    {
        /* the intent is the order as the slot's whole save has it, field for field */
        slot_pick pk = {sell.slot, 0, {0}};
        CU_ASSERT_EQUAL(sqt_grid_save_slots(g, pick_slot, &pk), 0);
        CU_ASSERT_TRUE_FATAL(pk.found);
        SQT_ASSERT_INT_EQ(it.k, sell.slot);
        CU_ASSERT_EQUAL(memcmp(&it.o, &pk.s.o, sizeof it.o), 0);
        CU_ASSERT_STRING_EQUAL(it.o.cid, sell.client_id);
    }
    CU_ASSERT_EQUAL_FATAL(sqt_journal_intents(j, &it, 1), 0);
    sqt_grid_free(g);
    sqt_journal_close(j);

    /* the restart: the sell's intent waits while its slot still holds the buy */
    j = open_ok(path, &ID, NULL);
    g = restart_with_intents(&p, j, 1, icid, sizeof icid);
    CU_ASSERT_STRING_EQUAL(icid, sell.client_id);
    SQT_ASSERT_INT_EQ(sqt_grid_intents_waiting(g), 1);
    if (mode == 0)
        open[n_open++] = mk_open(sell.client_id, SQT_SIDE_SELL, "3000.00",
                                 dec_str(sell.req.qty, (char[48]){0}, 48), "0", SQT_ORDER_NEW);
    cap_clear(&r);
    CU_ASSERT_EQUAL(sqt_grid_reconcile(g, open, n_open, NULL, 101), 0);
    cap_drain(g, &r);
    /* the sell is not taken for an orphan; the buy the file knew is asked for */
    CU_ASSERT_PTR_NULL(cap_cmd_for(&r, SQT_GRID_CMD_CANCEL, sell.client_id));
    CU_ASSERT_PTR_NOT_NULL(cap_cmd_for(&r, SQT_GRID_CMD_QUERY, buy.client_id));
    SQT_ASSERT_INT_EQ(sqt_grid_intents_waiting(g), 1);
    ans = mk_order(buy.client_id, SQT_ORDER_FILLED, dec_str(buy.req.qty, (char[48]){0}, 48));
    ans.side = SQT_SIDE_BUY;
    ans.price = buy.req.price;
    ans.qty = buy.req.qty;
    CU_ASSERT_EQUAL(sqt_grid_on_query_result(g, buy.client_id, NULL, &ans, 102), 0);
    /* the start-up's last reconcile: the slot is free, the sell is its order now */
    cap_clear(&r);
    {
        sqt_dec flat = sqt_dec_make(0, 0);
        CU_ASSERT_EQUAL(sqt_grid_reconcile(g, open, n_open, sell_filled ? &flat : &buy.req.qty, 103),
                        0);
    }
    cap_drain(g, &r);
    SQT_ASSERT_INT_EQ(sqt_grid_intents_waiting(g), 0);
    CU_ASSERT_PTR_NOT_NULL(cap_cmd_for(&r, SQT_GRID_CMD_QUERY, sell.client_id));
    CU_ASSERT_TRUE(ev_text_has(&r, SQT_GRID_EV_ADOPTED, "taken over"));
    if (sell_filled) {
        ans = mk_order(sell.client_id, SQT_ORDER_FILLED, dec_str(sell.req.qty, (char[48]){0}, 48));
        ans.side = SQT_SIDE_SELL;
        ans.price = sell.req.price;
        ans.qty = sell.req.qty;
    } else {
        ans = mk_open(sell.client_id, SQT_SIDE_SELL, "3000.00",
                      dec_str(sell.req.qty, (char[48]){0}, 48), "0", SQT_ORDER_NEW);
    }
    if (mode == 2) {
        sqt_error e;
        memset(&e, 0, sizeof e);
        e.code = SQT_EUNKNOWN_ORDER;
        CU_ASSERT_EQUAL(sqt_grid_on_query_result(g, sell.client_id, &e, NULL, 104), 0);
    } else {
        CU_ASSERT_EQUAL(sqt_grid_on_query_result(g, sell.client_id, NULL, &ans, 104), 0);
    }
    /* trading: no second sell for the holding (mode 2: exactly one, once the freed slot
     * may place again) */
    cap_drain(g, &r);
    n_open = r.nc; /* from here: what trading sends */
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("2999.00"), 105), 0);
    CU_ASSERT_EQUAL(sqt_grid_on_time(g, 60105), 0);
    CU_ASSERT_EQUAL(sqt_grid_adjust(g, 60105), 0);
    cap_drain(g, &r);
    {
        size_t sells = 0;
        for (i = n_open; i < r.nc; i++)
            sells += r.cmd[i].kind == SQT_GRID_CMD_PLACE && r.cmd[i].req.side == SQT_SIDE_SELL;
        SQT_ASSERT_INT_EQ(sells, mode == 2 ? 1 : 0);
    }
    ASSERT_INVARIANTS(g);
    sqt_grid_get_status(g, &stt);
    ASSERT_DEC(stt.position, sell_filled ? "0" : dec_str(buy.req.qty, (char[48]){0}, 48));
    SQT_ASSERT_INT_EQ(stt.live_sells, sell_filled ? 0 : 1);
    SQT_ASSERT_INT_EQ(stt.round_trips, sell_filled ? 1 : 0);
    /* the restart's turns written (the events captured above, the host's journal rows):
     * the intent is an order row now, not loaded again */
    CU_ASSERT_EQUAL_FATAL(sqt_journal_begin(j), 0);
    for (i = 0; i < r.ne; i++)
        CU_ASSERT_EQUAL(sqt_journal_event(j, &r.ev[i], 1106), 0);
    CU_ASSERT_EQUAL(sqt_journal_save_grid(j, g, D("2999.00")), 0);
    CU_ASSERT_EQUAL_FATAL(sqt_journal_commit(j), 0);
    {
        sqt_journal_state st;
        char err[256];
        CU_ASSERT_EQUAL(sqt_journal_load(j, &st, err, sizeof err), 1);
        SQT_ASSERT_INT_EQ(st.n_intents, 0);
        sqt_journal_free_state(&st);
    }
    sqt_grid_free(g);
    sqt_journal_close(j);
}

static void test_killed_between_writes(void)
{
    killed_between_writes(0);
}

static void test_killed_between_writes_sell_filled(void)
{
    killed_between_writes(1);
}

static void test_killed_before_the_request(void)
{
    killed_between_writes(2);
}

/* An intent that does not fit its slot once free (a sell of more than it holds) is
 * cancelled, never kept as a second claim on the holding. */
static void test_intent_that_does_not_fit(void)
{
    static capture c;
    char path[400], icid[SQT_CLIENT_ID_MAX];
    sqt_grid_params p;
    sqt_journal *j;
    sqt_grid *g;
    sqt_grid_saved_intent it;
    mk_tmp();
    path_of(path, sizeof path, "kb3.journal");
    j = open_ok(path, &ID, NULL);
    e_params(&p);
    p.buy_window_size = 3;
    g = grid_up(&p, "3000.00");
    cap_clear(&c);
    CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("2999.00"), 1), 0);
    turn_cap(j, g, 1, &c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap_place_at(&c, "2998.00"));
    CU_ASSERT_EQUAL_FATAL(sqt_grid_intent_of(g, cap_place_at(&c, "2998.00")->slot,
                                             cap_place_at(&c, "2998.00")->client_id, &it),
                          0);
    /* made a sell of the empty slot above: nothing there to sell */
    {
        sqt_clientid id;
        it.k += 1;
        it.o.side = SQT_SIDE_SELL;
        it.o.price += 400; /* the sell price of the level above (interval 200 ticks) */
        id.side = SQT_SIDE_SELL;
        id.price_ticks = it.o.price - 200;
        id.seq = 987654;
        CU_ASSERT_FATAL(sqt_clientid_encode_tag("T1", 2, &id, 26, it.o.cid, sizeof it.o.cid) > 0);
    }
    sqt_grid_free(g);
    CU_ASSERT_EQUAL_FATAL(sqt_journal_intents(j, &it, 1), 0);
    sqt_journal_close(j);
    j = open_ok(path, &ID, NULL);
    g = restart_with_intents(&p, j, 1, icid, sizeof icid);
    cap_clear(&c);
    cap_drain(g, &c);
    SQT_ASSERT_INT_EQ(sqt_grid_intents_waiting(g), 0);
    CU_ASSERT_TRUE(cap_events(&c, SQT_GRID_EV_ANOMALY) >= 1);
    CU_ASSERT_PTR_NOT_NULL(cap_cmd_for(&c, SQT_GRID_CMD_CANCEL, it.o.cid));
    ASSERT_INVARIANTS(g);
    sqt_grid_free(g);
    sqt_journal_close(j);
}

/* The intents of one turn written in parts (a fill's orders sent as its push is read,
 * then the turn's end): every part is read back in order; a part cut short (a kill or a
 * power cut in its write) loses only its own records, never the turn's earlier ones; an
 * older, longer turn's leftovers behind a new turn are not taken; a log of the previous
 * layout (one record set) is still read. */
static void intents_fill(sqt_grid_saved_intent *v, size_t n)
{
    size_t i;
    memset(v, 0, n * sizeof *v);
    for (i = 0; i < n; i++) {
        snprintf(v[i].o.cid, sizeof v[i].o.cid, "T1-S%zu-abc", i);
        v[i].k = (int64_t)i;
        v[i].o.side = SQT_SIDE_SELL;
        v[i].o.tif = SQT_TIF_GTC;
        v[i].o.price = 300000 + 200 * (int64_t)i;
        v[i].o.qty = 10;
    }
}

static size_t intents_read(const char *path, uint64_t uid, sqt_grid_saved_intent **got, int *rc)
{
    sqt_intentlog *l = NULL;
    char why[300] = "";
    size_t n = 99;
    *got = NULL;
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, uid, 0, &l, why, sizeof why), 0);
    *rc = sqt_intentlog_read(l, got, &n, why, sizeof why);
    sqt_intentlog_close(l);
    return n;
}

/* The log at path holds `want` intents of this turn, the last one last_cid. */
static void expect_intents(const char *path, size_t want, const char *last_cid)
{
    sqt_grid_saved_intent *got = NULL;
    int rc;
    size_t n = intents_read(path, 0x77, &got, &rc);
    SQT_ASSERT_INT_EQ(rc, 0);
    SQT_ASSERT_INT_EQ(n, want);
    if (n == want && n > 0 && got != NULL)
        CU_ASSERT_STRING_EQUAL(got[n - 1].o.cid, last_cid);
    free(got);
}

/* The parts 2 + 1 + 3 of test_intent_log_parts end here: three 32-byte headers (magic,
 * uid, turn, n, crc) and six records. */
#define IL_REC_BYTES (SQT_CLIENT_ID_MAX + 40)
#define IL_PARTS_END (3 * 32 + 6 * IL_REC_BYTES)

/* The file at path made of len bytes of b. */
static void file_put(const char *path, const unsigned char *b, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, b, len), (ssize_t)len);
    close(fd);
}

/* A new log's path (no file yet) in the test directory. */
static void log_path_new(char *path, size_t cap, const char *name)
{
    mk_tmp();
    path_of(path, cap, name);
    unlink(path);
}

/* One record as the log lays it out: cid, then k, price, qty, base_qty, side, tif. */
static void record_put(unsigned char *r, const sqt_grid_saved_intent *it)
{
    int32_t side = (int32_t)it->o.side, tif = (int32_t)it->o.tif;
    memcpy(r, it->o.cid, strlen(it->o.cid));
    r += SQT_CLIENT_ID_MAX;
    memcpy(r, &it->k, 8);
    memcpy(r + 8, &it->o.price, 8);
    memcpy(r + 16, &it->o.qty, 8);
    memcpy(r + 24, &it->o.base_qty, 8);
    memcpy(r + 32, &side, 4);
    memcpy(r + 36, &tif, 4);
}

static void test_intent_log_parts(void)
{
    char path[400], why[300];
    sqt_intentlog *l = NULL;
    sqt_grid_saved_intent v[6], *got = NULL;
    size_t n, i;
    int rc, fd;
    log_path_new(path, sizeof path, "parts-intents");
    intents_fill(v, 6);
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, 0x77, 0, &l, why, sizeof why), 0);
    /* a turn in three parts: all six, in order */
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v, 2, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_append(l, v + 2, 1, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_append(l, v + 3, 3, why, sizeof why), 0);
    n = intents_read(path, 0x77, &got, &rc);
    SQT_ASSERT_INT_EQ(rc, 0);
    SQT_ASSERT_INT_EQ(n, 6);
    for (i = 0; i < n && got != NULL; i++) {
        CU_ASSERT_STRING_EQUAL(got[i].o.cid, v[i].o.cid);
        SQT_ASSERT_INT_EQ(got[i].o.price, v[i].o.price);
    }
    free(got);
    /* the last part cut short, three ways: a store into the mapped window stopped by a
     * kill (its tail never written: zeros), the file ending inside it (a pwrite cut
     * short), its check sum broken. The first three stay each time. */
    sqt_intentlog_close(l);
    fd = open(path, O_WRONLY);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    {
        static const char zeros[50];
        CU_ASSERT_EQUAL(pwrite(fd, zeros, 50, IL_PARTS_END - 50), 50);
    }
    close(fd);
    expect_intents(path, 3, v[2].o.cid);
    CU_ASSERT_EQUAL_FATAL(truncate(path, IL_PARTS_END - 50), 0);
    expect_intents(path, 3, v[2].o.cid);
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, 0x77, 0, &l, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v, 2, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_append(l, v + 2, 1, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_append(l, v + 3, 3, why, sizeof why), 0);
    expect_intents(path, 6, v[5].o.cid); /* the window made again, whole */
    fd = open(path, O_WRONLY);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(pwrite(fd, "XY", 2, IL_PARTS_END - 60), 2); /* inside the last part */
    close(fd);
    expect_intents(path, 3, v[2].o.cid);
    /* a new turn of one order: the older turn's parts behind it are not its own */
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v + 5, 1, why, sizeof why), 0);
    expect_intents(path, 1, v[5].o.cid);
    sqt_intentlog_close(l);
    /* a restarted process: its turns are new ones, also behind a longer old turn */
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, 0x77, 0, &l, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v, 3, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_append(l, v + 3, 2, why, sizeof why), 0);
    sqt_intentlog_close(l);
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, 0x77, 0, &l, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_append(l, v + 5, 1, why, sizeof why), 0); /* a new turn */
    sqt_intentlog_close(l);
    expect_intents(path, 1, v[5].o.cid);
    /* the previous layout: magic SQTINT01, uid, n, crc (of uid, n, records), records */
    {
        unsigned char buf[24 + 2 * (SQT_CLIENT_ID_MAX + 40)];
        uint64_t uid = 0x77;
        uint32_t n32 = 2, crc;
        size_t rec = SQT_CLIENT_ID_MAX + 40;
        memset(buf, 0, sizeof buf);
        memcpy(buf, "SQTINT01", 8);
        memcpy(buf + 8, &uid, 8);
        memcpy(buf + 16, &n32, 4);
        for (i = 0; i < 2; i++)
            record_put(buf + 24 + i * rec, &v[i]); /* records of the same layout */
        crc = (uint32_t)crc32(crc32(0L, buf + 8, 12), buf + 24, (uInt)(2 * rec));
        memcpy(buf + 20, &crc, 4);
        file_put(path, buf, sizeof buf);
        n = intents_read(path, 0x77, &got, &rc);
        SQT_ASSERT_INT_EQ(rc, 0);
        SQT_ASSERT_INT_EQ(n, 2);
        if (n == 2 && got != NULL) {
            CU_ASSERT_STRING_EQUAL(got[1].o.cid, v[1].o.cid);
            SQT_ASSERT_INT_EQ(got[1].o.price, v[1].o.price);
            SQT_ASSERT_INT_EQ(got[1].o.side, SQT_SIDE_SELL);
        }
        free(got);
    }
}

/* CRC-32C by its definition, one bit a step (the reference the module is checked against). */
static uint32_t crc32c_bits(uint32_t crc, const unsigned char *p, size_t n)
{
    uint32_t c = ~crc;
    int k;
    while (n-- > 0) {
        c ^= *p++;
        for (k = 0; k < 8; k++)
            c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
}

/* The intent log's check sum (crc32c.c): the published check values (RFC 3720's and the
 * catalogue's "123456789"); the CPU's instruction, where there is one, against the table
 * and the bitwise definition over lengths 0-300 at every alignment of 8 and split anywhere. */
static void test_crc32c(void)
{
    unsigned char buf[320], v32[32];
    uint64_t rs = 0x9E3779B97F4A7C15u;
    size_t i, len, off, cut;
    int bad = 0;
    SQT_ASSERT_INT_EQ(sqt_crc32c(0, "123456789", 9), 0xE3069283u);
    SQT_ASSERT_INT_EQ(sqt_crc32c_sw(0, "123456789", 9), 0xE3069283u);
    memset(v32, 0, sizeof v32);
    SQT_ASSERT_INT_EQ(sqt_crc32c(0, v32, 32), 0x8A9136AAu);
    memset(v32, 0xFF, sizeof v32);
    SQT_ASSERT_INT_EQ(sqt_crc32c(0, v32, 32), 0x62A8AB43u);
    for (i = 0; i < 32; i++)
        v32[i] = (unsigned char)i;
    SQT_ASSERT_INT_EQ(sqt_crc32c(0, v32, 32), 0x46DD794Eu);
    SQT_ASSERT_INT_EQ(sqt_crc32c(0, "", 0), 0);
    for (i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)sqt_test_xorshift(&rs);
    for (off = 0; off < 8; off++)
        for (len = 0; len + off <= 300 && !bad; len++) {
            uint32_t want = crc32c_bits(0, buf + off, len);
            cut = len > 0 ? (size_t)(sqt_test_xorshift(&rs) % (len + 1)) : 0;
            bad |= sqt_crc32c(0, buf + off, len) != want;
            bad |= sqt_crc32c_sw(0, buf + off, len) != want;
            bad |= sqt_crc32c(sqt_crc32c(0, buf + off, cut), buf + off + cut, len - cut) != want;
        }
    CU_ASSERT_FALSE(bad);
    printf("\n    CRC-32C by the CPU's instruction: %s\n", sqt_crc32c_hw() ? "yes" : "no (table)");
}

/* One chunk as the log lays it out (magic, uid, turn, n, crc, then records), its crc by
 * zlib's CRC-32 (version 2) or CRC-32C (this version) computed here, not by the log. */
static size_t chunk_make(unsigned char *out, const char *magic, uint64_t turn,
                         const sqt_grid_saved_intent *v, size_t n, int zlib_crc)
{
    uint64_t uid = 0x77;
    uint32_t n32 = (uint32_t)n, crc;
    size_t i, len = 32 + n * IL_REC_BYTES;
    memset(out, 0, len);
    memcpy(out, magic, 8);
    memcpy(out + 8, &uid, 8);
    memcpy(out + 16, &turn, 8);
    memcpy(out + 24, &n32, 4);
    for (i = 0; i < n; i++)
        record_put(out + 32 + i * IL_REC_BYTES, &v[i]);
    crc = zlib_crc ? (uint32_t)crc32(crc32(0L, out + 8, 20), out + 32, (uInt)(len - 32))
                   : crc32c_bits(crc32c_bits(0, out + 8, 20), out + 32, len - 32);
    memcpy(out + 28, &crc, 4);
    return len;
}

/* The log writes CRC-32C (SQTINT03) and still reads the release before's version 2 files
 * (SQTINT02, zlib's CRC-32, same layout): an upgrade keeps the last turn's intents. A chunk
 * whose check sum is of the other kind is torn, and a run does not mix the two versions. */
static void test_intent_log_crc(void)
{
    char path[400], why[300];
    sqt_intentlog *l = NULL;
    sqt_grid_saved_intent v[3], *got = NULL;
    unsigned char file[3 * (32 + 2 * IL_REC_BYTES)], *b;
    size_t n, len, i;
    uint32_t crc;
    int rc;
    FILE *f;
    log_path_new(path, sizeof path, "crc-intents");
    intents_fill(v, 3);
    /* what the log writes: its magic, and a check sum that is CRC-32C's */
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, 0x77, 0, &l, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v, 2, why, sizeof why), 0);
    sqt_intentlog_close(l);
    f = fopen(path, "rb");
    CU_ASSERT_TRUE_FATAL(f != NULL);
    len = fread(file, 1, 32 + 2 * IL_REC_BYTES, f);
    fclose(f);
    SQT_ASSERT_INT_EQ(len, 32 + 2 * IL_REC_BYTES);
    CU_ASSERT_EQUAL(memcmp(file, "SQTINT03", 8), 0);
    memcpy(&crc, file + 28, 4);
    SQT_ASSERT_INT_EQ(crc, crc32c_bits(crc32c_bits(0, file + 8, 20), file + 32, 2 * IL_REC_BYTES));
    /* a version 2 turn in two parts (2 + 1): all three read */
    b = file;
    b += chunk_make(b, "SQTINT02", 41, v, 2, 1);
    b += chunk_make(b, "SQTINT02", 41, v + 2, 1, 1);
    file_put(path, file, (size_t)(b - file));
    expect_intents(path, 3, v[2].o.cid);
    /* ... and the first turn of the new version goes over it: a new turn number, read back */
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, 0x77, 0, &l, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v + 1, 1, why, sizeof why), 0);
    sqt_intentlog_close(l);
    expect_intents(path, 1, v[1].o.cid);
    /* a version 2 chunk behind a version 3 one of the same turn: not part of the run */
    b = file;
    b += chunk_make(b, "SQTINT03", 42, v, 2, 0);
    b += chunk_make(b, "SQTINT02", 42, v + 2, 1, 1);
    file_put(path, file, (size_t)(b - file));
    expect_intents(path, 2, v[1].o.cid);
    /* each version's magic with the other's check sum: torn, no intent taken */
    for (i = 0; i < 2; i++) {
        chunk_make(file, i == 0 ? "SQTINT03" : "SQTINT02", 43, v, 2, i == 0);
        file_put(path, file, 32 + 2 * IL_REC_BYTES);
        n = intents_read(path, 0x77, &got, &rc);
        CU_ASSERT_NOT_EQUAL(rc, 0);
        SQT_ASSERT_INT_EQ(n, 0);
        free(got);
    }
}

/* The mapped window (intentlog.c): once the turn's first store made it, the log's stores
 * need no room on the disk (a file size limit as low as 1 byte, as a full disk, does not fail
 * them; only a turn bigger than the window goes by pwrite and fails then, saying so). A
 * window made but never stored into (a kill right after it was made) holds no turn. */
static void test_intent_log_window(void)
{
    char path[400], why[300] = "";
    sqt_intentlog *l = NULL;
    sqt_grid_saved_intent *v, *got = NULL;
    struct rlimit saved, low;
    size_t big = 700, n, i;
    int rc, fd;
    void (*old_xfsz)(int);
    log_path_new(path, sizeof path, "window-intents");
    v = calloc(big, sizeof *v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    intents_fill(v, 6);
    for (i = 6; i < big; i++)
        v[i] = v[i % 6];
    /* made, nothing stored: no turn, as a new file */
    fd = open(path, O_RDWR | O_CREAT, 0600);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(ftruncate(fd, 64 << 10), 0);
    close(fd);
    n = intents_read(path, 0x77, &got, &rc);
    SQT_ASSERT_INT_EQ(rc, 0);
    SQT_ASSERT_INT_EQ(n, 0);
    CU_ASSERT_PTR_NULL(got);
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, 0x77, 0, &l, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v, 2, why, sizeof why), 0);
    /* the disk "full": the window's stores still land, a pwrite would fail */
    CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &saved), 0);
    low = saved;
    low.rlim_cur = 1;
    old_xfsz = signal(SIGXFSZ, SIG_IGN);
    CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &low), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_append(l, v + 2, 1, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v + 3, 3, why, sizeof why), 0); /* a new turn */
    CU_ASSERT_EQUAL(sqt_intentlog_append(l, v + 2, 1, why, sizeof why), 0);
    /* 700 orders do not fit the window: by pwrite, which the limit fails, said */
    rc = sqt_intentlog_append(l, v, big, why, sizeof why);
    CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old_xfsz);
    CU_ASSERT_TRUE(rc < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "cannot write"));
    expect_intents(path, 4, v[2].o.cid);
    /* with room, the big turn goes whole, by pwrite behind the window's start */
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v, 3, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_append(l, v, big, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_append(l, v + 5, 1, why, sizeof why), 0);
    n = intents_read(path, 0x77, &got, &rc);
    SQT_ASSERT_INT_EQ(rc, 0);
    SQT_ASSERT_INT_EQ(n, 3 + big + 1);
    if (n == 3 + big + 1 && got != NULL) {
        CU_ASSERT_STRING_EQUAL(got[3 + 699].o.cid, v[699].o.cid);
        SQT_ASSERT_INT_EQ(got[3 + 699].o.price, v[699].o.price);
        CU_ASSERT_STRING_EQUAL(got[n - 1].o.cid, v[5].o.cid);
    }
    free(got);
    sqt_intentlog_close(l);
    free(v);
}

/* The intent log on its own: a rewrite with fewer records, a torn file, a foreign one,
 * and a journal opened beside another journal's log. */
static void test_intent_log(void)
{
    char path[400], ipath[420], why[300];
    sqt_intentlog *l = NULL;
    sqt_grid_saved_intent v[3], *got = NULL;
    size_t n = 99, i;
    int fd;
    mk_tmp();
    path_of(path, sizeof path, "il-intents");
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, 0x1234, 0, &l, why, sizeof why), 0);
    SQT_ASSERT_INT_EQ(sqt_intentlog_read(l, &got, &n, why, sizeof why), 0); /* new: empty */
    SQT_ASSERT_INT_EQ(n, 0);
    memset(v, 0, sizeof v);
    for (i = 0; i < 3; i++) {
        snprintf(v[i].o.cid, sizeof v[i].o.cid, "T1-B%zu-abc", i);
        v[i].k = (int64_t)i - 1;
        v[i].o.side = i == 2 ? SQT_SIDE_SELL : SQT_SIDE_BUY;
        v[i].o.tif = SQT_TIF_POST_ONLY;
        v[i].o.price = 299800 + 200 * (int64_t)i;
        v[i].o.qty = 10 + (int64_t)i;
        v[i].o.base_qty = (int64_t)i;
    }
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v, 3, why, sizeof why), 0);
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v + 1, 2, why, sizeof why), 0); /* the next turn */
    SQT_ASSERT_INT_EQ(sqt_intentlog_read(l, &got, &n, why, sizeof why), 0);
    SQT_ASSERT_INT_EQ(n, 2);
    for (i = 0; i < n && got != NULL; i++) {
        CU_ASSERT_STRING_EQUAL(got[i].o.cid, v[i + 1].o.cid);
        SQT_ASSERT_INT_EQ(got[i].k, v[i + 1].k);
        SQT_ASSERT_INT_EQ(got[i].o.side, v[i + 1].o.side);
        SQT_ASSERT_INT_EQ(got[i].o.price, v[i + 1].o.price);
        SQT_ASSERT_INT_EQ(got[i].o.qty, v[i + 1].o.qty);
        SQT_ASSERT_INT_EQ(got[i].o.base_qty, v[i + 1].o.base_qty);
        SQT_ASSERT_INT_EQ(got[i].o.state, SQT_GRID_ORD_PENDING);
    }
    free(got);
    got = NULL;
    sqt_intentlog_close(l);
    /* another journal's log is not this one's */
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, 0x9999, 0, &l, why, sizeof why), 0);
    SQT_ASSERT_INT_EQ(sqt_intentlog_read(l, &got, &n, why, sizeof why), 1);
    SQT_ASSERT_INT_EQ(n, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "another journal"));
    sqt_intentlog_close(l);
    /* a torn record: the check sum says so, nothing is taken */
    fd = open(path, O_WRONLY);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(pwrite(fd, "X", 1, 40), 1);
    close(fd);
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, 0x1234, 1, &l, why, sizeof why), 0);
    SQT_ASSERT_INT_EQ(sqt_intentlog_read(l, &got, &n, why, sizeof why), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "torn"));
    CU_ASSERT_PTR_NULL(got);
    /* written whole again (with the fdatasync of journal_sync: full) */
    CU_ASSERT_EQUAL(sqt_intentlog_write(l, v, 1, why, sizeof why), 0);
    SQT_ASSERT_INT_EQ(sqt_intentlog_read(l, &got, &n, why, sizeof why), 0);
    SQT_ASSERT_INT_EQ(n, 1);
    free(got);
    sqt_intentlog_close(l);
    /* not an intent log at all */
    fd = open(path, O_WRONLY | O_TRUNC);
    CU_ASSERT_EQUAL(write(fd, "hello", 5), 5);
    close(fd);
    CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(path, 0x1234, 0, &l, why, sizeof why), 0);
    SQT_ASSERT_INT_EQ(sqt_intentlog_read(l, &got, &n, why, sizeof why), 1);
    sqt_intentlog_close(l);

    /* a journal never takes another journal's log for its own: a new journal beside the
     * log of a removed one */
    {
        sqt_grid_params p;
        sqt_journal *j;
        sqt_grid *g;
        sqt_journal_state st;
        char err[300];
        path_of(path, sizeof path, "il.journal");
        snprintf(ipath, sizeof ipath, "%s-intents", path);
        j = open_ok(path, &ID, NULL);
        e_params(&p);
        g = grid_up(&p, "3000.00");
        CU_ASSERT_EQUAL(sqt_grid_on_price(g, D("2999.00"), 1), 0);
        turn(j, g, 1);
        snprintf(v[0].o.cid, sizeof v[0].o.cid, "T1-B6fbs-zzzz");
        CU_ASSERT_EQUAL(sqt_journal_intents(j, v, 1), 0);
        CU_ASSERT_EQUAL(sqt_journal_load(j, &st, err, sizeof err), 1);
        SQT_ASSERT_INT_EQ(st.n_intents, 1); /* its own: no order row */
        sqt_journal_free_state(&st);
        sqt_journal_close(j);
        sqt_grid_free(g);
        CU_ASSERT_EQUAL(unlink(path), 0);
        snprintf(ipath, sizeof ipath, "%s-wal", path);
        unlink(ipath);
        snprintf(ipath, sizeof ipath, "%s-shm", path);
        unlink(ipath);
        j = open_ok(path, &ID, NULL);
        g = grid_up(&p, "3000.00");
        turn(j, g, 1);
        CU_ASSERT_EQUAL(sqt_journal_load(j, &st, err, sizeof err), 1);
        SQT_ASSERT_INT_EQ(st.n_intents, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(st.note, "another journal"));
        sqt_journal_free_state(&st);
        sqt_journal_close(j);
        sqt_grid_free(g);
    }
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"write and replay", test_write_and_replay},
        {"only changes are written", test_diff_writes},
        {"a killed writer loses nothing committed", test_killed_writer},
        {"refusals leave the file as it is", test_refusals},
        {"a damaged page is refused at load", test_damaged_page},
        {"one instance per book", test_lock},
        {"account fingerprint", test_account_id},
        {"checkpoints off the commit path", test_checkpoint_off_the_commit},
        {"a save writes the slots the turn changed", test_changed_slots_only},
        {"pages a fill turn writes", test_fill_turn_pages},
        {"a schema-1 journal is upgraded whole", test_upgrade_from_schema_1},
        {"a turn killed between its two writes: no second sell", test_killed_between_writes},
        {"... and the sell filled while down: booked once", test_killed_between_writes_sell_filled},
        {"... and the sell never left: sold once, later", test_killed_before_the_request},
        {"an intent that does not fit its slot is cancelled", test_intent_that_does_not_fit},
        {"the intent log: rewrites, torn, foreign files", test_intent_log},
        {"the intent log: a turn in parts, a part cut short, old layout", test_intent_log_parts},
        {"the intent log's mapped window: no room needed, a big turn by pwrite", test_intent_log_window},
        {"CRC-32C: check values, the CPU's instruction against the table", test_crc32c},
        {"the intent log's check sum: CRC-32C, version 2 files still read", test_intent_log_crc},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("journal", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
