/* useragent.c — device names from User-Agent headers (see useragent.h).
 * Browsers claim to be each other ("Chrome/… Safari/…"; Edge and Opera
 * also say Chrome), so each table is tried in order and the first marker
 * found wins: the specific ones come before the ones they imitate. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "auth/useragent.h"

struct ua_marker {
	const char	*needle;	/* case-sensitive, as clients send it */
	const char	*name;
};

/* Our own clients and tools that never pretend to be a browser. */
static const struct ua_marker ua_apps[] = {
	{ "AuroraTime/", "Aurora app" },
	{ "DAVx5", "DAVx5" },
	{ "Thunderbird/", "Thunderbird" },
	{ "curl/", "curl" },
	{ "python-requests/", "Python script" },
	{ "Python-urllib/", "Python script" },
	{ "Wget/", "Wget" },
	{ NULL, NULL }
};

static const struct ua_marker ua_clients[] = {
	{ "Edg/", "Edge" },
	{ "EdgA/", "Edge" },
	{ "EdgiOS/", "Edge" },
	{ "OPR/", "Opera" },
	{ "SamsungBrowser/", "Samsung Internet" },
	{ "Vivaldi/", "Vivaldi" },
	{ "YaBrowser/", "Yandex Browser" },
	{ "FxiOS/", "Firefox" },
	{ "Firefox/", "Firefox" },
	{ "CriOS/", "Chrome" },
	{ "HeadlessChrome/", "Headless Chrome" },
	{ "Chromium/", "Chromium" },
	{ "Chrome/", "Chrome" },
	{ "Safari/", "Safari" },
	{ NULL, NULL }
};

static const struct ua_marker ua_systems[] = {
	{ "iPhone", "iPhone" },
	{ "iPad", "iPad" },
	{ "iPod", "iPod" },
	{ "Android", "Android" },
	{ "Windows", "Windows" },
	{ "CrOS", "ChromeOS" },
	{ "Macintosh", "macOS" },
	{ "Mac OS X", "macOS" },
	{ "Ubuntu", "Ubuntu" },
	{ "Fedora", "Fedora" },
	{ "Linux", "Linux" },
	{ "FreeBSD", "FreeBSD" },
	{ "OpenBSD", "OpenBSD" },
	{ NULL, NULL }
};

/* The name of the first marker of table found in s, or NULL. */
static const char *
ua_find(const char *s, const struct ua_marker *table)
{
	const struct ua_marker *m;

	for (m = table; m->needle != NULL; m++)
		if (strstr(s, m->needle) != NULL)
			return m->name;
	return NULL;
}

void
useragent_name(const char *ua, char out[USERAGENT_NAME_MAX])
{
	char		 s[USERAGENT_SCAN + 1];
	const char	*app, *client, *sys;
	size_t		 n;

	if (ua == NULL || *ua == '\0') {
		snprintf(out, USERAGENT_NAME_MAX, "Unknown device");
		return;
	}
	/* Capped copy: strstr never reads past USERAGENT_SCAN bytes. */
	n = strnlen(ua, USERAGENT_SCAN);
	memcpy(s, ua, n);
	s[n] = '\0';
	app = ua_find(s, ua_apps);
	client = app != NULL ? app : ua_find(s, ua_clients);
	sys = ua_find(s, ua_systems);
	/* Mobile Safari says "Safari" only with Version/; an iOS app's web
	 * view does not, but is still Apple's engine. */
	if (client == NULL && sys != NULL && strstr(s, "AppleWebKit/") != NULL)
		client = "Browser";
	if (client != NULL && sys != NULL)
		snprintf(out, USERAGENT_NAME_MAX, "%s on %s", client, sys);
	else if (client != NULL)
		snprintf(out, USERAGENT_NAME_MAX, "%s", client);
	else if (sys != NULL)
		snprintf(out, USERAGENT_NAME_MAX, "%s device", sys);
	else
		snprintf(out, USERAGENT_NAME_MAX, "Unknown device");
}
