/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that knows which kernel twin is built for. Every API
 * difference between the supported lines (6.1, 6.12, 7.x) is absorbed here
 * so the rest of the module reads like in-tree code for the newest line.
 */
#ifndef _TWIN_COMPAT_H
#define _TWIN_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>
#include <net/sock.h>

/* Renamed in 6.16; the old name was removed later. */
#ifndef timer_container_of
#define timer_container_of(var, timer, field) from_timer(var, timer, field)
#endif

#endif /* _TWIN_COMPAT_H */
