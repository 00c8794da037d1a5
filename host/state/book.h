/* Which book a config trades, and where its state lives: the client-id tag, the book's
 * name (exchange, account fingerprint, symbol, tag) and the state directory. `run` and
 * `report` must agree on these, so both take them from here. */
#ifndef SQT_BOOK_H
#define SQT_BOOK_H

#include <stddef.h>

#include "config.h"

typedef struct sqt_book {
    char tag[24];              /* client-id tag: app.instance, or from the symbol */
    char account[32];          /* fingerprint of the API key, never the key */
    char name[160];            /* <exchange>-<account>-<symbol>-<tag> */
    char dir[4096];            /* system.state_dir, or the default */
    char journal[4400];        /* <dir>/<name>.journal */
} sqt_book;

void sqt_book_of(const sqt_config *cfg, sqt_book *out);

#endif
