/* video's insides: child processes (video_proc.c). */
#ifndef OASIS_VIDEO_VIDEO_INTERNAL_H
#define OASIS_VIDEO_VIDEO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/buf.h"
#include "util/err.h"

/*
 * Start argv[0] (found in PATH) in a process group of its own, with the
 * default signal mask and dispositions, stdin and stdout on /dev/null and
 * stderr into a pipe whose non-blocking read end goes to *err_fd.  Tied:
 * through util-linux's setpriv --pdeathsig TERM (where installed), so that
 * it ends when the thread that started it ends, and so when the server
 * dies without stopping it (ffmpeg ignores SIGPIPE: a closed stderr would
 * not stop it, and a recording relay would write on, unpruned).
 */
int video__spawn(const char *const *argv, bool tied, pid_t *pid, int *err_fd,
		 struct err *e);
/*
 * Run argv to its end (at most timeout_ms, then killed), its stdout into
 * out (at most max_out bytes) and the last line it wrote to stderr into
 * errline.  ERR_UNAVAILABLE naming that line when it fails.
 */
int video__run(const char *const *argv, int64_t timeout_ms, size_t max_out,
	       struct buf *out, char *errline, size_t errsize, struct err *e);
/* Signal a child's whole process group. */
void video__signal(pid_t pid, int sig);

#endif
