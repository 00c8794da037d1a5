/* The harness of a test that runs the real app against the scripted exchange: one run
 * of the app on a config file, and main() - a temporary directory (removed when every
 * case passed), the plugin loaded from $SQT_TEST_PLUGIN_DIR, its control table, the
 * suite run. */
#ifndef SCRIPTED_MAIN_H
#define SCRIPTED_MAIN_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "log.h"
#include "plugin.h"
#include "scripted_plugin.h"
#include "sqt_test.h"
#include "state/book.h"

/* One run of the real app (in process) on the config at cfgpath for `seconds`, its log
 * lines also to sink; the book's journal path into journal when not NULL. The app's
 * exit status. */
static inline int scripted_run(const char *cfgpath, sqt_loaded_plugin *plugin, double seconds,
                               void (*sink)(void *, int, const char *), char *journal,
                               size_t cap)
{
    char err[512];
    sqt_config cfg;
    sqt_log log;
    sqt_app_opts o;
    int rc;
    sqt_log_init(&log);
    log.sink = sink;
    log.level = SQT_LV_WARN;
    memset(&cfg, 0, sizeof cfg);
    rc = sqt_config_load(&cfg, cfgpath, &log, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "    config: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    if (journal) {
        sqt_book bk;
        sqt_book_of(&cfg, &bk);
        snprintf(journal, cap, "%s", bk.journal);
    }
    memset(&o, 0, sizeof o);
    o.cfg = &cfg;
    o.plugin = plugin;
    o.log = &log;
    o.run_for_seconds = seconds;
    rc = sqt_app_run(&o);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    return rc;
}

static inline int scripted_main(const char *suite, const sqt_test_case *cases, char *root,
                                size_t rootcap, sqt_loaded_plugin *plugin,
                                const scripted_api **api)
{
    char tmpl[] = "/tmp/sqt-scripted-XXXXXX", err[512];
    const char *pdir = getenv("SQT_TEST_PLUGIN_DIR");
    scripted_api_fn fn;
    int rc;
    if (pdir == NULL || mkdtemp(tmpl) == NULL) {
        fprintf(stderr, "SQT_TEST_PLUGIN_DIR unset or no temp dir\n");
        return EXIT_FAILURE;
    }
    snprintf(root, rootcap, "%s", tmpl);
    if (sqt_plugin_load(pdir, "scripted", plugin, err, sizeof err) != 0) {
        fprintf(stderr, "scripted plugin: %s\n", err);
        return EXIT_FAILURE;
    }
    *(void **)&fn = dlsym(plugin->dl, SCRIPTED_API_SYMBOL);
    if (fn == NULL) {
        fprintf(stderr, "scripted plugin: no %s\n", SCRIPTED_API_SYMBOL);
        sqt_plugin_unload(plugin);
        return EXIT_FAILURE;
    }
    *api = fn();
    SQT_TEST_INIT();
    sqt_test_suite(suite, cases);
    rc = sqt_test_run();
    sqt_plugin_unload(plugin);
    if (rc == EXIT_SUCCESS) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        if (system(cmd) != 0)
            return EXIT_FAILURE;
    }
    return rc;
}

#endif
