/* log.h — one JSON object per line on stderr, so operators can grep or ship
 * the log. The level and program name are set once at start-up, before any
 * fork, and never change afterwards. */
#ifndef AURORA_LOG_H
#define AURORA_LOG_H

#include <json-c/json.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the program name and the lowest level written ("debug".."error"). */
void log_init(const char *prog, const char *level);
int log_enabled(enum log_level lv);

/* Writes {"ts","level","prog","pid","event","msg"}. Never pass secrets. */
void log_msg(enum log_level lv, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the standard fields plus every member of fields (not consumed). */
void log_fields(enum log_level lv, const char *event, json_object *fields);

#endif
