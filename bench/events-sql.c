/* events-sql.c — prints the SQL aurora-api runs for creating an event or
 * listing a window, so that the pgbench baselines of bench/events.sh run
 * exactly the same statements. Usage: events-sql insert|list */
#include "../src/events/store.c"
#include "../src/events/list.c"

int
main(int argc, char *argv[])
{
	if (argc == 2 && !strcmp(argv[1], "insert"))
		printf("%s\n", st_insert.sql);
	else if (argc == 2 && !strcmp(argv[1], "list"))
		printf("%s\n", st_list.sql);
	else {
		fprintf(stderr, "usage: events-sql insert|list\n");
		return 2;
	}
	return 0;
}
