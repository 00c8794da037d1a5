/* main() of a test that runs the real app against the scripted exchange: a temporary
 * directory (removed when every case passed), the plugin loaded from
 * $SQT_TEST_PLUGIN_DIR, its control table, the suite run. */
#ifndef SCRIPTED_MAIN_H
#define SCRIPTED_MAIN_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "plugin.h"
#include "scripted_plugin.h"
#include "sqt_test.h"

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
