#include "util/duty.h"

#include <stddef.h>

static bool (*provider)(const char *name, void *ctx);
static void *provider_ctx;

bool duty_held(const char *name)
{
	return !provider || provider(name, provider_ctx);
}

void duty_set_provider(bool (*held)(const char *name, void *ctx), void *ctx)
{
	provider = held;
	provider_ctx = ctx;
}
