/* empty-fcgi.c — the benchmark's baseline: a preforked FastCGI program on a
 * Unix socket that answers every request with {} and nothing else, built
 * with the same libfcgi as aurora-api. Usage: empty-fcgi SOCKET WORKERS */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
serve(int fd)
{
	static const char answer[] = "Status: 200 OK\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 2\r\n\r\n{}";
	FCGX_Request req;

	if (FCGX_InitRequest(&req, fd, 0) != 0)
		_exit(1);
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(answer, (int)sizeof(answer) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	_exit(0);
}

int
main(int argc, char *argv[])
{
	char	*end;
	long	 n, i;
	int	 fd;

	if (argc != 3 || (n = strtol(argv[2], &end, 10)) < 1 || n > 64 ||
	    *end != '\0') {
		fprintf(stderr, "usage: empty-fcgi SOCKET WORKERS\n");
		return 2;
	}
	if (FCGX_Init() != 0)
		return 1;
	unlink(argv[1]);
	if ((fd = FCGX_OpenSocket(argv[1], 128)) < 0) {
		perror(argv[1]);
		return 1;
	}
	chmod(argv[1], 0666);
	for (i = 0; i < n; i++)
		if (fork() == 0)
			serve(fd);
	/* The parent waits; a TERM to the process group stops them all. */
	while (wait(NULL) > 0)
		;
	return 0;
}
