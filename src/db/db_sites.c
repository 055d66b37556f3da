/* Memory of the sites' rows, which belongs to no backend. */
#include "db/db.h"

#include <stdlib.h>

void db_site_free(struct db_site *s)
{
	if (!s)
		return;
	free(s->boundary);
	free(s->facts);
	s->boundary = NULL;
	s->facts = NULL;
}
