/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One call per field for both output modes, as iproute2's print_*() with
 * PRINT_ANY: JSON gets "key": value, plain text gets label then value.
 * A NULL label keeps the field out of plain text. Labels carry their
 * leading blank (" node ") so that no line ends in one; no format strings
 * are passed around, so printf's argument checks still cover every call.
 */
#ifndef TWINCTL_PRINT_H
#define TWINCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>

extern bool print_json;

void print_init(bool json, bool pretty);
/* Plain mode: nothing. JSON: open/close an array or object. */
void print_open_array(const char *key);
void print_close_array(void);
void print_open_object(const char *key);
void print_close_object(void);

void print_u64(const char *key, const char *label, uint64_t v);
void print_str(const char *key, const char *label, const char *s);
void print_bool(const char *key, bool v);		/* JSON only */
void print_lladdr(const char *key, const char *label, const uint8_t *mac);
void print_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_end_line(void);				/* plain only */
/* A line of a stream of records (monitor): ends it in both modes, flushed. */
void print_end_record(void);
/* Ends the JSON document; 0, or EXIT_FAIL if stdout could not be written. */
int print_finish(void);

#endif
