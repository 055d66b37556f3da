/*
 * The web page's files, served read-only from one folder.  A path with a
 * ".." segment, a hidden file or anything but a regular file is not served.
 */
#include "http/http_internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".geojson", "application/geo+json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".jpg", "image/jpeg" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".map", "application/json" },
};

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

static bool path_safe(const char *path)
{
	if (path[0] != '/')
		return false;
	for (const char *p = path; *p; p++) {
		if (*p == '\\')
			return false;
		if (p[0] == '/' && p[1] == '.')
			return false; /* "..", ".git", hidden files */
	}
	return true;
}

struct MHD_Response *http__static_response(const char *root, const char *path,
					   unsigned *status)
{
	char full[PATH_MAX];
	struct MHD_Response *r;
	struct stat st;
	int fd;

	if (!path_safe(path))
		return NULL;
	if (!strcmp(path, "/"))
		path = "/index.html";
	if ((size_t)snprintf(full, sizeof(full), "%s%s", root, path) >= sizeof(full))
		return NULL;
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!r) {
		close(fd);
		return NULL;
	}
	http__common_headers(r);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(full));
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				strstr(path, "/vendor/") ? "max-age=86400"
							 : "no-cache");
	*status = MHD_HTTP_OK;
	return r;
}
