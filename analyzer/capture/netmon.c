/* netmon.c - a reader for Microsoft Network Monitor capture files: 2.0 to
 * 2.3 (magic "GMBU") and 1.x (magic "RTSS"). libpcap does not read them.
 *
 * Layout, all little endian: a file header (magic, version, media type,
 * capture start as a SYSTEMTIME, then offset/length pairs of the frame
 * table and other tables); records anywhere in the file; the frame table,
 * one 32-bit file offset per record, giving the order. A record is a
 * header (1.x: 32-bit ms offset, 16-bit lengths; 2.x: 64-bit us offset,
 * 32-bit lengths), the bytes, and from 2.1 on a trailer (media type; 2.2
 * adds a process index; 2.3 a UTC FILETIME and a time zone index).
 *
 * Frame numbers follow Wireshark: records of the types it drops (network
 * info, DNS cache, reassembly payload headers) are not numbered, all
 * others are. Every value read from the file is checked against the file
 * size before it is used, and read through the bounds-checked reader.
 *
 * A damaged or missing frame table (a file cut short loses it: it is
 * written last) does not lose the records: they are then walked in file
 * order, each record's lengths giving the next one, with the same checks.
 * Table entries must point at records in strictly increasing, disjoint
 * order; anything else is damage too, so no record is read twice and the
 * work stays proportional to the file size. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "link.h"
#include "rd.h"
#include "capture/netmon.h"

#define NETMON_HDR_LEN 64              /* magic + the fields we read */
#define NETMON_MAX_CAPLEN (256u * 1024u) /* Wireshark's limit too */
#define NETMON_TABLE_CHUNK 4096u         /* frame table entries cached */
#define NETMON_TRAILER_MAX 15
/* Where NetMon and Wireshark write the first record: after the 128-byte
 * header. Used when the table does not say. */
#define NETMON_FIRST_RECORD 128u
/* Offsets of the other tables' offsets in the header (user data,
 * comments, process info, network info): they bound a walk. */
static const size_t netmon_table_fields[] = { 32, 40, 48, 56 };

#define LINKTYPE_IEEE802_5 6
#define LINKTYPE_IEEE802_11 105

/* Media types written in the header or in the 2.1+ trailers. */
#define NM_MEDIA_ETHERNET 1
#define NM_MEDIA_TOKEN_RING 2
#define NM_MEDIA_WIFI 6
#define NM_MEDIA_TUNNEL 7
#define NM_MEDIA_WWAN 8
#define NM_MEDIA_RAW_IP 9
#define NM_MEDIA_PCAP_BASE 0xE000 /* 0xE000 + a pcap LINKTYPE_ value */
#define NM_MEDIA_MA_WIFI 0xE080   /* Message Analyzer: plain 802.11 */
#define NM_MEDIA_MA_LAST 0xE08A   /* end of Message Analyzer's own types */
#define NM_MEDIA_PAYLOAD_HEADER 0xFFFC
#define NM_MEDIA_NETWORK_INFO 0xFFFD
#define NM_MEDIA_DNS_CACHE 0xFFFE

/* FILETIME counts 100 ns from 1601-01-01; this many to 1970-01-01. */
#define FILETIME_UNIX_EPOCH 116444736000000000LL

struct netmon_reader {
	FILE *fp;
	uint64_t size;
	uint64_t pos;          /* where fp is, so in-order reads never seek */
	uint8_t major, minor;
	uint16_t file_media;   /* for 1.x and 2.0, which have no trailers */
	int64_t start_ns;      /* capture start from the header */
	uint64_t table_off;
	uint64_t table_len;
	uint64_t n_entries;    /* a partial last entry counts: it is an error */
	uint64_t next_entry;
	uint64_t frame_no;     /* frames handed out */
	uint32_t *chunk;       /* owned: entries [chunk_first, +chunk_n) */
	uint64_t chunk_first;
	size_t chunk_n;
	uint8_t *buf;          /* owned: one record's bytes and trailer */
	size_t buf_cap;
	uint64_t done;         /* for progress */
	char *name;            /* owned: the file, for the damage notice */
	bool quiet;            /* no notice: another reader of the file tells it */
	uint32_t other_tables[4]; /* header offsets of the other tables */
	uint64_t prev_end;     /* end of the last record the table gave */
	bool table_checked;    /* table_sound has run */
	bool walking;          /* table damaged: records in file order */
	uint64_t walk_pos, walk_end;
	uint64_t bytes_read;   /* record bytes read, for the tests */
	char *read_buf;        /* owned: fp's buffer when the reader opened fp */
};

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	/* Proleptic Gregorian day count with 1970-01-01 as day 0, computed
	 * by hand so the result does not depend on the local time zone. */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The header's SYSTEMTIME, taken as UTC. Out-of-range fields carry into
 * the next larger unit as mktime would, so a sloppy writer still gets a
 * time rather than an error. */
