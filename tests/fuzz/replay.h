/* replay.h — the plain (non-libFuzzer) driver the fuzz harnesses share:
 * feeds each file named, or each file under each directory named, to the
 * harness's LLVMFuzzerTestOneInput, as `make check` does with the
 * checked-in corpora. */
#ifndef AURORA_FUZZ_REPLAY_H
#define AURORA_FUZZ_REPLAY_H

#include <stddef.h>
#include <stdint.h>

/* The harness's entry point (libFuzzer's name). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replays path (a file, or a directory walked recursively; dot files
 * skipped), each file cut to max_input bytes. *count is increased by the
 * files replayed. Returns 0, or -1 when a path cannot be read (reported
 * on stderr). */
int fuzz_replay(const char *path, size_t max_input, int *count);

/* The common main: replays corpus when argv names nothing, else each
 * argv[i]. Returns 0, or -1 as for fuzz_replay. */
int fuzz_replay_args(int argc, char *argv[], const char *corpus,
    size_t max_input, int *count);

#endif
