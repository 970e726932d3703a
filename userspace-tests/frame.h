/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crafting twin frames in the tests: the CRC32C the wire header carries and
 * the MAC address of a device in a namespace (for AF_PACKET injection).
 */
#ifndef TWIN_FRAME_H
#define TWIN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <linux/twin.h>

/* CRC-32C (Castagnoli), bitwise: the same value as the kernel's crc32c(). */
uint32_t twin_crc32c(uint32_t crc, const void *buf, size_t len);
/*
 * The checksum of a header (a struct twinhdr and the options its doff
 * counts, possibly unaligned, as in a packed Ethernet frame) and its
 * payload, little-endian as on the wire (docs/wire.md).
 */
__le32 twin_frame_csum_of(const void *hdr, const void *payload, size_t len);
/* Set the header's csum field for the payload that follows. */
void twin_frame_csum(void *hdr, const void *payload, size_t len);
/* The hardware address of dev in namespace ns (NULL: own); asserts. */
void twin_mac_of(const char *ns, const char *dev, unsigned char *mac);

struct sockaddr_ll;
/*
 * An AF_PACKET socket in ns on dev for twin's EtherType, bound: it hears
 * the twin frames dev sends and receives; *to is set to send to MAC dst
 * through dev. Asserts.
 */
int twin_packet_socket(const char *ns, const char *dev,
		       const unsigned char *dst, struct sockaddr_ll *to);

#endif /* TWIN_FRAME_H */