static int64_t systemtime_ns(const uint16_t st[8])
{
	int64_t year = st[0], month0 = (int64_t)st[1] - 1;
	year += month0 >= 0 ? month0 / 12 : -((11 - month0) / 12);
	month0 = ((month0 % 12) + 12) % 12;
	int64_t days = days_from_civil(year, month0 + 1, 1) + (int64_t)st[3] - 1;
	int64_t secs = days * 86400 + (int64_t)st[4] * 3600 + (int64_t)st[5] * 60 + st[6];
	int64_t ns;
	/* Beyond year 2262 nanoseconds do not fit: no usable start time, so
	 * frames keep only their offsets from it. */
	if (__builtin_mul_overflow(secs, 1000000000LL, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)st[7] * 1000000LL, &ns))
		return 0;
	return ns;
}

static int seek_to(struct netmon_reader *r, uint64_t off)
{
	if (r->pos == off)
		return 0;
	if (off > (uint64_t)INT64_MAX || fseeko(r->fp, (off_t)off, SEEK_SET) != 0)
		return -1;
	r->pos = off;
	return 0;
}

static int read_at(struct netmon_reader *r, uint64_t off, void *dst, size_t n)
{
	if (seek_to(r, off) != 0)
		return -1;
	size_t got = fread(dst, 1, n, r->fp);
	r->pos += got;
	return got == n ? 0 : -1;
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	if (*cap >= need)
		return 0;
	uint8_t *nb = realloc(*buf, need);
	if (!nb)
		return -1;
	*buf = nb;
	*cap = need;
	return 0;
}

void netmon_reader_close(struct netmon_reader *r)
{
	if (!r)
		return;
	if (r->fp)
		fclose(r->fp);
	free(r->read_buf); /* after fclose: stdio read through it */
	free(r->chunk);
	free(r->buf);
	free(r->name);
	free(r);
}

uint64_t netmon_reader_offset(const struct netmon_reader *r)
{
	return r->done;
}

uint64_t netmon_reader_bytes_read(const struct netmon_reader *r)
{
	return r->bytes_read;
}

struct netmon_reader *netmon_reader_fopen(FILE *fp, char *err, size_t errsz)
{
	struct netmon_reader *r = calloc(1, sizeof *r);
	uint8_t hdr[NETMON_HDR_LEN];
	uint8_t magic[4];
	uint16_t st[8] = { 0 };
	uint32_t table_off = 0, table_len = 0;
	off_t end;

	if (!r) {
		snprintf(err, errsz, "out of memory");
		fclose(fp);
		return NULL;
	}
	r->fp = fp;
	if (fseeko(fp, 0, SEEK_END) != 0 || (end = ftello(fp)) < 0 || fseeko(fp, 0, SEEK_SET) != 0) {
		snprintf(err, errsz, "cannot seek in the file (a NetMon file is read through its frame table)");
		goto fail;
	}
	r->size = (uint64_t)end;
	r->pos = 0;
	if (read_at(r, 0, hdr, sizeof hdr) != 0) {
		snprintf(err, errsz, "truncated Network Monitor file header (%llu bytes)", (unsigned long long)r->size);
		goto fail;
	}
	struct rd h = rd_make(hdr, sizeof hdr);
	int bad = rd_copy(&h, magic, 4) | rd_u8(&h, &r->minor) | rd_u8(&h, &r->major) |
		  rd_u16le(&h, &r->file_media);
	for (int i = 0; i < 8; i++)
		bad |= rd_u16le(&h, &st[i]);
	bad |= rd_u32le(&h, &table_off) | rd_u32le(&h, &table_len);
	for (size_t i = 0; i < sizeof netmon_table_fields / sizeof netmon_table_fields[0]; i++) {
		struct rd t = rd_make(hdr + netmon_table_fields[i], 4);
		bad |= rd_u32le(&t, &r->other_tables[i]);
	}
	if (bad) { /* cannot happen: hdr holds them all */
		snprintf(err, errsz, "truncated Network Monitor file header");
		goto fail;
	}
	/* User data, comments, process info and network info tables follow;
	 * none of them changes the frames, so they are not read. */
	bool v1_magic = memcmp(magic, "RTSS", 4) == 0;
	if (!v1_magic && memcmp(magic, "GMBU", 4) != 0) {
		snprintf(err, errsz, "not a Network Monitor file");
		goto fail;
	}
	/* The record layout follows the major version, whatever the magic. */
	if (r->major != 1 && r->major != 2) {
		snprintf(err, errsz, "Network Monitor file version %u.%u is not supported (1.x and 2.x are)",
			 r->major, r->minor);
		goto fail;
	}
	r->start_ns = systemtime_ns(st);
	r->table_off = table_off;
	r->table_len = table_len;
	r->n_entries = ((uint64_t)table_len + 3) / 4;
	return r;
fail:
	netmon_reader_close(r);
	return NULL;
}

