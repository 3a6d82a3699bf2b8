/* tbucket.h — a token bucket that paces sends to a provider's rate limit
 * (SES MaxSendRate): tokens refill at rate per second up to burst. */
#ifndef AURORA_TBUCKET_H
#define AURORA_TBUCKET_H

#include <stdint.h>

struct tbucket {
	double	rate;		/* tokens per second */
	double	burst;		/* most tokens held */
	double	tokens;
	int64_t	last_us;	/* monotonic time of the last refill */
};

/* Starts with one token, so the first send goes at once. burst is raised
 * to 1 if smaller. */
void tbucket_init(struct tbucket *b, double rate, double burst,
    int64_t now_us);
/* Takes one token if there is one and returns 0; otherwise returns the
 * microseconds until one will be there (at least 1) and takes nothing. */
int64_t tbucket_take(struct tbucket *b, int64_t now_us);

#endif
