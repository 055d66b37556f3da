/*
 * util/version: what this build of oasis is: its version (the Makefile's
 * VERSION) and the git commit it was built from ("unknown" outside git).
 * One object holds both, rebuilt whenever the commit changes, so that
 * `oasis --version` and /api/v1/health never disagree or go stale.
 */
#ifndef OASIS_UTIL_VERSION_H
#define OASIS_UTIL_VERSION_H

const char *oasis_version(void);
const char *oasis_commit(void);

#endif
