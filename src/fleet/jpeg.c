/* A JPEG's marker structure checked without decoding it; see jpeg.h. */
#include "fleet/jpeg.h"

#include <stdbool.h>
#include <string.h>

#define M_SOI 0xD8
#define M_EOI 0xD9
#define M_SOS 0xDA
#define M_TEM 0x01

static int refuse(struct err *e, size_t at, const char *why)
{
	return err_set(e, ERR_UNSUPPORTED, "not a JPEG image: %s (byte %zu)",
		       why, at);
}

static bool is_sof(unsigned m)
{
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* A frame header: sizes and components (T.81 B.2.2). */
static int read_sof(const unsigned char *s, unsigned len, unsigned marker,
		    size_t at, struct jpeg_info *out, struct err *e)
{
	unsigned nc;

	if (len < 8)
		return refuse(e, at, "frame header too short");
	nc = s[7];
	if (nc < 1 || nc > 4 || len != 8 + 3 * nc)
		return refuse(e, at, "frame header's component count does not "
			      "match its length");
	if (s[2] != 8 && s[2] != 12 && s[2] != 16)
		return refuse(e, at, "sample precision is not 8, 12 or 16 bits");
	out->height = be16(s + 3);
	out->width = be16(s + 5);
	if (!out->width || !out->height)
		return refuse(e, at, "zero width or height");
	out->components = nc;
	out->progressive = marker == 0xC2 || marker == 0xC6 ||
			   marker == 0xCA || marker == 0xCE;
	return ERR_OK;
}

/* Skip entropy-coded data from pos; returns where the next marker's 0xFF is. */
static size_t skip_entropy(const unsigned char *d, size_t len, size_t pos)
{
	while (pos + 1 < len) {
		if (d[pos] == 0xFF && d[pos + 1] != 0x00 &&
		    !(d[pos + 1] >= 0xD0 && d[pos + 1] <= 0xD7) &&
		    d[pos + 1] != 0xFF)
			return pos;
		pos++;
	}
	return len;
}

static int after_eoi(const unsigned char *d, size_t len, size_t pos,
		     struct err *e)
{
	for (size_t i = pos; i < len; i++)
		if (d[i] != 0)
			return refuse(e, i, "data after the end-of-image marker");
	return ERR_OK;
}

int jpeg_check(const unsigned char *d, size_t len, struct jpeg_info *out,
	       struct err *e)
{
	bool frame = false, scan = false;
	size_t pos = 2;

	memset(out, 0, sizeof(*out));
	if (len < 4 || d[0] != 0xFF || d[1] != M_SOI)
		return refuse(e, 0, "no start-of-image marker");
	for (;;) {
		unsigned m, seg;

		if (pos + 2 > len)
			return refuse(e, pos, "truncated: no end-of-image marker");
		if (d[pos] != 0xFF)
			return refuse(e, pos, "a marker was expected");
		while (pos + 1 < len && d[pos + 1] == 0xFF)
			pos++; /* fill bytes */
		if (pos + 2 > len)
			return refuse(e, pos, "truncated: no end-of-image marker");
		m = d[pos + 1];
		if (m == M_EOI) {
			if (!scan)
				return refuse(e, pos, "end of image before any scan");
			return after_eoi(d, len, pos + 2, e);
		}
		if (m == M_SOI || m == M_TEM || m == 0x00 || (m >= 0xD0 && m <= 0xD7))
			return refuse(e, pos, "a marker out of place");
		if (pos + 4 > len)
			return refuse(e, pos, "truncated segment");
		seg = be16(d + pos + 2);
		if (seg < 2 || pos + 2 + seg > len)
			return refuse(e, pos, "a segment's length runs past the end");
		if (is_sof(m)) {
			if (frame)
				return refuse(e, pos, "a second frame header");
			if (read_sof(d + pos + 2, seg, m, pos, out, e))
				return e->code;
			frame = true;
		} else if (m == M_SOS) {
			unsigned ns = seg > 2 ? d[pos + 4] : 0;

			if (!frame)
				return refuse(e, pos, "a scan before the frame header");
			if (ns < 1 || ns > 4 || seg != 6 + 2 * ns)
				return refuse(e, pos, "scan header's component count "
					      "does not match its length");
			scan = true;
			pos = skip_entropy(d, len, pos + 2 + seg);
			continue;
		}
		pos += 2 + seg;
	}
}
