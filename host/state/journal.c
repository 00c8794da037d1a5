/* The state journal on SQLite (journal.h). One file per book; WAL so that a reader
 * (`opensqt report`) never blocks the bot; statements prepared once. */
#include "journal.h"
#include "intentlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <sqlite3.h>

#define FINISHED_KEPT 8192

enum {
    Q_BEGIN,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_SLOT_CLEAR,
    Q_SLOT_PUT,
    Q_SLOT_DEL,
    Q_GRID_PUT,
    Q_WATCH_CLEAR,
    Q_WATCH_PUT,
    Q_ORDER_NEW,
    Q_ORDER_ACK,
    Q_ORDER_FILL,
    Q_ORDER_END,
    Q_ORDER_FEE,
    Q_FILL_ADD,
    Q_PNL_ADD,
    Q_NOTE_ADD,
    Q_COUNT
};

/* Every statement of a turn is prepared once, BEGIN and COMMIT included: a turn parses
 * no SQL. */
static const char *const SQL[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SLOT_CLEAR] = "DELETE FROM slots",
    [Q_SLOT_PUT] =
        "INSERT OR REPLACE INTO slots(k,qty,cost,rt_gross,rt_fees,po_fails,has_order,cid,oid,side,"
        "tif,state,cancel_req,unknown,fee_nocum,o_price,o_qty,o_filled,base_qty,bare_lo,bare_hi,"
        "fee_seen,notional,level,qty_dec,cost_quote) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
        "?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26)",
    [Q_SLOT_DEL] = "DELETE FROM slots WHERE k=?1",
    [Q_GRID_PUT] =
        "INSERT OR REPLACE INTO grid(id,anchor,interval_ticks,tick,step,seq,position,bought,sold,"
        "realized_gross,realized_fees,fees_paid,round_trips,orders_placed,po_degrades,last_price,"
        "updated_ms) VALUES(1,?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
    [Q_WATCH_CLEAR] = "DELETE FROM watches",
    [Q_WATCH_PUT] = "INSERT INTO watches(i,cid,oid,k,side,price,qty,filled,seen,bare_lo,bare_hi,"
                    "nocum) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
    [Q_ORDER_NEW] = "INSERT OR IGNORE INTO orders(cid,oid,slot,side,price,qty,filled,status,fee,"
                    "created_ms,updated_ms) VALUES(?1,?2,?3,?4,?5,?6,'0',?7,'0',?8,?8)",
    [Q_ORDER_ACK] = "UPDATE orders SET oid=?2,status=CASE WHEN status='placed' THEN "
                    "'acknowledged' ELSE status END,updated_ms=?3 WHERE cid=?1",
    [Q_ORDER_FILL] = "UPDATE orders SET oid=CASE WHEN ?2<>'' THEN ?2 ELSE oid END,filled=?3,"
                     "status=?4,updated_ms=?5 WHERE cid=?1",
    [Q_ORDER_END] = "UPDATE orders SET status=?2,reason=?3,updated_ms=?4 WHERE cid=?1",
    [Q_ORDER_FEE] = "UPDATE orders SET fee=?2,updated_ms=?3 WHERE cid=?1",
    [Q_FILL_ADD] = "INSERT INTO fills(ts_ms,cid,oid,side,slot,qty,price,fee,fee_asset) "
                   "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    [Q_PNL_ADD] = "INSERT INTO pnl(ts_ms,kind,slot,cid,pnl) VALUES(?1,?2,?3,?4,?5)",
    [Q_NOTE_ADD] = "INSERT INTO notes(ts_ms,kind,text) VALUES(?1,?2,?3)",
};

/* Schema 2. A turn with a fill writes one page per b-tree it touches (WAL), so the
 * tables are laid out for the fewest b-trees per turn: orders keyed by their client id
 * (WITHOUT ROWID: no separate key index), the index of ended orders holds only ended
 * ones (what start-up reads: the newest of them), and fills, pnl and notes take
 * max(id)+1 without AUTOINCREMENT (rows are never deleted, so ids still only grow and
 * sqlite_sequence is not written on every insert). */
#define T_GRID                                                                                  \
    "CREATE TABLE grid(id INTEGER PRIMARY KEY CHECK(id=1), anchor INTEGER NOT NULL,"            \
    " interval_ticks INTEGER NOT NULL, tick TEXT NOT NULL, step TEXT NOT NULL, seq INTEGER,"    \
    " position INTEGER NOT NULL, bought INTEGER, sold INTEGER, realized_gross TEXT,"            \
    " realized_fees TEXT, fees_paid TEXT, round_trips INTEGER, orders_placed INTEGER,"          \
    " po_degrades INTEGER, last_price TEXT, updated_ms INTEGER);"                               \
    "CREATE TABLE slots(k INTEGER PRIMARY KEY, qty INTEGER NOT NULL, cost TEXT NOT NULL,"       \
    " rt_gross TEXT NOT NULL, rt_fees TEXT NOT NULL, po_fails INTEGER, has_order INTEGER,"      \
    " cid TEXT, oid TEXT, side INTEGER, tif INTEGER, state INTEGER, cancel_req INTEGER,"        \
    " unknown INTEGER, fee_nocum INTEGER, o_price INTEGER, o_qty INTEGER, o_filled INTEGER,"    \
    " base_qty INTEGER, bare_lo INTEGER, bare_hi INTEGER, fee_seen TEXT, notional TEXT,"        \
    " level TEXT, qty_dec TEXT, cost_quote TEXT);"                                              \
    "CREATE TABLE watches(i INTEGER PRIMARY KEY, cid TEXT, oid TEXT, k INTEGER, side INTEGER,"  \
    " price INTEGER, qty INTEGER, filled INTEGER, seen TEXT, bare_lo INTEGER, bare_hi INTEGER," \
    " nocum INTEGER);"
