/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/sys/net/twin/: the neighbour cache's timers, size and rate of
 * solicitations, the length
 * of a connection's TIME_WAIT, the smallest retransmission timeout and
 * when listeners answer with SYN cookies and how long orphans try a
 * shut window, per namespace. The machine's limits are in mem.c.
 */
#ifndef _TWIN_SYSCTL_H
#define _TWIN_SYSCTL_H

#include "netns.h"

/* As ARP's base_reachable_time, gc_staletime and retrans_time. */
#define TWIN_NEIGH_REACHABLE_MS	30000
#define TWIN_NEIGH_GC_MS	60000
#define TWIN_NEIGH_RETRANS_MS	250
/* A closed connection's TIME_WAIT. */
#define TWIN_TIME_WAIT_MS	1000
/* The smallest retransmission timeout, as TCP's tcp_rto_min_us. */
#define TWIN_RTO_MIN_MS		200
/* Neighbour entries a namespace may hold, as ARP's gc_thresh3. */
#define TWIN_NEIGH_MAX		1024
/* Solicitations a namespace sends a second, as icmp_msgs_per_sec. */
#define TWIN_NEIGH_SOLICIT_RATE	1000
/* SYN cookies when a listener's SYN queue is full, as tcp_syncookies 1. */
#define TWIN_SYNCOOKIES		1
/* Timeouts and probes of a closed connection, as tcp_orphan_retries. */
#define TWIN_ORPHAN_RETRIES	8

int twin_sysctl_init_net(struct net *net);
void twin_sysctl_exit_net(struct net *net);

#endif /* _TWIN_SYSCTL_H */
