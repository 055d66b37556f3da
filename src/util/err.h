/*
 * err: the one error type of the program.
 *
 * Every fallible function returns an int: 0 (ERR_OK) on success or one of the
 * err_code values, and fills a caller-provided struct err with a message that
 * says what was wrong and where (file, line, field, plot code).  Foreign error
 * conventions (errno, SQLite, libpq, GDAL, MHD, mosquitto) are converted into
 * this type at the edge where they are met, and back into a status code only
 * at the outermost edge (HTTP status, process exit code).
 */
#ifndef OASIS_UTIL_ERR_H
#define OASIS_UTIL_ERR_H

#include <stddef.h>

enum err_code {
	ERR_OK = 0,
	ERR_INVALID,      /* the input is malformed or out of range */
	ERR_NOT_FOUND,    /* the thing named does not exist */
	ERR_EXISTS,       /* the thing already exists (unique key) */
	ERR_UNAUTHORIZED, /* no or bad credentials */
	ERR_FORBIDDEN,    /* credentials fine, role too weak */
	ERR_TOO_LARGE,    /* a size limit was exceeded */
	ERR_UNSUPPORTED,  /* a format or feature we do not handle */
	ERR_IO,           /* the operating system failed us */
	ERR_NOMEM,        /* out of memory */
	ERR_STORE,        /* the database failed */
	ERR_FULL,         /* disk full */
	ERR_UNAVAILABLE,  /* a dependency (broker, peer) is down */
	ERR_TIMEOUT,      /* something did not answer in time */
	ERR_INTERNAL,     /* a bug: an invariant did not hold */
	ERR_LIMITED,      /* too many attempts: wait (Retry-After) */
};

#define ERR_MSG_MAX 512

struct err {
	enum err_code code;
	char msg[ERR_MSG_MAX];
};

/* Record code and a printf-style message in *e (e may be NULL); returns code. */
int err_set(struct err *e, enum err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the message already in *e with more context ("file.geojson: ..."). */
int err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Clear *e to ERR_OK with an empty message. */
void err_clear(struct err *e);

/* Stable machine name of a code, as used in JSON errors ("invalid", ...). */
const char *err_code_name(enum err_code code);

/*
 * Hide the secrets text may carry, in place: a URL's password
 * (scheme://user:PASSWORD@host) and the values of password=, secret=,
 * token= and their kin (query strings, libpq key=value).  Each becomes
 * "***".  Every error message (err_set, err_prefix) and log line goes
 * through it, so an option echoed in an error shows no secret.
 */
void err_redact(char *text, size_t size);

/* ERR_NOMEM with a fixed message; for allocation failure paths. */
int err_nomem(struct err *e);

#endif
