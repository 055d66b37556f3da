/*
 * rs_index: vegetation indices of surface reflectance, one pure function
 * each, and the table that tells which bands an index reads.
 *
 * Inputs are reflectances (0..1, after the band's scale and offset, see
 * rs_raster.h); the outputs are unitless.  A formula whose denominator is
 * zero, or whose input is not finite, gives NAN: the pixel has no value and
 * is left out of the statistics like a nodata pixel.  A NAN input gives a
 * NAN output (the raster reader turns nodata and non-finite values into
 * NAN before they get here).
 *
 *   NDVI  = (NIR - Red) / (NIR + Red)
 *           Rouse, Haas, Schell, Deering 1974, "Monitoring vegetation
 *           systems in the Great Plains with ERTS", NASA SP-351, 309-317.
 *   GNDVI = (NIR - Green) / (NIR + Green)
 *           Gitelson, Kaufman, Merzlyak 1996, Remote Sens. Environ. 58,
 *           289-298.
 *   NDRE  = (NIR - RedEdge) / (NIR + RedEdge)
 *           Barnes et al. 2000, "Coincident detection of crop water stress,
 *           nitrogen status and canopy density using ground based
 *           multispectral data", 5th Int. Conf. on Precision Agriculture.
 *   EVI   = G (NIR - Red) / (NIR + C1 Red - C2 Blue + L),
 *           G = 2.5, C1 = 6, C2 = 7.5, L = 1
 *           Huete et al. 2002, Remote Sens. Environ. 83, 195-213.
 *   SAVI  = (1 + L) (NIR - Red) / (NIR + Red + L), L = 0.5
 *           Huete 1988, Remote Sens. Environ. 25, 295-309.
 *   VARI  = (Green - Red) / (Green + Red - Blue)
 *           Gitelson, Kaufman, Stark, Rundquist 2002, Remote Sens.
 *           Environ. 80, 76-87.  For RGB cameras (drones).
 *   ExG   = 2g - r - b on chromatic coordinates r = R/(R+G+B),
 *           g = G/(R+G+B), b = B/(R+G+B)
 *           Woebbecke, Meyer, Von Bargen, Mortensen 1995, Trans. ASAE 38(1),
 *           259-269.  For RGB cameras (drones); digital numbers work as well
 *           as reflectances since only ratios enter.
 *   band  the value of one band (reflectance, or the digital number when
 *         neither the file nor the command gives a scale).
 *
 * Pure computation: no I/O, no globals.
 */
#ifndef OASIS_RS_RS_INDEX_H
#define OASIS_RS_RS_INDEX_H

#include <stddef.h>

#include "util/err.h"

enum rs_index {
	RS_INDEX_BAND = 0,
	RS_INDEX_NDVI,
	RS_INDEX_GNDVI,
	RS_INDEX_NDRE,
	RS_INDEX_EVI,
	RS_INDEX_SAVI,
	RS_INDEX_VARI,
	RS_INDEX_EXG,
	RS_INDEX_COUNT
};

/* The bands an index may read, by their part in the formula. */
enum rs_role {
	RS_ROLE_VALUE = 0, /* the one band of RS_INDEX_BAND */
	RS_ROLE_BLUE,
	RS_ROLE_GREEN,
	RS_ROLE_RED,
	RS_ROLE_REDEDGE,
	RS_ROLE_NIR,
	RS_ROLE_COUNT
};

/* Constants of the formulas, as published. */
#define RS_EVI_G 2.5
#define RS_EVI_C1 6.0
#define RS_EVI_C2 7.5
#define RS_EVI_L 1.0
#define RS_SAVI_L 0.5

double rs_ndvi(double red, double nir);
double rs_gndvi(double green, double nir);
double rs_ndre(double rededge, double nir);
double rs_evi(double blue, double red, double nir);
double rs_savi(double red, double nir);
double rs_vari(double blue, double green, double red);
double rs_exg(double blue, double green, double red);

/* "ndvi", ..., "band" (case-insensitive) into *out; ERR_INVALID otherwise. */
int rs_index_parse(const char *name, enum rs_index *out, struct err *e);

/* The lower-case name of an index ("ndvi"). */
const char *rs_index_name(enum rs_index index);

/* The lower-case name of a role ("red", "nir", "rededge", "value"). */
const char *rs_role_name(enum rs_role role);

/* Bit (1u << role) is set for every role the index reads. */
unsigned rs_index_roles(enum rs_index index);

/*
 * The index of n pixels: in[role] points at the n reflectances of each role
 * the index reads (others are not looked at and may be NULL); out[i] gets
 * the index of pixel i, NAN where a formula has no value.  A NAN input gives
 * a NAN output.
 */
void rs_index_compute(enum rs_index index,
		      const double *const in[RS_ROLE_COUNT], size_t n,
		      double *out);

#endif
