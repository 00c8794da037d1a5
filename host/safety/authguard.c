/* The auth/clock refusal policy (authguard.h). */
#include "authguard.h"

void sqt_authguard_init(sqt_authguard *g, int max_in_a_row)
{
    g->max_in_a_row = max_in_a_row > 0 ? max_in_a_row : 1;
    g->in_a_row = 0;
}

int sqt_authguard_refused(sqt_authguard *g)
{
    if (g->in_a_row < g->max_in_a_row)
        g->in_a_row++;
    return g->in_a_row >= g->max_in_a_row ? SQT_AUTH_STOP : SQT_AUTH_PAUSE;
}

void sqt_authguard_accepted(sqt_authguard *g)
{
    g->in_a_row = 0;
}
