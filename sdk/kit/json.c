/* JSON field readers on Jansson whose errors name the field and its path (pluginkit.h).
 * Every field is checked for presence and type; anything unexpected is SQT_EPROTO. */
#include <opensqt/pluginkit.h>

#include <stdlib.h>
#include <string.h>

json_t *sqt_kit_json_load(const char *text, size_t len, const char *path, sqt_error *e)
{
    json_error_t je;
    json_t *root;
    if (text == NULL || len == 0) {
        sqt_kit_fail(e, SQT_EPROTO, "%s: empty response", path);
        return NULL;
    }
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        sqt_kit_fail(e, SQT_EPROTO, "%s: not JSON (%s at %d)", path, je.text, je.position);
    return root;
}

void *sqt_kit_json_array_new(json_t *arr, size_t elem_size, const char *path, sqt_error *e)
{
    void *out;
    if (!json_is_array(arr)) {
        sqt_kit_fail(e, SQT_EPROTO, "%s: not an array", path);
        return NULL;
    }
    /* one element's room at least: NULL always means a failure */
    out = calloc(json_array_size(arr) > 0 ? json_array_size(arr) : 1, elem_size);
    if (out == NULL)
        sqt_kit_fail(e, SQT_ENOMEM, "%s: out of memory", path);
    return out;
}

int sqt_kit_json_str(json_t *obj, const char *key, const char **out, const char *path,
                     sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    *out = ""; /* defined on every path (and for the optimiser's flow analysis) */
    if (v == NULL)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' missing", path, key);
    if (!json_is_string(v))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' is not a string", path, key);
    *out = json_string_value(v);
    return SQT_OK;
}

int sqt_kit_json_opt_str(json_t *obj, const char *key, const char **out, const char *dflt,
                         const char *path, sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        *out = dflt;
        return SQT_OK;
    }
    if (!json_is_string(v))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' is not a string", path, key);
    *out = json_string_value(v);
    return SQT_OK;
}

int sqt_kit_json_copy(char *dst, size_t cap, const char *src, const char *key,
                      const char *path, sqt_error *e)
{
    size_t n = strlen(src);
    if (n + 1 > cap)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' too long (%zu bytes)", path, key, n);
    memcpy(dst, src, n + 1);
    return SQT_OK;
}

int sqt_kit_json_dec_of(json_t *v, sqt_dec *out, const char *key, const char *path,
                        sqt_error *e)
{
    int rc;
    if (json_is_string(v)) {
        rc = sqt_dec_parse(json_string_value(v), json_string_length(v), out);
        if (rc == SQT_ERANGE)
            return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' out of range", path, key);
        if (rc != SQT_OK)
            return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' is not a decimal", path, key);
        return SQT_OK;
    }
    if (json_is_integer(v)) {
        *out = sqt_dec_make((int64_t)json_integer_value(v), 0);
        return SQT_OK;
    }
    return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' is not a decimal string", path, key);
}

int sqt_kit_json_dec(json_t *obj, const char *key, sqt_dec *out, const char *path,
                     sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' missing", path, key);
    return sqt_kit_json_dec_of(v, out, key, path, e);
}

int sqt_kit_json_opt_dec(json_t *obj, const char *key, sqt_dec *out, const char *path,
                         sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
        *out = sqt_dec_make(0, 0);
        return SQT_OK;
    }
    return sqt_kit_json_dec_of(v, out, key, path, e);
}

int sqt_kit_json_i64_of(json_t *v, int64_t *out, const char *key, const char *path,
                        sqt_error *e)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return SQT_OK;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v), i = 0;
        int neg = 0;
        uint64_t m = 0;
        if (n > 0 && s[0] == '-') {
            neg = 1;
            i = 1;
        }
        if (i == n)
            return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' is not an integer", path, key);
        for (; i < n; i++) {
            if (s[i] < '0' || s[i] > '9')
                return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' is not an integer", path,
                                    key);
            if (m > (UINT64_C(9223372036854775807) - (uint64_t)(s[i] - '0')) / 10u)
                return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' out of range", path, key);
            m = m * 10u + (uint64_t)(s[i] - '0');
        }
        *out = neg ? -(int64_t)m : (int64_t)m;
        return SQT_OK;
    }
    return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' is not an integer", path, key);
}

int sqt_kit_json_i64(json_t *obj, const char *key, int64_t *out, const char *path,
                     sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' missing", path, key);
    return sqt_kit_json_i64_of(v, out, key, path, e);
}

int sqt_kit_json_opt_i64(json_t *obj, const char *key, int64_t *out, int64_t dflt,
                         const char *path, sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        *out = dflt;
        return SQT_OK;
    }
    return sqt_kit_json_i64_of(v, out, key, path, e);
}

int sqt_kit_json_opt_bool(json_t *obj, const char *key, int *out, const char *path,
                          sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        *out = 0;
        return SQT_OK;
    }
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return SQT_OK;
    }
    if (json_is_string(v) && (strcmp(json_string_value(v), "true") == 0 ||
                              strcmp(json_string_value(v), "false") == 0)) {
        *out = strcmp(json_string_value(v), "true") == 0;
        return SQT_OK;
    }
    return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' is not a boolean", path, key);
}
