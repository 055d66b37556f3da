/* The demo's RTSP cameras (see demo_cameras.h). */
#include "sim/demo_cameras.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/log.h"
#include "util/timeutil.h"

#define MAX_CAMS 64
#define SCENE "--size", "640x360", "--fps", "15"
/* The flaky camera: up this long, then down for a minute. */
#define FLAKY_UP "540"
#define FLAKY_DOWN "60"
#define READY_MS 15000
/* Debian's, where python3-gi is */
#define PYTHON "/usr/bin/python3"

extern char **environ;

struct demo_cams {
	pid_t steady, flaky;
};

struct cam_list {
	char id[MAX_CAMS][DB_NAME_MAX];
	char plot[MAX_CAMS][DB_CODE_MAX];
	size_t n;
};

static int collect(const struct db_device *d, void *ctx)
{
	struct cam_list *l = ctx;

	if (!d->deleted_ms && !strcmp(d->kind, "camera") && l->n < MAX_CAMS) {
		snprintf(l->id[l->n], DB_NAME_MAX, "%s", d->id);
		snprintf(l->plot[l->n], DB_CODE_MAX, "%s", d->plot);
		l->n++;
	}
	return ERR_OK;
}

/* scripts/rtsp_source.py of the build tree the program runs from. */
static bool find_script(char *out, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *dir;

	if (n <= 0)
		return false;
	exe[n] = '\0';
	dir = dirname(exe);
	for (int up = 0; up < 3; up++, dir = dirname(dir)) {
		snprintf(out, size, "%s/scripts/rtsp_source.py", dir);
		if (access(out, R_OK) == 0)
			return true;
	}
	return false;
}

static unsigned free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unsigned port = 0;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Start argv in its own process group; wait for "ready" on its stdout. */
static int start(char *const *argv, const char *log, pid_t *pid,
		 struct err *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dflt;
	char buf[256];
	int p[2], rc;
	size_t got = 0;
	int64_t deadline = time_now_ms() + READY_MS;

	if (pipe2(p, O_CLOEXEC))
		return err_set(e, ERR_IO, "pipe: %s", strerror(errno));
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT |
					 O_APPEND, 0600);
	rc = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[1]);
	if (rc) {
		close(p[0]);
		return err_set(e, ERR_UNAVAILABLE, "%s: %s", argv[0], strerror(rc));
	}
	while (got < sizeof(buf) - 1 && time_now_ms() < deadline) {
		struct pollfd f = { p[0], POLLIN, 0 };
		ssize_t n;

		if (poll(&f, 1, 500) <= 0)
			continue;
		if ((n = read(p[0], buf + got, sizeof(buf) - 1 - got)) <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "ready\n")) { /* the whole line: its writer is done */
			close(p[0]);
			return ERR_OK;
		}
	}
	close(p[0]);
	kill(-*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
	return err_set(e, ERR_UNAVAILABLE, "the RTSP server did not start (it "
		       "needs python3-gi, gir1.2-gst-rtsp-server-1.0, "
		       "gstreamer1.0-plugins-ugly and gstreamer1.0-x)");
}

/* The cameras' mounts from..to as --mount ID=PLOT arguments after argv[n]. */
static size_t mounts(char **argv, size_t n, struct cam_list *l,
		     char (*spec)[DB_NAME_MAX + DB_CODE_MAX + 2], size_t from,
		     size_t to)
{
	for (size_t i = from; i < to; i++) {
		snprintf(spec[i], sizeof(spec[i]), "%s=%s", l->id[i],
			 l->plot[i][0] ? l->plot[i] : l->id[i]);
		argv[n++] = "--mount";
		argv[n++] = spec[i];
	}
	argv[n] = NULL;
	return n;
}

static int point_at(struct db *db, const char *id, unsigned port,
		    struct err *e)
{
	struct db_equipment q = { .swath_m = NAN, .updated_ms = time_now_ms() };
	struct err ignored = { 0 };

