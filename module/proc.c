// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/twin, one line per socket of the reader's namespace, in the
 * spirit of /proc/net/unix and /proc/net/udp.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/tcp_states.h>

#include "mem.h"
#include "neigh.h"
#include "proc.h"
#include "sock.h"

static const char *const twin_state_names[] = {
	[TCP_ESTABLISHED] = "ESTABLISHED",
	[TCP_SYN_SENT] = "SYN_SENT",
	[TCP_SYN_RECV] = "SYN_RECV",
	[TCP_FIN_WAIT1] = "FIN_WAIT1",
	[TCP_FIN_WAIT2] = "FIN_WAIT2",
	[TCP_TIME_WAIT] = "TIME_WAIT",
	[TCP_CLOSE] = "CLOSE",
	[TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_LAST_ACK] = "LAST_ACK",
	[TCP_LISTEN] = "LISTEN",
	[TCP_CLOSING] = "CLOSING",
};

static const char *twin_type_name(int type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_SEQPACKET:
		return "seqpacket";
	case SOCK_RAW:
		return "raw";
	}
	return "unknown";
}

/*
 * Where the last read() stopped: the socket at @cur is line @pos (the
 * header is line 0). A read() that goes on from there resumes at @cur
 * instead of walking the table from its first socket again, as
 * tcp_seek_last_pos() does: otherwise reading the file is quadratic in
 * the number of sockets, under a BH-disabling lock.
 */
struct twin_seq_state {
	struct seq_net_private p;
	struct twin_dump_cursor cur;
	loff_t pos;
};

static void *twin_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(&tn->sk_lock)
{
	struct twin_net *tn = twin_net(seq_file_net(seq));
	struct twin_seq_state *st = seq->private;
	struct sock *sk;

	spin_lock_bh(&tn->sk_lock);
	if (!*pos)
		return SEQ_START_TOKEN;
	if (*pos < st->pos || !st->pos) {
		st->cur = (struct twin_dump_cursor){};
		st->pos = 1;
	}
	/* At worst a chain's walk: sockets may have come and gone. */
	sk = twin_table_seek(tn, &st->cur);
	while (sk && st->pos < *pos) {
		st->cur.pos++;
		st->pos++;
		sk = twin_table_seek(tn, &st->cur);
	}
	return sk;
}

static void *twin_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct twin_net *tn = twin_net(seq_file_net(seq));
	struct twin_seq_state *st = seq->private;
	struct sock *sk = v == SEQ_START_TOKEN ? NULL : sk_next(v);

	++*pos;
	if (v == SEQ_START_TOKEN)
		st->cur = (struct twin_dump_cursor){};
	else if (sk)
		st->cur.pos++;
	else
		st->cur = (struct twin_dump_cursor){ .bucket = st->cur.bucket + 1 };
	if (!sk)
		sk = twin_table_seek(tn, &st->cur);
	st->pos = *pos;
	return sk;
}

static void twin_seq_stop(struct seq_file *seq, void *v)
	__releases(&tn->sk_lock)
{
	struct twin_net *tn = twin_net(seq_file_net(seq));

	spin_unlock_bh(&tn->sk_lock);
}

static int twin_seq_show(struct seq_file *seq, void *v)
{
	struct twin_sock_info s;
	const char *state;

	if (v == SEQ_START_TOKEN) {
		seq_puts(seq, "Type      State       Local                 Peer                  RxQueue  TxQueue  Drops    Inode\n");
		return 0;
	}
	twin_sock_get_info(v, &s);
	state = s.state < ARRAY_SIZE(twin_state_names) && twin_state_names[s.state] ?
		twin_state_names[s.state] : "UNKNOWN";
	seq_printf(seq, "%-9s %-11s %10u:%-10u %10u:%-10u %-8u %-8u %-8u %llu\n",
		   twin_type_name(s.type), state, s.node, s.port,
		   s.peer_node, s.peer_port, s.rqueue, s.wqueue, s.drops, s.ino);
	return 0;
}

static const struct seq_operations twin_seq_ops = {
	.start = twin_seq_start,
	.next = twin_seq_next,
	.stop = twin_seq_stop,
	.show = twin_seq_show,
};

/*
 * /proc/net/twin_sockstat, as the TCP line of /proc/net/sockstat: the
 * machine's orphaned connections, sockets and pages of socket memory
 * (net.twin.mem and net.twin.max_orphans bound them; mem.c); then, as
 * /proc/net/stat/arp_cache does for ARP, the namespace's neighbour cache:
 * its entries and the chains of its table (neigh.c).
 */
static int twin_sockstat_show(struct seq_file *seq, void *v)
{
	struct twin_net *tn = twin_net(seq_file_single_net(seq));
	unsigned int entries, chains;

	twin_neigh_table_size(tn, &entries, &chains);
	seq_printf(seq, "TWIN: orphan %ld alloc %lld mem %ld\n",
		   twin_mem_orphans(), twin_mem_sockets(), twin_mem_pages());
	seq_printf(seq, "NEIGH: entries %u chains %u\n", entries, chains);
	return 0;
}

int twin_proc_init_net(struct net *net)
{
	if (!proc_create_net("twin", 0444, net->proc_net, &twin_seq_ops,
			     sizeof(struct twin_seq_state)))
		return -ENOMEM;
	if (!proc_create_net_single("twin_sockstat", 0444, net->proc_net,
				    twin_sockstat_show, NULL)) {
		remove_proc_entry("twin", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void twin_proc_exit_net(struct net *net)
{
	remove_proc_entry("twin_sockstat", net->proc_net);
	remove_proc_entry("twin", net->proc_net);
}
