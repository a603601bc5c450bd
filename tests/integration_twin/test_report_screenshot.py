# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The evacuation report and maintenance window modules through ansible-playbook, and the HTML page as
a person sees it: rendered by headless Chromium to build/report-screenshot/evacuation.png.

The record is the hand-built one of the unit tests (ten migrations, one failed). The screenshot must
have the window's size, many colours, and the timeline's phase and failure colours in solid areas.
The PNG is read with the standard library (zlib), no imaging package. Skipped without Chromium
(``scripts/setup.sh`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import collections
import importlib.util
import json
import pathlib
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Callable
from typing import Any

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
OUT = REPO / "build" / "report-screenshot"
WIDTH, HEIGHT = 1400, 1100
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# Colours of the timeline (plugins/module_utils/_report_gantt.py): transfer, starting, completing, failed.
TIMELINE_COLOURS = {"transfer": (0x21, 0x71, 0xB5), "starting": (0x9E, 0xCA, 0xE1), "completing": (0x41, 0xAB, 0x5D), "failed": (0xD6, 0x27, 0x28)}


def sample_record() -> dict[str, Any]:
    path = REPO / "tests" / "unit" / "plugins" / "module_utils" / "report_sample.py"
    spec = importlib.util.spec_from_file_location("report_sample", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.sample_record()  # type: ignore[no-any-return]


# ----- PNG (8-bit RGB or RGBA, not interlaced) -----
def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(kind: int, line: bytearray, prev: bytes, bpp: int) -> bytearray:
    if kind == 0:
        return line
    if kind == 2:
        return bytearray((x + y) & 0xFF for x, y in zip(line, prev))
    out = bytearray(len(line))
    for i, x in enumerate(line):
        a = out[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            out[i] = (x + a) & 0xFF
        elif kind == 3:
            out[i] = (x + ((a + b) >> 1)) & 0xFF
        elif kind == 4:
            out[i] = (x + _paeth(a, b, c)) & 0xFF
        else:
            raise ValueError(f"unknown PNG filter {kind}")
    return out


def read_png(path: pathlib.Path) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows of raw pixel bytes, bytes per pixel)."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, header = 8, bytearray(), b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(bytes(idat))
    stride = width * bpp
    rows, prev = [], bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), prev, bpp)
        rows.append(bytes(line))
        prev = rows[-1]
    return width, height, rows, bpp


def colour_counts(rows: list[bytes], bpp: int) -> collections.Counter[tuple[int, int, int]]:
    counts: collections.Counter[tuple[int, int, int]] = collections.Counter()
    for row in rows:
        counts.update(zip(row[0::bpp], row[1::bpp], row[2::bpp]))
    return counts


# ----- the test -----
def browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def screenshot(page: pathlib.Path, png: pathlib.Path) -> None:
    chrome = browser()
    if chrome is None:
        pytest.skip("Chromium is not installed (scripts/setup.sh installs it)")
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        argv = [
            chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={png}",
            f"--window-size={WIDTH},{HEIGHT}", page.resolve().as_uri(),
        ]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and png.is_file(), done.stderr[-2000:]


def test_report_modules_and_screenshot(run_playbook: Callable[..., tuple[int, Any]], tmp_path: pathlib.Path) -> None:
    record_file = tmp_path / "record.json"
    record_file.write_text(json.dumps(sample_record()), encoding="utf-8")
    OUT.mkdir(parents=True, exist_ok=True)
    dest = OUT / "reports"
    shutil.rmtree(dest, ignore_errors=True)
    report = {"src": str(record_file), "dest": str(dest), "basename": "evacuation"}
    rc, results = run_playbook([
        {"powervm.lpm.evacuation_report": report, "check_mode": True},
        {"powervm.lpm.evacuation_report": report},
        {"powervm.lpm.evacuation_report": report},
        {"powervm.lpm.maintenance_window": {"path": str(REPO / "docs" / "examples" / "window.yml"), "now": "2026-03-14T22:30:00+01:00",
                                            "partitions": ["b750dev1", "b750db1"]}},
    ])
    assert rc == 0, results
    dry, first, again, window = results
    assert dry["changed"] is True and dry["written"] == ["json", "markdown", "html"]
    assert first["changed"] is True and first["paths"]["html"] == str(dest / "evacuation.html")
    assert again["changed"] is False and again["written"] == []
    assert first["summary"] == {"moved": 8, "failed": 1, "recovered": 0, "skipped": 1, "left": 5, "unmovable": 2,
                                "makespan_seconds": pytest.approx(572.204), "predicted_seconds": 560.0, "lower_bound_seconds": 410.0}
    assert window["in_window"] is True and window["before_deadline"] is True and window["excluded"] == ["b750dev1"]
    assert window["window"]["window"]["deadline"] == "2026-03-15T00:30:00+00:00"

    png = OUT / "evacuation.png"
    png.unlink(missing_ok=True)
    screenshot(dest / "evacuation.html", png)
    width, height, rows, bpp = read_png(png)
    assert (width, height) == (WIDTH, HEIGHT)
    counts = colour_counts(rows, bpp)
    total = width * height
    assert len(counts) > 50  # text anti-aliasing, tiles, bars: far from a blank page
    assert counts.most_common(1)[0][1] < 0.9 * total  # not (almost) all one colour
    for name, rgb in TIMELINE_COLOURS.items():
        assert counts[rgb] > 300, f"the {name} colour {rgb} covers only {counts[rgb]} pixels"
