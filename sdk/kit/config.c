/* Typed readers for a plugin's config block (pluginkit.h). Messages name the key as the
 * user wrote it, "exchanges.<block>.<key>", and what was expected; never a secret. */
#include <opensqt/pluginkit.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* 1 found, 0 absent, < 0 error. */
static int get(const sqt_kit_cfg *c, const char *key, char *buf, size_t cap, sqt_error *e)
{
    int r = c->api->config(c->host, key, buf, cap);
    if (r == SQT_ENOENT)
        return 0;
    if (r < 0)
        return sqt_kit_fail(e, SQT_EINVAL, "exchanges.%s.%s: %s", c->block, key,
                            r == SQT_ERANGE ? "value is too long" : sqt_strerror(r));
    return 1;
}

int sqt_kit_cfg_str(const sqt_kit_cfg *c, const char *key, char *buf, size_t cap,
                    sqt_error *e)
{
    return get(c, key, buf, cap, e);
}

int sqt_kit_cfg_int(const sqt_kit_cfg *c, const char *key, int64_t lo, int64_t hi,
                    int64_t *out, sqt_error *e)
{
    char buf[64], *end;
    long long v;
    int r = get(c, key, buf, sizeof buf, e);
    if (r <= 0)
        return r;
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (errno != 0 || end == buf || *end != '\0' || v < lo || v > hi)
        return sqt_kit_fail(e, SQT_EINVAL,
                            "exchanges.%s.%s: expected an integer %lld..%lld, got \"%.40s\"",
                            c->block, key, (long long)lo, (long long)hi, buf);
    *out = v;
    return 1;
}

int sqt_kit_cfg_dec(const sqt_kit_cfg *c, const char *key, sqt_dec *out, sqt_error *e)
{
    char buf[64];
    int r = get(c, key, buf, sizeof buf, e);
    if (r <= 0)
        return r;
    if (sqt_dec_parse(buf, strlen(buf), out) != SQT_OK)
        return sqt_kit_fail(e, SQT_EINVAL,
                            "exchanges.%s.%s: expected a decimal number, got \"%.40s\"",
                            c->block, key, buf);
    return 1;
}

int sqt_kit_cfg_dbl(const sqt_kit_cfg *c, const char *key, double lo, double hi, double *out,
                    sqt_error *e)
{
    char buf[64], *end;
    double v;
    int r = get(c, key, buf, sizeof buf, e);
    if (r <= 0)
        return r;
    errno = 0;
    v = strtod(buf, &end);
    if (errno != 0 || end == buf || *end != '\0' || !isfinite(v) || v < lo || v > hi)
        return sqt_kit_fail(e, SQT_EINVAL,
                            "exchanges.%s.%s: expected a number %g..%g, got \"%.40s\"",
                            c->block, key, lo, hi, buf);
    *out = v;
    return 1;
}

int sqt_kit_cfg_bool(const sqt_kit_cfg *c, const char *key, int *out, sqt_error *e)
{
    static const char *const words[] = {"false", "true", "no", "yes", "0", "1", NULL};
    int i = 0, r;
    char buf[16];
    r = get(c, key, buf, sizeof buf, e);
    if (r <= 0)
        return r;
    for (i = 0; words[i] != NULL; i++)
        if (strcmp(buf, words[i]) == 0) {
            *out = i % 2;
            return 1;
        }
    return sqt_kit_fail(e, SQT_EINVAL, "exchanges.%s.%s: expected true or false, got \"%.15s\"",
                        c->block, key, buf);
}

int sqt_kit_cfg_enum(const sqt_kit_cfg *c, const char *key, const char *const *choices,
                     int *out, sqt_error *e)
{
    char buf[64], list[256];
    size_t used = 0;
    int i, r = get(c, key, buf, sizeof buf, e);
    if (r <= 0)
        return r;
    for (i = 0; choices[i] != NULL; i++)
        if (strcmp(buf, choices[i]) == 0) {
            *out = i;
            return 1;
        }
    list[0] = '\0';
    for (i = 0; choices[i] != NULL; i++) { /* "a, b or c" */
        const char *sep = i == 0 ? "" : choices[i + 1] == NULL ? " or " : ", ";
        size_t n = strlen(sep) + strlen(choices[i]);
        if (used + n + 1 >= sizeof(list))
            break;
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", sep, choices[i]);
    }
    return sqt_kit_fail(e, SQT_EINVAL, "exchanges.%s.%s: expected %s, got \"%.40s\"",
                        c->block, key, list, buf);
}

int sqt_kit_cfg_url(const sqt_kit_cfg *c, const char *key, const char *scheme1,
                    const char *scheme2, char *buf, size_t cap, sqt_error *e)
{
    size_t i, n, l1 = strlen(scheme1), l2 = strlen(scheme2);
    int r = get(c, key, buf, cap, e);
    if (r <= 0)
        return r;
    n = strlen(buf);
    while (n > 0 && buf[n - 1] == '/')
        buf[--n] = '\0';
    for (i = 0; i < n; i++)
        if ((unsigned char)buf[i] <= ' ' || (unsigned char)buf[i] >= 0x7f || buf[i] == '?' ||
            buf[i] == '#')
            break;
    if (i != n || !((strncmp(buf, scheme1, l1) == 0 && n > l1) ||
                    (strncmp(buf, scheme2, l2) == 0 && n > l2)))
        return sqt_kit_fail(e, SQT_EINVAL, "exchanges.%s.%s: expected a %s or %s URL",
                            c->block, key, scheme1, scheme2);
    return 1;
}

int sqt_kit_cfg_secret(const sqt_kit_cfg *c, const char *name, char *buf, size_t cap,
                       sqt_error *e)
{
    int rc = c->api->secret(c->host, name, buf, cap);
    size_t i;
    if (rc == SQT_ENOENT || rc == 0)
        return sqt_kit_fail(e, SQT_ENOENT, "%s: %s is not set in the exchange config",
                            c->block, name);
    if (rc < 0)
        return sqt_kit_fail(e, rc == SQT_ERANGE ? SQT_EINVAL : rc, "%s: %s: %s", c->block, name,
                            rc == SQT_ERANGE ? "too long" : sqt_strerror(rc));
    for (i = 0; buf[i] != '\0'; i++)
        if ((unsigned char)buf[i] <= ' ' || (unsigned char)buf[i] >= 0x7f)
            return sqt_kit_fail(e, SQT_EINVAL, "%s: %s contains blanks or control characters",
                                c->block, name);
    return SQT_OK;
}

int sqt_kit_cfg_url_or(const sqt_kit_cfg *c, const char *key, const char *dflt,
                       const char *scheme1, const char *scheme2, char *buf, size_t cap,
                       sqt_error *e)
{
    int rc = sqt_kit_cfg_url(c, key, scheme1, scheme2, buf, cap, e);
    if (rc == 0)
        snprintf(buf, cap, "%s", dflt);
    return rc < 0 ? rc : SQT_OK;
}
