"""A tiny Chrome DevTools Protocol client over --remote-debugging-pipe: headless Chromium driven
fully offline (no WebSocket library, no browser download), enough to walk journeys, take screenshots
and run axe-core in the page."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                  "--remote-debugging-pipe", "--window-size=1280,900"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = os.environ.get("SETELI_CHROMIUM") or shutil.which(name)
        if path:
            return path
    return None


class CdpError(RuntimeError):
    pass


class Browser:
    def __init__(self, binary: str) -> None:
        self.user_data = tempfile.mkdtemp(prefix="seteli-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def child_fds() -> None:  # Chromium reads commands on fd 3 and writes replies on fd 4
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.user_data}", "about:blank"],
                                     preexec_fn=child_fds, pass_fds=(3, 4), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._lock = threading.Lock()
        self._replies: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self._cond:
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self.events.append(message)
                    self._cond.notify_all()

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._cond:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CdpError(f"{method}: no reply in {timeout}s")
                self._cond.wait(left)
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise CdpError(f"{method}: {reply['error']}")
        return dict(reply.get("result", {}))

    def new_page(self) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        page.cmd("Page.enable")
        page.cmd("Runtime.enable")
        page.cmd("Page.setBypassCSP", {"enabled": True})  # only so axe can be injected; pages keep their CSP
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (CdpError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.user_data, ignore_errors=True)


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def cmd(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session)

    def js(self, expression: str, timeout: float = 30) -> Any:
        result = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                        "awaitPromise": True}, session=self.session,
                                   timeout=timeout)
        if "exceptionDetails" in result:
            raise CdpError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def _wait_loaded(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.js("window.__seteliOld === undefined && document.readyState === 'complete'"):
                    return
            except CdpError:
                pass  # the page is between documents
            time.sleep(0.05)
        raise CdpError("page did not load")

    def goto(self, url: str) -> None:
        self.js("window.__seteliOld = true")
        self.cmd("Page.navigate", {"url": url})
        self._wait_loaded()

    def navigate_by(self, script: str) -> None:
        """Run a script that navigates (a click, a form submission) and wait for the next page."""
        self.js("window.__seteliOld = true")
        self.js(f"setTimeout(() => {{ {script} }}, 0); true")
        self._wait_loaded()

    def fill(self, selector: str, value: str) -> None:
        ok = self.js(f"""(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return false;
            if (e.type === 'checkbox' || e.type === 'radio') {{ e.checked = {json.dumps(value)} !== ''; }}
            else {{ e.value = {json.dumps(value)}; }} return true; }})()""")
        if not ok:
            raise CdpError(f"no element {selector}")

    def submit(self, form_selector: str, button_selector: str | None = None) -> None:
        button = f"document.querySelector({json.dumps(button_selector)})" if button_selector else "undefined"
        self.navigate_by(f"document.querySelector({json.dumps(form_selector)}).requestSubmit({button})")

    def text(self) -> str:
        return str(self.js("document.body.innerText"))

    def key(self, key: str, code: str, key_code: int, shift: bool = False) -> None:
        modifiers = 8 if shift else 0
        for kind in ("rawKeyDown", "keyUp"):
            self.cmd("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": code, "modifiers": modifiers,
                                                "windowsVirtualKeyCode": key_code})

    def screenshot(self, path: Path) -> None:
        metrics = self.cmd("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
            "x": 0, "y": 0, "width": metrics["width"], "height": min(metrics["height"], 4000), "scale": 1}})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def axe(self, source: str) -> list[dict[str, Any]]:
        """axe-core's WCAG 2.1 A/AA violations of the page."""
        if not self.js("typeof window.axe !== 'undefined'"):
            self.js(source + "\n;true", timeout=60)
        return list(self.js("""axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}}).then(r => r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))""",
                            timeout=60))