void netmon_reader_set_quiet(struct netmon_reader *r)
{
	r->quiet = true;
}

void netmon_reader_set_name(struct netmon_reader *r, const char *name)
{
	char *copy = name ? strdup(name) : NULL;
	if (!copy)
		return; /* messages then say "(NetMon file)" */
	free(r->name);
	r->name = copy;
}

struct netmon_reader *netmon_reader_open(const char *path, char *err, size_t errsz)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, errsz, "%s", strerror(errno));
		return NULL;
	}
	char *read_buf = NULL;
	source_buffer_file(fp, &read_buf);
	struct netmon_reader *r = netmon_reader_fopen(fp, err, errsz);
	if (!r)
		free(read_buf); /* fp is closed */
	else
		r->read_buf = read_buf;
	if (r && !(r->name = strdup(path))) {
		snprintf(err, errsz, "out of memory");
		netmon_reader_close(r);
		return NULL;
	}
	return r;
}

/* The frame table entry idx, through a cache of NETMON_TABLE_CHUNK entries
 * so reading records in between does not mean a seek per entry. */
static int table_entry(struct netmon_reader *r, uint64_t idx, uint32_t *out)
{
	if (idx < r->chunk_first || idx >= r->chunk_first + r->chunk_n) {
		uint64_t off = r->table_off + idx * 4;
		uint64_t n = r->n_entries - idx;
		if (n > NETMON_TABLE_CHUNK)
			n = NETMON_TABLE_CHUNK;
		/* Only whole entries inside the file. */
		if (off >= r->size || (r->size - off) / 4 == 0)
			return -1;
		if (n > (r->size - off) / 4)
			n = (r->size - off) / 4;
		if (!r->chunk && !(r->chunk = malloc(NETMON_TABLE_CHUNK * sizeof *r->chunk)))
			return -1;
		uint8_t raw[NETMON_TABLE_CHUNK * 4];
		if (read_at(r, off, raw, (size_t)n * 4) != 0)
			return -1;
		struct rd t = rd_make(raw, (size_t)n * 4);
		for (size_t i = 0; i < n; i++)
			rd_u32le(&t, &r->chunk[i]);
		r->chunk_first = idx;
		r->chunk_n = (size_t)n;
	}
	*out = r->chunk[idx - r->chunk_first];
	return 0;
}

static size_t trailer_len(const struct netmon_reader *r)
{
	if (r->major != 2 || r->minor == 0)
		return 0;
	return r->minor == 1 ? 2 : r->minor == 2 ? 6 : NETMON_TRAILER_MAX;
}

/* Offset (2.x: microseconds, 1.x: milliseconds) to nanoseconds. The 2.x
 * field is unsigned, yet frames slightly before the start are written as
 * huge values; scaled to 100 ns units and read as signed (as Wireshark
 * does) they come out negative, and our times stay equal to tshark's. */
static int delta_ns(const struct netmon_reader *r, uint64_t raw, int64_t *out)
{
	if (r->major == 1) {
		*out = (int64_t)raw * 1000000LL;
		return 0;
	}
	uint64_t units = raw * 10u; /* wraps on purpose, see above */
	int64_t s = units > (uint64_t)INT64_MAX ? -(int64_t)(~units) - 1 : (int64_t)units;
	if (s > INT64_MAX / 100 || s < INT64_MIN / 100)
		return -1;
	*out = s * 100;
	return 0;
}

