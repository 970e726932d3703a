// SPDX-License-Identifier: GPL-2.0
/* One call per field for both output modes; see print.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "print.h"
#include "twinctl.h"

bool print_json;

void print_init(bool json, bool pretty)
{
	print_json = json;
	if (json)
		json_init(stdout, pretty);
}

void print_open_array(const char *key)
{
	if (print_json)
		json_begin_array(key);
}

void print_close_array(void)
{
	if (print_json)
		json_end_array();
}

void print_open_object(const char *key)
{
	if (print_json)
		json_begin_object(key);
}

void print_close_object(void)
{
	if (print_json)
		json_end_object();
}

void print_u64(const char *key, const char *label, uint64_t v)
{
	if (print_json)
		json_u64(key, v);
	else if (label)
		printf("%s%" PRIu64, label, v);
}

void print_str(const char *key, const char *label, const char *s)
{
	if (print_json)
		json_string(key, s);
	else if (label)
		printf("%s%s", label, s);
}

void print_bool(const char *key, bool v)
{
	if (print_json)
		json_bool(key, v);
}

void print_lladdr(const char *key, const char *label, const uint8_t *mac)
{
	char buf[sizeof("00:00:00:00:00:00")];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	print_str(key, label, buf);
}

void print_plain(const char *fmt, ...)
{
	va_list ap;

	if (print_json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void print_end_line(void)
{
	if (!print_json)
		putchar('\n');
}

void print_end_record(void)
{
	putchar('\n');
	fflush(stdout);
}

/*
 * `twinctl ... > /dev/full` must not exit 0: a script would take the
 * missing output for an empty table.
 */
int print_finish(void)
{
	if (print_json)
		json_finish();
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, TWINCTL_NAME ": write error: %s\n",
			strerror(errno ? errno : EIO));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
