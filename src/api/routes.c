/* routes.c — every aurora-api route in one table. */
#include "config.h"

#include "api/app.h"

const struct route app_routes[] = {
	{ HTTP_GET, "/api/v1/health", api_health, 0, NULL },
	/* nginx exposes /metrics to loopback and configured networks only. */
	{ HTTP_GET, "/metrics", api_metrics, 0, NULL },
};

const size_t app_nroutes = sizeof(app_routes) / sizeof(app_routes[0]);
