// SPDX-License-Identifier: GPL-2.0
/*
 * What the twin connections of the whole machine hold, as TCP's
 * tcp_memory_allocated and tcp_orphan_count: the pages charged to their
 * buffers, measured against net.twin.mem (low, pressure, high, in pages,
 * as tcp_mem), the connection sockets allocated, and the orphans, closed
 * connections still delivering their data, against net.twin.max_orphans.
 * A connection's own buffers follow net.twin.rmem and net.twin.wmem (as
 * tcp_rmem and tcp_wmem, in bytes): the floor kept under pressure, the
 * size a connection starts with, and the most auto-tuning gives it.
 *
 * The core charges the pages: sk_rmem_schedule() and sk_wmem_schedule()
 * move them from twin_memory_allocated (and the socket's memory cgroup)
 * to sk_forward_alloc, and refuse past the high mark. These limits are
 * the machine's, so they exist in the initial namespace only (as tcp_mem
 * and tcp_max_orphans): a container cannot lift them.
 */
#include <linux/memcontrol.h>
#include <linux/percpu_counter.h>
#include <linux/swap.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "mem.h"
#include "sock.h"

static atomic_long_t twin_memory_allocated;
static DEFINE_PER_CPU(int, twin_memory_per_cpu_fw_alloc);
static struct percpu_counter twin_sockets_allocated;
static struct percpu_counter twin_orphan_count;
static unsigned long twin_memory_pressure;
static long twin_sysctl_mem[3];
static int twin_max_orphans;
/*
 * Under pressure a socket keeps at least a page each way (tcp_rmem[0]).
 * Connections start with what every socket started with before these
 * existed (net.core.rmem_default and wmem_default's defaults), and grow
 * to TCP's maxima.
 */
static int twin_sysctl_rmem[3] = { PAGE_SIZE, 212992, 6 << 20 };
static int twin_sysctl_wmem[3] = { PAGE_SIZE, 212992, 4 << 20 };

static void twin_enter_memory_pressure(struct sock *sk)
{
	if (!READ_ONCE(twin_memory_pressure))
		WRITE_ONCE(twin_memory_pressure, 1);
}

static void twin_leave_memory_pressure(struct sock *sk)
{
	if (READ_ONCE(twin_memory_pressure))
		WRITE_ONCE(twin_memory_pressure, 0);
}

void twin_mem_proto_init(struct proto *prot)
{
	prot->enter_memory_pressure = twin_enter_memory_pressure;
	prot->leave_memory_pressure = twin_leave_memory_pressure;
	prot->memory_allocated = &twin_memory_allocated;
	prot->per_cpu_fw_alloc = &twin_memory_per_cpu_fw_alloc;
	prot->sockets_allocated = &twin_sockets_allocated;
	prot->memory_pressure = &twin_memory_pressure;
	prot->sysctl_mem = twin_sysctl_mem;
	prot->sysctl_rmem = twin_sysctl_rmem;
	prot->sysctl_wmem = twin_sysctl_wmem;
}

/*
 * Connection sockets are counted: the core shares memory under pressure
 * among the sockets counted, and only these hold it (sock.c).
 */
void twin_mem_sock_init(struct sock *sk)
{
	if (twin_sk_is_conn(sk))
		sk_sockets_allocated_inc(sk);
}

/*
 * A socket's memory counts for the memory cgroup of whoever made it. A
 * listener's child is made by a frame, in softirq or in the sending
 * task's context, not by the task that will accept it: it takes the
 * listener's cgroup, before anything is charged to it. (TCP moves the
 * charge at accept(); the helpers that does so are not exported.)
 */
void twin_mem_child_init(struct sock *child, const struct sock *listener)
{
#ifdef CONFIG_MEMCG
	if (child->sk_memcg != listener->sk_memcg) {
		if (child->sk_memcg)
			css_put(&child->sk_memcg->css);
		if (listener->sk_memcg)
			css_get(&listener->sk_memcg->css);
		child->sk_memcg = listener->sk_memcg;
	}
#endif
	twin_mem_sock_init(child);
}

/*
 * The socket is going: everything it queued is freed, so what it still
 * has forward is whole pages, returned here. Anything else is a charge
 * that was never undone.
 */
void twin_mem_sock_destruct(struct sock *sk)
{
	sk_mem_reclaim_final(sk);
	WARN_ON_ONCE(atomic_read(&sk->sk_rmem_alloc));
	WARN_ON_ONCE(sk->sk_wmem_queued);
	WARN_ON_ONCE(sk->sk_forward_alloc);
	if (twin_sk_is_conn(sk))
		sk_sockets_allocated_dec(sk);
}

void twin_mem_orphan_inc(void)
{
	percpu_counter_inc(&twin_orphan_count);
}

void twin_mem_orphan_dec(void)
{
	percpu_counter_dec(&twin_orphan_count);
}

/*
 * More than net.twin.max_orphans with @more more (tcp_too_many_orphans()):
 * the cheap per-CPU estimate, the exact sum only near the limit.
 */
bool twin_mem_too_many_orphans(int more)
{
	return percpu_counter_compare(&twin_orphan_count,
				      READ_ONCE(twin_max_orphans) - more) > 0;
}

