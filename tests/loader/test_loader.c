/* Plugin loader: name rule, ABI rule, every refusal and its message, directory
 * resolution and listing; then the good test plugin and the SDK example driven through
 * their tables by a minimal host with a manual timer queue. */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_config.h"
#include "hotcode.h"
#include "plugin.h"
#include "sqt_test.h"

/* ---- helpers ------------------------------------------------------------------------ */

static const char *plugin_dir(void)
{
    const char *d = getenv("SQT_TEST_PLUGIN_DIR");
    if (d == NULL || d[0] == '\0') {
        fprintf(stderr, "SQT_TEST_PLUGIN_DIR is not set (run through ctest)\n");
        exit(EXIT_FAILURE);
    }
    return d;
}

#define ASSERT_PREFIX(s, prefix)                                                          \
    do {                                                                                  \
        const char *s_ = (s), *p_ = (prefix);                                             \
        int ok_ = strncmp(s_, p_, strlen(p_)) == 0;                                       \
        if (!ok_)                                                                         \
            fprintf(stderr, "    %s:%d: \"%s\" does not start with \"%s\"\n", __FILE__,   \
                    __LINE__, s_, p_);                                                    \
        CU_ASSERT_TRUE(ok_);                                                              \
    } while (0)

#define ASSERT_CONTAINS(s, needle)                                                        \
    do {                                                                                  \
        const char *s_ = (s), *n_ = (needle);                                             \
        int ok_ = strstr(s_, n_) != NULL;                                                 \
        if (!ok_)                                                                         \
            fprintf(stderr, "    %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__,      \
                    __LINE__, s_, n_);                                                    \
        CU_ASSERT_TRUE(ok_);                                                              \
    } while (0)

/* A scratch directory whose entries are removed again at the end. */
typedef struct scratch {
    char dir[64];
    char made[16][PATH_MAX];
    int is_dir[16];
    int n;
} scratch;

static void scratch_init(scratch *s)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->dir, sizeof(s->dir), "/tmp/sqt-loader-XXXXXX");
    if (mkdtemp(s->dir) == NULL) {
        perror("mkdtemp");
        exit(EXIT_FAILURE);
    }
}

static const char *scratch_path(scratch *s, const char *rel, int is_dir)
{
    char *p = s->made[s->n], dir[sizeof(s->dir)];
    memcpy(dir, s->dir, sizeof(dir)); /* distinct source and destination objects */
    snprintf(p, PATH_MAX, "%s/%s", dir, rel);
    s->is_dir[s->n++] = is_dir;
    return p;
}

static void scratch_link(scratch *s, const char *name, const char *target)
{
    CU_ASSERT_EQUAL_FATAL(symlink(target, scratch_path(s, name, 0)), 0);
}

static void scratch_write(scratch *s, const char *name, const char *text)
{
    FILE *f = fopen(scratch_path(s, name, 0), "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void scratch_mkdir(scratch *s, const char *name)
{
    CU_ASSERT_EQUAL_FATAL(mkdir(scratch_path(s, name, 1), 0700), 0);
}

static void scratch_done(scratch *s)
{
    while (s->n > 0) {
        s->n--;
        if (s->is_dir[s->n])
            rmdir(s->made[s->n]);
        else
            unlink(s->made[s->n]);
    }
    rmdir(s->dir);
}

static void test_plugin_path(const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s.so", plugin_dir(), name);
}

/* ---- name and ABI rules -------------------------------------------------------------- */

static void test_name_valid(void)
{
    char longest[33], too_long[34];
    memset(longest, 'a', 32);
    longest[32] = '\0';
    memset(too_long, 'a', 33);
    too_long[33] = '\0';

    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid("a"), 1);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid("binance"), 1);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid("my_ex2"), 1);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid(longest), 1);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid(too_long), 0);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid(""), 0);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid(NULL), 0);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid("Binance"), 0);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid("../x"), 0);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid("/abs"), 0);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid("1abc"), 0);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid("_x"), 0);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid("a-b"), 0);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid("a.so"), 0);
    SQT_ASSERT_INT_EQ(sqt_plugin_name_valid("a b"), 0);
}

