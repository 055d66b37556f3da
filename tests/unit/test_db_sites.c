/*
 * db/ on each backend: sites and PV equipment (sqlite_sites.c, pg_sites.c):
 * the default site the migration makes, create, update, list, members,
 * the all-or-nothing layout import.  Every test runs on SQLite,
 * then on PostgreSQL when OASIS_TEST_PG names a server (make test starts
 * one: tests/pg.sh); each test there gets a database of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/db_ops.h"
#include "test_store.h"

static struct db_site site_of(const char *code, const char *kind)
{
	struct db_site s = { .lon = NAN, .lat = NAN, .alt_m = NAN };

	snprintf(s.code, sizeof(s.code), "%s", code);
	snprintf(s.name, sizeof(s.name), "site %s", code);
	snprintf(s.kind, sizeof(s.kind), "%s", kind);
	snprintf(s.tz, sizeof(s.tz), "Asia/Shanghai");
	return s;
}

static int collect_code(const struct db_site *s, void *ctx)
{
	char *out = ctx;

	strcat(out, s->code);
	strcat(out, s->is_default ? "* " : " ");
	return 0;
}

static int collect_id(const char *id, void *ctx)
{
	strcat(ctx, id);
	strcat(ctx, " ");
	return 0;
}

static void the_base_is_the_default_site(void **state)
{
	struct test_store *f = *state;
	struct db_device d = { .lon = NAN, .lat = NAN };
	char codes[256] = "", ids[256] = "";
	struct db_site s;
	struct err e;

	assert_int_equal(db_site_get(f->db, DB_SITE_DEFAULT, &s, &e), 0);
	assert_true(s.is_default);
	assert_string_equal(s.kind, "farm");
	assert_string_equal(s.tz, "Asia/Shanghai");
	db_site_free(&s);
	/* a device made the old way belongs to the default site */
	strcpy(d.id, "ws1");
	strcpy(d.kind, "weather_station");
	d.created_ms = 1;
	assert_int_equal(db_device_create(f->db, &d, &e), 0);
	assert_int_equal(db_site_members(f->db, "base", "device", collect_id,
					 ids, &e), 0);
	assert_string_equal(ids, "ws1 ");
	assert_int_equal(db_site_list(f->db, collect_code, codes, &e), 0);
	assert_string_equal(codes, "base* ");
	assert_int_equal(db_site_get(f->db, "nope", &s, &e), ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "nope"));
}

static void sites_create_update_and_assign(void **state)
{
	struct test_store *f = *state;
	struct db_site s = site_of("mulei", "pv_plant"), got;
	struct db_device d = { .lon = NAN, .lat = NAN };
	const char *ids[] = { "inv1" }, *bad[] = { "inv1", "ghost" };
	char codes[256] = "", members[256] = "";
	struct err e;

	s.lon = 90.28;
	s.lat = 43.83;
	s.facts = strdup("{\"county\":\"木垒\"}");
	s.created_ms = s.updated_ms = 5;
	assert_int_equal(db_site_create(f->db, &s, &e), 0);
	assert_int_equal(db_site_create(f->db, &s, &e), ERR_EXISTS);
	assert_int_equal(db_site_get(f->db, "mulei", &got, &e), 0);
	assert_string_equal(got.kind, "pv_plant");
	assert_false(got.is_default);
	assert_true(fabs(got.lat - 43.83) < 1e-12);
	assert_true(isnan(got.alt_m));
	assert_null(got.boundary);
	assert_string_equal(got.facts, "{\"county\":\"木垒\"}");
	db_site_free(&got);
	/* update */
	snprintf(s.name, sizeof(s.name), "Mulei park");
	s.alt_m = 1300;
	s.updated_ms = 9;
	assert_int_equal(db_site_update(f->db, &s, &e), 0);
	assert_int_equal(db_site_get(f->db, "mulei", &got, &e), 0);
	assert_string_equal(got.name, "Mulei park");
	assert_true(got.alt_m == 1300);
	assert_int_equal(got.created_ms, 5);
	assert_int_equal(got.updated_ms, 9);
	db_site_free(&got);
	db_site_free(&s);
	s = site_of("ghost", "farm");
	assert_int_equal(db_site_update(f->db, &s, &e), ERR_NOT_FOUND);
	assert_int_equal(db_site_list(f->db, collect_code, codes, &e), 0);
	assert_string_equal(codes, "base* mulei ");
	/* members: all or nothing */
	strcpy(d.id, "inv1");
	strcpy(d.kind, "pv_inverter");
	assert_int_equal(db_device_create(f->db, &d, &e), 0);
	assert_int_equal(db_site_assign(f->db, "mulei", "device", bad, 2, &e),
			 ERR_NOT_FOUND);
	assert_non_null(strstr(e.msg, "ghost"));
	assert_int_equal(db_site_members(f->db, "mulei", "device", collect_id,
					 members, &e), 0);
	assert_string_equal(members, "");
	assert_int_equal(db_site_assign(f->db, "nowhere", "device", ids, 1, &e),
			 ERR_NOT_FOUND);
	assert_int_equal(db_site_assign(f->db, "mulei", "device", ids, 1, &e),
			 0);
	assert_int_equal(db_site_members(f->db, "mulei", "device", collect_id,
					 members, &e), 0);
	assert_string_equal(members, "inv1 ");
	assert_int_equal(db_site_members(f->db, "mulei", "sheep", collect_id,
					 members, &e), ERR_INVALID);
}