#define T_HISTORY(sfx)                                                                          \
    "CREATE TABLE orders" sfx "(cid TEXT PRIMARY KEY, oid TEXT, slot INTEGER, side TEXT,"       \
    " price TEXT, qty TEXT, filled TEXT, status TEXT, reason TEXT, fee TEXT,"                   \
    " created_ms INTEGER, updated_ms INTEGER) WITHOUT ROWID;"                                   \
    "CREATE TABLE fills" sfx "(id INTEGER PRIMARY KEY, ts_ms INTEGER, cid TEXT, oid TEXT,"      \
    " side TEXT, slot INTEGER, qty TEXT, price TEXT, fee TEXT, fee_asset TEXT);"                \
    "CREATE TABLE pnl" sfx "(id INTEGER PRIMARY KEY, ts_ms INTEGER, kind TEXT, slot INTEGER,"   \
    " cid TEXT, pnl TEXT);"                                                                     \
    "CREATE TABLE notes" sfx "(id INTEGER PRIMARY KEY, ts_ms INTEGER, kind TEXT, text TEXT);"
/* ORs, not IN: an IN list in a partial index's WHERE is built as a temporary table each
 * time a row of orders is written (tens of microseconds a turn) */
#define ENDED "(status='filled' OR status='cancelled' OR status='rejected')"
#define T_ENDED_INDEX "CREATE INDEX orders_ended ON orders(updated_ms) WHERE " ENDED ";"

static const char SCHEMA[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);" T_GRID T_HISTORY("")
        T_ENDED_INDEX;

/* Schema 1 -> 2, in one transaction at open: the history tables are copied into their
 * new layout row for row, ids kept. */
static const char UPGRADE_1_2[] =
    T_HISTORY("_v2")
    "INSERT INTO orders_v2 SELECT cid,oid,slot,side,price,qty,filled,status,reason,fee,"
    "created_ms,updated_ms FROM orders;"
    "INSERT INTO fills_v2 SELECT id,ts_ms,cid,oid,side,slot,qty,price,fee,fee_asset FROM fills;"
    "INSERT INTO pnl_v2 SELECT id,ts_ms,kind,slot,cid,pnl FROM pnl;"
    "INSERT INTO notes_v2 SELECT id,ts_ms,kind,text FROM notes;"
    "DROP TABLE orders; DROP TABLE fills; DROP TABLE pnl; DROP TABLE notes;"
    "ALTER TABLE orders_v2 RENAME TO orders; ALTER TABLE fills_v2 RENAME TO fills;"
    "ALTER TABLE pnl_v2 RENAME TO pnl; ALTER TABLE notes_v2 RENAME TO notes;" T_ENDED_INDEX
    "UPDATE meta SET value='2' WHERE key='schema';"
    "PRAGMA user_version=2;";

struct sqt_journal {
    sqlite3 *db;
    char *path;
    int ro;
    int in_tx;
    sqlite3_stmt *q[Q_COUNT];
    /* the slots: the engine reports what changed since this journal's last committed
     * save (sqt_grid_save_changed); slots_unknown: the file's rows are not known to
     * match it (just opened, reset), so the next save rewrites them all */
    int slots_unknown;
    sqt_grid *pend_grid;       /* saved in this transaction: marked at commit */
    sqt_grid_saved saved_meta;
    int have_meta;
    char last_price[48];
    char err[256];
    int wal_frames;            /* frames in the WAL after the last commit (wal hook) */
    sqt_intentlog *ilog;       /* <path>-intents: a turn's first write (intentlog.h) */
};

static int jerr(sqt_journal *j, const char *what)
{
    snprintf(j->err, sizeof j->err, "%s: %s", what, sqlite3_errmsg(j->db));
    return SQT_EINVAL;
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* A single-text-column query; 1 and the value, 0 when no row, -1 on error. */
static int text1(sqlite3 *db, const char *sql, const char *arg, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (arg != NULL)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        snprintf(out, cap, "%s",
                 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
        rc = 1;
        break;
    case SQLITE_DONE:
        rc = 0;
        break;
    default:
        break;
    }
    sqlite3_finalize(st);
    return rc;
}

static int damaged(sqlite3 *db)
{
    int ec = sqlite3_errcode(db);
    return ec == SQLITE_NOTADB || ec == SQLITE_CORRUPT;
}

static void free_j(sqt_journal *j)
{
    size_t i;
    if (j == NULL)
        return;
    for (i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(j->q[i]);
    if (j->db != NULL)
        sqlite3_close(j->db);
    sqt_intentlog_close(j->ilog);
    free(j->path);
    free(j);
}

/* The journal's own id (meta 'uid', made at its first open by this version): its intent
 * log names it, so a log left beside another journal is never taken for this one's. */
static int journal_uid(sqt_journal *j, uint64_t *uid)
{
    char v[32];
    sqlite3_stmt *st = NULL;
    uint64_t r = 0;
    int ok;
    if (text1(j->db, "SELECT value FROM meta WHERE key='uid'", NULL, v, sizeof v) == 1) {
        *uid = strtoull(v, NULL, 16);
        return 0;
    }
    while (r == 0)
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
            return -1;
    snprintf(v, sizeof v, "%016llx", (unsigned long long)r);
    ok = sqlite3_prepare_v2(j->db, "INSERT INTO meta(key,value) VALUES('uid',?1)", -1, &st, NULL) ==
             SQLITE_OK &&
         sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC) == SQLITE_OK &&
         sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok)
        return -1;
    *uid = r;
    return 0;
}

static int check_identity(sqt_journal *j, const sqt_journal_identity *id, char *err, size_t cap)
{
    const struct {
        const char *key, *want, *what;
    } f[] = {{"exchange", id->exchange, "exchange"},
             {"account", id->account, "account"},
             {"symbol", id->symbol, "symbol"},
             {"instance", id->instance, "instance tag"}};
    size_t i;
    for (i = 0; i < sizeof f / sizeof f[0]; i++) {
        char have[128];
        int r = text1(j->db, "SELECT value FROM meta WHERE key=?1", f[i].key, have, sizeof have);
        if (r < 0)
            return sqt_state_fail(err, cap, damaged(j->db) ? SQT_EPROTO : SQT_EINVAL, "%s: %s",
                                  j->path, sqlite3_errmsg(j->db));
        if (r == 0 || strcmp(have, f[i].want) != 0)
            return sqt_state_fail(
                err, cap, SQT_ESTATE,
                "%s is the journal of another %s (%s, this run: %s); it is left as it is. "
                "Point system.state_dir elsewhere or move the file away",
                j->path, f[i].what, r == 0 ? "none" : have, f[i].want);
    }
    return 0;
}

