#!/usr/bin/python3
"""A real RTSP camera for tests and the demo, from Debian packages only
(GStreamer's RTSP server through gir1.2-gst-rtsp-server-1.0 and python3-gi,
x264enc from gstreamer1.0-plugins-ugly).

    rtsp_source.py --port 8554 --mount cam-1 --text "6523241010001" ...

serves rtsp://127.0.0.1:PORT/MOUNT for each --mount: H.264 (constrained
baseline, a key frame every second) of a moving test scene with the time
and the mount's text written on it (when gstreamer1.0-x gives the pango
overlay).  It prints "ready" once it listens and runs until SIGTERM.
"""
import argparse
import signal
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def background():
    """A field by day (06:00-20:00 local time), the night sky otherwise."""
    hour = time.localtime().tm_hour
    return 0xFF3F6B2A if 6 <= hour < 20 else 0xFF0B1A2E


def pipeline(width, height, fps, pattern, text, kbps=None):
    overlay = ""
    if Gst.ElementFactory.find("clockoverlay") and text is not None:
        safe = text.replace('"', "'")
        overlay = (' ! clockoverlay time-format="%%Y-%%m-%%d %%H:%%M:%%S" '
                   'halignment=right valignment=top font-desc="Sans 12" '
                   '! textoverlay text="%s" halignment=left valignment=bottom '
                   'font-desc="Sans 14"' % safe)
    return ("( videotestsrc is-live=true pattern=%s background-color=%d "
            "! video/x-raw,width=%d,height=%d,framerate=%d/1%s "
            "! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast "
            "bitrate=%d key-int-max=%d ! video/x-h264,profile=constrained-baseline "
            "! rtph264pay name=pay0 pt=96 config-interval=1 )"
            % (pattern, background(), width, height, fps, overlay,
               kbps or max(100, width * height * fps // 2000), fps))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mount", action="append", default=[],
                    help="NAME or NAME=TEXT (the text written on the picture)")
    ap.add_argument("--size", default="320x240")
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--pattern", default="ball")
    ap.add_argument("--bitrate", type=int, default=None, help="kbit/s")
    a = ap.parse_args()
    Gst.init(None)
    width, height = (int(x) for x in a.size.split("x"))
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(a.port))
    mounts = server.get_mount_points()
    for m in a.mount or ["cam"]:
        name, _, text = m.partition("=")
        f = GstRtspServer.RTSPMediaFactory()
        f.set_launch(pipeline(width, height, a.fps, a.pattern, text or name,
                                a.bitrate))
        f.set_shared(True)
        mounts.add_factory("/" + name, f)
    if server.attach(None) == 0:
        print("cannot listen on port %d" % a.port, file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print("ready", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
