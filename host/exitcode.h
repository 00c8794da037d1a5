/* Exit statuses of opensqt, one meaning each, so a supervisor can tell a restart that
 * may help from one that cannot. The systemd unit lists the codes a restart cannot cure
 * in RestartPreventExitStatus=; --help, README and docs/operations.md list them all. */
#ifndef SQT_EXITCODE_H
#define SQT_EXITCODE_H

/* Clean stop, nothing left behind on the exchange. */
#define SQT_EXIT_OK 0
/* Runtime failure a restart may cure (network down, exchange 5xx, a crash of a part). */
#define SQT_EXIT_FAILURE 1
/* Usage or configuration error: the command line or the file must change. */
#define SQT_EXIT_USAGE 2
/* Refused, a human must act: credentials, account state (leverage, balance, hedge mode),
 * a safety check, another instance running on the same account and symbol. */
#define SQT_EXIT_REFUSED 3
/* Stopped, but own orders may remain on the exchange (cancel on exit did not finish). */
#define SQT_EXIT_ORDERS_REMAIN 4

#endif
