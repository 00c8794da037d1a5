/* The asynchronous end of a plugin's shutdown (pluginkit.h): the callback runs once,
 * from a timer of its own (never inside shutdown(), never inside the plugin's own
 * loops), as soon as the plugin reports nothing left in flight. */
#include <string.h>

#include <opensqt/pluginkit.h>

static void deliver(sqt_kit_shut *s)
{
    sqt_error ok;
    memset(&ok, 0, sizeof(ok));
    s->done = 1;
    s->cb(s->ud, &ok); /* last: the host may destroy the plugin in it */
}

static void fired(void *ud)
{
    sqt_kit_shut *s = ud;
    s->timer = NULL; /* one-shot: released by the host */
    if (!s->done && s->drained(s->owner))
        deliver(s);
}

void sqt_kit_shut_begin(sqt_kit_shut *s, const sqt_host_api *api, sqt_host *host,
                        int (*drained)(void *owner), void *owner, sqt_done_cb cb, void *ud)
{
    memset(s, 0, sizeof(*s));
    s->api = api;
    s->host = host;
    s->drained = drained;
    s->owner = owner;
    s->cb = cb;
    s->ud = ud;
    s->in_call = 1;
    if (api->timer_start(host, 0, 0, fired, s, &s->timer) != SQT_OK)
        s->timer = NULL;
}

void sqt_kit_shut_check(sqt_kit_shut *s)
{
    if (s->cb == NULL || s->done || s->in_call || s->timer != NULL || !s->drained(s->owner))
        return;
    if (s->api->timer_start(s->host, 0, 0, fired, s, &s->timer) != SQT_OK) {
        s->timer = NULL;
        deliver(s); /* last resort: the host refused a timer */
    }
}

void sqt_kit_shut_end_call(sqt_kit_shut *s)
{
    s->in_call = 0;
    sqt_kit_shut_check(s);
}

void sqt_kit_shut_free(sqt_kit_shut *s)
{
    if (s->timer != NULL)
        s->api->timer_stop(s->host, s->timer);
    s->timer = NULL;
}
