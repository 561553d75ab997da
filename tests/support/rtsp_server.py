#!/usr/bin/python3
"""GStreamer RTSP test server for Falcon-Eye tests.

Serves a synthetic H.264 camera (plus optional audio) from gst-rtsp-server via
python3-gi. Run it with Debian's /usr/bin/python3: the pyenv python on PATH has
no `gi` module. Prints "READY" on stdout once the server is attached, so a
parent process can wait for it.

Example:
  /usr/bin/python3 rtsp_server.py --port 8554 --size 640x480 --fps 15 \
      --path /test --pattern ball --audio pcmu --user u --password p
"""

import argparse
import ctypes
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PATTERNS = ("ball", "smpte", "snow")
AUDIO = ("none", "aac", "pcmu")


def die_with_parent():
    """Ask the kernel to SIGTERM us when the parent dies, so a crashed test
    runner never leaves an orphaned RTSP server behind."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass


def parse_args(argv):
    p = argparse.ArgumentParser(description="GStreamer RTSP test server")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--size", default="640x480", help="WIDTHxHEIGHT")
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--path", default="/test")
    p.add_argument("--pattern", choices=PATTERNS, default="ball")
    p.add_argument("--audio", choices=AUDIO, default="none")
    p.add_argument("--bitrate", type=int, default=1000, help="kbit/s")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--auth", choices=("digest", "basic"), default="digest")
    p.add_argument(
        "--transport",
        choices=("any", "tcp", "udp"),
        default="any",
        help="lower transports offered (a UDP-only camera refuses TCP)",
    )
    args = p.parse_args(argv)
    try:
        args.width, args.height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        p.error(f"--size must look like 640x480, got {args.size!r}")
    if not args.path.startswith("/"):
        args.path = "/" + args.path
    if bool(args.user) != bool(args.password):
        p.error("--user and --password go together")
    return args


def aac_encoder():
    """Pick an AAC encoder that exists: avenc_aac (gstreamer1.0-libav) or
    voaacenc (gstreamer1.0-plugins-bad). None when neither is installed."""
    for name in ("avenc_aac", "voaacenc"):
        if Gst.ElementFactory.find(name) is not None:
            return name
    return None


def launch_line(args):
    """Build the gst-launch description for the shared media factory."""
    video = (
        f"videotestsrc is-live=true pattern={args.pattern} ! "
        f"video/x-raw,width={args.width},height={args.height},"
        f"framerate={args.fps}/1 ! "
        "x264enc tune=zerolatency speed-preset=ultrafast "
        f"key-int-max={args.fps * 2} bitrate={args.bitrate} ! "
        "rtph264pay name=pay0 pt=96 config-interval=1"
    )
    audio = ""
    if args.audio == "pcmu":
        audio = (
            " audiotestsrc is-live=true wave=sine freq=440 volume=0.2 ! "
            "audio/x-raw,rate=8000,channels=1 ! mulawenc ! "
            "rtppcmupay name=pay1 pt=0"
        )
    elif args.audio == "aac":
        enc = aac_encoder()
        if enc is None:
            raise SystemExit(
                "aac audio needs avenc_aac (apt-get install gstreamer1.0-libav) "
                "or voaacenc (apt-get install gstreamer1.0-plugins-bad)"
            )
        audio = (
            " audiotestsrc is-live=true wave=sine freq=440 volume=0.2 ! "
            "audio/x-raw,rate=44100,channels=1 ! audioconvert ! audioresample ! "
            f"{enc} ! aacparse ! rtpmp4gpay name=pay1 pt=97"
        )
    return f"( {video}{audio} )"


def setup_auth(server, factory, args):
    """Require a login when --user is given. Digest is the default because
    that is what most real cameras ask for; --auth basic is available too."""
    if not args.user:
        return
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "user")
    if args.auth == "digest":
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        auth.add_digest(args.user, args.password, token)
    else:
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        basic = GstRtspServer.RTSPAuth.make_basic(args.user, args.password)
        auth.add_basic(basic, token)
    server.set_auth(auth)
    role = Gst.Structure.new_from_string(
        "user, media.factory.access=(boolean)true, "
        "media.factory.construct=(boolean)true"
    )
    factory.add_role_from_structure(role)


def main(argv):
    die_with_parent()
    args = parse_args(argv)
    Gst.init(None)

    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_shared(True)
    factory.set_launch(launch_line(args))
    if args.transport == "udp":
        factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP)
    elif args.transport == "tcp":
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
    setup_auth(server, factory, args)
    server.get_mount_points().add_factory(args.path, factory)

    if server.attach(None) == 0:
        print(f"cannot listen on {args.host}:{args.port}", file=sys.stderr)
        return 3

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, loop.quit)

    print("READY", flush=True)
    print(
        f"serving rtsp://{args.host}:{args.port}{args.path} "
        f"{args.width}x{args.height}@{args.fps} {args.pattern} audio={args.audio}",
        file=sys.stderr,
        flush=True,
    )
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
