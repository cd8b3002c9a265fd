"""Open a page in real headless Chromium and watch it through the DevTools protocol (over pipes).

`--remote-debugging-pipe` makes Chromium read protocol commands from file descriptor 3 and write
answers and events to descriptor 4, each message a JSON text ended by a NUL byte: no port, no
websocket library. The page's console messages, uncaught exceptions, log entries and network
requests are collected, and JavaScript can be evaluated in it.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)
TIMEOUT = 30.0


def chromium() -> str:
    """The Chromium executable; fails (never skips) when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is not installed: the HTML report tests need Debian's `chromium` (apt-get install chromium)")


@dataclass
class Page:
    """What happened while the page loaded, and a way to run JavaScript in it."""

    browser: Browser
    session: str

    def evaluate(self, expression: str) -> Any:
        """The JSON value of `expression` evaluated in the page (exceptions fail the test)."""
        result = self.browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, self.session)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def own_events(self) -> list[dict[str, Any]]:
        """The protocol events of this page's session."""
        return [event for event in self.browser.events if event.get("sessionId") == self.session]

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and error log entries (CSP violations among them)."""
        found: list[str] = []
        for event in self.own_events():
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "warning", "assert"):
                found.append(f"console.{params['type']}: {[arg.get('value') for arg in params['args']]}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails']}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                found.append(f"log {params['entry']['level']}: {params['entry']['text']}")
        return found

    def viewport(self, width: int, height: int) -> None:
        """Lay the page out for a window of `width` x `height` CSS pixels (device scale 1)."""
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        self.browser.call("Emulation.setDeviceMetricsOverride", metrics, self.session)

    def emulate(self, media: str = "", color_scheme: str = "") -> None:
        """Emulate a CSS media type (`print`, or "" for screen) and `prefers-color-scheme` ("" for none)."""
        features = [{"name": "prefers-color-scheme", "value": color_scheme}]
        self.browser.call("Emulation.setEmulatedMedia", {"media": media, "features": features}, self.session)

    def screenshot(self, path: Path, clip: dict[str, float] | None = None) -> bytes:
        """A PNG of the page (the whole page, or `clip`: x, y, width, height in CSS pixels), also saved at `path`."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": True}
        if clip is not None:
            params["clip"] = {**clip, "scale": 1}
        png = base64.b64decode(self.browser.call("Page.captureScreenshot", params, self.session)["data"])
        path.write_bytes(png)
        return png

    def print_pdf(self) -> bytes:
        """The page printed to PDF (A4, backgrounds on), as Chromium's print preview would."""
        params = {"printBackground": True, "paperWidth": 8.27, "paperHeight": 11.69}
        return base64.b64decode(self.browser.call("Page.printToPDF", params, self.session)["data"])

    def requests(self) -> list[str]:
        """The URL of every request the page made."""
        return [
            event["params"]["request"]["url"]
            for event in self.own_events()
            if event.get("method") == "Network.requestWillBeSent"
        ]


#: Puts the pipe ends on descriptors 3 and 4, then becomes Chromium.
_LAUNCH = (
    "import os, sys; read, write = int(sys.argv[1]), int(sys.argv[2]); os.dup2(read, 3); os.dup2(write, 4); "
    "os.close(read); os.close(write); os.execv(sys.argv[3], sys.argv[3:])"
)


def _above_four(descriptor: int) -> int:
    """A copy of `descriptor` numbered 10 or more (the original is closed), so 3 and 4 stay free."""
    copy = fcntl.fcntl(descriptor, fcntl.F_DUPFD, 10)
    os.close(descriptor)
    return copy


class Browser:
    """One headless Chromium process driven over the DevTools pipe."""

    def __init__(self) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()
        commands_read, answers_write = _above_four(commands_read), _above_four(answers_write)
        command = [chromium(), *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"]
        self._process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, str(commands_read), str(answers_write), *command],
            pass_fds=(commands_read, answers_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(commands_read)
        os.close(answers_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and wait for its answer (events seen meanwhile are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode("utf-8") + b"\0")
        while True:
            answer = self._receive()
            if answer.get("id") == self._next_id:
                assert "error" not in answer, f"{method}: {answer['error']}"
                result: dict[str, Any] = answer["result"]
                return result
            self.events.append(answer)

    def open(self, path: Path) -> Page:
        """Load `path` in a new tab, with console, log and network events on, and wait for its load event."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable", None, session)
        self.call("Page.navigate", {"url": path.resolve().as_uri()}, session)
        page = Page(self, session)
        while not any(event.get("method") == "Page.loadEventFired" for event in page.own_events()):
            self.events.append(self._receive())
        return page

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (EOFError, OSError):
            pass
        finally:
            self._process.wait(TIMEOUT)
            os.close(self._commands)
            os.close(self._answers)
            self._profile.cleanup()

    def _receive(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._answers], [], [], remaining)
            if ready:
                chunk = os.read(self._answers, 1 << 16)
                if not chunk:
                    raise EOFError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed
