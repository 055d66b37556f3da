/* oasis init: create a store and its first admin user. */
#include "cli/cli.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/auth.h"
#include "cli/opts.h"
#include "db/db.h"

static const char usage[] =
	"usage: oasis init [--data DIR | --db URL] [--admin NAME]\n"
	"\n"
	"Create a store (default ./var) and an admin user, and print the\n"
	"admin's generated password once.  Refuses a store that has users.\n";

/* Entries nftw tightened, and the first failure (0: none). */
static size_t tightened;
static int tighten_errno;

static int tighten_one(const char *path, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_SL || !(st->st_mode & (S_IRWXG | S_IRWXO)))
		return 0; /* a link is left alone: it is not the store's */
	if (chmod(path, st->st_mode & 07700)) {
		tighten_errno = errno;
		return 0;
	}
	tightened++;
	return 0;
}

/*
 * A store folder that exists already and that others may read: take their
 * access away (the folder and what is in it) and say so.
 */
static int tighten_store(const char *dir, struct err *e)
{
	struct stat st;

	if (stat(dir, &st) || !S_ISDIR(st.st_mode) ||
	    !(st.st_mode & (S_IRWXG | S_IRWXO)))
		return ERR_OK;
	tightened = 0;
	tighten_errno = 0;
	if (nftw(dir, tighten_one, 16, FTW_PHYS) || tighten_errno)
		return err_set(e, ERR_IO, "%s is open to other users (mode "
			       "%04o) and could not be made private: %s", dir,
			       (unsigned)(st.st_mode & 07777),
			       strerror(tighten_errno ? tighten_errno : errno));
	printf("%s was open to other users (mode %04o): made it private "
	       "(0700; %zu entr%s tightened), as the store holds password "
	       "hashes\n", dir, (unsigned)(st.st_mode & 07777), tightened,
	       tightened == 1 ? "y" : "ies");
	return ERR_OK;
}

int cmd_init(int argc, char **argv)
{
	struct cli_store store = CLI_STORE_DEFAULT;
	char shown[512];
	char password[AUTH_PASSWORD_LEN + 1];
	const char *admin = "admin";
	const struct cli_opt table[] = {
		{ "admin", "NAME", "the first admin's name (default admin)",
		  .str = &admin },
		{ 0 },
	};
	const struct cli_opts opts = { "init", usage, table, NULL };
	struct err e = { 0 };
	struct db *db;
	int64_t users;
	int first, rc = CLI_EXIT_OK;

	if ((rc = cli_opts_parse(&opts, argc, argv, &store, &first)) !=
	    CLI_OPTS_GO_ON ||
	    (rc = cli_opts_at_most(&opts, argc, argv, first, 0)) !=
	    CLI_OPTS_GO_ON)
		return rc;
	rc = CLI_EXIT_OK;
	if (!store.db_url && tighten_store(store.data_dir, &e))
		return cli_fail("init", &e);
	if (cli_store_open(&store, true, &db, &e))
		return cli_fail("init", &e);
	if (db_user_count(db, &users, &e)) {
		rc = cli_fail("init", &e);
		goto out;
	}
	if (users > 0) {
		err_set(&e, ERR_EXISTS, "the store in %s already has users; use "
			"`oasis user` to add more",
			cli_store_shown(&store, shown, sizeof(shown)));
		rc = cli_fail("init", &e);
		goto out;
	}
	auth_password_generate(password);
	if (auth_user_create(db, admin, ROLE_ADMIN, password, &e)) {
		rc = cli_fail("init", &e);
		goto out;
	}
	printf("store ready in %s\n", cli_store_shown(&store, shown,
						     sizeof(shown)));
	printf("admin login: %s / %s\n", admin, password);
	printf("(the password is shown this once; `oasis user passwd %s` "
	       "sets a new one)\n", admin);
out:
	memset(password, 0, sizeof(password));
	db_close(db);
	return rc;
}
