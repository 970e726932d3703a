/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory cgroups in the tests: a cgroup v2 of the test's own, moving the
 * test into it and out, reading and writing its files.
 */
#ifndef TWIN_CGROUP_H
#define TWIN_CGROUP_H

/*
 * A cgroup v2 with the memory controller, made for this test (its name
 * ends in @tag and the pid), mounting cgroup2 if needed; skips the test
 * where there is no memory controller (CONFIG_MEMCG). Returns its path.
 */
const char *cgroup_make(const char *tag);
/* Move this process into @cg, or back to the root cgroup (NULL). */
void cgroup_enter(const char *cg);
/*
 * A number from @file of @cg: the file's value (memory.current), or that
 * of its line @key (memory.stat) if @key is not NULL. Asserts.
 */
long cgroup_read(const char *cg, const char *file, const char *key);
/* Write @text to @file of @cg. Asserts. */
void cgroup_write(const char *cg, const char *file, const char *text);

#endif /* TWIN_CGROUP_H */
