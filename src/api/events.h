/* events.h — helpers shared by the event handlers (events.c, feeds.c,
 * ics_import.c): the domain context of a request and the answer for each
 * domain result. */
#ifndef AURORA_API_EVENTS_H
#define AURORA_API_EVENTS_H

#include "api/app.h"
#include "events/event.h"

/* Fills c for the request's user at the current time. */
void api_event_ctx(struct event_ctx *c, struct app *app,
    struct http_req *req);
/* Answers a failed domain call: 422, 404, 412, 409, 403, 503 or 500. */
void api_event_answer_rc(struct http_req *req, struct event_ctx *c,
    enum event_rc rc);
/* Answers 200 {"items": [...]}: to_json of each of the n elements of
 * items (size bytes each); 500 when out of memory. */
void api_event_items(struct http_req *req, const void *items, size_t n,
    size_t size, json_object *(*to_json)(const void *));

#endif