static void test_abi_rule(void)
{
    char why[160], want[160];

    /* against this host */
    SQT_ASSERT_INT_EQ(sqt_plugin_abi_compatible(SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR,
                                                why, sizeof(why)), 1);
    SQT_ASSERT_INT_EQ(sqt_plugin_abi_compatible(SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR + 1,
                                                why, sizeof(why)), 0);
    SQT_ASSERT_INT_EQ(sqt_plugin_abi_compatible(SQT_PLUGIN_ABI_MAJOR + 1, 0, why, sizeof(why)),
                      0);
    snprintf(want, sizeof(want), "SDK ABI %d.0, this host supports %d.%d (same major, minor <= %d)",
             SQT_PLUGIN_ABI_MAJOR + 1, SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR,
             SQT_PLUGIN_ABI_MINOR);
    SQT_ASSERT_STR_EQ(why, want);
    SQT_ASSERT_INT_EQ(sqt_plugin_abi_compatible(SQT_PLUGIN_ABI_MAJOR - 1, SQT_PLUGIN_ABI_MINOR,
                                                why, sizeof(why)), 0);

    /* the rule itself, for host versions we do not have yet */
    SQT_ASSERT_INT_EQ(sqt_plugin_abi_compatible_with(1, 3, 1, 0, why, sizeof(why)), 1);
    SQT_ASSERT_INT_EQ(sqt_plugin_abi_compatible_with(1, 3, 1, 2, why, sizeof(why)), 1);
    SQT_ASSERT_INT_EQ(sqt_plugin_abi_compatible_with(1, 3, 1, 3, why, sizeof(why)), 1);
    SQT_ASSERT_INT_EQ(sqt_plugin_abi_compatible_with(1, 3, 1, 4, why, sizeof(why)), 0);
    SQT_ASSERT_STR_EQ(why, "SDK ABI 1.4, this host supports 1.3 (same major, minor <= 3)");
    SQT_ASSERT_INT_EQ(sqt_plugin_abi_compatible_with(2, 5, 1, 0, why, sizeof(why)), 0);
    SQT_ASSERT_STR_EQ(why, "SDK ABI 1.0, this host supports 2.5 (same major, minor <= 5)");
    SQT_ASSERT_INT_EQ(sqt_plugin_abi_compatible_with(2, 5, 3, 0, why, sizeof(why)), 0);
    /* a tiny buffer truncates, never overflows */
    SQT_ASSERT_INT_EQ(sqt_plugin_abi_compatible_with(2, 5, 3, 0, why, 8), 0);
    SQT_ASSERT_STR_EQ(why, "SDK ABI");
}

/* ---- loading ----------------------------------------------------------------------- */

/* ---- the hot code ranges (hotcode.h) ------------------------------------------------ */

/* a function of this binary in its sqt_hot section */
SQT_HOT static int hot_probe(int x)
{
    return x * 3 + 1;
}

static int in_range(const sqt_hotcode *hc, int i, const void *addr)
{
    const char *a = addr;
    return a >= hc->r[i].lo && a < hc->r[i].lo + hc->r[i].len;
}

static void test_hotcode(void)
{
    sqt_hotcode hc;
    sqt_loaded_plugin p;
    char err[512];
    size_t own, len;
    int (*volatile probe)(int) = hot_probe;
    void *z;
    Dl_info lo, hi;
    int i;

    SQT_ASSERT_INT_EQ(probe(2), 7);
    sqt_hotcode_init(&hc);
    SQT_ASSERT_INT_EQ(hc.n, 1);
    own = hc.bytes;
    CU_ASSERT_TRUE(own > 0 && own == hc.r[0].len);
    CU_ASSERT_TRUE(in_range(&hc, 0, (const void *)(uintptr_t)probe));

    /* a plugin's section, from its section headers, where the loader mapped it */
    SQT_ASSERT_INT_EQ(sqt_plugin_load(plugin_dir(), "good", &p, err, sizeof(err)), 0);
    len = sqt_hotcode_add_object(&hc, p.dl);
    CU_ASSERT_TRUE(len > 0);
    SQT_ASSERT_INT_EQ(hc.n, 2);
    CU_ASSERT_TRUE(hc.bytes == own + len);
    CU_ASSERT_FATAL(dladdr(hc.r[1].lo, &lo) != 0 && dladdr(hc.r[1].lo + len - 1, &hi) != 0);
    CU_ASSERT_PTR_EQUAL(lo.dli_fbase, hi.dli_fbase);
    SQT_ASSERT_STR_EQ(lo.dli_fname, p.path);
    /* the symbol the loader found lies outside it (no SQT_HOT on the entry) */
    CU_ASSERT_FALSE(in_range(&hc, 1, dlsym(p.dl, SQT_PLUGIN_ENTRY_SYMBOL)));
    sqt_hotcode_prefetch(&hc);

    /* at most SQT_HOTCODE_RANGES ranges and SQT_HOTCODE_MAX_BYTES bytes */
    for (i = 0; i < 2 * SQT_HOTCODE_RANGES; i++)
        sqt_hotcode_add_object(&hc, p.dl);
    SQT_ASSERT_INT_EQ(hc.n, SQT_HOTCODE_RANGES);
    CU_ASSERT_TRUE(hc.bytes <= SQT_HOTCODE_MAX_BYTES);
    sqt_plugin_unload(&p);

    /* an object without the section (the C library), no object: nothing */
    sqt_hotcode_init(&hc);
    z = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    SQT_ASSERT_INT_EQ((long)sqt_hotcode_add_object(&hc, z), 0);
    dlclose(z);
    SQT_ASSERT_INT_EQ((long)sqt_hotcode_add_object(&hc, NULL), 0);
    SQT_ASSERT_INT_EQ(hc.n, 1);
    CU_ASSERT_TRUE(hc.bytes == own);
}

static void test_load_good(void)
{
    sqt_loaded_plugin p;
    char err[512], path[PATH_MAX], desc[PATH_MAX + 64], want[PATH_MAX + 64];

    SQT_ASSERT_INT_EQ(sqt_plugin_load(plugin_dir(), "good", &p, err, sizeof(err)), 0);
    SQT_ASSERT_STR_EQ(err, "");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.desc);
    CU_ASSERT_PTR_NOT_NULL(p.dl);
    test_plugin_path("good", path, sizeof(path));
    SQT_ASSERT_STR_EQ(p.path, path);
    SQT_ASSERT_STR_EQ(p.name, "good");
    SQT_ASSERT_STR_EQ(p.desc->name, "good");
    SQT_ASSERT_STR_EQ(p.desc->version, "1.2.3");
    SQT_ASSERT_INT_EQ(p.desc->exchange->flags, SQT_EXF_NEEDS_API_KEY);
    sqt_plugin_describe(&p, desc, sizeof(desc));
    snprintf(want, sizeof(want), "good 1.2.3 (ABI %d.%d) %s", SQT_PLUGIN_ABI_MAJOR,
             SQT_PLUGIN_ABI_MINOR, path);
    SQT_ASSERT_STR_EQ(desc, want);

    sqt_plugin_unload(&p);
    CU_ASSERT_PTR_NULL(p.dl);
    CU_ASSERT_PTR_NULL(p.path);
    sqt_plugin_unload(&p); /* twice is harmless */
}

