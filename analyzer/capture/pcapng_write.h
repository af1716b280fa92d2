/* pcapng_write.h - pcapng blocks built in memory, in either byte order:
 * a section header, an interface description, an enhanced packet block
 * with comments, and comments added to a packet block read from a file.
 * No I/O: the caller writes b->p, b->len. */
#ifndef MTLS_PCAPNG_WRITE_H
#define MTLS_PCAPNG_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAPNG_BLOCK_SHB 0x0A0D0D0Au
#define PCAPNG_BLOCK_IDB 1u
#define PCAPNG_BLOCK_OPB 2u
#define PCAPNG_BLOCK_SPB 3u
#define PCAPNG_BLOCK_EPB 6u
#define PCAPNG_OPT_ENDOFOPT 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_IF_NAME 2
#define PCAPNG_IF_DESCRIPTION 3
#define PCAPNG_IF_TSRESOL 9
#define PCAPNG_SHB_USERAPPL 4
/* An option's value is at most this long (its length is 16 bits); a
 * longer comment is cut at a UTF-8 character boundary. */
#define PCAPNG_MAX_OPTION 65532u
/* What our reader (and Wireshark) accept as one block. */
#define PCAPNG_WRITE_MAX_BLOCK (16u * 1024u * 1024u)

/* One block at a time; `swap` writes the byte order opposite to the
 * host's (to add to a section written that way). */
struct pcapng_buf {
	uint8_t *p; /* owned */
	size_t len, cap;
	bool swap;
	bool failed; /* out of memory, or a block over the limit */
};

void pcapng_buf_init(struct pcapng_buf *b, bool swap);
void pcapng_buf_release(struct pcapng_buf *b);

/* Each returns 0, or -1 (b->failed) when out of memory or the block would
 * exceed PCAPNG_WRITE_MAX_BLOCK. b->len is set to the block's length. */
int pcapng_shb(struct pcapng_buf *b, const char *userappl);
/* tsresol: the if_tsresol byte (9: nanoseconds), or -1 for none (the
 * default, microseconds). name and description may be NULL. */
int pcapng_idb(struct pcapng_buf *b, uint16_t linktype, uint32_t snaplen, int tsresol, const char *name,
	       const char *description);
/* ticks: the time in units of the interface's resolution. */
int pcapng_epb(struct pcapng_buf *b, uint32_t ifid, uint64_t ticks, const uint8_t *data, uint32_t caplen,
	       uint32_t wirelen, const char *const *comments, size_t n_comments);
/* An enhanced (or obsolete) packet block as read from a file, whole, in
 * the byte order of b: the same block with one opt_comment per comment
 * after its own options. -1 also when its layout does not parse (b->failed
 * stays false then, and the caller keeps the block as it was). */
int pcapng_add_comments(struct pcapng_buf *b, const uint8_t *block, size_t len, const char *const *comments,
			size_t n_comments);

#endif
