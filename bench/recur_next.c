/* recur_next.c — what one icalrecur_iterator_next call costs for a rule:
 * libical alone, without Aurora's checks (docs/events.md, "Limits against
 * costly input", has the figures). For each rule given, creates an iterator
 * at the start and times icalrecur_iterator_new and each of up to n calls;
 * prints the slowest call and the total.
 *
 *   cc -O2 -o /tmp/recur_next bench/recur_next.c \
 *       $(pkg-config --cflags --libs libical)
 *   /tmp/recur_next [-s 20260105T090000] [-n 20] RULE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

static double
ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	struct icalrecurrencetype	 rule;
	struct icaltimetype		 start, tt;
	icalrecur_iterator		*it;
	const char			*s = "20260105T090000";
	double				 t0, t1, a, d, worst;
	long				 n = 20, i;
	int				 k = 1;

	for (; k + 1 < argc && argv[k][0] == '-'; k += 2) {
		if (!strcmp(argv[k], "-s"))
			s = argv[k + 1];
		else if (!strcmp(argv[k], "-n"))
			n = strtol(argv[k + 1], NULL, 10);
	}
	if (k >= argc) {
		fprintf(stderr, "usage: recur_next [-s START] [-n CALLS] "
		    "RULE...\n");
		return 2;
	}
	start = icaltime_from_string(s);
	for (; k < argc; k++) {
		rule = icalrecurrencetype_from_string(argv[k]);
		t0 = ms();
		if ((it = icalrecur_iterator_new(rule, start)) == NULL) {
			printf("%-64s new failed after %.1f ms\n", argv[k],
			    ms() - t0);
			continue;
		}
		t1 = ms();
		worst = 0;
		for (i = 0; i < n; i++) {
			a = ms();
			tt = icalrecur_iterator_next(it);
			if ((d = ms() - a) > worst)
				worst = d;
			if (icaltime_is_null_time(tt))
				break;
		}
		icalrecur_iterator_free(it);
		printf("%-64s new %.2f ms, %ld calls, slowest %.2f ms, total "
		    "%.1f ms\n", argv[k], t1 - t0, i, worst, ms() - t0);
	}
	return 0;
}
