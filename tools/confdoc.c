/* confdoc.c — writes the documentation of aurora.conf from the one table of
 * settings in src/core/conf.c: the key list of aurora.conf(5), the sample
 * aurora.conf and the tables of docs/configuration.md. The prose around the
 * keys stays in a template (man/aurora.conf.5.in, etc/aurora.conf.in,
 * docs/configuration.md.in) where a line "@CONF_KEYS <section>@" marks where
 * each section's keys go. `make confdoc` regenerates the three files;
 * `make check` (tests/confdoc_drift.sh) fails when they differ.
 *
 *   confdoc man|conf|md TEMPLATE   the filled-in template on stdout
 *   confdoc check FILE             parses FILE as aurora.conf would
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"

enum fmt { FMT_MAN, FMT_CONF, FMT_MD };

#define CONFDOC_WIDTH	78	/* sample file comment lines */
#define CONFDOC_LINE	4096	/* longest template line */

/* Writes text with `literal` markup for one format: mdoc quotes and escapes,
 * Markdown table cells (| escaped), or plain text (backquotes dropped). */
static void
put_text(FILE *out, enum fmt f, const char *s)
{
	int in_code = 0;

	for (; *s != '\0'; s++) {
		if (*s == '`') {
			if (f == FMT_MAN)
				fputs(in_code ? "\\(cq" : "\\(oq", out);
			else if (f == FMT_MD)
				fputc('`', out);
			in_code = !in_code;
		} else if (f == FMT_MAN && *s == '\\')
			fputs("\\e", out);
		else if (f == FMT_MAN && strncmp(s, "\xe2\x80\x94", 3) == 0) {
			fputs("\\(em", out);	/* U+2014 em dash */
			s += 2;
		} else if (f == FMT_MAN && strncmp(s, "\xe2\x80\x93", 3) == 0) {
			fputs("\\(en", out);	/* U+2013 en dash */
			s += 2;
		} else if (f == FMT_MD && *s == '|')
			fputs("\\|", out);
		else
			fputc(*s, out);
	}
}

/* The default as the docs show it, with markup. */
static void
put_default(FILE *out, enum fmt f, const struct conf_doc *d)
{
	if (d->shown != NULL)
		put_text(out, f, d->shown);
	else if (d->def[0] == '\0')
		put_text(out, f, f == FMT_MD ? "" : "empty");
	else if (f == FMT_CONF)
		fputs(d->def, out);
	else {
		/* put_text escapes the value for the format */
		fputs(f == FMT_MAN ? "\\(oq" : "`", out);
		put_text(out, f, d->def);
		fputs(f == FMT_MAN ? "\\(cq" : "`", out);
	}
}

/* Writes "# "-prefixed lines of at most CONFDOC_WIDTH columns holding the
 * words of s (markup dropped); a word longer than a line gets its own. */
static void
put_comment(FILE *out, const char *s)
{
	const char	*w, *c;
	size_t		 col = 0, len, shown;

	for (w = s; *w != '\0'; w += len) {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			break;
		for (len = 0, shown = 0; w[len] != '\0' && w[len] != ' '; len++)
			if (w[len] != '`')
				shown++;
		if (col > 0 && col + 1 + shown > CONFDOC_WIDTH) {
			fputc('\n', out);
			col = 0;
		}
		if (col == 0) {
			fputc('#', out);
			col = 1;
		}
		fputc(' ', out);
		for (c = w; c < w + len; c++)
			if (*c != '`')
				fputc(*c, out);
		col += 1 + shown;
	}
	if (col > 0)
		fputc('\n', out);
}

static int
put_key(FILE *out, enum fmt f, const struct conf_doc *d)
{
	char	 text[2048];
	int	 n;

	switch (f) {
	case FMT_MD:
		fprintf(out, "| `%s` | ", d->name);
		put_default(out, f, d);
		fputs(" | ", out);
		put_text(out, f, d->range);
		fputs(" | ", out);
		put_text(out, f, d->doc);
		fputs(" |\n", out);
		return 0;
	case FMT_MAN:
		fprintf(out, ".It Cm %s\n", d->name);
		/* A text line starting with a dot or quote would be a request. */
		if (d->doc[0] == '.' || d->doc[0] == '\'')
			fputs("\\&", out);
		put_text(out, f, d->doc);
		fputs(".\n", out);
		fputs(d->required ? "Required" : "Default: ", out);
		if (!d->required)
			put_default(out, f, d);
		fputs("; ", out);
		put_text(out, f, d->range);
		fputs(".\n", out);
		return 0;
	case FMT_CONF:
		n = snprintf(text, sizeof(text), "%s.", d->doc);
		if (n < 0 || (size_t)n >= sizeof(text)) {
			fprintf(stderr, "confdoc: %s: doc string too long\n",
			    d->name);
			return -1;
		}
		put_comment(out, text);
		fputs(d->required ? "# Required" : "# Default: ", out);
		if (!d->required)
			put_default(out, f, d);
		if (d->numeric || strncmp(d->range, "text", 4) != 0) {
			fputs("; ", out);
			put_text(out, f, d->range);
		}
		fputs(".\n", out);
		fprintf(out, "%s%s =%s%s\n\n", d->active ? "" : "# ", d->name,
		    d->sample[0] != '\0' ? " " : "", d->sample);
		return 0;
	}
	return -1;
}