	db_equipment_get(db, id, &q, &ignored);
	snprintf(q.device, sizeof(q.device), "%s", id);
	snprintf(q.stream_url, sizeof(q.stream_url), "rtsp://127.0.0.1:%u/%s",
		 port, id);
	q.updated_ms = time_now_ms();
	return db_equipment_set(db, &q, e);
}

static int start_all(struct demo_cams *c, struct cam_list *l,
		     const char *script, const char *log, unsigned steady,
		     unsigned flaky, struct err *e)
{
	char spec[MAX_CAMS][DB_NAME_MAX + DB_CODE_MAX + 2];
	char *argv[2 * MAX_CAMS + 32], ports[16], loop[PATH_MAX + 512];
	size_t n = 0;

	snprintf(ports, sizeof(ports), "%u", steady);
	argv[n++] = PYTHON;
	argv[n++] = (char *)script;
	argv[n++] = "--port";
	argv[n++] = ports;
	for (const char *a[] = { SCENE }, **p = a; p < a + 4; p++)
		argv[n++] = (char *)*p;
	mounts(argv, n, l, spec, 0, l->n - 1);
	if (start(argv, log, &c->steady, e))
		return e->code;
	/* the last camera fails now and then: its server is cut off */
	snprintf(spec[l->n - 1], sizeof(spec[0]), "%s=%s", l->id[l->n - 1],
		 l->plot[l->n - 1][0] ? l->plot[l->n - 1] : l->id[l->n - 1]);
	snprintf(loop, sizeof(loop), "while :; do timeout --foreground %s " PYTHON " '%s' --port "
		 "%u --size 640x360 --fps 15 --mount '%s'; sleep %s; done",
		 FLAKY_UP, script, flaky, spec[l->n - 1], FLAKY_DOWN);
	if (strchr(script, '\'') || strchr(spec[l->n - 1], '\''))
		return ERR_OK; /* no quoting games: that camera stays dark */
	n = 0;
	argv[n++] = "sh";
	argv[n++] = "-c";
	argv[n++] = loop;
	argv[n] = NULL;
	return start(argv, log, &c->flaky, e);
}

int demo_cameras_start(struct db *db, const char *data_dir,
		       struct demo_cams **out, struct err *e)
{
	char log[PATH_MAX];
	struct cam_list l;
	char script[PATH_MAX];
	unsigned steady = free_port(), flaky = free_port();
	struct demo_cams *c;
	int rc = ERR_OK;

	*out = NULL;
	l.n = 0;
	if (db_device_list(db, NULL, collect, &l, e))
		return e->code;
	if (l.n < 2 || !steady || !flaky)
		return ERR_OK;
	if (!find_script(script, sizeof(script))) {
		log_warn("demo: scripts/rtsp_source.py not found beside the "
			 "program: the cameras have no picture");
		return ERR_OK;
	}
	if (!(c = calloc(1, sizeof(*c))))
		return err_nomem(e);
	snprintf(log, sizeof(log), "%s/demo-cameras.log", data_dir);
	if (start_all(c, &l, script, log, steady, flaky, e)) {
		log_warn("demo: the cameras have no picture: %s", e->msg);
		err_clear(e);
		demo_cameras_stop(c);
		return ERR_OK;
	}
	for (size_t i = 0; i < l.n && !rc; i++)
		rc = point_at(db, l.id[i], i + 1 < l.n ? steady : flaky, e);
	if (rc) {
		demo_cameras_stop(c);
		return rc;
	}
	printf("%zu cameras streaming from rtsp://127.0.0.1:%u/ (%s fails "
	       "for a minute every ten)\n", l.n, steady, l.id[l.n - 1]);
	*out = c;
	return ERR_OK;
}

static void stop_one(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(50000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

void demo_cameras_stop(struct demo_cams *c)
{
	if (!c)
		return;
	stop_one(c->steady);
	stop_one(c->flaky);
	free(c);
}
