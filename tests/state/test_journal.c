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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grid_test_util.h"
#include "journal.h"
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
    CU_ASSERT_EQUAL_FATAL(sqt_journal_begin(j), 0);
    for (i = 0; i < n; i++)
        CU_ASSERT_EQUAL(sqt_journal_event(j, &ev[i], 1000 + t), 0);
    CU_ASSERT_EQUAL(sqt_journal_save_grid(j, g, D("2999.00")), 0);
    CU_ASSERT_EQUAL_FATAL(sqt_journal_commit(j), 0);
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
    CU_ASSERT_EQUAL(sqlite3_exec(db, "PRAGMA user_version=2", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    refused(path, &ID, SQT_ESTATE, "newer OpenSQT (journal schema 2");

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
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("journal", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
