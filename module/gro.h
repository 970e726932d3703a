/* SPDX-License-Identifier: GPL-2.0 */
/* Super-frames merged on arrival (GRO). */
#ifndef _TWIN_GRO_H
#define _TWIN_GRO_H

#include <linux/netdevice.h>

struct sk_buff *twin_gro_receive(struct list_head *head, struct sk_buff *skb);
int twin_gro_complete(struct sk_buff *skb, int nhoff);
void twin_gro_stop(void);

#endif /* _TWIN_GRO_H */
