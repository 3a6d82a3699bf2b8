/* replay.c — replays fuzz inputs from files through a harness without
 * libFuzzer (see replay.h); linked into the `make check` builds of every
 * harness in tests/fuzz/. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "replay.h"

static int
replay_file(const char *path, size_t max_input)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	if ((buf = malloc(max_input)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, max_input, f);
	fclose(f);
	(void)LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
	free(buf);
	return 0;
}

int
fuzz_replay(const char *path, size_t max_input, int *count)
{
	struct stat	 st;
	struct dirent	*d;
	DIR		*dir;
	char		 p[4096];
	int		 rc = 0;

	if (stat(path, &st) == -1) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path, max_input);
	}
	if ((dir = opendir(path)) == NULL) {
		perror(path);
		return -1;
	}
	while (rc == 0 && (d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", path,
		    d->d_name) >= sizeof(p)) {
			fprintf(stderr, "%s/%s: path too long\n", path,
			    d->d_name);
			rc = -1;
			break;
		}
		rc = fuzz_replay(p, max_input, count);
	}
	closedir(dir);
	return rc;
}

int
fuzz_replay_args(int argc, char *argv[], const char *corpus,
    size_t max_input, int *count)
{
	int	 i, rc = 0;

	if (argc < 2)
		return fuzz_replay(corpus, max_input, count);
	for (i = 1; i < argc && rc == 0; i++)
		rc = fuzz_replay(argv[i], max_input, count);
	return rc;
}
