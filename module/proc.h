/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/net/twin: the sockets of a network namespace; twin_sockstat: the
 * machine's orphans, sockets and socket memory.
 */
#ifndef _TWIN_PROC_H
#define _TWIN_PROC_H

#include <net/net_namespace.h>

int twin_proc_init_net(struct net *net);
void twin_proc_exit_net(struct net *net);

#endif /* _TWIN_PROC_H */