/* After each commit: how long the WAL has grown. Automatic checkpoints are off (a
 * checkpoint inside a commit is an fsync on the order path, milliseconds at times); the
 * host copies the WAL back on another thread (sqt_journal_checkpoint_file). */
static int wal_hook(void *ud, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    ((sqt_journal *)ud)->wal_frames = frames;
    return SQLITE_OK;
}

/* An older journal of this book to the current schema, in one transaction: either the
 * whole upgrade is in the file or nothing of it. */
static int upgrade(sqt_journal *j, int from, char *err, size_t cap)
{
    int rc;
    if (from != 1)
        return sqt_state_fail(err, cap, SQT_EPROTO,
                              "%s: journal schema %d is unknown; it is left as it is", j->path,
                              from);
    if (exec(j->db, "BEGIN IMMEDIATE") != SQLITE_OK || exec(j->db, UPGRADE_1_2) != SQLITE_OK ||
        exec(j->db, "COMMIT") != SQLITE_OK) {
        rc = sqt_state_fail(
            err, cap, damaged(j->db) ? SQT_EPROTO : SQT_EINVAL,
            "%s: cannot upgrade the journal from schema %d to %d (%s); it is left as it is",
            j->path, from, SQT_JOURNAL_SCHEMA, sqlite3_errmsg(j->db));
        exec(j->db, "ROLLBACK");
        return rc;
    }
    return 0;
}

static int prepare_all(sqt_journal *j)
{
    size_t i;
    for (i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v3(j->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &j->q[i], NULL) !=
            SQLITE_OK)
            return jerr(j, "prepare");
    return 0;
}

