/*
 * url: hiding a URL's password.  A camera's stream URL carries its
 * password (rtsp://admin:secret@192.168.1.64:554/...); what Oasis shows
 * or logs carries rtsp://admin:***@192.168.1.64:554/... instead.
 */
#ifndef OASIS_UTIL_URL_H
#define OASIS_UTIL_URL_H

#include <stddef.h>

/* url into out[size] with its password replaced by *** (user kept). */
void url_redact(const char *url, char *out, size_t size);
/* The same for every "scheme://user:password@" in text, in place. */
void url_redact_text(char *text, size_t size);

#endif