static struct db_pv_equipment eq(const char *id, const char *kind,
				 const char *parent)
{
	struct db_pv_equipment q = {
		.kwp_dc = NAN, .kw_ac = NAN, .gamma_pdc = NAN, .tilt = NAN,
		.azimuth = NAN, .axis_tilt = NAN, .axis_azimuth = NAN,
		.max_angle = NAN, .gcr = NAN, .lon = NAN, .lat = NAN,
	};

	snprintf(q.id, sizeof(q.id), "%s", id);
	snprintf(q.kind, sizeof(q.kind), "%s", kind);
	snprintf(q.parent, sizeof(q.parent), "%s", parent);
	return q;
}

struct eq_list {
	struct db_pv_equipment v[8];
	size_t n;
};

static int take_eq(const struct db_pv_equipment *q, void *ctx)
{
	struct eq_list *l = ctx;

	if (l->n < 8)
		l->v[l->n++] = *q;
	return 0;
}

static void pv_import_is_all_or_nothing(void **state)
{
	struct test_store *f = *state;
	struct db_site s = site_of("park", "pv_plant");
	struct db_pv_equipment rows[3];
	struct eq_list l = { .n = 0 };
	struct db_device d;
	size_t added, updated;
	struct err e;

	s.created_ms = s.updated_ms = 1;
	assert_int_equal(db_site_create(f->db, &s, &e), 0);
	rows[0] = eq("B1", "pv_block", "");
	rows[1] = eq("INV1", "pv_inverter", "B1");
	rows[1].kwp_dc = 1000;
	rows[1].kw_ac = 900;
	rows[1].module_count = 1850;
	rows[1].gamma_pdc = -0.0035;
	snprintf(rows[1].subtype, sizeof(rows[1].subtype), "central");
	rows[2] = eq("MET1", "pv_met_station", "B1");
	rows[2].lon = 90.28;
	rows[2].lat = 43.83;
	assert_int_equal(db_pv_import(f->db, "park", rows, 3, 7, &added,
				      &updated, &e), 0);
	assert_int_equal(added, 3);
	assert_int_equal(updated, 0);
	assert_int_equal(db_device_get(f->db, "INV1", &d, &e), 0);
	assert_string_equal(d.kind, "pv_inverter");
	assert_int_equal(d.created_ms, 7);
	assert_int_equal(db_pv_equipment_list(f->db, "park", take_eq, &l, &e), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[1].id, "INV1");
	assert_string_equal(l.v[1].parent, "B1");
	assert_string_equal(l.v[1].subtype, "central");
	assert_true(l.v[1].kwp_dc == 1000 && l.v[1].kw_ac == 900);
	assert_int_equal(l.v[1].module_count, 1850);
	assert_true(l.v[1].gamma_pdc == -0.0035);
	assert_true(isnan(l.v[1].tilt));
	assert_true(l.v[2].lat == 43.83);
	/* again: updated, not added */
	rows[1].kw_ac = 950;
	assert_int_equal(db_pv_import(f->db, "park", rows, 3, 8, &added,
				      &updated, &e), 0);
	assert_int_equal(added, 0);
	assert_int_equal(updated, 3);
	/* an unknown site stores nothing */
	rows[0] = eq("B2", "pv_block", "");
	assert_int_equal(db_pv_import(f->db, "nowhere", rows, 1, 9, &added,
				      &updated, &e), ERR_NOT_FOUND);
	assert_int_equal(db_device_get(f->db, "B2", &d, &e), ERR_NOT_FOUND);
	l.n = 0;
	assert_int_equal(db_pv_equipment_list(f->db, "park", take_eq, &l, &e), 0);
	assert_int_equal(l.n, 3);
	assert_true(l.v[1].kw_ac == 950);
}

