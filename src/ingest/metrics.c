/*
 * The standard metrics.  Bounds are what the physics and the instruments
 * allow, not what is plausible for a season: a reading outside them is a
 * fault (a unit mix-up, a broken sensor), refused at the door.
 */
#include "ingest/metrics.h"

#include <string.h>

#include "db/db.h"

_Static_assert(METRIC_NAME_MAX < DB_NAME_MAX, "a metric name fits a series");

const struct metric_def metric_custom = {
	"", "", -METRIC_CUSTOM_LIMIT, METRIC_CUSTOM_LIMIT, "custom metric",
};

static const struct metric_def table[] = {
	{ "air_temp", "°C", -60, 60, "air temperature" },
	{ "rh", "%", 0, 100, "relative humidity" },
	{ "solar_rad", "W/m²", 0, 1500, "global solar radiation" },
	{ "par", "µmol/m²/s", 0, 3000, "photosynthetically active radiation" },
	{ "wind_speed", "m/s", 0, 75, "wind speed" },
	{ "wind_gust", "m/s", 0, 100, "wind gust" },
	{ "wind_dir", "°", 0, 360, "wind direction, from north, clockwise" },
	{ "rain", "mm", 0, 500, "rain since the previous report" },
	{ "pressure", "hPa", 300, 1100, "air pressure" },
	{ "dew_point", "°C", -80, 60, "dew point" },
	{ "sunshine", "h", 0, 24, "sunshine duration" },
	{ "moisture_10cm", "%vol", 0, 100, "soil moisture at 10 cm" },
	{ "moisture_20cm", "%vol", 0, 100, "soil moisture at 20 cm" },
	{ "moisture_30cm", "%vol", 0, 100, "soil moisture at 30 cm" },
	{ "moisture_40cm", "%vol", 0, 100, "soil moisture at 40 cm" },
	{ "moisture_60cm", "%vol", 0, 100, "soil moisture at 60 cm" },
	{ "soil_temp_10cm", "°C", -40, 80, "soil temperature at 10 cm" },
	{ "soil_temp_20cm", "°C", -40, 80, "soil temperature at 20 cm" },
	{ "soil_temp_30cm", "°C", -40, 80, "soil temperature at 30 cm" },
	{ "soil_temp_40cm", "°C", -40, 80, "soil temperature at 40 cm" },
	{ "soil_temp_60cm", "°C", -40, 80, "soil temperature at 60 cm" },
	{ "ec", "dS/m", 0, 200, "soil electrical conductivity" },
	{ "flow", "m³/h", 0, 10000, "flow rate" },
	{ "volume", "m³", 0, 1e12, "metered volume (cumulative)" },
	{ "pipe_pressure", "kPa", 0, 2500, "irrigation pipe pressure" },
	{ "valve_state", "0/1", 0, 1, "valve closed (0) or open (1)" },
	{ "battery", "V", 0, 60, "battery voltage" },
	{ "signal", "dBm", -150, 0, "radio signal strength" },
	{ "power", "W", -1e9, 1e9, "electric power" },
	{ "energy", "kWh", 0, 1e12, "energy (cumulative)" },
	{ "ndvi", "1", -1, 1, "normalised difference vegetation index" },
	{ "latitude", "°", -90, 90, "latitude (WGS 84)" },
	{ "longitude", "°", -180, 180, "longitude (WGS 84)" },
	{ "speed", "m/s", 0, 200, "ground speed" },
	{ "heading", "°", 0, 360, "heading, from north, clockwise" },
	{ "working", "0/1", 0, 1, "implement working (1) or not (0)" },
	/* the PV park (docs/PV.md): pvlib's names where it has one */
	{ "p_ac", "kW", -1e6, 1e6, "AC active power (inverter, meter)" },
	{ "p_dc", "kW", -1e6, 1e6, "DC power (inverter input)" },
	{ "v_dc", "V", 0, 2000, "DC voltage" },
	{ "i_dc", "A", -100, 10000, "DC current" },
	{ "string_current", "A", -5, 40, "current of one PV string" },
	{ "energy_total", "kWh", 0, 1e12, "AC energy delivered (cumulative)" },
	{ "inverter_state", "code", 0, 65535, "inverter operating state" },
	{ "fault_code", "code", 0, 4294967295.0, "inverter fault code (0: none)" },
	{ "poa_global", "W/m²", -100, 3000, "irradiance on the plane of array" },
	{ "ghi", "W/m²", -100, 3000, "global horizontal irradiance" },
	{ "dhi", "W/m²", -100, 3000, "diffuse horizontal irradiance" },
	{ "dni", "W/m²", -100, 3000, "direct normal irradiance" },
	{ "temp_module", "°C", -90, 150, "PV module (back-of-module) temperature" },
	{ "temp_air", "°C", -90, 90, "air temperature at a PV met station" },
	{ "albedo", "1", 0, 1, "ground albedo" },
	{ "tracker_angle", "°", -90, 90, "tracker rotation, 0 horizontal, + west" },
	{ "tracker_setpoint", "°", -90, 90, "tracker rotation commanded" },
	{ "agc_setpoint", "kW", 0, 1e7, "grid operator's AGC power set-point" },
	{ "export_limit", "kW", 0, 1e7, "export limit in force" },
};

const struct metric_def *metric_find(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

bool metric_name_valid(const char *name)
{
	size_t n = 0;

	if (!(name[0] >= 'a' && name[0] <= 'z'))
		return false;
	for (const char *p = name; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_'))
			return false;
	return n <= METRIC_NAME_MAX;
}

const struct metric_def *metric_table(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}
