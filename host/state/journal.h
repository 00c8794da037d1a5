/* The state journal: what the bot knows, in an SQLite file (WAL) under system.state_dir,
 * so that a restart - clean or kill -9 - continues the same grid: slots with what they
 * hold and at what cost, their orders, fills, round trips, realized PnL and fees.
 *
 * The host writes each loop turn that changed anything in two transactions: the orders
 * the turn places BEFORE its requests go to the exchange (so every order the exchange
 * can know of is in the file first), everything else right after them. A journal of another exchange/account/symbol/instance, a newer schema or a
 * damaged file is refused with a message; it is never overwritten. */
#ifndef SQT_JOURNAL_H
#define SQT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

#include "grid.h"

#define SQT_JOURNAL_SCHEMA 2

typedef struct sqt_journal sqt_journal;

typedef struct sqt_journal_identity {
    const char *exchange;      /* plugin name */
    const char *account;       /* an account fingerprint, never a secret */
    const char *symbol;
    const char *instance;      /* the client-id tag */
} sqt_journal_identity;

enum { SQT_JOURNAL_SYNC_NORMAL = 0, SQT_JOURNAL_SYNC_FULL = 1 };

/* Open (create when absent) the journal at path, read-write. *created says whether the
 * file is new. 0, or a negative SQT_E* with a one-line message in err:
 * SQT_ESTATE another identity or a newer schema, SQT_EPROTO not a journal / damaged,
 * SQT_ENOENT the directory is missing, SQT_EINVAL other I/O errors. */
int sqt_journal_open(const char *path, const sqt_journal_identity *id, int sync_mode,
                     sqt_journal **out, int *created, char *err, size_t errlen);

/* Read-only (for `opensqt report`, also while the bot runs). */
int sqt_journal_open_ro(const char *path, sqt_journal **out, char *err, size_t errlen);

void sqt_journal_close(sqt_journal *j);

/* The saved grid. 1 and the records (free with sqt_journal_free_state) when the journal
 * holds one, 0 when it holds none yet, negative on error (message in err). */
typedef struct sqt_journal_state {
    sqt_grid_saved meta;
    sqt_grid_saved_slot *slots;
    size_t n_slots;
    char **finished;           /* client ids of the last orders that ended */
    size_t n_finished;
    sqt_dec last_price;        /* the last price written, 0 when none */
    int64_t last_fill_ms;      /* wall time of the newest fill, 0 when none */
    sqt_grid_saved_intent *intents; /* orders of a turn written only in part (a process
                                     * killed between the turn's two writes) */
    size_t n_intents;
    char note[300];            /* not empty: the intent log could not be used (why) */
} sqt_journal_state;

int sqt_journal_load(sqt_journal *j, sqt_journal_state *st, char *err, size_t errlen);
void sqt_journal_free_state(sqt_journal_state *st);

/* Forget the saved grid (slots, totals, fee watches) and keep the history (orders,
 * fills, PnL, notes): for a simulated exchange, whose book does not outlive its
 * process. */
int sqt_journal_reset_grid(sqt_journal *j);

/* A turn's first write, before its requests leave: the orders it places
 * (sqt_grid_intent_of), replacing the last turn's, in the journal's intent log
 * (intentlog.h: one store into a mapped file, not a transaction). The turn's transaction below follows
 * right after the requests; a restart finds the intents of a turn that never got it
 * (sqt_journal_load) and gives them to the engine (sqt_grid_restore_intents). 0, or
 * negative (message in sqt_journal_errmsg): the turn's requests must not leave then.
 * Not inside begin/commit, nor on a read-only journal (SQT_ESTATE). */
int sqt_journal_intents(sqt_journal *j, const sqt_grid_saved_intent *v, size_t n);
/* More orders of the same turn, sent before its transaction (a fill's orders leave as
 * its push is read): appended to the turn's intents, which the log keeps whole even if
 * this write is cut short. */
int sqt_journal_intents_more(sqt_journal *j, const sqt_grid_saved_intent *v, size_t n);

/* One transaction: begin, record events and the grid, commit. A failed write rolls the
 * whole turn back and returns a negative code with the SQLite message in
 * sqt_journal_errmsg(); the caller must not send the turn's requests then. */
int sqt_journal_begin(sqt_journal *j);
/* The engine's order and money events (placed, acknowledged, fills, final states,
 * round trips, late fees) as order history, fills and PnL rows; notices as notes. */
int sqt_journal_event(sqt_journal *j, const sqt_grid_event *e, int64_t wall_ms);
/* A note that is not an engine event (repair, risk pause, ban, start-up booking). */
int sqt_journal_note(sqt_journal *j, int64_t wall_ms, const char *kind, const char *text);
/* The engine's state: only the slots that changed since the last call are written. */
int sqt_journal_save_grid(sqt_journal *j, sqt_grid *g, sqt_dec last_price);
int sqt_journal_commit(sqt_journal *j);
void sqt_journal_rollback(sqt_journal *j);
const char *sqt_journal_errmsg(const sqt_journal *j);

/* WAL frames written since the WAL last restarted, as of the last commit. The journal
 * never checkpoints inside a commit (that would put an fsync on the order path); the
 * host calls sqt_journal_checkpoint_file off the loop when this grows. */
int sqt_journal_wal_frames(const sqt_journal *j);
/* Copy the WAL of the journal at path back into its database file with a connection of
 * its own (PASSIVE: it neither waits for nor blocks the writer), so it may run on
 * another thread while the loop keeps committing. *frames_left (may be NULL): frames
 * it could not copy yet. 0, or a negative SQT_E* with the message in err. The next
 * commit after a complete checkpoint starts the WAL again from its beginning. */
int sqt_journal_checkpoint_file(const char *path, int *frames_left, char *err, size_t errlen);
const char *sqt_journal_path(const sqt_journal *j);

/* For reports: the sqlite3 handle (read-only use). */
struct sqlite3 *sqt_journal_db(sqt_journal *j);

#endif
