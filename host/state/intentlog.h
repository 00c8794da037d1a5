/* The journal's intent log: the orders one loop turn places, written before their
 * requests leave, in a small file next to the journal (<journal>-intents). The rest of
 * the turn goes into the journal right after the requests (journal.h). A process killed
 * between the two leaves here the orders the exchange may hold that the journal does
 * not; the next start takes them over (sqt_grid_restore_intents).
 *
 * Why not a table of the journal: a transaction costs SQLite 60-110 µs on a cold cache
 * (BEGIN, the WAL frame, the index, COMMIT), and this write stands between a price and
 * its order; one pwrite of a few hundred bytes costs 10-15 µs cold, a copy into a mapped
 * window of the file (its first 64 KiB, blocks allocated, pages locked) ~0.3 µs with no
 * system call, so that is how a turn's chunks are stored when they fit (pwrite otherwise,
 * and whenever the window cannot be made). The file holds one turn:
 * its first write replaces the last turn's (offset 0), each later write of the turn (a
 * fill's orders sent before the turn's end) appends a chunk; every chunk has a header
 * naming the journal it belongs to (its uid) and the turn, and a CRC-32C (crc32c.h), so a torn or
 * foreign file is recognised and never taken for intents, and a write cut short loses
 * only its own orders (not yet sent), never the turn's earlier ones. Host byte order: a
 * file of this machine. */
#ifndef SQT_INTENTLOG_H
#define SQT_INTENTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "grid.h"

typedef struct sqt_intentlog sqt_intentlog;

/* The state files' error: the message into err (when given), code returned. */
int sqt_state_fail(char *err, size_t cap, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Open (create when absent) the log at path for the journal uid; sync_full: an
 * fdatasync after each write (journal_sync: full). 0, or a negative SQT_E* with the
 * message in err. */
int sqt_intentlog_open(const char *path, uint64_t uid, int sync_full, sqt_intentlog **out,
                       char *err, size_t cap);
void sqt_intentlog_close(sqt_intentlog *l);

/* A turn's first placements, replacing the last turn's: one store (n may be 0: the
 * file then holds none). 0, or a negative SQT_E* with the message in err. */
int sqt_intentlog_write(sqt_intentlog *l, const sqt_grid_saved_intent *v, size_t n, char *err,
                        size_t cap);
/* More placements of the same turn, behind the ones written (one store); a new turn
 * when this process wrote none yet. */
int sqt_intentlog_append(sqt_intentlog *l, const sqt_grid_saved_intent *v, size_t n, char *err,
                         size_t cap);

/* What the file holds, when it is this journal's and whole: *out (free it) and *n.
 * 0 read (n may be 0); 1 the file is not usable (torn, foreign, another layout: why
 * says so, *n is 0); negative SQT_E* on an I/O error or out of memory. */
int sqt_intentlog_read(sqt_intentlog *l, sqt_grid_saved_intent **out, size_t *n, char *why,
                       size_t cap);

#endif