/* Media type to pcap link type; -1 for records Wireshark does not number.
 * *strip_wifi asks for the NetMon 802.11 metadata header to be removed. */
static int media_linktype(uint16_t media, bool *strip_wifi)
{
	*strip_wifi = false;
	switch (media) {
	case 0: /* NetMon 3.4 VPN captures use 0 for Ethernet */
	case NM_MEDIA_ETHERNET:
		return LINKTYPE_ETHERNET;
	case NM_MEDIA_TOKEN_RING:
		return LINKTYPE_IEEE802_5;
	case NM_MEDIA_WIFI:
		*strip_wifi = true;
		return LINKTYPE_IEEE802_11;
	case NM_MEDIA_TUNNEL:
	case NM_MEDIA_WWAN:
	case NM_MEDIA_RAW_IP:
		return LINKTYPE_RAW;
	case NM_MEDIA_MA_WIFI:
		return LINKTYPE_IEEE802_11;
	case NM_MEDIA_PAYLOAD_HEADER:
	case NM_MEDIA_NETWORK_INFO:
	case NM_MEDIA_DNS_CACHE:
		return -1;
	default:
		break;
	}
	/* Message Analyzer's own types sit inside the converted-pcap range. */
	if ((media & 0xF000) == NM_MEDIA_PCAP_BASE && (media < NM_MEDIA_MA_WIFI || media > NM_MEDIA_MA_LAST))
		return media & 0x0FFF;
	return NETMON_LINKTYPE_BASE + media;
}

/* The NetMon 802.11 header: version (2), 16-bit length of the whole
 * header, then radio metadata. Returns its length, or 0 when it does not
 * look like one (the frame is then passed on unstripped). */
static size_t wifi_header_len(const uint8_t *p, size_t caplen)
{
	struct rd d = rd_make(p, caplen);
	uint8_t version;
	uint16_t len;
	if (rd_u8(&d, &version) || rd_u16le(&d, &len) || version != 2 || len < 32 || len > caplen)
		return 0;
	return len;
}

/* A record read into r->buf: where it is, and its header fields. */
struct nm_record {
	uint64_t off, end;
	uint64_t raw_delta;
	uint32_t wirelen, caplen;
	size_t tlen;
};

/* Where records may end: the file, or (walking) the next table. The
 * phrase completes "past the end of ...", with detail in parentheses. */
static void limit_text(const struct netmon_reader *r, uint64_t limit, const char *detail, char *buf, size_t n)
{
	if (limit >= r->size)
		snprintf(buf, n, "the file (%s%sfile size %llu)", detail, *detail ? ", " : "",
			 (unsigned long long)r->size);
	else
		snprintf(buf, n, "the records (%s%sa table starts at offset %llu)", detail, *detail ? ", " : "",
			 (unsigned long long)limit);
}

/* Reads the record at off, which must end by limit, into r->buf. 0, or
 * -1 with why not: a phrase that follows "frame N at offset X". */
static int load_record(struct netmon_reader *r, uint64_t off, uint64_t limit, struct nm_record *rec, char *why,
		       size_t whysz)
{
	size_t hlen = r->major == 1 ? 8 : 16;
	uint8_t hb[16];
	char lim[128];

	rec->off = off;
	rec->tlen = trailer_len(r);
	if (off > limit || limit - off < hlen) {
		limit_text(r, limit, "", lim, sizeof lim);
		snprintf(why, whysz, "points past the end of %s", lim);
		return -1;
	}
	if (read_at(r, off, hb, hlen) != 0) {
		snprintf(why, whysz, "cannot be read (%s)", ferror(r->fp) ? strerror(errno) : "short read");
		return -1;
	}
	r->bytes_read += hlen;
	struct rd h = rd_make(hb, hlen);
	if (r->major == 1) {
		uint32_t d32 = 0;
		uint16_t w16 = 0, c16 = 0;
		rd_u32le(&h, &d32);
		rd_u16le(&h, &w16);
		rd_u16le(&h, &c16);
		rec->raw_delta = d32;
		rec->wirelen = w16;
		rec->caplen = c16;
	} else {
		rd_u64le(&h, &rec->raw_delta);
		rd_u32le(&h, &rec->wirelen);
		rd_u32le(&h, &rec->caplen);
	}
	if (rec->caplen > NETMON_MAX_CAPLEN) {
		snprintf(why, whysz, "says it holds %u bytes, more than the %u a frame may have; the record is damaged",
			 rec->caplen, NETMON_MAX_CAPLEN);
		return -1;
	}
	uint64_t body = (uint64_t)rec->caplen + rec->tlen;
	if (body > limit - off - hlen) {
		char detail[40];
		snprintf(detail, sizeof detail, "%llu-byte record", (unsigned long long)(hlen + body));
		limit_text(r, limit, detail, lim, sizeof lim);
		snprintf(why, whysz, "runs past the end of %s", lim);
		return -1;
	}
	if (grow(&r->buf, &r->buf_cap, (size_t)body ? (size_t)body : 1) != 0) {
		snprintf(why, whysz, "cannot be read (out of memory)");
		return -1;
	}
	if (read_at(r, off + hlen, r->buf, (size_t)body) != 0) {
		snprintf(why, whysz, "cannot be read (%llu bytes: %s)", (unsigned long long)body,
			 ferror(r->fp) ? strerror(errno) : "short read");
		return -1;
	}
	r->bytes_read += body;
	rec->end = off + hlen + body;
	if (rec->end > r->done)
		r->done = rec->end;
	return 0;
}

