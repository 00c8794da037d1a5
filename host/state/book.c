/* The book of a config (book.h). */
#include "book.h"

#include <stdio.h>
#include <string.h>

#include "grid_config.h"
#include "statelock.h"

/* The config resolves system.state_dir's default ($STATE_DIRECTORY, XDG, HOME); with
 * none of those set, the working directory's state/. */
static void state_dir(const sqt_config *cfg, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", cfg->state_dir != NULL && cfg->state_dir[0] ? cfg->state_dir : "state");
}

void sqt_book_of(const sqt_config *cfg, sqt_book *b)
{
    const sqt_exchange_cfg *xc = sqt_config_exchange(cfg);
    memset(b, 0, sizeof *b);
    sqt_grid_config_tag(cfg, b->tag, sizeof b->tag);
    sqt_state_account_id(xc != NULL ? xc->api_key : NULL, b->account, sizeof b->account);
    sqt_state_book_name(cfg->current_exchange, b->account, cfg->symbol, b->tag, b->name,
                        sizeof b->name);
    state_dir(cfg, b->dir, sizeof b->dir);
    snprintf(b->journal, sizeof b->journal, "%s/%s.journal", b->dir, b->name);
}
