/* tbucket.c — send pacing (see tbucket.h). */
#include "config.h"

#include "mail/tbucket.h"

void
tbucket_init(struct tbucket *b, double rate, double burst, int64_t now_us)
{
	b->rate = rate > 0 ? rate : 1;
	b->burst = burst >= 1 ? burst : 1;
	b->tokens = 1;
	b->last_us = now_us;
}

int64_t
tbucket_take(struct tbucket *b, int64_t now_us)
{
	double	 wait;

	if (now_us > b->last_us) {
		b->tokens += (double)(now_us - b->last_us) * b->rate / 1e6;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_us = now_us;
	}
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return 0;
	}
	wait = (1 - b->tokens) * 1e6 / b->rate;
	return wait < 1 ? 1 : (int64_t)wait + 1;
}
