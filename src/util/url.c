/* url: hiding the password of a URL (rtsp://user:***@host/...). */
#include "util/url.h"

#include <stdio.h>
#include <string.h>

/* Replace the password of every "scheme://user:password@" in s by ***. */
void url_redact_text(char *s, size_t size)
{
	char *p = s, *auth, *end, *at, *colon;

	while ((auth = strstr(p, "://"))) {
		auth += 3;
		end = auth + strcspn(auth, "/ \t\"'");
		at = NULL;
		for (char *q = end; q > auth && !at; q--)
			if (q[-1] == '@')
				at = q - 1;
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (!colon || (at - colon == 4 && !strncmp(colon + 1, "***", 3))) {
			p = end;
			continue;
		}
		size_t head = (size_t)(colon + 1 - s), tail = strlen(at) + 1;

		if (head + 4 > size) {
			colon[1] = '\0';
			return;
		}
		if (head + 3 + tail > size)
			tail = size - head - 3;
		memmove(colon + 4, at, tail);
		memcpy(colon + 1, "***", 3);
		s[size - 1] = '\0';
		p = colon + 4;
	}
}

void url_redact(const char *url, char *out, size_t size)
{
	if (!size)
		return;
	snprintf(out, size, "%s", url ? url : "");
	url_redact_text(out, size);
}
