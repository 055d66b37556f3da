/*
 * The web page's files, served read-only from one folder.  A path with a
 * ".." segment, a hidden file or anything but a regular file is not served,
 * and no symbolic link leads out of the folder: the file is opened beneath
 * it (openat2 RESOLVE_BENEATH), or where the kernel lacks openat2, its real
 * path must lie in the folder's.
 */
#include "http/http_internal.h"

#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* Is the real path of full inside root (itself a real path)? */
static bool real_path_inside(const char *root, const char *full)
{
	char real[PATH_MAX];
	size_t n = strlen(root);

	return realpath(full, real) && !strncmp(real, root, n) &&
	       (real[n] == '/' || (n == 1 && root[0] == '/'));
}

/* Open root + path (path starts with '/') without leaving root; -1 else. */
static int open_beneath(const char *root, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	char full[PATH_MAX];
	int dir, fd;

	dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, dir, path + 1, &how, sizeof(how));
	close(dir);
	if (fd >= 0 || errno != ENOSYS)
		return fd;
	if ((size_t)snprintf(full, sizeof(full), "%s%s", root, path) >=
	    sizeof(full) || !real_path_inside(root, full))
		return -1;
	return open(full, O_RDONLY | O_CLOEXEC);
}

struct MHD_Response *http__static_response(const char *root, const char *path,
					   unsigned *status)
{
	struct MHD_Response *r;
	struct stat st;
	int fd;

	if (!path_safe(path))
		return NULL;
	if (!strcmp(path, "/"))
		path = "/index.html";
	fd = open_beneath(root, path);
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
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type(path));
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				strstr(path, "/vendor/") ? "max-age=86400"
							 : "no-cache");
	*status = MHD_HTTP_OK;
	return r;
}
