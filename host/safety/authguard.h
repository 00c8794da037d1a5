/* What to do when the exchange refuses our credentials or clock while trading
 * (SQT_EAUTH / SQT_ETIMESTAMP): pause and retry - a key rotation, an IP whitelist edit or a
 * clock step can pass - and stop only when refusals keep coming with no accepted request
 * in between. Any accepted request starts the count again, so refusals spread over days
 * never add up to a stop. Pure: no clock, no I/O. */
#ifndef SQT_AUTHGUARD_H
#define SQT_AUTHGUARD_H

typedef struct sqt_authguard {
    int max_in_a_row;          /* refusals in a row that stop trading */
    int in_a_row;
} sqt_authguard;

enum { SQT_AUTH_PAUSE = 0, SQT_AUTH_STOP = 1 };

void sqt_authguard_init(sqt_authguard *g, int max_in_a_row);
/* A refusal: SQT_AUTH_PAUSE (pause all requests, then retry) or SQT_AUTH_STOP. */
int sqt_authguard_refused(sqt_authguard *g);
/* An accepted request: the credentials and the clock work. */
void sqt_authguard_accepted(sqt_authguard *g);

#endif
