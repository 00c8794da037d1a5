/* The plugin boundary, checked on the built objects with binutils: every real plugin
 * (SQT_PLUGIN_DIR), the SDK example and the good test plugin export exactly one dynamic
 * symbol, sqt_plugin_entry, and take nothing from the host: their undefined symbols
 * come from libc/libm/libpthread, Jansson, nettle (the kit's HMAC) or OpenSSL (or the
 * sanitizer runtime in a sanitizer build), and they need no other shared library. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqt_test.h"

/* Libraries a plugin may need (DT_NEEDED, up to the first '.'). */
static const char *const allowed_needed[] = {
    "libc", "libm", "libpthread", "libjansson", "libnettle", "libssl", "libcrypto",
    "libasan", "libubsan", "libgcc_s", "ld-linux-x86-64", "ld-linux-aarch64", NULL};

/* Symbol versions of those libraries (glibc covers libc, libm, libpthread). */
static const char *const allowed_versions[] = {"GLIBC_", "OPENSSL_", "NETTLE_", "libjansson.so.",
                                               NULL};

/* Unversioned references allowed: the sanitizers' runtime entry points. */
static const char *const allowed_unversioned[] = {"__asan_", "__ubsan_", "__sanitizer_",
                                                  "__lsan_", NULL};

static int has_prefix(const char *s, const char *const *list)
{
    for (; *list != NULL; list++)
        if (strncmp(s, *list, strlen(*list)) == 0)
            return 1;
    return 0;
}

static FILE *run(const char *tool, const char *args, const char *path)
{
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof(cmd), "%s %s '%s' 2>/dev/null", tool, args, path);
    return popen(cmd, "r");
}

static int checked;

/* A sanitizer build links libasan, which interposes libc functions without symbol
 * versions; there an unversioned reference is accepted unless it names the host. The
 * normal build keeps the strict version check. */
static int needs_sanitizer(const char *path)
{
    char line[512];
    int found = 0;
    FILE *f = run("objdump", "-p", path);
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strstr(line, "NEEDED") != NULL &&
            (strstr(line, "libasan") != NULL || strstr(line, "libubsan") != NULL))
            found = 1;
    pclose(f);
    return found;
}

static void check_plugin(const char *path)
{
    char line[1024], name[512], type[8];
    int n_defined = 0, entry = 0, st, sanitized = needs_sanitizer(path);
    FILE *f;

    checked++;
    /* defined dynamic symbols: "0000000000001139 T sqt_plugin_entry" */
    f = run("nm", "-D --defined-only", path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long long addr;
        if (sscanf(line, "%llx %7s %511s", &addr, type, name) != 3)
            continue;
        n_defined++;
        if (strcmp(name, "sqt_plugin_entry") == 0 && strcmp(type, "T") == 0)
            entry = 1;
        else
            fprintf(stderr, "    %s exports '%s' (only sqt_plugin_entry may be)\n", path, name);
    }
    st = pclose(f);
    SQT_ASSERT_INT_EQ(st, 0);
    SQT_ASSERT_INT_EQ(entry, 1);
    SQT_ASSERT_INT_EQ(n_defined, 1);

    /* undefined: "                 U memcpy@GLIBC_2.14", "w __gmon_start__" */
    f = run("nm", "-D --undefined-only", path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *at;
        int ok;
        if (sscanf(line, "%7s %511s", type, name) != 2)
            continue;
        at = strchr(name, '@');
        if (strncmp(name, "sqt_", 4) == 0 || strncmp(name, "SQT_", 4) == 0)
            ok = 0; /* a reference into the host: never */
        else if (at != NULL)
            ok = has_prefix(at + 1 + (at[1] == '@'), allowed_versions);
        else
            ok = strcmp(type, "w") == 0 || has_prefix(name, allowed_unversioned) || sanitized;
        if (!ok)
            fprintf(stderr, "    %s: undefined symbol '%s' is not from an allowed library\n",
                    path, name);
        CU_ASSERT_TRUE(ok);
    }
    st = pclose(f);
    SQT_ASSERT_INT_EQ(st, 0);

    /* "  NEEDED               libc.so.6" */
    f = run("objdump", "-p", path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char lib[256], base[256];
        size_t k;
        int ok = 0;
        if (sscanf(line, " NEEDED %255s", lib) != 1)
            continue;
        for (k = 0; lib[k] != '\0' && lib[k] != '.' && k + 1 < sizeof(base); k++)
            base[k] = lib[k];
        base[k] = '\0';
        for (k = 0; allowed_needed[k] != NULL; k++)
            if (strcmp(base, allowed_needed[k]) == 0)
                ok = 1;
        if (!ok)
            fprintf(stderr, "    %s needs %s, which a plugin may not use\n", path, lib);
        CU_ASSERT_TRUE(ok);
    }
    st = pclose(f);
    SQT_ASSERT_INT_EQ(st, 0);
}

static void check_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[PATH_MAX];
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 3 && strcmp(e->d_name + n - 3, ".so") == 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            check_plugin(path);
        }
    }
    closedir(d);
}

static void test_real_plugins(void)
{
    const char *dir = getenv("SQT_PLUGIN_DIR");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    check_dir(dir); /* may be empty while no real plugin is built yet */
}

static void test_example_and_good(void)
{
    const char *dir = getenv("SQT_TEST_PLUGIN_DIR");
    char path[PATH_MAX];
    int before = checked;
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    snprintf(path, sizeof(path), "%s/example.so", dir);
    check_plugin(path);
    snprintf(path, sizeof(path), "%s/good.so", dir);
    check_plugin(path);
    SQT_ASSERT_INT_EQ(checked - before, 2);
}

/* The check itself must be able to fail: a test plugin that hides its entry exports
 * nothing, and the host executable, which is no plugin, exports no sqt_ symbol either
 * (a plugin could not link against it even by accident). */
static void test_checker_sees_violations(void)
{
    const char *dir = getenv("SQT_TEST_PLUGIN_DIR"), *bin = getenv("SQT_BIN");
    char path[PATH_MAX], line[512];
    int lines = 0, sqt = 0;
    FILE *f;

    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    snprintf(path, sizeof(path), "%s/no_entry.so", dir);
    f = run("nm", "-D --defined-only", path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while (fgets(line, sizeof(line), f) != NULL)
        lines++;
    pclose(f);
    SQT_ASSERT_INT_EQ(lines, 0);

    if (bin != NULL && bin[0] != '\0') {
        f = run("nm", "-D --defined-only", bin);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        while (fgets(line, sizeof(line), f) != NULL)
            if (strstr(line, " sqt_") != NULL)
                sqt++;
        pclose(f);
        SQT_ASSERT_INT_EQ(sqt, 0);
    }
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"real_plugins", test_real_plugins},
        {"example_and_good", test_example_and_good},
        {"checker_sees_violations", test_checker_sees_violations},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("plugin_symbols", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
