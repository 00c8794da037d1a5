/* The registry of requests in flight (pluginkit.h): an intrusive list the plugin's own
 * request records are linked into until they complete. */
#include <opensqt/pluginkit.h>

SQT_HOT void sqt_kit_reqs_add(sqt_kit_reqs *rs, sqt_kit_req *r)
{
    r->prev = NULL;
    r->next = rs->head;
    if (rs->head != NULL)
        rs->head->prev = r;
    rs->head = r;
}

void sqt_kit_reqs_remove(sqt_kit_reqs *rs, sqt_kit_req *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else if (rs->head == r)
        rs->head = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

size_t sqt_kit_reqs_pending(const sqt_kit_reqs *rs)
{
    const sqt_kit_req *r;
    size_t n = 0;
    for (r = rs->head; r != NULL; r = r->next)
        n++;
    return n;
}

void sqt_kit_reqs_cancel_all(sqt_kit_reqs *rs, const sqt_host_api *api, sqt_host *host,
                             void (*parked)(sqt_kit_req *r, void *ud), void *ud)
{
    sqt_kit_req *r;
    for (;;) {
        /* restart after each: a synchronous cancel callback may complete others */
        for (r = rs->head; r != NULL; r = r->next)
            if (!r->cancel_sent)
                break;
        if (r == NULL)
            return;
        r->cancel_sent = 1;
        if (r->call != NULL)
            api->http_cancel(host, r->call);
        else
            parked(r, ud);
    }
}