static int open_common(const char *path, int ro, sqt_journal **out, char *err, size_t cap)
{
    sqt_journal *j;
    int flags = ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    *out = NULL;
    if ((j = calloc(1, sizeof *j)) == NULL || (j->path = strdup(path)) == NULL) {
        free(j);
        return sqt_state_fail(err, cap, SQT_ENOMEM, "out of memory");
    }
    j->ro = ro;
    if (sqlite3_open_v2(path, &j->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        int rc = sqt_state_fail(
            err, cap,
            ro && j->db && sqlite3_errcode(j->db) == SQLITE_CANTOPEN ? SQT_ENOENT : SQT_EINVAL,
            "cannot open the journal %s: %s", path,
            j->db ? sqlite3_errmsg(j->db) : "out of memory");
        free_j(j);
        return rc;
    }
    sqlite3_busy_timeout(j->db, 2000);
    sqlite3_extended_result_codes(j->db, 0);
    *out = j;
    return 0;
}

int sqt_journal_open(const char *path, const sqt_journal_identity *id, int sync_mode,
                     sqt_journal **out, int *created, char *err, size_t errlen)
{
    sqt_journal *j;
    struct stat sb;
    char v[64];
    int rc, fresh, uv;
    *out = NULL;
    if (created)
        *created = 0;
    fresh = stat(path, &sb) != 0 && errno == ENOENT;
    if (!fresh && !S_ISREG(sb.st_mode))
        return sqt_state_fail(err, errlen, SQT_EINVAL, "the journal %s is not a regular file",
                              path);
    if ((rc = open_common(path, 0, &j, err, errlen)) != 0)
        return rc;
    /* the header is read here: a file that is not a database fails now, untouched */
    if (text1(j->db, "PRAGMA user_version", NULL, v, sizeof v) < 0) {
        rc = sqt_state_fail(
            err, errlen, SQT_EPROTO,
            "%s is not an OpenSQT journal or is damaged (%s); it is left as it is. Move it "
            "away to start from the exchange's open orders and position",
            path, sqlite3_errmsg(j->db));
        free_j(j);
        return rc;
    }
    uv = atoi(v);
    if (uv > SQT_JOURNAL_SCHEMA) {
        rc = sqt_state_fail(
            err, errlen, SQT_ESTATE,
            "%s was written by a newer OpenSQT (journal schema %d, this one knows %d); it "
            "is left as it is",
            path, uv, SQT_JOURNAL_SCHEMA);
        free_j(j);
        return rc;
    }
    if (uv == 0) {
        /* an empty file (just created) gets the schema; any other content is not ours */
        char n[32];
        if (text1(j->db, "SELECT count(*) FROM sqlite_master", NULL, n, sizeof n) != 1 ||
            atoi(n) != 0) {
            rc = sqt_state_fail(
                err, errlen, SQT_EPROTO,
                "%s is an SQLite file but not an OpenSQT journal; it is left as it is", path);
            free_j(j);
            return rc;
        }
    }
    if (exec(j->db, "PRAGMA journal_mode=WAL") != SQLITE_OK ||
        exec(j->db, sync_mode == SQT_JOURNAL_SYNC_FULL
                        ? "PRAGMA synchronous=FULL"
                        : "PRAGMA synchronous=NORMAL") != SQLITE_OK ||
        exec(j->db, "PRAGMA wal_autocheckpoint=0") != SQLITE_OK) {
        rc = sqt_state_fail(err, errlen, SQT_EINVAL, "%s: %s", path, sqlite3_errmsg(j->db));
        free_j(j);
        return rc;
    }
    /* replaces SQLite's own hook, the one that checkpoints inside a commit */
    sqlite3_wal_hook(j->db, wal_hook, j);
    if (uv == 0) {
        char ver[32];
        snprintf(ver, sizeof ver, "%d", SQT_JOURNAL_SCHEMA);
        if (exec(j->db, "BEGIN IMMEDIATE") != SQLITE_OK || exec(j->db, SCHEMA) != SQLITE_OK) {
            rc = sqt_state_fail(err, errlen, SQT_EINVAL, "%s: cannot create the journal: %s", path,
                                sqlite3_errmsg(j->db));
            exec(j->db, "ROLLBACK");
            free_j(j);
            return rc;
        }
        {
            sqlite3_stmt *st = NULL;
            const char *kv[][2] = {{"schema", ver},
                                   {"exchange", id->exchange},
                                   {"account", id->account},
                                   {"symbol", id->symbol},
                                   {"instance", id->instance}};
            size_t i;
            int ok = sqlite3_prepare_v2(j->db, "INSERT INTO meta(key,value) VALUES(?1,?2)", -1, &st,
                                        NULL) == SQLITE_OK;
            for (i = 0; ok && i < sizeof kv / sizeof kv[0]; i++) {
                sqlite3_bind_text(st, 1, kv[i][0], -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, kv[i][1], -1, SQLITE_STATIC);
                ok = sqlite3_step(st) == SQLITE_DONE;
                sqlite3_reset(st);
            }
            sqlite3_finalize(st);
            snprintf(ver, sizeof ver, "PRAGMA user_version=%d", SQT_JOURNAL_SCHEMA);
            if (!ok || exec(j->db, ver) != SQLITE_OK ||
                exec(j->db, "COMMIT") != SQLITE_OK) {
                rc = sqt_state_fail(err, errlen, SQT_EINVAL, "%s: cannot create the journal: %s",
                                    path, sqlite3_errmsg(j->db));
                exec(j->db, "ROLLBACK");
                free_j(j);
                return rc;
            }
        }
        fresh = 1;
    } else if ((rc = check_identity(j, id, err, errlen)) != 0 ||
               (uv < SQT_JOURNAL_SCHEMA && (rc = upgrade(j, uv, err, errlen)) != 0)) {
        free_j(j);
        return rc;
    }
    j->slots_unknown = 1;
    {
        char ipath[4200];
        uint64_t uid = 0;
        snprintf(ipath, sizeof ipath, "%s-intents", path);
        if (journal_uid(j, &uid) != 0) {
            rc = sqt_state_fail(err, errlen, SQT_EINVAL, "%s: cannot give the journal its id: %s",
                                path, sqlite3_errmsg(j->db));
            free_j(j);
            return rc;
        }
        if ((rc = sqt_intentlog_open(ipath, uid, sync_mode == SQT_JOURNAL_SYNC_FULL, &j->ilog, err,
                                     errlen)) != 0) {
            free_j(j);
            return rc;
        }
    }
    if ((rc = prepare_all(j)) != 0) {
        rc = sqt_state_fail(err, errlen, SQT_EPROTO, "%s: %s", path, j->err);
        free_j(j);
        return rc;
    }
    if (created)
        *created = fresh;
    *out = j;
    return 0;
}

int sqt_journal_open_ro(const char *path, sqt_journal **out, char *err, size_t errlen)
{
    sqt_journal *j;
    char v[32];
    int rc = open_common(path, 1, &j, err, errlen);
    if (rc != 0)
        return rc;
    if (text1(j->db, "PRAGMA user_version", NULL, v, sizeof v) < 0 || atoi(v) < 1) {
        rc = sqt_state_fail(err, errlen, SQT_EPROTO, "%s is not an OpenSQT journal (%s)", path,
                            sqlite3_errmsg(j->db));
        free_j(j);
        return rc;
    }
    if (atoi(v) > SQT_JOURNAL_SCHEMA) {
        rc = sqt_state_fail(err, errlen, SQT_ESTATE,
                            "%s was written by a newer OpenSQT (schema %d)", path, atoi(v));
        free_j(j);
        return rc;
    }
    *out = j;
    return 0;
}

void sqt_journal_close(sqt_journal *j)
{
    if (j != NULL && j->in_tx)
        exec(j->db, "ROLLBACK");
    free_j(j);
}

int sqt_journal_wal_frames(const sqt_journal *j)
{
    return j->wal_frames;
}

int sqt_journal_checkpoint_file(const char *path, int *frames_left, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int log = 0, done = 0, rc;
    if (frames_left != NULL)
        *frames_left = 0;
    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    /* a fresh connection learns that the file is in WAL mode from its first read;
     * before it, a checkpoint does nothing and says so with -1 */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "PRAGMA schema_version", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc == SQLITE_OK && log < 0) {
        sqlite3_close(db);
        return sqt_state_fail(err, errlen, SQT_EINVAL,
                              "checkpoint of %s: the file is not in WAL mode", path);
    }
    if (rc != SQLITE_OK) {
        rc = sqt_state_fail(err, errlen, SQT_EINVAL, "checkpoint of %s: %s", path,
                            db != NULL ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_close(db);
    if (frames_left != NULL)
        *frames_left = log > done ? log - done : 0;
    return 0;
}

const char *sqt_journal_errmsg(const sqt_journal *j)
{
    return j->err;
}

const char *sqt_journal_path(const sqt_journal *j)
{
    return j->path;
}

sqlite3 *sqt_journal_db(sqt_journal *j)
{
    return j->db;
}

/* ---- load ------------------------------------------------------------------------- */

static void col_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static int col_dec(sqlite3_stmt *st, int i, sqt_dec *out)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    *out = sqt_dec_make(0, 0);
    if (t == NULL || t[0] == '\0')
        return 0;
    return sqt_dec_parse((const char *)t, strlen((const char *)t), out) == SQT_OK ? 0 : -1;
}

void sqt_journal_free_state(sqt_journal_state *st)
{
    size_t i;
    if (st == NULL)
        return;
    free(st->slots);
    free(st->intents);
    for (i = 0; i < st->n_finished; i++)
        free(st->finished[i]);
    free(st->finished);
    memset(st, 0, sizeof *st);
}

/* The intent log's records whose order has no row in orders: a turn killed between its
 * two writes. A log that cannot be used is said in st->note. */
static int load_intents(sqt_journal *j, sqt_journal_state *st, char *err, size_t errlen)
{
    sqt_grid_saved_intent *v = NULL;
    sqlite3_stmt *q = NULL;
    size_t n = 0, i;
    int rc = sqt_intentlog_read(j->ilog, &v, &n, st->note, sizeof st->note);
    if (rc < 0)
        return sqt_state_fail(err, errlen, rc, "%s", st->note);
    if (rc == 1 || n == 0)
        return 0;
    if (sqlite3_prepare_v2(j->db, "SELECT 1 FROM orders WHERE cid=?1", -1, &q, NULL) != SQLITE_OK) {
        free(v);
        return sqt_state_fail(err, errlen, SQT_EPROTO, "%s: %s", j->path, sqlite3_errmsg(j->db));
    }
    for (i = 0; i < n; i++) {
        int r;
        sqlite3_bind_text(q, 1, v[i].o.cid, -1, SQLITE_STATIC);
        r = sqlite3_step(q);
        sqlite3_reset(q);
        if (r == SQLITE_DONE)
            v[st->n_intents++] = v[i]; /* no row: its turn was not written */
        else if (r != SQLITE_ROW)
            rc = sqt_state_fail(err, errlen, SQT_EPROTO, "%s: %s", j->path, sqlite3_errmsg(j->db));
    }
    sqlite3_finalize(q);
    if (rc != 0 || st->n_intents == 0) {
        free(v);
        st->n_intents = 0;
        return rc;
    }
    st->intents = v;
    return 0;
}

int sqt_journal_load(sqt_journal *j, sqt_journal_state *st, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL;
    sqt_grid_saved *m = &st->meta;
    int rc = 0, r;
    memset(st, 0, sizeof *st);
    if (sqlite3_prepare_v2(j->db,
                           "SELECT anchor,interval_ticks,tick,step,seq,position,bought,sold,"
                           "realized_gross,realized_fees,fees_paid,round_trips,orders_placed,"
                           "po_degrades,last_price FROM grid WHERE id=1",
                           -1, &q, NULL) != SQLITE_OK)
        return sqt_state_fail(err, errlen, SQT_EPROTO, "%s: %s", j->path, sqlite3_errmsg(j->db));
    r = sqlite3_step(q);
    if (r == SQLITE_DONE) {
        sqlite3_finalize(q);
        return 0;
    }
    if (r != SQLITE_ROW) {
        rc = sqt_state_fail(err, errlen, SQT_EPROTO, "%s: %s", j->path, sqlite3_errmsg(j->db));
        sqlite3_finalize(q);
        return rc;
    }
    m->anchor = sqlite3_column_int64(q, 0);
    m->interval = sqlite3_column_int64(q, 1);
    if (col_dec(q, 2, &m->tick) || col_dec(q, 3, &m->step) || col_dec(q, 14, &st->last_price))
        rc = sqt_state_fail(err, errlen, SQT_EPROTO, "%s: the grid row is unreadable", j->path);
    m->seq = (uint64_t)sqlite3_column_int64(q, 4);
    m->position = sqlite3_column_int64(q, 5);
    m->bought = sqlite3_column_int64(q, 6);
    m->sold = sqlite3_column_int64(q, 7);
    col_text(q, 8, m->realized_gross, sizeof m->realized_gross);
    col_text(q, 9, m->realized_fees, sizeof m->realized_fees);
    col_text(q, 10, m->fees_paid, sizeof m->fees_paid);
    m->round_trips = (uint64_t)sqlite3_column_int64(q, 11);
    m->orders_placed = (uint64_t)sqlite3_column_int64(q, 12);
    m->po_degrades = (uint64_t)sqlite3_column_int64(q, 13);
    sqlite3_finalize(q);
    if (rc != 0)
        return rc;

    /* slots */
    if (sqlite3_prepare_v2(j->db,
                           "SELECT k,qty,cost,rt_gross,rt_fees,po_fails,has_order,cid,oid,side,tif,"
                           "state,cancel_req,unknown,fee_nocum,o_price,o_qty,o_filled,base_qty,"
                           "bare_lo,bare_hi,fee_seen,notional,level,qty_dec,cost_quote FROM slots "
                           "ORDER BY k",
                           -1, &q, NULL) != SQLITE_OK)
        return sqt_state_fail(err, errlen, SQT_EPROTO, "%s: %s", j->path, sqlite3_errmsg(j->db));
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        sqt_grid_saved_slot *s;
        if (st->n_slots % 64 == 0) {
            sqt_grid_saved_slot *p = realloc(st->slots, (st->n_slots + 64) * sizeof *p);
            if (p == NULL) {
                rc = sqt_state_fail(err, errlen, SQT_ENOMEM, "out of memory");
                break;
            }
            st->slots = p;
        }
        s = &st->slots[st->n_slots++];
        memset(s, 0, sizeof *s);
        s->k = sqlite3_column_int64(q, 0);
        s->qty = sqlite3_column_int64(q, 1);
        col_text(q, 2, s->cost, sizeof s->cost);
        col_text(q, 3, s->rt_gross, sizeof s->rt_gross);
        col_text(q, 4, s->rt_fees, sizeof s->rt_fees);
        s->po_fails = sqlite3_column_int(q, 5);
        s->has_order = sqlite3_column_int(q, 6);
        if (s->has_order) {
            col_text(q, 7, s->o.cid, sizeof s->o.cid);
            col_text(q, 8, s->o.oid, sizeof s->o.oid);
            s->o.side = (sqt_side)sqlite3_column_int(q, 9);
            s->o.tif = (sqt_tif)sqlite3_column_int(q, 10);
            s->o.state = sqlite3_column_int(q, 11);
            s->o.cancel_req = sqlite3_column_int(q, 12);
            s->o.unknown = sqlite3_column_int(q, 13);
            s->o.fee_nocum = sqlite3_column_int(q, 14);
            s->o.price = sqlite3_column_int64(q, 15);
            s->o.qty = sqlite3_column_int64(q, 16);
            s->o.filled = sqlite3_column_int64(q, 17);
            s->o.base_qty = sqlite3_column_int64(q, 18);
            s->o.bare_lo = sqlite3_column_int64(q, 19);
            s->o.bare_hi = sqlite3_column_int64(q, 20);
            col_text(q, 21, s->o.fee_seen, sizeof s->o.fee_seen);
            col_text(q, 22, s->o.notional, sizeof s->o.notional);
        }
        if (col_dec(q, 23, &s->level) || col_dec(q, 24, &s->qty_dec) ||
            col_dec(q, 25, &s->cost_quote)) {
            rc = sqt_state_fail(err, errlen, SQT_EPROTO, "%s: slot %lld is unreadable", j->path,
                                (long long)s->k);
            break;
        }
    }
    if (rc == 0 && r != SQLITE_DONE)
        rc = sqt_state_fail(err, errlen, SQT_EPROTO, "%s: %s", j->path, sqlite3_errmsg(j->db));
    sqlite3_finalize(q);

    /* fee watches */
    if (rc == 0 &&
        sqlite3_prepare_v2(j->db,
                           "SELECT cid,oid,k,side,price,qty,filled,seen,bare_lo,bare_hi,nocum FROM "
                           "watches ORDER BY i LIMIT 16",
                           -1, &q, NULL) == SQLITE_OK) {
        while (sqlite3_step(q) == SQLITE_ROW && m->n_watches < SQT_GRID_SAVED_WATCHES) {
            sqt_grid_saved_watch *w = &m->watches[m->n_watches++];
            col_text(q, 0, w->cid, sizeof w->cid);
            col_text(q, 1, w->oid, sizeof w->oid);
            w->k = sqlite3_column_int64(q, 2);
            w->side = (sqt_side)sqlite3_column_int(q, 3);
            w->price = sqlite3_column_int64(q, 4);
            w->qty = sqlite3_column_int64(q, 5);
            w->filled = sqlite3_column_int64(q, 6);
            col_text(q, 7, w->seen, sizeof w->seen);
            w->bare_lo = sqlite3_column_int64(q, 8);
            w->bare_hi = sqlite3_column_int64(q, 9);
            w->nocum = sqlite3_column_int(q, 10);
        }
        sqlite3_finalize(q);
    }

    /* the orders of a turn killed between its two writes: intents without an order row */
    if (rc == 0 && j->ilog != NULL)
        rc = load_intents(j, st, err, errlen);

    /* the ids of the orders that ended last */
    if (rc == 0 &&
        sqlite3_prepare_v2(j->db,
                           "SELECT cid FROM orders WHERE " ENDED
                           " ORDER BY updated_ms DESC LIMIT 8192",
                           -1, &q, NULL) == SQLITE_OK) {
        st->finished = calloc(FINISHED_KEPT, sizeof *st->finished);
        while (st->finished != NULL && st->n_finished < FINISHED_KEPT &&
               sqlite3_step(q) == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(q, 0);
            if (t != NULL && (st->finished[st->n_finished] = strdup((const char *)t)) != NULL)
                st->n_finished++;
        }
        sqlite3_finalize(q);
    }
    if (rc == 0) {
        char t[32];
        if (text1(j->db, "SELECT max(ts_ms) FROM fills", NULL, t, sizeof t) == 1)
            st->last_fill_ms = strtoll(t, NULL, 10);
        j->saved_meta = *m;
        j->have_meta = 1;
        sqt_dec_format(st->last_price, j->last_price, sizeof j->last_price);
    }
    if (rc != 0)
        sqt_journal_free_state(st);
    return rc == 0 ? 1 : rc;
}

