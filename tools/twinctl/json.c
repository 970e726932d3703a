// SPDX-License-Identifier: GPL-2.0
/* A streaming JSON writer: values go out as they are produced. */
#include <assert.h>
#include <inttypes.h>

#include "json.h"

/* twinctl nests at most array > object > "stats" object. */
#define JSON_MAX_DEPTH	8

static struct {
	FILE *f;
	bool pretty;
	int depth;
	bool empty[JSON_MAX_DEPTH];	/* nothing written yet at this level */
} jw;

void json_init(FILE *f, bool pretty)
{
	jw.f = f;
	jw.pretty = pretty;
	jw.depth = 0;
	jw.empty[0] = true;
}

static void indent(void)
{
	fputc('\n', jw.f);
	for (int i = 0; i < jw.depth; i++)
		fputs("  ", jw.f);
}

static void write_string(const char *s)
{
	fputc('"', jw.f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':
			fputs("\\\"", jw.f);
			break;
		case '\\':
			fputs("\\\\", jw.f);
			break;
		case '\n':
			fputs("\\n", jw.f);
			break;
		case '\t':
			fputs("\\t", jw.f);
			break;
		default:
			/* Bytes >= 0x80 pass through: names are UTF-8 or opaque anyway. */
			if (c < 0x20)
				fprintf(jw.f, "\\u%04x", c);
			else
				fputc(c, jw.f);
		}
	}
	fputc('"', jw.f);
}

/* The comma, the line break and the key that precede every value. */
static void member(const char *key)
{
	if (jw.depth > 0) {
		if (!jw.empty[jw.depth])
			fputc(',', jw.f);
		if (jw.pretty)
			indent();
	}
	jw.empty[jw.depth] = false;
	if (key) {
		write_string(key);
		fputs(jw.pretty ? ": " : ":", jw.f);
	}
}

static void open_level(const char *key, char c)
{
	member(key);
	fputc(c, jw.f);
	assert(jw.depth + 1 < JSON_MAX_DEPTH);
	jw.depth++;
	jw.empty[jw.depth] = true;
}

static void close_level(char c)
{
	bool empty = jw.empty[jw.depth];

	assert(jw.depth > 0);
	jw.depth--;
	if (jw.pretty && !empty)
		indent();
	fputc(c, jw.f);
}

void json_begin_object(const char *key)
{
	open_level(key, '{');
}

void json_end_object(void)
{
	close_level('}');
}

void json_begin_array(const char *key)
{
	open_level(key, '[');
}

void json_end_array(void)
{
	close_level(']');
}

void json_u64(const char *key, uint64_t v)
{
	member(key);
	fprintf(jw.f, "%" PRIu64, v);
}

void json_string(const char *key, const char *s)
{
	member(key);
	write_string(s);
}

void json_bool(const char *key, bool v)
{
	member(key);
	fputs(v ? "true" : "false", jw.f);
}

void json_finish(void)
{
	/* A command that printed nothing (addr add -j) prints no blank line. */
	if (jw.f && !jw.empty[0])
		fputc('\n', jw.f);
}
