// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies, as net/ipv4/syncookies.c: when a listener's SYN queue is
 * full, its SYN|ACK carries in its sequence number all that the handshake
 * needs, and the listener keeps nothing; the client's ACK brings the
 * number back, and a good one makes the connection. A flood of forged
 * SYNs so costs no memory and cannot keep real clients out.
 *
 * The cookie is TCP's: hash1 + the client's ISN + (period << 24) +
 * ((hash2(period) + MSS index) & 0xffffff), where the period counts 64 s
 * and the hashes are SipHash of both ends' node and port and the frame
 * type under a key chosen at load. It holds for two periods. Of the
 * client's SYN only its MSS is needed (twin has no other option, and its
 * window is 32 bits, unscaled): rounded down to a table of eight.
 */
#include <linux/net.h>
#include <linux/siphash.h>
#include <linux/timekeeping.h>

#include "conn.h"
#include "msg.h"

#define TWIN_COOKIE_BITS	24
#define TWIN_COOKIE_MASK	((1U << TWIN_COOKIE_BITS) - 1)
#define TWIN_COOKIE_AGE		2	/* periods a cookie stays good */

static siphash_aligned_key_t twin_cookie_key[2];

/* What a cookie can say the client takes; a smaller MSS gets no cookie. */
static const u16 twin_cookie_mss[] = {
	64, 536, 1200, 1460, 4056, 8960, 32728, 65495,
};

static u32 twin_cookie_period(void)
{
	return (u32)(ktime_get_seconds() / 64);
}

/* Of the frame's two ends (the client's frame: source is the client). */
static u32 twin_cookie_hash(const struct twinhdr *h, u32 period, int k)
{
	net_get_random_once(twin_cookie_key, sizeof(twin_cookie_key));
	return (u32)siphash_3u64((u64)ntohl(h->src_node) << 32 |
				 ntohl(h->dst_node),
				 (u64)ntohl(h->src_port) << 32 |
				 ntohl(h->dst_port),
				 (u64)h->type << 32 | period,
				 &twin_cookie_key[k]);
}

/*
 * The cookie answering @syn from a client that takes @peer_mss; *mss is
 * what the cookie will say. 0 in *mss: the client's MSS is below every
 * entry, no cookie.
 */
u32 twin_syncookie_make(const struct sk_buff *syn, u32 peer_mss, u32 *mss)
{
	const struct twinhdr *h = twin_hdr(syn);
	u32 period = twin_cookie_period();
	int i;

	for (i = ARRAY_SIZE(twin_cookie_mss) - 1; i > 0; i--)
		if (peer_mss >= twin_cookie_mss[i])
			break;
	*mss = peer_mss >= twin_cookie_mss[i] ? twin_cookie_mss[i] : 0;
	return twin_cookie_hash(h, 0, 0) + ntohl(h->seq) +
	       (period << TWIN_COOKIE_BITS) +
	       ((twin_cookie_hash(h, period, 1) + i) & TWIN_COOKIE_MASK);
}

/*
 * The MSS that the cookie @ack acknowledges says the client takes, or 0
 * if it is not a cookie of ours from the last TWIN_COOKIE_AGE periods.
 */
u32 twin_syncookie_check(const struct sk_buff *ack)
{
	const struct twinhdr *h = twin_hdr(ack);
	u32 cookie = ntohl(h->ack) - 1, period = twin_cookie_period();
	u32 diff, i;

	cookie -= twin_cookie_hash(h, 0, 0) + ntohl(h->seq) - 1;
	diff = (period - (cookie >> TWIN_COOKIE_BITS)) &
	       ((u32)-1 >> TWIN_COOKIE_BITS);
	if (diff >= TWIN_COOKIE_AGE)
		return 0;
	i = (cookie - twin_cookie_hash(h, period - diff, 1)) & TWIN_COOKIE_MASK;
	return i < ARRAY_SIZE(twin_cookie_mss) ? twin_cookie_mss[i] : 0;
}