int sqt_journal_reset_grid(sqt_journal *j)
{
    if (exec(j->db, "BEGIN IMMEDIATE") != SQLITE_OK)
        return jerr(j, "reset");
    if (exec(j->db, "DELETE FROM slots; DELETE FROM grid; DELETE FROM watches") != SQLITE_OK ||
        exec(j->db, "COMMIT") != SQLITE_OK) {
        int rc = jerr(j, "reset");
        exec(j->db, "ROLLBACK");
        return rc;
    }
    j->slots_unknown = 1;
    j->have_meta = 0;
    if (j->ilog != NULL && sqt_intentlog_write(j->ilog, NULL, 0, j->err, sizeof j->err) != 0)
        return SQT_EINVAL;
    return 0;
}

/* ---- write ------------------------------------------------------------------------ */

/* Run a write and clear its bindings: text is bound SQLITE_STATIC (no copy), the
 * caller's strings live until this returns. */
static int step_reset(sqt_journal *j, sqlite3_stmt *st, const char *what)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r == SQLITE_DONE ? 0 : jerr(j, what);
}

static void bind_dec(sqlite3_stmt *st, int i, sqt_dec d)
{
    char b[48];
    if (sqt_dec_format(d, b, sizeof b) < 0)
        snprintf(b, sizeof b, "0");
    sqlite3_bind_text(st, i, b, -1, SQLITE_TRANSIENT);
}

