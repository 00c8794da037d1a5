/* prom_parse.h: the exposition through prometheus_client's own parser. */
#include "prom_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The scraped body through prometheus_client's parser; its view of every sample. */
int prom_parse(const char *body, char *out, size_t cap)
{
    static const char *const pythons[] = {"/usr/bin/python3", "python3"};
    char dir[] = "/tmp/sqt-metrics-XXXXXX", in[96], res[96], cmd[512];
    const char *py = NULL;
    size_t i;
    FILE *f;
    int rc = -1;
    if (mkdtemp(dir) == NULL)
        return -1;
    for (i = 0; i < 2 && py == NULL; i++) {
        snprintf(cmd, sizeof(cmd), "%s -c 'import prometheus_client.parser' 2>/dev/null",
                 pythons[i]);
        if (system(cmd) == 0)
            py = pythons[i];
    }
    if (py == NULL) {
        snprintf(out, cap, "python3 with prometheus_client not found (Debian package "
                           "python3-prometheus-client; scripts/install-deps.sh installs it)");
        rmdir(dir);
        return -2;
    }
    snprintf(in, sizeof(in), "%s/body.prom", dir);
    snprintf(res, sizeof(res), "%s/parsed.txt", dir);
    f = fopen(in, "w");
    if (f != NULL) {
        fputs(body, f);
        fclose(f);
        snprintf(cmd, sizeof(cmd),
                 "%s -c 'import sys\n"
                 "from prometheus_client.parser import text_string_to_metric_families as p\n"
                 "for fam in p(open(sys.argv[1]).read()):\n"
                 "    for s in fam.samples:\n"
                 "        print(fam.type, s.name, sorted(s.labels.items()), repr(s.value))\n"
                 "' %s > %s 2>&1",
                 py, in, res);
        rc = system(cmd) == 0 ? 0 : -1;
        f = fopen(res, "r");
        out[0] = '\0';
        if (f != NULL) {
            size_t n = fread(out, 1, cap - 1, f);
            out[n] = '\0';
            fclose(f);
        }
    }
    unlink(in);
    unlink(res);
    rmdir(dir);
    return rc;
}

double prom_value(const char *parsed, const char *key)
{
    size_t k = strlen(key);
    const char *p = parsed;
    while (p != NULL && *p) {
        if (strncmp(p, key, k) == 0 && p[k] == ' ')
            return strtod(p + k + 1, NULL);
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return -1;
}
