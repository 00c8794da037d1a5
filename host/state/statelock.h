/* One instance per book: an flock(2) on a file in the state directory, named by the
 * book (exchange, account fingerprint, symbol, instance tag). The lock dies with the
 * process, so a kill -9 never leaves a stale lock behind; the file carries the holder's
 * PID only to name it in the refusal. */
#ifndef SQT_STATELOCK_H
#define SQT_STATELOCK_H

#include <stddef.h>

/* The book's base name "<exchange>-<account>-<symbol>-<tag>" (file-name safe). */
void sqt_state_book_name(const char *exchange, const char *account, const char *symbol,
                         const char *tag, char *out, size_t cap);

/* A fingerprint of the API key that names the account without revealing the key:
 * "k" + the first 12 hex digits of its SHA-256; "nokey" without one. */
void sqt_state_account_id(const char *api_key, char *out, size_t cap);

/* Create the directory (0700, parents too) when missing. 0 or -errno + message. */
int sqt_state_dir_make(const char *dir, char *err, size_t cap);

/* Take the lock <dir>/<book>.lock. Returns the open fd (keep it open while running;
 * close it to release), -EWOULDBLOCK when another process holds it (*holder = its PID,
 * 0 if unknown), or another -errno, with a message in err. */
int sqt_state_lock(const char *dir, const char *book, long *holder, char *err, size_t cap);
void sqt_state_unlock(int fd);

#endif
