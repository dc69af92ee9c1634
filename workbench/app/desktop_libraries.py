"""Before the desktop app starts on Linux/X11: are the system libraries Qt's xcb plugin needs here?

When one is missing, Qt aborts with "Could not load the Qt platform plugin "xcb"… xcb-cursor0 or
libxcb-cursor0 is needed", naming only the first library it thought of even when the missing
ones are ``libxcb-icccm4`` or ``libxcb-keysyms1``. This module loads each library the plugin
links against (Qt 6.5+) and names every missing one with its Debian/Ubuntu package, so the
message can say exactly what to install.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# Shared object → Debian/Ubuntu package (the names other distributions use are close).
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}

Loader = Callable[[str], object]


@dataclass(frozen=True)
class MissingLibrary:
    """A shared library that could not be loaded, and the package that provides it."""

    soname: str
    package: str


def uses_xcb(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will pick its X11 (xcb) platform plugin in this environment."""
    if not platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0] == "xcb" or chosen.startswith("xcb;")
    # Qt 6 prefers Wayland when a Wayland session is running, X11 otherwise.
    return not environ.get("WAYLAND_DISPLAY")


def missing_xcb_libraries(load: Loader = ctypes.CDLL) -> list[MissingLibrary]:
    """Every library of `XCB_LIBRARIES` that `load` cannot open."""
    missing = []
    for soname, package in XCB_LIBRARIES.items():
        try:
            load(soname)
        except OSError:
            missing.append(MissingLibrary(soname, package))
    return missing


def describe_missing(missing: list[MissingLibrary]) -> str:
    """A message naming the missing libraries and the command that installs them."""
    names = ", ".join(library.soname for library in missing)
    packages = " ".join(library.package for library in missing)
    return (
        f"Prompt Workbench cannot open its window: the X11 libraries {names} are missing "
        f"(Qt's xcb platform plugin needs them).\n"
        f"On Debian or Ubuntu: sudo apt-get install {packages}\n"
        "(Other distributions ship them as xcb-util-cursor, xcb-util-wm, xcb-util-keysyms, "
        "xcb-util-image, xcb-util-renderutil and libxkbcommon-x11.) "
        "The command-line `workbench` works without them."
    )