static int plot_site(const struct db_plot *p, void *ctx)
{
	strcat(ctx, p->code);
	strcat(ctx, "@");
	strcat(ctx, p->site);
	strcat(ctx, " ");
	return 0;
}

static int device_site(const struct db_device *d, void *ctx)
{
	strcat(ctx, d->id);
	strcat(ctx, "@");
	strcat(ctx, d->site);
	strcat(ctx, " ");
	return 0;
}

/* A device and a plot read back name their site; plots filter by it. */
static void devices_and_plots_carry_their_site(void **state)
{
	struct test_store *f = *state;
	struct db_site s = site_of("mulei", "pv_plant");
	struct db_device d = { .lon = NAN, .lat = NAN };
	struct db_plot p = { .field_capacity = NAN, .wilting_point = NAN,
			     .area_m2 = 100, .bbox = { 86, 44, 86.1, 44.1 } };
	struct db_plot_filter flt = { .site = "mulei" };
	struct db_device got;
	struct db_plot gp;
	const char *ids[] = { "inv9" }, *codes[] = { "P2" };
	char seen[256] = "";
	struct err e;

	assert_int_equal(db_site_create(f->db, &s, &e), 0);
	db_site_free(&s);
	strcpy(d.id, "inv9");
	strcpy(d.kind, "pv_inverter");
	assert_int_equal(db_device_create(f->db, &d, &e), 0);
	assert_int_equal(db_device_get(f->db, "inv9", &got, &e), 0);
	assert_string_equal(got.site, "base");
	assert_int_equal(db_site_assign(f->db, "mulei", "device", ids, 1, &e), 0);
	assert_int_equal(db_device_get(f->db, "inv9", &got, &e), 0);
	assert_string_equal(got.site, "mulei");
	assert_int_equal(db_device_list(f->db, NULL, device_site, seen, &e), 0);
	assert_string_equal(seen, "inv9@mulei ");
	p.geometry = "{\"type\":\"Polygon\",\"coordinates\":[[[86,44],"
		     "[86.1,44],[86.1,44.1],[86,44]]]}";
	strcpy(p.code, "P1");
	assert_int_equal(db_plots_upsert(f->db, &p, 1, NULL, NULL, &e), 0);
	strcpy(p.code, "P2");
	assert_int_equal(db_plots_upsert(f->db, &p, 1, NULL, NULL, &e), 0);
	assert_int_equal(db_site_assign(f->db, "mulei", "plot", codes, 1, &e), 0);
	seen[0] = '\0';
	assert_int_equal(db_plot_list(f->db, NULL, plot_site, seen, &e), 0);
	assert_string_equal(seen, "P1@base P2@mulei ");
	seen[0] = '\0';
	assert_int_equal(db_plot_list(f->db, &flt, plot_site, seen, &e), 0);
	assert_string_equal(seen, "P2@mulei ");
	/* with a bounding box too (PostgreSQL has a statement of its own) */
	flt.site = "base";
	flt.has_bbox = true;
	flt.bbox[0] = 85;
	flt.bbox[1] = 43;
	flt.bbox[2] = 87;
	flt.bbox[3] = 45;
	seen[0] = '\0';
	assert_int_equal(db_plot_list(f->db, &flt, plot_site, seen, &e), 0);
	assert_string_equal(seen, "P1@base ");
	assert_int_equal(db_plot_get(f->db, "P2", &gp, &e), 0);
	assert_string_equal(gp.site, "mulei");
	db_plot_free(&gp);
}

#define BOTH(name) \
	cmocka_unit_test_setup_teardown(name, test_store_setup, \
					test_store_teardown)
#define BOTH_PG(name) \
	cmocka_unit_test_setup_teardown(name, test_store_setup_pg, \
					test_store_teardown)
#define TESTS(T) { \
	T(the_base_is_the_default_site), \
	T(sites_create_update_and_assign), \
	T(pv_import_is_all_or_nothing), \
	T(devices_and_plots_carry_their_site), \
}

int main(void)
{
	const struct CMUnitTest sqlite_tests[] = TESTS(BOTH);
	const struct CMUnitTest pg_tests[] = TESTS(BOTH_PG);
	int failed;

	failed = cmocka_run_group_tests_name("SQLite", sqlite_tests, NULL, NULL);
	if (!getenv("OASIS_TEST_PG") || !*getenv("OASIS_TEST_PG")) {
		printf("# PostgreSQL: OASIS_TEST_PG is not set (make test sets "
		       "it), so only SQLite was tested\n");
		return failed;
	}
	return failed + cmocka_run_group_tests_name("PostgreSQL", pg_tests,
						     NULL, NULL);
}