/* The walk ends at the first table at or after start, or at the end of
 * the file. */
static uint64_t walk_limit(const struct netmon_reader *r, uint64_t start)
{
	uint64_t end = r->size;
	if (r->table_len && r->table_off >= start && r->table_off < end)
		end = r->table_off;
	for (size_t i = 0; i < sizeof r->other_tables / sizeof r->other_tables[0]; i++)
		if (r->other_tables[i] >= start && r->other_tables[i] < end)
			end = r->other_tables[i];
	return end;
}

/* From now on records are taken in file order from `from`. */
static void start_walk(struct netmon_reader *r, uint64_t from)
{
	/* A table written before the records is stepped over. */
	if (r->table_len && r->table_off <= from && from - r->table_off < r->table_len &&
	    r->table_len <= r->size - r->table_off)
		from = r->table_off + r->table_len;
	r->walking = true;
	r->walk_pos = from;
	r->walk_end = walk_limit(r, from);
}

/* What is wrong with the table, told once, with the file and offsets. */
static void walk_notice(const struct netmon_reader *r, const char *why)
{
	if (r->quiet)
		return;
	fprintf(stderr,
		"mtlsdiag: %s: the NetMon frame table (at offset %llu) is damaged: %s; frames from offset %llu "
		"on are recovered by walking the records in file order\n",
		r->name ? r->name : "(NetMon file)", (unsigned long long)r->table_off, why,
		(unsigned long long)r->walk_pos);
}

/* The next record the frame table gives (table_sound has passed): 1, 0
 * at its end, -1 when the entry cannot be followed after all (why says
 * so; *bad_off is where it points, and rwhy what is wrong with the record
 * there, if anything). */
static int table_next(struct netmon_reader *r, struct nm_record *rec, uint64_t *bad_off, char *why, size_t whysz,
		      char *rwhy, size_t rwhysz)
{
	uint64_t idx = r->next_entry;
	unsigned long long en = (unsigned long long)idx + 1;
	uint32_t off;

	*bad_off = UINT64_MAX;
	rwhy[0] = '\0';
	if (idx >= r->n_entries)
		return 0;
	if (table_entry(r, idx, &off) != 0) {
		snprintf(why, whysz, "entry %llu cannot be read (%s)", en, ferror(r->fp) ? strerror(errno) : "short read");
		return -1;
	}
	*bad_off = off;
	if (off < r->prev_end) {
		snprintf(why, whysz, "entry %llu points at offset %u, inside the record before it (which ends at %llu)",
			 en, off, (unsigned long long)r->prev_end);
		return -1;
	}
	if (load_record(r, off, r->size, rec, rwhy, rwhysz) != 0) {
		snprintf(why, whysz, "entry %llu points at offset %u, where the record %s", en, off, rwhy);
		return -1;
	}
	if (rec->end > r->table_off && off < r->table_off + r->table_len) {
		snprintf(rwhy, rwhysz, "overlaps the frame table");
		snprintf(why, whysz, "entry %llu points at offset %u, a record that overlaps the table", en, off);
		return -1;
	}
	r->next_entry++;
	r->prev_end = rec->end;
	return 1;
}

