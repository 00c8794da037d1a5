/* `opensqt report -c FILE [--json] [--since DATE]` (report.c). */
#ifndef SQT_REPORT_H
#define SQT_REPORT_H

/* argv[0] is "report". Returns the exit status. */
int sqt_report_main(int argc, char **argv);

#endif
