/* The vegetation indices of rs_index.h: formulas, names, band roles. */
#include "rs/rs_index.h"

#include <math.h>
#include <strings.h>

/* num / den, or NAN when den is zero (the index is undefined there). */
static double ratio(double num, double den)
{
	if (den == 0.0)
		return NAN;
	return num / den;
}

static double normalized_difference(double a, double b)
{
	return ratio(a - b, a + b);
}

double rs_ndvi(double red, double nir)
{
	return normalized_difference(nir, red);
}

double rs_gndvi(double green, double nir)
{
	return normalized_difference(nir, green);
}

double rs_ndre(double rededge, double nir)
{
	return normalized_difference(nir, rededge);
}

double rs_evi(double blue, double red, double nir)
{
	return RS_EVI_G * ratio(nir - red, nir + RS_EVI_C1 * red -
					       RS_EVI_C2 * blue + RS_EVI_L);
}

double rs_savi(double red, double nir)
{
	return (1.0 + RS_SAVI_L) * ratio(nir - red, nir + red + RS_SAVI_L);
}

double rs_vari(double blue, double green, double red)
{
	return ratio(green - red, green + red - blue);
}

/* 2g - r - b with g = G / (R + G + B) and so on: one division suffices. */
double rs_exg(double blue, double green, double red)
{
	return ratio(2.0 * green - red - blue, red + green + blue);
}

static const char *const index_names[RS_INDEX_COUNT] = {
    [RS_INDEX_BAND] = "band",	[RS_INDEX_NDVI] = "ndvi",
    [RS_INDEX_GNDVI] = "gndvi", [RS_INDEX_NDRE] = "ndre",
    [RS_INDEX_EVI] = "evi",	[RS_INDEX_SAVI] = "savi",
    [RS_INDEX_VARI] = "vari",	[RS_INDEX_EXG] = "exg",
};

#define ROLE(r) (1u << (r))

static const unsigned index_roles[RS_INDEX_COUNT] = {
    [RS_INDEX_BAND] = ROLE(RS_ROLE_VALUE),
    [RS_INDEX_NDVI] = ROLE(RS_ROLE_RED) | ROLE(RS_ROLE_NIR),
    [RS_INDEX_GNDVI] = ROLE(RS_ROLE_GREEN) | ROLE(RS_ROLE_NIR),
    [RS_INDEX_NDRE] = ROLE(RS_ROLE_REDEDGE) | ROLE(RS_ROLE_NIR),
    [RS_INDEX_EVI] = ROLE(RS_ROLE_BLUE) | ROLE(RS_ROLE_RED) | ROLE(RS_ROLE_NIR),
    [RS_INDEX_SAVI] = ROLE(RS_ROLE_RED) | ROLE(RS_ROLE_NIR),
    [RS_INDEX_VARI] =
	ROLE(RS_ROLE_BLUE) | ROLE(RS_ROLE_GREEN) | ROLE(RS_ROLE_RED),
    [RS_INDEX_EXG] =
	ROLE(RS_ROLE_BLUE) | ROLE(RS_ROLE_GREEN) | ROLE(RS_ROLE_RED),
};

static const char *const role_names[RS_ROLE_COUNT] = {
    [RS_ROLE_VALUE] = "value",	   [RS_ROLE_BLUE] = "blue",
    [RS_ROLE_GREEN] = "green",	   [RS_ROLE_RED] = "red",
    [RS_ROLE_REDEDGE] = "rededge", [RS_ROLE_NIR] = "nir",
};

int rs_index_parse(const char *name, enum rs_index *out, struct err *e)
{
	for (int i = 0; i < RS_INDEX_COUNT; i++) {
		if (strcasecmp(name, index_names[i]) == 0) {
			*out = (enum rs_index)i;
			return ERR_OK;
		}
	}
	return err_set(e, ERR_INVALID,
		       "unknown index '%s' (ndvi, gndvi, ndre, evi, savi, "
		       "vari, exg or band)",
		       name);
}

const char *rs_index_name(enum rs_index index)
{
	return index >= 0 && index < RS_INDEX_COUNT ? index_names[index] : "?";
}

const char *rs_role_name(enum rs_role role)
{
	return role >= 0 && role < RS_ROLE_COUNT ? role_names[role] : "?";
}

unsigned rs_index_roles(enum rs_index index)
{
	return index >= 0 && index < RS_INDEX_COUNT ? index_roles[index] : 0;
}

void rs_index_compute(enum rs_index index,
		      const double *const in[RS_ROLE_COUNT], size_t n,
		      double *out)
{
	const double *v = in[RS_ROLE_VALUE], *b = in[RS_ROLE_BLUE];
	const double *g = in[RS_ROLE_GREEN], *r = in[RS_ROLE_RED];
	const double *re = in[RS_ROLE_REDEDGE], *nir = in[RS_ROLE_NIR];

	switch (index) {
	case RS_INDEX_BAND:
		for (size_t i = 0; i < n; i++)
			out[i] = isfinite(v[i]) ? v[i] : NAN;
		break;
	case RS_INDEX_NDVI:
		for (size_t i = 0; i < n; i++)
			out[i] = rs_ndvi(r[i], nir[i]);
		break;
	case RS_INDEX_GNDVI:
		for (size_t i = 0; i < n; i++)
			out[i] = rs_gndvi(g[i], nir[i]);
		break;
	case RS_INDEX_NDRE:
		for (size_t i = 0; i < n; i++)
			out[i] = rs_ndre(re[i], nir[i]);
		break;
	case RS_INDEX_EVI:
		for (size_t i = 0; i < n; i++)
			out[i] = rs_evi(b[i], r[i], nir[i]);
		break;
	case RS_INDEX_SAVI:
		for (size_t i = 0; i < n; i++)
			out[i] = rs_savi(r[i], nir[i]);
		break;
	case RS_INDEX_VARI:
		for (size_t i = 0; i < n; i++)
			out[i] = rs_vari(b[i], g[i], r[i]);
		break;
	case RS_INDEX_EXG:
		for (size_t i = 0; i < n; i++)
			out[i] = rs_exg(b[i], g[i], r[i]);
		break;
	default:
		for (size_t i = 0; i < n; i++)
			out[i] = NAN;
		break;
	}
}
