/*
 * Connection deadlines: a connection has header_timeout_s from when it is
 * accepted to send its first request's line and headers, and idle_s from
 * the end of each request to send the next one's.  Libmicrohttpd 0.9.75
 * only times out silence, so a client dribbling a byte every few seconds
 * would keep a connection for ever; this watch ends it.
 *
 * Libmicrohttpd tells of every connection as it starts and closes
 * (MHD_OPTION_NOTIFY_CONNECTION); each gets an entry in one list under one
 * lock, holding its socket and its deadline (0: none, while a request is
 * being served).  A thread looks at the list a few times a second and
 * shuts down (shutdown(2), never close) the socket of every connection
 * past its deadline; libmicrohttpd then sees the end and closes it the
 * usual way.  The socket stays valid while its entry is listed: the
 * closing notification, which unlists it under the lock, comes before
 * libmicrohttpd closes the socket.
 */
#include "http/http_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

/* How often the watch looks. */
#define WATCH_EVERY_MS 250

struct deadline_entry {
	struct deadline_entry *prev, *next;
	int fd;
	int64_t deadline_ms;      /* monotonic; 0: none */
};

struct http_deadlines {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct deadline_entry *head;
	int64_t header_ms, idle_ms;
	bool stopping;
	pthread_t thread;
	unsigned long cut;        /* connections ended, for the log */
};

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Shut every connection past its deadline. */
static void watch_once(struct http_deadlines *d)
{
	int64_t now = mono_ms();

	for (struct deadline_entry *e = d->head; e; e = e->next) {
		if (!e->deadline_ms || e->deadline_ms > now)
			continue;
		shutdown(e->fd, SHUT_RDWR);
		e->deadline_ms = 0;
		d->cut++;
	}
}

static void *watch_main(void *arg)
{
	struct http_deadlines *d = arg;
	struct timespec until;

	pthread_mutex_lock(&d->lock);
	while (!d->stopping) {
		watch_once(d);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += WATCH_EVERY_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&d->wake, &d->lock, &until);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

int http__deadlines_open(unsigned header_timeout_s, unsigned idle_s,
			 struct http_deadlines **out, struct err *e)
{
	struct http_deadlines *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (!d)
		return err_nomem(e);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->wake, NULL);
	d->header_ms = (int64_t)header_timeout_s * 1000;
	d->idle_ms = (int64_t)idle_s * 1000;
	if (pthread_create(&d->thread, NULL, watch_main, d)) {
		pthread_cond_destroy(&d->wake);
		pthread_mutex_destroy(&d->lock);
		free(d);
		return err_set(e, ERR_INTERNAL, "cannot start the connection "
			       "watch thread");
	}
	*out = d;
	return ERR_OK;
}

unsigned long http__deadlines_close(struct http_deadlines *d)
{
	unsigned long cut;

	if (!d)
		return 0;
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->thread, NULL);
	while (d->head) { /* the daemon is stopped: none should be left */
		struct deadline_entry *next = d->head->next;

		free(d->head);
		d->head = next;
	}
	cut = d->cut;
	pthread_cond_destroy(&d->wake);
	pthread_mutex_destroy(&d->lock);
	free(d);
	return cut;
}

void http__deadlines_notify(void *cls, struct MHD_Connection *conn,
			    void **socket_context,
			    enum MHD_ConnectionNotificationCode code)
{
	struct http_deadlines *d = cls;
	struct deadline_entry *e = *socket_context;
	const union MHD_ConnectionInfo *info;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		info = MHD_get_connection_info(
			conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!info || !d->header_ms || !(e = calloc(1, sizeof(*e))))
			return; /* not watched: the idle timeout still holds */
		e->fd = info->connect_fd;
		pthread_mutex_lock(&d->lock);
		e->deadline_ms = mono_ms() + d->header_ms;
		e->next = d->head;
		if (d->head)
			d->head->prev = e;
		d->head = e;
		pthread_mutex_unlock(&d->lock);
		*socket_context = e;
		return;
	}
	if (!e)
		return;
	pthread_mutex_lock(&d->lock);
	if (e->prev)
		e->prev->next = e->next;
	else
		d->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	pthread_mutex_unlock(&d->lock);
	free(e);
	*socket_context = NULL;
}

/* The connection's entry, or NULL when it is not watched. */
static struct deadline_entry *entry_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

void http__deadlines_set(struct http_deadlines *d, struct MHD_Connection *conn,
			 bool serving)
{
	struct deadline_entry *e = d ? entry_of(conn) : NULL;

	if (!e)
		return;
	pthread_mutex_lock(&d->lock);
	e->deadline_ms = serving || !d->idle_ms ? 0 : mono_ms() + d->idle_ms;
	pthread_mutex_unlock(&d->lock);
}