/*
 * Past net.twin.mem's high mark: an orphan holding memory gives way. The
 * exact sum: the machine-wide count lags what each CPU holds in reserve
 * (SK_MEMORY_PCPU_RESERVE, net.core.mem_pcpu_rsv on newer kernels: 1 MiB
 * by default), so the last orphans, whose pages may all sit in those
 * reserves, would never see the mark. Only orphans ask (at close() and on
 * their timers), as tcp_too_many_orphans() sums its counter near the limit.
 */
bool twin_mem_exhausted(const struct sock *sk)
{
	return twin_mem_pages() > sk_prot_mem_limits(sk, 2);
}

long twin_mem_orphans(void)
{
	return percpu_counter_sum_positive(&twin_orphan_count);
}

/*
 * The pages twin connections hold: the machine-wide count plus what each
 * CPU holds in reserve. The count alone lags by up to the reserves, either
 * way: pages charged on one CPU and freed on another leave it below zero
 * (-37 seen after a flood). The sum is exact but for charges racing with
 * it, and never shown below zero, as proto_memory_allocated() clamps.
 */
long twin_mem_pages(void)
{
	long pages = atomic_long_read(&twin_memory_allocated);
	int cpu;

	for_each_possible_cpu(cpu)
		pages += READ_ONCE(per_cpu(twin_memory_per_cpu_fw_alloc, cpu));
	return max(0L, pages);
}

s64 twin_mem_sockets(void)
{
	return percpu_counter_sum_positive(&twin_sockets_allocated);
}

/*
 * No buffer larger than SO_RCVBUF and SO_SNDBUF can make (the core caps
 * the value asked for at INT_MAX / 2): a buffer's size doubled, or the
 * two added, still fits an int.
 */
static int twin_buf_max = INT_MAX / 2;

/*
 * net.twin.rmem and wmem's @i-th value. The core never takes less than
 * SOCK_MIN_RCVBUF and SOCK_MIN_SNDBUF for a buffer, nor does twin.
 */
int twin_mem_rmem(int i)
{
	return max_t(int, READ_ONCE(twin_sysctl_rmem[i]), SOCK_MIN_RCVBUF);
}

int twin_mem_wmem(int i)
{
	return max_t(int, READ_ONCE(twin_sysctl_wmem[i]), SOCK_MIN_SNDBUF);
}

static struct ctl_table twin_mem_table[] = {
	{
		/* Pages: below [0] no limit, above [1] pressure, [2] a cap. */
		.procname = "mem",
		.data = &twin_sysctl_mem,
		.maxlen = sizeof(twin_sysctl_mem),
		.mode = 0644,
		.proc_handler = proc_doulongvec_minmax,
	},
	{
		.procname = "max_orphans",
		.data = &twin_max_orphans,
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = proc_dointvec_minmax,
		.extra1 = SYSCTL_ONE,
		.extra2 = SYSCTL_INT_MAX,
	},
	{
		/* Bytes: floor under pressure, initial, auto-tuning's most. */
		.procname = "rmem",
		.data = &twin_sysctl_rmem,
		.maxlen = sizeof(twin_sysctl_rmem),
		.mode = 0644,
		.proc_handler = proc_dointvec_minmax,
		.extra1 = SYSCTL_ONE,
		.extra2 = &twin_buf_max,
	},
	{
		.procname = "wmem",
		.data = &twin_sysctl_wmem,
		.maxlen = sizeof(twin_sysctl_wmem),
		.mode = 0644,
		.proc_handler = proc_dointvec_minmax,
		.extra1 = SYSCTL_ONE,
		.extra2 = &twin_buf_max,
	},
	{ }	/* 6.1 ends the table here; newer kernels take its size */
};

static struct ctl_table_header *twin_mem_sysctl;

int twin_mem_init(void)
{
	unsigned long limit;
	int err;

	/* tcp_init_mem(): 1/16 of the memory above the high watermarks. */
	limit = max(nr_free_buffer_pages() / 16, 128UL);
	twin_sysctl_mem[0] = limit / 4 * 3;
	twin_sysctl_mem[1] = limit;
	twin_sysctl_mem[2] = twin_sysctl_mem[0] * 2;
	/* As tcp_max_orphans on a small machine, more with more memory. */
	twin_max_orphans = clamp_t(unsigned long, nr_free_buffer_pages() / 64,
				   4096, 1 << 20);

	err = percpu_counter_init(&twin_sockets_allocated, 0, GFP_KERNEL);
	if (err)
		return err;
	err = percpu_counter_init(&twin_orphan_count, 0, GFP_KERNEL);
	if (err)
		goto err_sockets;
	twin_mem_sysctl = twin_register_net_sysctl(&init_net, "net/twin",
						   twin_mem_table,
						   ARRAY_SIZE(twin_mem_table) - 1);
	if (!twin_mem_sysctl) {
		err = -ENOMEM;
		goto err_orphans;
	}
	return 0;

err_orphans:
	percpu_counter_destroy(&twin_orphan_count);
err_sockets:
	percpu_counter_destroy(&twin_sockets_allocated);
	return err;
}

void twin_mem_exit(void)
{
	unregister_net_sysctl_table(twin_mem_sysctl);
	percpu_counter_destroy(&twin_orphan_count);
	percpu_counter_destroy(&twin_sockets_allocated);
}