/* BEGIN, COMMIT, ROLLBACK: prepared statements run to completion. */
static int run(sqt_journal *j, int q)
{
    int r = sqlite3_step(j->q[q]);
    sqlite3_reset(j->q[q]);
    return r == SQLITE_DONE ? SQLITE_OK : r;
}

int sqt_journal_begin(sqt_journal *j)
{
    if (j->in_tx)
        return 0;
    if (run(j, Q_BEGIN) != SQLITE_OK)
        return jerr(j, "begin");
    j->in_tx = 1;
    return 0;
}

int sqt_journal_commit(sqt_journal *j)
{
    if (!j->in_tx)
        return 0;
    if (run(j, Q_COMMIT) != SQLITE_OK) {
        int rc = jerr(j, "commit");
        sqt_journal_rollback(j);
        return rc;
    }
    j->in_tx = 0;
    if (j->pend_grid != NULL) {
        /* what the engine reported is now the file's */
        sqt_grid_save_mark(j->pend_grid, j);
        j->pend_grid = NULL;
        j->slots_unknown = 0;
    }
    return 0;
}

void sqt_journal_rollback(sqt_journal *j)
{
    if (!j->in_tx)
        return;
    if (sqlite3_get_autocommit(j->db) == 0)
        run(j, Q_ROLLBACK);
    j->in_tx = 0;
    /* the engine's marks stay where the file is (they move only on commit); the totals
     * cache may be ahead of it: rewrite them next time */
    j->pend_grid = NULL;
    j->have_meta = 0;
}

