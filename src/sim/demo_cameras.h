/*
 * demo_cameras: the demo's cameras stream for real.  A local RTSP server
 * (scripts/rtsp_source.py: GStreamer's RTSP server from Debian packages)
 * serves each camera an H.264 scene with the time and its plot's code on
 * it; every camera's stream_url is pointed at it.  One camera's server is
 * cut off for a minute every ten, so that the screen shows a camera going
 * offline, its alert, and the picture coming back.  Without the packages
 * the demo runs on, its cameras without a picture (said once).
 */
#ifndef OASIS_SIM_DEMO_CAMERAS_H
#define OASIS_SIM_DEMO_CAMERAS_H

#include "db/db.h"
#include "util/err.h"

struct demo_cams;

/*
 * Start the servers (their messages go to DATA_DIR/demo-cameras.log) and
 * point the cameras at them; *out NULL if none ran.
 */
int demo_cameras_start(struct db *db, const char *data_dir,
		       struct demo_cams **out, struct err *e);
/* Stop the servers (their whole process groups) and wait for them. */
void demo_cameras_stop(struct demo_cams *c);

#endif