/* The whole table, before any record is read: every entry inside the
 * file, past the header, outside the table, and each at least a record
 * header after the one before. 0, or -1 with why not. One pass over the
 * entries, so the cost is that of the table. */
static int table_sound(struct netmon_reader *r, char *why, size_t whysz)
{
	uint64_t hlen = r->major == 1 ? 8 : 16;
	uint64_t prev = 0;
	for (uint64_t idx = 0; idx < r->n_entries; idx++) {
		unsigned long long en = (unsigned long long)idx + 1;
		uint32_t off;
		if (idx * 4 + 4 > r->table_len) {
			snprintf(why, whysz, "entry %llu is cut short (the table is %llu bytes, not a multiple of 4)", en,
				 (unsigned long long)r->table_len);
			return -1;
		}
		if (table_entry(r, idx, &off) != 0) {
			uint64_t eoff = r->table_off + idx * 4;
			if (eoff + 4 > r->size)
				snprintf(why, whysz,
					 "entry %llu (at offset %llu) lies past the end of the file (file size %llu)", en,
					 (unsigned long long)eoff, (unsigned long long)r->size);
			else
				snprintf(why, whysz, "entry %llu cannot be read (%s)", en,
					 ferror(r->fp) ? strerror(errno) : "short read");
			return -1;
		}
		if (off < NETMON_HDR_LEN) {
			snprintf(why, whysz, "entry %llu points into the file header (offset %u)", en, off);
			return -1;
		}
		if (off + hlen > r->size) {
			snprintf(why, whysz, "entry %llu points past the end of the file (offset %u, file size %llu)", en,
				 off, (unsigned long long)r->size);
			return -1;
		}
		if (off + hlen > r->table_off && off < r->table_off + r->table_len) {
			snprintf(why, whysz, "entry %llu points into the frame table (offset %u)", en, off);
			return -1;
		}
		/* Out of order, duplicate or overlapping: following it would
		 * read a record twice (one record named by every entry makes
		 * the time quadratic). */
		if (idx > 0 && off < prev + hlen) {
			snprintf(why, whysz, "entry %llu (offset %u) is not after entry %llu (offset %llu)", en, off,
				 en - 1, (unsigned long long)prev);
			return -1;
		}
		prev = off;
	}
	return 0;
}

/* Where a walk over the whole file starts: the table's first entry when
 * it is plausible, else where NetMon writes the first record. */
static uint64_t first_record(struct netmon_reader *r)
{
	uint64_t hlen = r->major == 1 ? 8 : 16;
	uint32_t off;
	if (r->n_entries > 0 && r->table_len >= 4 && table_entry(r, 0, &off) == 0 && off >= NETMON_HDR_LEN &&
	    off + hlen <= r->size)
		return off;
	return NETMON_FIRST_RECORD;
}

/* On the first record: a table found damaged before anything is read,
 * or empty, sends the reader walking from the start, said once. */
static void choose_path(struct netmon_reader *r)
{
	char why[320];
	r->table_checked = true;
	if (table_sound(r, why, sizeof why) != 0) {
		start_walk(r, first_record(r));
		walk_notice(r, why);
	} else if (r->n_entries == 0) {
		start_walk(r, NETMON_FIRST_RECORD); /* a file cut short, or empty */
		if (r->walk_pos < r->walk_end)
			walk_notice(r, "it is empty, yet records follow the file header");
	}
}

/* A table entry that cannot be followed after all (table_next's why,
 * bad_off and rwhy): 0 when the rest is walked, -1 with err when the
 * record itself is damaged. */
static int leave_table(struct netmon_reader *r, uint64_t bad_off, const char *why, const char *rwhy, char *err,
		       size_t errsz)
{
	uint64_t from = r->prev_end ? r->prev_end : first_record(r);
	if (bad_off == from && rwhy[0]) {
		/* The entry follows the record before it, so the record
		 * itself is damaged: walking would stop here too. */
		snprintf(err, errsz, "frame %llu at offset %llu %s", (unsigned long long)r->frame_no + 1,
			 (unsigned long long)bad_off, rwhy);
		return -1;
	}
	/* Only seen now that records are read (a record running into
	 * the next one, or past the end): the rest is walked from the
	 * end of the last good record. */
	start_walk(r, from);
	walk_notice(r, why);
	return 0;
}

/* The next record: through the table while it holds, else by walking. */
static enum source_status next_record(struct netmon_reader *r, struct nm_record *rec, char *err, size_t errsz)
{
	char why[320], rwhy[200];