SQT_HOT int sqt_journal_intents(sqt_journal *j, const sqt_grid_saved_intent *v, size_t n)
{
    if (j->in_tx || j->ilog == NULL)
        return SQT_ESTATE;
    return sqt_intentlog_write(j->ilog, v, n, j->err, sizeof j->err);
}

int sqt_journal_intents_more(sqt_journal *j, const sqt_grid_saved_intent *v, size_t n)
{
    if (j->in_tx || j->ilog == NULL)
        return SQT_ESTATE;
    return sqt_intentlog_append(j->ilog, v, n, j->err, sizeof j->err);
}

static const char *side_name(sqt_side s)
{
    return s == SQT_SIDE_BUY ? "BUY" : s == SQT_SIDE_SELL ? "SELL" : "";
}

int sqt_journal_note(sqt_journal *j, int64_t wall_ms, const char *kind, const char *text)
{
    sqlite3_stmt *st = j->q[Q_NOTE_ADD];
    sqlite3_bind_int64(st, 1, wall_ms);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    return step_reset(j, st, "note");
}

int sqt_journal_event(sqt_journal *j, const sqt_grid_event *e, int64_t wall_ms)
{
    sqlite3_stmt *st;
    int rc;
    switch (e->kind) {
    case SQT_GRID_EV_PLACED:
    case SQT_GRID_EV_ADOPTED:
        st = j->q[Q_ORDER_NEW];
        sqlite3_bind_text(st, 1, e->client_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, e->order_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, e->slot);
        sqlite3_bind_text(st, 4, side_name(e->side), -1, SQLITE_STATIC);
        bind_dec(st, 5, e->price);
        bind_dec(st, 6, e->qty);
        sqlite3_bind_text(st, 7, e->kind == SQT_GRID_EV_PLACED ? "placed" : "acknowledged", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, wall_ms);
        if ((rc = step_reset(j, st, "order")) != 0)
            return rc;
        if (e->kind == SQT_GRID_EV_ADOPTED &&
            (rc = sqt_journal_note(j, wall_ms, "adopted", e->text)) != 0)
            return rc;
        if (e->kind == SQT_GRID_EV_ADOPTED && e->filled.mant != 0) {
            st = j->q[Q_ORDER_FILL];
            sqlite3_bind_text(st, 1, e->client_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, e->order_id, -1, SQLITE_STATIC);
            bind_dec(st, 3, e->filled);
            sqlite3_bind_text(st, 4, "partially_filled", -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 5, wall_ms);
            return step_reset(j, st, "order");
        }
        return 0;
    case SQT_GRID_EV_ACKED:
        st = j->q[Q_ORDER_ACK];
        sqlite3_bind_text(st, 1, e->client_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, e->order_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, wall_ms);
        return step_reset(j, st, "order");
    case SQT_GRID_EV_PARTIAL:
    case SQT_GRID_EV_FILLED:
        st = j->q[Q_ORDER_FILL];
        sqlite3_bind_text(st, 1, e->client_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, e->order_id, -1, SQLITE_STATIC);
        bind_dec(st, 3, e->filled);
        sqlite3_bind_text(st, 4, e->kind == SQT_GRID_EV_FILLED ? "filled" : "partially_filled", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, wall_ms);
        if ((rc = step_reset(j, st, "order")) != 0)
            return rc;
        st = j->q[Q_FILL_ADD];
        sqlite3_bind_int64(st, 1, wall_ms);
        sqlite3_bind_text(st, 2, e->client_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, e->order_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, side_name(e->side), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, e->slot);
        bind_dec(st, 6, e->fill_qty);
        bind_dec(st, 7, e->fill_price);
        bind_dec(st, 8, e->fee);
        sqlite3_bind_text(st, 9, e->fee_asset, -1, SQLITE_STATIC);
        return step_reset(j, st, "fill");
    case SQT_GRID_EV_CANCELLED:
    case SQT_GRID_EV_REJECTED:
        st = j->q[Q_ORDER_END];
        sqlite3_bind_text(st, 1, e->client_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, e->kind == SQT_GRID_EV_CANCELLED ? "cancelled" : "rejected", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 3, e->text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, wall_ms);
        return step_reset(j, st, "order");
    case SQT_GRID_EV_ROUND_TRIP:
    case SQT_GRID_EV_FEE:
        if (e->kind == SQT_GRID_EV_FEE) {
            /* the fee line of a fill learned late: a fill row of zero quantity keeps the
             * fee sum equal to the exchange's */
            st = j->q[Q_FILL_ADD];
            sqlite3_bind_int64(st, 1, wall_ms);
            sqlite3_bind_text(st, 2, e->client_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, e->order_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, side_name(e->side), -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 5, e->slot);
            sqlite3_bind_text(st, 6, "0", -1, SQLITE_STATIC);
            bind_dec(st, 7, e->price);
            bind_dec(st, 8, e->fee);
            sqlite3_bind_text(st, 9, e->fee_asset, -1, SQLITE_STATIC);
            if ((rc = step_reset(j, st, "fee")) != 0)
                return rc;
            if (e->pnl.mant == 0)
                return 0;
        }
        st = j->q[Q_PNL_ADD];
        sqlite3_bind_int64(st, 1, wall_ms);
        sqlite3_bind_text(st, 2, e->kind == SQT_GRID_EV_ROUND_TRIP ? "round_trip" : "fee", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, e->slot);
        sqlite3_bind_text(st, 4, e->client_id, -1, SQLITE_STATIC);
        bind_dec(st, 5, e->pnl);
        return step_reset(j, st, "pnl");
    default:
        if (sqt_grid_event_is_notice(e->kind)) {
            char text[256];
            snprintf(text, sizeof text, "%s%s%s", e->text, e->client_id[0] ? " " : "",
                     e->client_id);
            return sqt_journal_note(j, wall_ms, sqt_grid_event_name(e->kind), text);
        }
        return 0;
    }
}