static void expect_refusal(const char *name, const char *want)
{
    sqt_loaded_plugin p;
    char err[512];
    memset(&p, 0xab, sizeof(p));
    SQT_ASSERT_INT_EQ(sqt_plugin_load(plugin_dir(), name, &p, err, sizeof(err)), -1);
    SQT_ASSERT_STR_EQ(err, want);
    CU_ASSERT_PTR_NULL(p.dl);
    CU_ASSERT_PTR_NULL(p.desc);
    CU_ASSERT_PTR_NULL(p.path);
    CU_ASSERT_PTR_NULL(p.name);
}

static void test_load_refusals(void)
{
    char want[PATH_MAX + 256], path[PATH_MAX];

    snprintf(want, sizeof(want),
             "plugin 'bad_major' was built for SDK ABI %d.%d, this host supports %d.%d "
             "(same major, minor <= %d)",
             SQT_PLUGIN_ABI_MAJOR + 1, SQT_PLUGIN_ABI_MINOR, SQT_PLUGIN_ABI_MAJOR,
             SQT_PLUGIN_ABI_MINOR, SQT_PLUGIN_ABI_MINOR);
    expect_refusal("bad_major", want);

    /* a newer minor may use table members this host does not have: refused */
    snprintf(want, sizeof(want),
             "plugin 'newer_minor' was built for SDK ABI %d.%d, this host supports %d.%d "
             "(same major, minor <= %d)",
             SQT_PLUGIN_ABI_MAJOR, SQT_PLUGIN_ABI_MINOR + 1, SQT_PLUGIN_ABI_MAJOR,
             SQT_PLUGIN_ABI_MINOR, SQT_PLUGIN_ABI_MINOR);
    expect_refusal("newer_minor", want);

    test_plugin_path("no_entry", path, sizeof(path));
    snprintf(want, sizeof(want), "%s is not an OpenSQT plugin (no 'sqt_plugin_entry' symbol)",
             path);
    expect_refusal("no_entry", want);

    snprintf(want, sizeof(want),
             "plugin 'bad_sig' has build signature 'sqt1,p32,be,dec=f64', this host has '%s' "
             "(rebuild the plugin against this SDK)",
             SQT_BUILD_SIGNATURE);
    expect_refusal("bad_sig", want);

    expect_refusal("misnamed", "plugin file 'misnamed.so' declares the name 'other' "
                               "(they must match)");
    expect_refusal("null_table", "plugin 'null_table' has no exchange table");
    expect_refusal("missing_fn", "plugin 'missing_fn': exchange table lacks the mandatory "
                                 "function place_orders() (return SQT_ENOTSUP instead)");
    snprintf(want, sizeof(want),
             "plugin 'small_table': exchange table struct_size 16 is invalid "
             "(ABI 1.0 needs %zu..4096)",
             offsetof(sqt_exchange_api, subscribe_klines) + sizeof(void (*)(void)));
    expect_refusal("small_table", want);
}

/* ---- trust: a plugin is handed the API secret ----------------------------------------- */

