/* The version and commit of this build (see version.h). */
#include "util/version.h"

#ifndef OASIS_COMMIT
#define OASIS_COMMIT "unknown"
#endif

const char *oasis_version(void)
{
	return OASIS_VERSION;
}

const char *oasis_commit(void)
{
	return OASIS_COMMIT;
}
