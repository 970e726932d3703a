/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine's twin socket memory and orphans: net.twin.mem,
 * net.twin.rmem, net.twin.wmem and net.twin.max_orphans (mem.c).
 */
#ifndef _TWIN_MEM_H
#define _TWIN_MEM_H

#include <net/sock.h>

int twin_mem_init(void);
void twin_mem_exit(void);
void twin_mem_proto_init(struct proto *prot);

void twin_mem_sock_init(struct sock *sk);
void twin_mem_child_init(struct sock *child, const struct sock *listener);
void twin_mem_sock_destruct(struct sock *sk);

void twin_mem_orphan_inc(void);
void twin_mem_orphan_dec(void);
bool twin_mem_too_many_orphans(int more);
bool twin_mem_exhausted(const struct sock *sk);

long twin_mem_orphans(void);
long twin_mem_pages(void);
s64 twin_mem_sockets(void);
int twin_mem_rmem(int i);
int twin_mem_wmem(int i);

#endif /* _TWIN_MEM_H */