static int put_slot(sqt_journal *j, const sqt_grid_saved_slot *s)
{
    sqlite3_stmt *st = j->q[Q_SLOT_PUT];
    sqlite3_bind_int64(st, 1, s->k);
    sqlite3_bind_int64(st, 2, s->qty);
    sqlite3_bind_text(st, 3, s->cost, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, s->rt_gross, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, s->rt_fees, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, s->po_fails);
    sqlite3_bind_int(st, 7, s->has_order);
    if (s->has_order) {
        sqlite3_bind_text(st, 8, s->o.cid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, s->o.oid, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 10, (int)s->o.side);
        sqlite3_bind_int(st, 11, (int)s->o.tif);
        sqlite3_bind_int(st, 12, s->o.state);
        sqlite3_bind_int(st, 13, s->o.cancel_req);
        sqlite3_bind_int(st, 14, s->o.unknown);
        sqlite3_bind_int(st, 15, s->o.fee_nocum);
        sqlite3_bind_int64(st, 16, s->o.price);
        sqlite3_bind_int64(st, 17, s->o.qty);
        sqlite3_bind_int64(st, 18, s->o.filled);
        sqlite3_bind_int64(st, 19, s->o.base_qty);
        sqlite3_bind_int64(st, 20, s->o.bare_lo);
        sqlite3_bind_int64(st, 21, s->o.bare_hi);
        sqlite3_bind_text(st, 22, s->o.fee_seen, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 23, s->o.notional, -1, SQLITE_STATIC);
    }
    bind_dec(st, 24, s->level);
    bind_dec(st, 25, s->qty_dec);
    bind_dec(st, 26, s->cost_quote);
    return step_reset(j, st, "slot");
}

static int del_slot(sqt_journal *j, int64_t k)
{
    sqlite3_bind_int64(j->q[Q_SLOT_DEL], 1, k);
    return step_reset(j, j->q[Q_SLOT_DEL], "slot");
}

/* One record the engine reported: written, or (qty 0, no order) its row removed. */
static int write_slot(void *ud, const sqt_grid_saved_slot *s)
{
    sqt_journal *j = ud;
    return s->qty == 0 && !s->has_order ? del_slot(j, s->k) : put_slot(j, s);
}

static int meta_changed(const sqt_grid_saved *a, const sqt_grid_saved *b)
{
    return memcmp(a, b, sizeof *a) != 0;
}

static int put_grid(sqt_journal *j, const sqt_grid_saved *m, const char *last_price)
{
    sqlite3_stmt *st = j->q[Q_GRID_PUT];
    size_t i;
    int rc;
    sqlite3_bind_int64(st, 1, m->anchor);
    sqlite3_bind_int64(st, 2, m->interval);
    bind_dec(st, 3, m->tick);
    bind_dec(st, 4, m->step);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)m->seq);
    sqlite3_bind_int64(st, 6, m->position);
    sqlite3_bind_int64(st, 7, m->bought);
    sqlite3_bind_int64(st, 8, m->sold);
    sqlite3_bind_text(st, 9, m->realized_gross, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, m->realized_fees, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, m->fees_paid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 12, (sqlite3_int64)m->round_trips);
    sqlite3_bind_int64(st, 13, (sqlite3_int64)m->orders_placed);
    sqlite3_bind_int64(st, 14, (sqlite3_int64)m->po_degrades);
    sqlite3_bind_text(st, 15, last_price, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 16, 0);
    if ((rc = step_reset(j, st, "grid")) != 0)
        return rc;
    if (j->have_meta && m->n_watches == j->saved_meta.n_watches &&
        memcmp(m->watches, j->saved_meta.watches, m->n_watches * sizeof m->watches[0]) == 0)
        return 0;
    if ((rc = step_reset(j, j->q[Q_WATCH_CLEAR], "watches")) != 0)
        return rc;
    for (i = 0; i < m->n_watches; i++) {
        const sqt_grid_saved_watch *w = &m->watches[i];
        st = j->q[Q_WATCH_PUT];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_text(st, 2, w->cid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, w->oid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, w->k);
        sqlite3_bind_int(st, 5, (int)w->side);
        sqlite3_bind_int64(st, 6, w->price);
        sqlite3_bind_int64(st, 7, w->qty);
        sqlite3_bind_int64(st, 8, w->filled);
        sqlite3_bind_text(st, 9, w->seen, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 10, w->bare_lo);
        sqlite3_bind_int64(st, 11, w->bare_hi);
        sqlite3_bind_int(st, 12, w->nocum);
        if ((rc = step_reset(j, st, "watch")) != 0)
            return rc;
    }
    return 0;
}

int sqt_journal_save_grid(sqt_journal *j, sqt_grid *g, sqt_dec last_price)
{
    sqt_grid_saved m;
    char lp[48];
    int rc, full;
    if (!j->in_tx)
        return SQT_ESTATE;
    if (sqt_grid_save(g, &m) != 0)
        return 0; /* not started yet: nothing to save */
    if (sqt_dec_format(last_price, lp, sizeof lp) < 0)
        snprintf(lp, sizeof lp, "0");
    /* the slots the turn changed; all of them when the file's rows are not known to be
     * the engine's last save (first save of this handle, another engine, a reset) */
    full = j->slots_unknown || !sqt_grid_save_synced(g, j);
    if (full && (rc = step_reset(j, j->q[Q_SLOT_CLEAR], "slots")) != 0)
        return rc;
    if ((rc = sqt_grid_save_changed(g, j, full, write_slot, j)) < 0)
        return rc;
    j->pend_grid = g;
    if (!j->have_meta || meta_changed(&m, &j->saved_meta) || strcmp(lp, j->last_price) != 0) {
        if ((rc = put_grid(j, &m, lp)) != 0)
            return rc;
        j->saved_meta = m;
        j->have_meta = 1;
        snprintf(j->last_price, sizeof j->last_price, "%s", lp);
    }
    return 0;
}