/* Writes the keys of one section in format f. */
static int
put_section(FILE *out, enum fmt f, enum conf_section sec)
{
	struct conf_doc	 d;
	size_t		 i, n = 0;

	if (f == FMT_MD)
		fputs("| key | default | range | meaning |\n"
		    "| --- | --- | --- | --- |\n", out);
	else if (f == FMT_MAN)
		fputs(".Bl -tag -width Ds\n", out);
	for (i = 0; i < conf_doc_count(); i++) {
		conf_doc_get(i, &d);
		if (d.section != sec)
			continue;
		if (d.doc == NULL || d.doc[0] == '\0') {
			fprintf(stderr, "confdoc: %s has no doc string in "
			    "src/core/conf.c\n", d.name);
			return -1;
		}
		if (put_key(out, f, &d) == -1)
			return -1;
		n++;
	}
	if (f == FMT_MAN)
		fputs(".El\n", out);
	if (n == 0) {
		fprintf(stderr, "confdoc: section %s has no keys\n",
		    conf_section_name(sec));
		return -1;
	}
	return 0;
}

/* Copies the template to stdout with each "@CONF_KEYS <section>@" line
 * replaced by that section's keys; every section must be placed once. */
static int
fill(enum fmt f, const char *path)
{
	FILE	*in;
	char	 line[CONFDOC_LINE], want[64];
	int	 placed[CONF_SEC__MAX] = { 0 };
	int	 s, rc = -1, lineno = 0, found;

	if ((in = fopen(path, "r")) == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		lineno++;
		if (strncmp(line, "@CONF_KEYS ", 11) != 0) {
			fputs(line, stdout);
			continue;
		}
		for (found = 0, s = 0; s < CONF_SEC__MAX && !found; s++) {
			snprintf(want, sizeof(want), "@CONF_KEYS %s@\n",
			    conf_section_name((enum conf_section)s));
			if (strcmp(line, want) != 0)
				continue;
			found = 1;
			if (placed[s]++) {
				fprintf(stderr, "%s:%d: section %s placed twice\n",
				    path, lineno, conf_section_name(s));
				goto out;
			}
			if (put_section(stdout, f, (enum conf_section)s) == -1)
				goto out;
		}
		if (!found) {
			fprintf(stderr, "%s:%d: unknown marker %s", path, lineno,
			    line);
			goto out;
		}
	}
	if (ferror(in)) {
		perror(path);
		goto out;
	}
	for (s = 0; s < CONF_SEC__MAX; s++)
		if (!placed[s]) {
			fprintf(stderr, "%s: no @CONF_KEYS %s@ line: its keys "
			    "would be undocumented\n", path,
			    conf_section_name(s));
			goto out;
		}
	rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
out:
	fclose(in);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct conf	*c;
	char		 err[CONF_ERR_MAX];
	enum fmt	 f;
	int		 rc;

	if (argc != 3)
		goto usage;
	if (strcmp(argv[1], "check") == 0) {
		/* struct conf is large: not on the stack. */
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			perror("confdoc");
			return 1;
		}
		rc = conf_load(c, argv[2], err, sizeof(err));
		if (rc == -1)
			fprintf(stderr, "confdoc: %s\n", err);
		free(c);
		return rc == 0 ? 0 : 1;
	}
	if (strcmp(argv[1], "man") == 0)
		f = FMT_MAN;
	else if (strcmp(argv[1], "conf") == 0)
		f = FMT_CONF;
	else if (strcmp(argv[1], "md") == 0)
		f = FMT_MD;
	else
		goto usage;
	return fill(f, argv[2]) == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: confdoc man|conf|md TEMPLATE\n"
	    "       confdoc check FILE\n");
	return 2;
}
