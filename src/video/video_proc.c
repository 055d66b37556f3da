/*
 * Child processes of the video service: ffmpeg started with posix_spawn in
 * a process group of its own (so that a signal reaches whatever it starts),
 * with the server's blocked signals unblocked and SIGPIPE back to default.
 */
#include "video/video_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/timeutil.h"
#include "video/video.h"

extern char **environ;

static int attrs_init(posix_spawnattr_t *a)
{
	sigset_t none, dflt;

	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	if (posix_spawnattr_init(a))
		return -1;
	if (posix_spawnattr_setflags(a, POSIX_SPAWN_SETPGROUP |
				     POSIX_SPAWN_SETSIGMASK |
				     POSIX_SPAWN_SETSIGDEF) ||
	    posix_spawnattr_setpgroup(a, 0) ||
	    posix_spawnattr_setsigmask(a, &none) ||
	    posix_spawnattr_setsigdefault(a, &dflt)) {
		posix_spawnattr_destroy(a);
		return -1;
	}
	return 0;
}

/* Start argv with stdout to out_w (-1: /dev/null) and stderr to err_w. */
static int spawn(const char *const *argv, int out_w, int err_w, pid_t *pid,
		 struct err *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int rc;

	if (attrs_init(&attr))
		return err_set(e, ERR_NOMEM, "cannot prepare %s", argv[0]);
	if (posix_spawn_file_actions_init(&fa)) {
		posix_spawnattr_destroy(&attr);
		return err_set(e, ERR_NOMEM, "cannot prepare %s", argv[0]);
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_w >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_w, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, err_w, 2);
	rc = posix_spawnp(pid, argv[0], &fa, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc)
		return err_set(e, ERR_UNAVAILABLE, "cannot start %s: %s (install "
			       "Debian's ffmpeg)", argv[0], strerror(rc));
	return ERR_OK;
}

/* util-linux's setpriv, or NULL where it is missing. */
static const char *setpriv_path(void)
{
	static const char *const paths[] = { "/usr/bin/setpriv", "/bin/setpriv" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

#define TIED_MAX 128

int video__spawn(const char *const *argv, bool tied, pid_t *pid, int *err_fd,
		 struct err *e)
{
	const char *wrapped[TIED_MAX + 4];
	const char *setpriv = tied ? setpriv_path() : NULL;
	size_t n = 0;
	int p[2];

	if (setpriv) {
		wrapped[n++] = setpriv;
		wrapped[n++] = "--pdeathsig";
		wrapped[n++] = "TERM";
		for (size_t i = 0; argv[i]; i++) {
			if (i == TIED_MAX)
				return err_set(e, ERR_INTERNAL, "%s: too many "
					       "arguments", argv[0]);
			wrapped[n++] = argv[i];
		}
		wrapped[n] = NULL;
		argv = wrapped;
	}
	if (pipe2(p, O_CLOEXEC))
		return err_set(e, ERR_IO, "pipe: %s", strerror(errno));
	if (spawn(argv, -1, p[1], pid, e)) {
		close(p[0]);
		close(p[1]);
		return e->code;
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	*err_fd = p[0];
	return ERR_OK;
}

void video__signal(pid_t pid, int sig)
{
	if (pid > 0)
		kill(-pid, sig);
}

/* Keep the last non-empty line of what arrived on stderr. */
static void last_line(const char *data, size_t len, char *line, size_t size)
{
	size_t end = len, start;

	while (end && (data[end - 1] == '\n' || data[end - 1] == '\r'))
		end--;
	if (!end)
		return;
	start = end;
	while (start && data[start - 1] != '\n' && data[start - 1] != '\r')
		start--;
	snprintf(line, size, "%.*s", (int)(end - start), data + start);
	video_text_redact(line, size);
}

/* Read what is ready on fd into b (at most max); false at end of file. */
static bool drain(int fd, struct buf *b, size_t max)
{
	char tmp[16384];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n == 0)
		return false;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (b->len + (size_t)n <= max)
		buf_append(b, tmp, (size_t)n);
	return true;
}

static int wait_child(pid_t pid, int64_t deadline, bool *killed)
{
	int status = 0;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return status;
		if (time_now_ms() > deadline && !*killed) {
			video__signal(pid, SIGKILL);
			*killed = true;
		}
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
}

int video__run(const char *const *argv, int64_t timeout_ms, size_t max_out,
	       struct buf *out, char *errline, size_t errsize, struct err *e)
{
	int o[2], r[2], status;
	int64_t deadline = time_now_ms() + timeout_ms;
	struct buf eb = BUF_INIT;
	bool open_o = true, open_r = true, killed = false;
	pid_t pid;

	errline[0] = '\0';
	if (pipe2(o, O_CLOEXEC))
		return err_set(e, ERR_IO, "pipe: %s", strerror(errno));
	if (pipe2(r, O_CLOEXEC)) {
		close(o[0]);
		close(o[1]);
		return err_set(e, ERR_IO, "pipe: %s", strerror(errno));
	}
	if (spawn(argv, o[1], r[1], &pid, e)) {
		close(o[0]); close(o[1]); close(r[0]); close(r[1]);
		return e->code;
	}
	close(o[1]);
	close(r[1]);
	while (open_o || open_r) {
		struct pollfd p[2] = { { o[0], POLLIN, 0 }, { r[0], POLLIN, 0 } };
		int64_t left = deadline - time_now_ms();

		if (left <= 0) {
			video__signal(pid, SIGKILL);
			killed = true;
			break;
		}
		p[0].fd = open_o ? o[0] : -1;
		p[1].fd = open_r ? r[0] : -1;
		if (poll(p, 2, (int)(left > 1000 ? 1000 : left)) < 0 &&
		    errno != EINTR)
			break;
		if (open_o && (p[0].revents & (POLLIN | POLLHUP)))
			open_o = drain(o[0], out, max_out);
		if (open_r && (p[1].revents & (POLLIN | POLLHUP)))
			open_r = drain(r[0], &eb, 65536);
	}
	close(o[0]);
	close(r[0]);
	status = wait_child(pid, time_now_ms() + 2000, &killed);
	if (eb.len)
		last_line(eb.data, eb.len, errline, errsize);
	buf_free(&eb);
	if (killed)
		return err_set(e, ERR_TIMEOUT, "%s did not finish in %lld ms",
			       argv[0], (long long)timeout_ms);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return err_set(e, ERR_UNAVAILABLE, "%s failed: %s", argv[0],
			       errline[0] ? errline : "no message");
	return ERR_OK;
}