static void copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[65536];
    size_t n;
    FILE *in = fopen(from, "rb"), *out;
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    out = fopen(to, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        CU_ASSERT_EQUAL(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    CU_ASSERT_EQUAL(chmod(to, mode), 0);
}

static void expect_untrusted(const char *dir, const char *path, const char *fix)
{
    sqt_loaded_plugin p;
    char err[1024], want[PATH_MAX + 32];
    SQT_ASSERT_INT_EQ(sqt_plugin_load(dir, "good", &p, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NULL(p.dl);
    ASSERT_PREFIX(err, "refusing to load a plugin: ");
    ASSERT_CONTAINS(err, path);
    snprintf(want, sizeof(want), "(fix: %s %s)", fix, path);
    ASSERT_CONTAINS(err, want);
}

static void test_trust(void)
{
    scratch s;
    sqt_loaded_plugin p;
    char src[PATH_MAX], err[1024], real[PATH_MAX];
    const char *so, *sub, *link_dir, *link;

    scratch_init(&s);
    test_plugin_path("good", src, sizeof(src));
    so = scratch_path(&s, "good.so", 0);
    copy_file(src, so, 0755);
    SQT_ASSERT_INT_EQ(sqt_plugin_load(s.dir, "good", &p, err, sizeof(err)), 0);
    sqt_plugin_unload(&p);

    /* the file writable by group, then by others */
    CU_ASSERT_EQUAL(chmod(so, 0775), 0);
    expect_untrusted(s.dir, so, "chmod go-w");
    CU_ASSERT_EQUAL(chmod(so, 0757), 0);
    expect_untrusted(s.dir, so, "chmod go-w");
    CU_ASSERT_EQUAL(chmod(so, 0755), 0);

    /* the directory writable by others (also with the sticky bit, as /tmp) */
    CU_ASSERT_EQUAL(chmod(s.dir, 01777), 0);
    expect_untrusted(s.dir, s.dir, "chmod go-w");
    CU_ASSERT_EQUAL(chmod(s.dir, 0700), 0);

    /* a symlink from a clean directory to a file in a group-writable one */
    sub = scratch_path(&s, "shared", 1);
    CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);
    {
        char target[PATH_MAX];
        snprintf(target, sizeof(target), "%s/good.so", sub);
        copy_file(src, scratch_path(&s, "shared/good.so", 0), 0755);
        link_dir = scratch_path(&s, "links", 1);
        CU_ASSERT_EQUAL_FATAL(mkdir(link_dir, 0700), 0);
        link = scratch_path(&s, "links/good.so", 0);
        CU_ASSERT_EQUAL_FATAL(symlink(target, link), 0);
        SQT_ASSERT_INT_EQ(sqt_plugin_load(link_dir, "good", &p, err, sizeof(err)), 0);
        sqt_plugin_unload(&p);
        CU_ASSERT_EQUAL(chmod(sub, 0770), 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(sub, real));
        expect_untrusted(link_dir, real, "chmod go-w");
        CU_ASSERT_EQUAL(chmod(sub, 0700), 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(target, real));
        CU_ASSERT_EQUAL(chmod(target, 0775), 0);
        expect_untrusted(link_dir, real, "chmod go-w");
        CU_ASSERT_EQUAL(chmod(target, 0755), 0);
    }

    /* a file another user owns: only root can make one to test with */
    if (geteuid() == 0) {
        char fix[64];
        CU_ASSERT_EQUAL(chown(so, 65534, 65534), 0);
        snprintf(fix, sizeof(fix), "chown %u", (unsigned)geteuid());
        expect_untrusted(s.dir, so, fix);
        CU_ASSERT_EQUAL(chown(so, 0, 0), 0);
        SQT_ASSERT_INT_EQ(sqt_plugin_load(s.dir, "good", &p, err, sizeof(err)), 0);
        sqt_plugin_unload(&p);
    } else {
        fprintf(stderr, "    (not root: the other-owner case is not exercised)\n");
    }
    scratch_done(&s);
}

static void test_older_minor(void)
{
#ifdef SQT_HAVE_OLDER_MINOR
    sqt_loaded_plugin p;
    char err[512];
    SQT_ASSERT_INT_EQ(sqt_plugin_load(plugin_dir(), "older_minor", &p, err, sizeof(err)), 0);
    SQT_ASSERT_INT_EQ(p.desc->abi_minor, SQT_PLUGIN_ABI_MINOR - 1);
    /* its table ends before warm: the host reads it as absent */
    CU_ASSERT_FALSE(SQT_HAS_MEMBER(p.desc->exchange, sqt_exchange_api, warm));
    CU_ASSERT_TRUE(SQT_HAS_MEMBER(p.desc->exchange, sqt_exchange_api, subscribe_klines));
    sqt_plugin_unload(&p);
#else
    /* Host minor is 0: no older plugin can exist; the rule is covered by test_abi_rule. */
    SQT_ASSERT_INT_EQ(SQT_PLUGIN_ABI_MINOR, 0);
#endif
}

static void test_invalid_names(void)
{
    static const char *const bad[] = {"../x", "/abs", "", "Binance", "x/../good",
                                      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    scratch s;
    char sub[PATH_MAX + 8], good[PATH_MAX], err[512], want[512];
    sqt_loaded_plugin p;
    size_t i;

    /* Each of these names would reach a real plugin file if it became a path. */
    scratch_init(&s);
    test_plugin_path("good", good, sizeof(good));
    scratch_mkdir(&s, "sub");
    scratch_link(&s, "x.so", good);
    scratch_link(&s, "Binance.so", good);
    scratch_link(&s, "abs.so", good);
    snprintf(sub, sizeof(sub), "%s/sub", s.dir);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SQT_ASSERT_INT_EQ(sqt_plugin_load(sub, bad[i], &p, err, sizeof(err)), -1);
        snprintf(want, sizeof(want), "invalid plugin name '%s' (expected [a-z][a-z0-9_]{0,31})",
                 bad[i]);
        SQT_ASSERT_STR_EQ(err, want);
        SQT_ASSERT_INT_EQ(sqt_plugin_load(s.dir, bad[i], &p, err, sizeof(err)), -1);
        SQT_ASSERT_STR_EQ(err, want);
        CU_ASSERT_PTR_NULL(p.dl);
    }
    SQT_ASSERT_INT_EQ(sqt_plugin_load(s.dir, NULL, &p, err, sizeof(err)), -1);
    ASSERT_PREFIX(err, "invalid plugin name '(null)'");
    scratch_done(&s);
}

static void test_not_found(void)
{
    scratch s;
    sqt_loaded_plugin p;
    char err[1024], want[PATH_MAX + 128], missing[PATH_MAX];

    SQT_ASSERT_INT_EQ(sqt_plugin_load(plugin_dir(), "nosuch", &p, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "plugin 'nosuch' not found in %s (available: ", plugin_dir());
    ASSERT_PREFIX(err, want);
    ASSERT_CONTAINS(err, "bad_major, ");
    ASSERT_CONTAINS(err, "good, ");
    SQT_ASSERT_INT_EQ(err[strlen(err) - 1], ')');
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    /* sorted: bad_major before good before null_table */
    CU_ASSERT_TRUE(strstr(err, "bad_major") < strstr(err, "good, "));
    CU_ASSERT_TRUE(strstr(err, "good, ") < strstr(err, "null_table"));

    scratch_init(&s);
    scratch_write(&s, "readme.txt", "not a plugin\n");
    SQT_ASSERT_INT_EQ(sqt_plugin_load(s.dir, "nosuch", &p, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "plugin 'nosuch' not found: no plugins in %s", s.dir);
    SQT_ASSERT_STR_EQ(err, want);

    snprintf(missing, sizeof(missing), "%s/absent", s.dir);
    SQT_ASSERT_INT_EQ(sqt_plugin_load(missing, "nosuch", &p, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "plugin 'nosuch' not found: plugin directory %s cannot be read: %s", missing,
             strerror(ENOENT));
    SQT_ASSERT_STR_EQ(err, want);
    scratch_done(&s);
}

static void test_dlopen_failure(void)
{
    scratch s;
    sqt_loaded_plugin p;
    char err[1024];

    scratch_init(&s);
    scratch_write(&s, "junk.so", "this is text, not an ELF object\n");
    scratch_mkdir(&s, "dir.so");
    SQT_ASSERT_INT_EQ(sqt_plugin_load(s.dir, "junk", &p, err, sizeof(err)), -1);
    ASSERT_PREFIX(err, "cannot load plugin 'junk': ");
    ASSERT_CONTAINS(err, "junk.so");
    CU_ASSERT_PTR_NULL(p.dl);
    SQT_ASSERT_INT_EQ(sqt_plugin_load(s.dir, "dir", &p, err, sizeof(err)), -1);
    ASSERT_CONTAINS(err, "dir.so is not a regular file");
    scratch_done(&s);
}

/* ---- listing ------------------------------------------------------------------------ */

typedef struct listed {
    char path[8][PATH_MAX];
    char why[8][512];
    char name[8][40];
    int n;
} listed;

static void collect(void *ud, const char *path, const sqt_loaded_plugin *ok, const char *why)
{
    listed *l = ud;
    if (l->n >= 8)
        return;
    snprintf(l->path[l->n], PATH_MAX, "%s", path);
    snprintf(l->why[l->n], 512, "%s", why ? why : "");
    snprintf(l->name[l->n], 40, "%s", ok ? ok->desc->name : "");
    CU_ASSERT_TRUE((ok == NULL) != (why == NULL));
    l->n++;
}

static void test_list(void)
{
    scratch s;
    listed l;
    char good[PATH_MAX], bad[PATH_MAX], want[PATH_MAX + 8];

    scratch_init(&s);
    test_plugin_path("good", good, sizeof(good));
    test_plugin_path("bad_major", bad, sizeof(bad));
    scratch_link(&s, "good.so", good);
    scratch_link(&s, "bad_major.so", bad);
    scratch_link(&s, "Binance.so", good);
    scratch_write(&s, "junk.so", "text\n");
    scratch_write(&s, "notes.txt", "ignored\n");
    scratch_link(&s, "good.so.1", good);

    memset(&l, 0, sizeof(l));
    SQT_ASSERT_INT_EQ(sqt_plugin_list(s.dir, collect, &l), 4);
    SQT_ASSERT_INT_EQ(l.n, 4);
    /* byte order: upper case first */
    snprintf(want, sizeof(want), "%s/Binance.so", s.dir);
    SQT_ASSERT_STR_EQ(l.path[0], want);
    SQT_ASSERT_STR_EQ(l.why[0], "file name 'Binance' is not a valid plugin name "
                                "([a-z][a-z0-9_]{0,31})");
    snprintf(want, sizeof(want), "%s/bad_major.so", s.dir);
    SQT_ASSERT_STR_EQ(l.path[1], want);
    ASSERT_PREFIX(l.why[1], "plugin 'bad_major' was built for SDK ABI ");
    snprintf(want, sizeof(want), "%s/good.so", s.dir);
    SQT_ASSERT_STR_EQ(l.path[2], want);
    SQT_ASSERT_STR_EQ(l.name[2], "good");
    SQT_ASSERT_STR_EQ(l.why[2], "");
    ASSERT_PREFIX(l.why[3], "cannot load plugin 'junk': ");
    scratch_done(&s);

    memset(&l, 0, sizeof(l));
    SQT_ASSERT_INT_EQ(sqt_plugin_list("/nonexistent/sqt-plugins", collect, &l), -ENOENT);
    SQT_ASSERT_INT_EQ(l.n, 0);
}

/* ---- directory resolution ------------------------------------------------------------ */

static void test_resolve_dir(void)
{
    char out[PATH_MAX], exe[PATH_MAX], want[PATH_MAX * 2], real[PATH_MAX], small[8];
    const char *saved = getenv("OPENSQT_PLUGIN_DIR");
    char *keep = saved ? strdup(saved) : NULL;
    ssize_t n;

    setenv("OPENSQT_PLUGIN_DIR", "/from/env", 1);
    SQT_ASSERT_INT_EQ(sqt_plugin_resolve_dir("/from/cli", "/from/cfg", out, sizeof(out)), 0);
    SQT_ASSERT_STR_EQ(out, "/from/cli");
    SQT_ASSERT_INT_EQ(sqt_plugin_resolve_dir(NULL, "/from/cfg", out, sizeof(out)), 0);
    SQT_ASSERT_STR_EQ(out, "/from/env");
    SQT_ASSERT_INT_EQ(sqt_plugin_resolve_dir("", "/from/cfg", out, sizeof(out)), 0);
    SQT_ASSERT_STR_EQ(out, "/from/env");

    setenv("OPENSQT_PLUGIN_DIR", "", 1); /* empty = unset */
    SQT_ASSERT_INT_EQ(sqt_plugin_resolve_dir(NULL, "/from/cfg", out, sizeof(out)), 0);
    SQT_ASSERT_STR_EQ(out, "/from/cfg");
    unsetenv("OPENSQT_PLUGIN_DIR");
    SQT_ASSERT_INT_EQ(sqt_plugin_resolve_dir(NULL, "/from/cfg", out, sizeof(out)), 0);
    SQT_ASSERT_STR_EQ(out, "/from/cfg");

    /* compiled default: explicit, or next to this executable */
    SQT_ASSERT_INT_EQ(sqt_plugin_resolve_dir(NULL, "", out, sizeof(out)), 0);
    if (SQT_DEFAULT_PLUGIN_DIR[0] != '\0') {
        SQT_ASSERT_STR_EQ(out, SQT_DEFAULT_PLUGIN_DIR);
    } else {
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        CU_ASSERT_TRUE_FATAL(n > 0);
        exe[n] = '\0';
        *strrchr(exe, '/') = '\0';
        snprintf(want, sizeof(want), "%s/%s", exe, SQT_REL_PLUGIN_DIR);
        if (realpath(want, real) != NULL)
            snprintf(want, sizeof(want), "%s", real);
        SQT_ASSERT_STR_EQ(out, want);
    }

    /* too small: an error, never a truncated directory */
    SQT_ASSERT_INT_EQ(sqt_plugin_resolve_dir("/a/long/directory", NULL, small, sizeof(small)),
                      -1);

    if (keep != NULL)
        setenv("OPENSQT_PLUGIN_DIR", keep, 1);
    free(keep);
}

/* ---- driving plugins through their tables: a minimal host --------------------------- */

#define MH_TIMERS 16

struct sqt_timer {
    sqt_timer_cb cb;
    void *ud;
    uint64_t due;              /* virtual ms */
    uint64_t seq;              /* start order breaks ties, as libuv does */
    int active;
};

struct sqt_host {
    struct sqt_timer timers[MH_TIMERS];
    uint64_t now, seq;
    char last_log[256];
    int n_logs;
    const char *rest_url;
};

static void mh_log(sqt_host *h, int level, const char *msg)
{
    (void)level;
    snprintf(h->last_log, sizeof(h->last_log), "%s", msg);
    h->n_logs++;
}

static int64_t mh_wall(sqt_host *h)
{
    return 1735000000000 + (int64_t)h->now;
}

static uint64_t mh_mono(sqt_host *h)
{
    return h->now * 1000000u;
}

static int mh_timer_start(sqt_host *h, uint64_t timeout_ms, uint64_t repeat_ms, sqt_timer_cb cb,
                          void *ud, sqt_timer **out)
{
    int i;
    if (repeat_ms != 0)
        return SQT_ENOTSUP;
    for (i = 0; i < MH_TIMERS; i++) {
        if (!h->timers[i].active) {
            h->timers[i].cb = cb;
            h->timers[i].ud = ud;
            h->timers[i].due = h->now + timeout_ms;
            h->timers[i].seq = h->seq++;
            h->timers[i].active = 1;
            if (out != NULL)
                *out = &h->timers[i];
            return 0;
        }
    }
    return SQT_ENOMEM;
}

static void mh_timer_stop(sqt_host *h, sqt_timer *t)
{
    (void)h;
    CU_ASSERT_TRUE(t->active); /* stopping a fired one-shot would be a plugin bug */
    t->active = 0;
}

/* Fire timers in due order, advancing the virtual clock, until none is left. */
static int mh_run(sqt_host *h)
{
    int fired = 0;
    for (;;) {
        struct sqt_timer *next = NULL;
        int i;
        for (i = 0; i < MH_TIMERS; i++) {
            struct sqt_timer *t = &h->timers[i];
            if (t->active && (next == NULL || t->due < next->due ||
                              (t->due == next->due && t->seq < next->seq)))
                next = t;
        }
        if (next == NULL)
            return fired;
        if (next->due > h->now)
            h->now = next->due;
        next->active = 0; /* one-shot: released as it fires */
        next->cb(next->ud);
        fired++;
    }
}

static int mh_http(sqt_host *h, const sqt_http_request *req, sqt_http_cb cb, void *ud,
                   sqt_http_call **out)
{
    (void)h, (void)req, (void)cb, (void)ud, (void)out;
    return SQT_ENOTSUP;
}

static void mh_http_cancel(sqt_host *h, sqt_http_call *c)
{
    (void)h, (void)c;
}

static int mh_ws_open(sqt_host *h, const sqt_ws_options *o, const sqt_ws_callbacks *cbs,
                      void *ud, sqt_ws **out)
{
    (void)h, (void)o, (void)cbs, (void)ud, (void)out;
    return SQT_ENOTSUP;
}

static int mh_ws_send(sqt_host *h, sqt_ws *ws, const char *d, size_t n, int bin)
{
    (void)h, (void)ws, (void)d, (void)n, (void)bin;
    return SQT_ENOTSUP;
}

static int mh_ws_close(sqt_host *h, sqt_ws *ws)
{
    (void)h, (void)ws;
    return SQT_ENOTSUP;
}

static int mh_secret(sqt_host *h, const char *name, char *buf, size_t cap)
{
    (void)h, (void)name, (void)buf, (void)cap;
    return SQT_ENOENT;
}

static int mh_config(sqt_host *h, const char *key, char *buf, size_t cap)
{
    size_t n;
    if (strcmp(key, "rest_url") != 0 || h->rest_url == NULL)
        return SQT_ENOENT;
    n = strlen(h->rest_url);
    if (n + 1 > cap)
        return SQT_ERANGE;
    memcpy(buf, h->rest_url, n + 1);
    return (int)n;
}

static void mh_rate(sqt_host *h, const sqt_rate_usage *u)
{
    (void)h, (void)u;
}

static const sqt_host_api mh_api = {
    .struct_size = sizeof(sqt_host_api),
    .log = mh_log,
    .wall_ms = mh_wall,
    .mono_ns = mh_mono,
    .timer_start = mh_timer_start,
    .timer_stop = mh_timer_stop,
    .http_request = mh_http,
    .http_cancel = mh_http_cancel,
    .ws_open = mh_ws_open,
    .ws_send = mh_ws_send,
    .ws_close = mh_ws_close,
    .secret = mh_secret,
    .config = mh_config,
    .rate_usage = mh_rate,
};

typedef struct results {
    int done_calls;
    int place_calls;
    int place_status;
    size_t place_n;
    char place_ids[4][SQT_CLIENT_ID_MAX];
    int place_codes[4];
    char place_msg[256];
    int cancel_calls;
    int cancel_status;
    size_t cancel_n;
    char cancel_oid[SQT_ORDER_ID_MAX];
    int order_seen_at_done; /* place callbacks seen when shutdown reported */
} results;

static void on_done(void *ud, const sqt_error *err)
{
    results *r = ud;
    CU_ASSERT_TRUE(err == NULL || err->code == SQT_OK);
    r->done_calls++;
    r->order_seen_at_done = r->place_calls;
}

static void on_place(void *ud, int status, const sqt_place_result *res, size_t n)
{
    results *r = ud;
    size_t i;
    r->place_calls++;
    r->place_status = status;
    r->place_n = n;
    for (i = 0; i < n && i < 4; i++) {
        memcpy(r->place_ids[i], res[i].client_id, SQT_CLIENT_ID_MAX);
        r->place_codes[i] = res[i].err.code;
        snprintf(r->place_msg, sizeof(r->place_msg), "%s", res[i].err.message);
    }
}

static void on_cancel(void *ud, int status, const sqt_cancel_result *res, size_t n)
{
    results *r = ud;
    r->cancel_calls++;
    r->cancel_status = status;
    r->cancel_n = n;
    if (n > 0)
        memcpy(r->cancel_oid, res[0].order_id, SQT_ORDER_ID_MAX);
}

static sqt_order_req order_req(const char *id)
{
    sqt_order_req q;
    memset(&q, 0, sizeof(q));
    q.struct_size = sizeof(q);
    snprintf(q.client_id, sizeof(q.client_id), "%s", id);
    q.side = SQT_SIDE_BUY;
    q.tif = SQT_TIF_POST_ONLY;
    q.price = sqt_dec_make(250000, 2);
    q.qty = sqt_dec_make(12, 3);
    return q;
}

static void test_good_lifecycle(void)
{
    sqt_loaded_plugin p;
    sqt_host host;
    sqt_create_args args = {.struct_size = sizeof(sqt_create_args),
                            .symbol = "ETHUSDT", .exchange_name = "good"};
    sqt_exchange *ex = NULL;
    sqt_error err;
    sqt_order_req q = order_req("g1");
    results r;
    char msg[512];
    const sqt_exchange_api *api;

    SQT_ASSERT_INT_EQ(sqt_plugin_load(plugin_dir(), "good", &p, msg, sizeof(msg)), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.desc);
    api = p.desc->exchange;
    memset(&host, 0, sizeof(host));
    memset(&r, 0, sizeof(r));
    memset(&err, 0, sizeof(err));
    SQT_ASSERT_INT_EQ(api->create(&mh_api, &host, &args, &ex, &err), SQT_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);

    SQT_ASSERT_INT_EQ(api->place_orders(ex, &q, 1, on_place, &r), SQT_ENOTSUP);
    SQT_ASSERT_STR_EQ(host.last_log, "test plugin refuses orders: it is not an exchange");
    SQT_ASSERT_INT_EQ(api->symbol_info(ex, NULL, NULL), SQT_ENOTSUP);

    SQT_ASSERT_INT_EQ(api->shutdown(ex, on_done, &r), SQT_OK);
    SQT_ASSERT_INT_EQ(r.done_calls, 0); /* never from inside the call */
    CU_ASSERT_TRUE(mh_run(&host) >= 1);
    SQT_ASSERT_INT_EQ(r.done_calls, 1);
    SQT_ASSERT_INT_EQ(r.place_calls, 0); /* refused with a return code: no callback */
    api->destroy(ex);

    /* create failing reports through err, with a message */
    args.symbol = "";
    ex = NULL;
    SQT_ASSERT_INT_EQ(api->create(&mh_api, &host, &args, &ex, &err), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(err.code, SQT_EINVAL);
    SQT_ASSERT_STR_EQ(err.message, "test plugin: no symbol given");
    CU_ASSERT_PTR_NULL(ex);
    sqt_plugin_unload(&p);
}

static void test_example_lifecycle(void)
{
    sqt_loaded_plugin p;
    sqt_host host;
    sqt_create_args args = {.struct_size = sizeof(sqt_create_args),
                            .symbol = "ETHUSDT", .exchange_name = "example"};
    sqt_exchange *ex = NULL;
    sqt_error err;
    sqt_order_req q[2];
    sqt_cancel_req c;
    results r;
    char msg[512];
    const sqt_exchange_api *api;

    SQT_ASSERT_INT_EQ(sqt_plugin_load(plugin_dir(), "example", &p, msg, sizeof(msg)), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p.desc);
    api = p.desc->exchange;
    SQT_ASSERT_INT_EQ(api->flags, 0);
    memset(&host, 0, sizeof(host));
    host.rest_url = "http://127.0.0.1:9";
    memset(&r, 0, sizeof(r));
    memset(&err, 0, sizeof(err));
    SQT_ASSERT_INT_EQ(api->create(&mh_api, &host, &args, &ex, &err), SQT_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
    SQT_ASSERT_STR_EQ(host.last_log,
                      "example: instance for ETHUSDT created (rest_url http://127.0.0.1:9)");

    /* queries: refused at once */
    SQT_ASSERT_INT_EQ(api->account(ex, NULL, NULL), SQT_ENOTSUP);
    SQT_ASSERT_INT_EQ(api->subscribe_price(ex, NULL), SQT_ENOTSUP);

    /* orders: accepted, answered later with a per-order error */
    q[0] = order_req("e1");
    q[1] = order_req("e2");
    SQT_ASSERT_INT_EQ(api->place_orders(ex, q, 2, on_place, &r), SQT_OK);
    memset(q, 0, sizeof(q)); /* the plugin must have copied what it needs */
    SQT_ASSERT_INT_EQ(r.place_calls, 0);
    memset(&c, 0, sizeof(c));
    snprintf(c.order_id, sizeof(c.order_id), "8389765");
    SQT_ASSERT_INT_EQ(api->cancel_orders(ex, &c, 1, on_cancel, &r), SQT_OK);
    SQT_ASSERT_INT_EQ(mh_run(&host), 2);
    SQT_ASSERT_INT_EQ(r.place_calls, 1);
    SQT_ASSERT_INT_EQ(r.place_status, SQT_ENOTSUP);
    SQT_ASSERT_INT_EQ(r.place_n, 2);
    SQT_ASSERT_STR_EQ(r.place_ids[0], "e1");
    SQT_ASSERT_STR_EQ(r.place_ids[1], "e2");
    SQT_ASSERT_INT_EQ(r.place_codes[1], SQT_ENOTSUP);
    SQT_ASSERT_STR_EQ(r.place_msg, "the example plugin does not trade");
    SQT_ASSERT_INT_EQ(r.cancel_calls, 1);
    SQT_ASSERT_INT_EQ(r.cancel_status, SQT_ENOTSUP);
    SQT_ASSERT_INT_EQ(r.cancel_n, 1);
    SQT_ASSERT_STR_EQ(r.cancel_oid, "8389765");

    /* shutdown with an order in flight: it is cancelled first, then shutdown reports */
    q[0] = order_req("e3");
    SQT_ASSERT_INT_EQ(api->place_orders(ex, q, 1, on_place, &r), SQT_OK);
    SQT_ASSERT_INT_EQ(api->shutdown(ex, on_done, &r), SQT_OK);
    SQT_ASSERT_INT_EQ(api->shutdown(ex, on_done, &r), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(api->place_orders(ex, q, 1, on_place, &r), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(r.done_calls, 0);
    mh_run(&host);
    SQT_ASSERT_INT_EQ(r.done_calls, 1);
    SQT_ASSERT_INT_EQ(r.place_calls, 2);
    SQT_ASSERT_INT_EQ(r.order_seen_at_done, 2);
    SQT_ASSERT_INT_EQ(r.place_status, SQT_ECANCELLED);
    SQT_ASSERT_STR_EQ(r.place_ids[0], "e3");
    api->destroy(ex);
    sqt_plugin_unload(&p);
}

int main(void)
{
    static const sqt_test_case rules[] = {
        {"name_valid", test_name_valid},
        {"abi_rule", test_abi_rule},
        {"resolve_dir", test_resolve_dir},
        {NULL, NULL}};
    static const sqt_test_case loading[] = {
        {"load_good", test_load_good},
        {"refusals", test_load_refusals},
        {"trust", test_trust},
        {"older_minor", test_older_minor},
        {"invalid_names", test_invalid_names},
        {"not_found", test_not_found},
        {"dlopen_failure", test_dlopen_failure},
        {"list", test_list},
        {"hot code ranges", test_hotcode},
        {NULL, NULL}};
    static const sqt_test_case tables[] = {
        {"good_lifecycle", test_good_lifecycle},
        {"example_lifecycle", test_example_lifecycle},
        {NULL, NULL}};

    SQT_TEST_INIT();
    if (sqt_test_suite("loader_rules", rules) != 0 || sqt_test_suite("loader_load", loading) != 0 ||
        sqt_test_suite("loader_tables", tables) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
