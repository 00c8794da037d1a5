/* Prometheus text exposition checked by a real parser: python3-prometheus-client
 * (Debian package; scripts/install-deps.sh installs it). Shared by the metrics tests. */
#ifndef SQT_TEST_PROM_PARSE_H
#define SQT_TEST_PROM_PARSE_H

#include <stddef.h>

/* Parse body; out gets one line per sample, "TYPE NAME [(label, value)...] VALUE"
 * (e.g. "counter opensqt_orders_placed_total [] 12.0"), or the parser's error. 0 when
 * it parsed, -1 when the parser refused it, -2 when no parser is installed. */
int prom_parse(const char *body, char *out, size_t cap);

/* The value of the sample whose line starts with key ("counter NAME [...]") in a
 * prom_parse() output; -1 when absent. */
double prom_value(const char *parsed, const char *key);

#endif