	if (!r->table_checked)
		choose_path(r);
	if (!r->walking) {
		uint64_t bad_off;
		int got = table_next(r, rec, &bad_off, why, sizeof why, rwhy, sizeof rwhy);
		if (got == 1)
			return SOURCE_FRAME;
		if (got == 0)
			return SOURCE_END;
		if (leave_table(r, bad_off, why, rwhy, err, errsz) != 0)
			return SOURCE_ERROR;
	}
	if (r->walk_pos >= r->walk_end)
		return SOURCE_END;
	if (load_record(r, r->walk_pos, r->walk_end, rec, rwhy, sizeof rwhy) != 0) {
		snprintf(err, errsz, "frame %llu at offset %llu %s", (unsigned long long)r->frame_no + 1,
			 (unsigned long long)r->walk_pos, rwhy);
		return SOURCE_ERROR;
	}
	r->walk_pos = rec->end;
	return SOURCE_FRAME;
}

/* The 2.1+ trailer after the record's bytes (b stands at it): the media
 * type, which replaces the file's, and from 2.3 on the record's own UTC
 * time, else left 0. */
static void read_trailer(const struct nm_record *rec, struct rd *b, uint16_t *media, uint64_t *filetime)
{
	uint32_t proc;
	uint8_t tz;
	if (!rec->tlen)
		return;
	rd_u16le(b, media);
	if (rec->tlen >= 6)
		rd_u32le(b, &proc);
	if (rec->tlen >= NETMON_TRAILER_MAX) {
		rd_u64le(b, filetime);
		rd_u8(b, &tz);
	}
}

/* The frame's time: the capture start plus the record's offset, or a
 * 2.3 record's own UTC time when set and representable, as Wireshark
 * takes it. 0, or -1 when the offset is out of range. */
static int record_time(const struct netmon_reader *r, const struct nm_record *rec, uint64_t filetime, int64_t *ts)
{
	int64_t dns;
	if (delta_ns(r, rec->raw_delta, &dns) != 0 || __builtin_add_overflow(r->start_ns, dns, ts))
		return -1;
	if (filetime && filetime <= (uint64_t)INT64_MAX) {
		int64_t d = (int64_t)filetime - FILETIME_UNIX_EPOCH;
		if (d <= INT64_MAX / 100 && d >= INT64_MIN / 100)
			*ts = d * 100;
	}
	return 0;
}

/* The record's bytes and lengths to f, without the NetMon 802.11 header
 * when strip asks for it; where that header is not the one we know, the
 * frame keeps it and goes out as the undecoded media type. */
static void frame_bytes(struct source_frame *f, struct rd data, uint32_t wirelen, int lt, bool strip, uint16_t media)
{
	size_t skip = strip ? wifi_header_len(data.p, data.len) : 0;
	if (strip && skip == 0)
		lt = NETMON_LINKTYPE_BASE + media;
	rd_skip(&data, skip);
	f->data = data.p;
	f->caplen = data.len;
	f->wirelen = wirelen > skip ? wirelen - skip : 0;
	if (f->wirelen < f->caplen)
		f->wirelen = f->caplen;
	f->linktype = lt;
}

enum source_status netmon_reader_next(struct netmon_reader *r, struct source_frame *f, char *err, size_t errsz)
{
	for (;;) {
		struct nm_record rec;
		enum source_status st = next_record(r, &rec, err, errsz);
		if (st != SOURCE_FRAME)
			return st;

		struct rd b = rd_make(r->buf, (size_t)rec.caplen + rec.tlen);
		struct rd data = { NULL, 0 };
		rd_view(&b, rec.caplen, &data);
		uint16_t media = r->file_media;
		uint64_t filetime = 0;
		read_trailer(&rec, &b, &media, &filetime);
		bool strip;
		int lt = media_linktype(media, &strip);
		if (lt < 0)
			continue; /* metadata Wireshark does not show as a frame */
		int64_t ts;
		if (record_time(r, &rec, filetime, &ts) != 0) {
			snprintf(err, errsz, "frame %llu at offset %llu: time offset out of range",
				 (unsigned long long)r->frame_no + 1, (unsigned long long)rec.off);
			return SOURCE_ERROR;
		}
		frame_bytes(f, data, rec.wirelen, lt, strip, media);
		f->ts_ns = ts;
		r->frame_no++;
		return SOURCE_FRAME;
	}
}
