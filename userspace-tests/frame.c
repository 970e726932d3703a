// SPDX-License-Identifier: GPL-2.0
/* Crafting twin frames in the tests: see frame.h. */
#include <arpa/inet.h>
#include <endian.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "frame.h"
#include "harness.h"

uint32_t twin_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & -(crc & 1));
	}
	return crc;
}

__le32 twin_frame_csum_of(const void *hdr, const void *payload, size_t len)
{
	const unsigned char *h = hdr;
	size_t off = offsetof(struct twinhdr, csum), hlen;
	static const unsigned char zero[4];
	struct twinhdr fixed;
	uint32_t crc;

	memcpy(&fixed, hdr, sizeof(fixed));
	hlen = fixed.doff * 4u;
	if (hlen < sizeof(fixed))
		hlen = sizeof(fixed);	/* a broken doff: the fixed part */
	crc = twin_crc32c(~0U, h, off);
	crc = twin_crc32c(crc, zero, sizeof(zero));
	crc = twin_crc32c(crc, h + off + 4, hlen - off - 4);
	crc = twin_crc32c(crc, payload, len);
	return htole32(~crc);
}

void twin_frame_csum(void *hdr, const void *payload, size_t len)
{
	__le32 c = twin_frame_csum_of(hdr, payload, len);

	memcpy((char *)hdr + offsetof(struct twinhdr, csum), &c, sizeof(c));
}

void twin_mac_of(const char *ns, const char *dev, unsigned char *mac)
{
	struct ifreq ifr;
	int fd;

	ns_enter(ns);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_OK(fd);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ASSERT_OK(ioctl(fd, SIOCGIFHWADDR, &ifr));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	ns_enter(NULL);
}

int twin_packet_socket(const char *ns, const char *dev,
		       const unsigned char *dst, struct sockaddr_ll *to)
{
	struct sockaddr_ll ll;
	int fd;

	ns_enter(ns);
	fd = socket(AF_PACKET, SOCK_RAW, htons(TWIN_ETH_P));
	ASSERT_OK(fd);
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(TWIN_ETH_P);
	ll.sll_ifindex = if_nametoindex(dev);
	ASSERT_NE(ll.sll_ifindex, 0);
	ASSERT_OK(bind(fd, (struct sockaddr *)&ll, sizeof(ll)));
	ns_enter(NULL);
	*to = ll;
	to->sll_halen = ETH_ALEN;
	memcpy(to->sll_addr, dst, ETH_ALEN);
	return fd;
}
