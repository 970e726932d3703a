/* SPDX-License-Identifier: GPL-2.0 */
/* A streaming JSON writer: values go out as they are produced. */
#ifndef TWINCTL_JSON_H
#define TWINCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* key is NULL for array elements and for the top-level value. */
void json_init(FILE *f, bool pretty);
void json_begin_object(const char *key);
void json_end_object(void);
void json_begin_array(const char *key);
void json_end_array(void);
void json_u64(const char *key, uint64_t v);
void json_string(const char *key, const char *s);
void json_bool(const char *key, bool v);
/* Ends the document with a newline, if anything was written. */
void json_finish(void);

#endif
