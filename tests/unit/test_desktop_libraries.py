"""The X11 libraries check that replaces Qt's misleading "xcb-cursor0 is needed" abort."""

from __future__ import annotations

from workbench.app.desktop_libraries import describe_missing, missing_xcb_libraries, uses_xcb


def test_every_missing_library_is_named_with_its_package() -> None:
    absent = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}

    def load(soname: str) -> object:
        if soname in absent:
            raise OSError(f"{soname}: cannot open shared object file")
        return object()

    missing = missing_xcb_libraries(load)
    assert [m.package for m in missing] == ["libxcb-icccm4", "libxcb-keysyms1"]
    message = describe_missing(missing)
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1 are missing" in message
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in message
    assert "xcb-cursor0" not in message
    assert missing_xcb_libraries(lambda _name: object()) == []


def test_only_an_x11_session_on_linux_is_checked() -> None:
    assert uses_xcb({}, "linux")
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not uses_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not uses_xcb({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert uses_xcb({"WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not uses_xcb({}, "darwin")
    assert not uses_xcb({}, "win32")
