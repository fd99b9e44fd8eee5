"""Drive headless Chromium over the DevTools protocol (CDP) through a pipe.

Stdlib only, so the test suite needs no npm/pip packages. With
``--remote-debugging-pipe`` Chromium reads NUL-terminated JSON commands from
fd 3 and writes replies and events to fd 4: no port to pick, no WebSocket.

    with Browser() as browser:
        page = browser.open("page.html")
        page.click("#sort")
        assert page.console_errors() == []
"""
import atexit, base64, collections, fcntl, json, os, pathlib, shutil, signal
import subprocess, tempfile, threading, time

__all__ = ["Browser", "Page", "BrowserError", "BrowserMissing"]
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


class BrowserError(Exception):
    """A command failed, a wait timed out, or Chromium exited unexpectedly."""


class BrowserMissing(BrowserError):
    """No Chromium executable found; tests report this as a failed check."""


class Browser:
    """One headless Chromium process with a throw-away profile.

    A reader thread splits fd 4 into messages: replies are matched to command
    ids, events are queued per session, so one page's console errors never
    leak into another's. Every wait is bounded by ``timeout`` seconds.
    """

    def __init__(self, executable=None, timeout=30, window_size=(1280, 900)):
        self.timeout, self.window_size = timeout, tuple(window_size)
        exe = executable or next(filter(None, map(shutil.which, CANDIDATES)), None)
        if not exe or not shutil.which(exe):
            raise BrowserMissing(f"no Chromium found (tried {executable or ', '.join(CANDIDATES)})")
        self._tmp = tempfile.mkdtemp(prefix="cdp-")
        self._log_path = os.path.join(self._tmp, "chromium.log")
        self._log = open(self._log_path, "wb")  # Chromium is chatty: keep it off our stdout
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._replies, self._events = {}, collections.defaultdict(list)
        self._next_id, self._dead, self._closed = 0, None, False
        cmd_r, self._cmd_w = os.pipe()      # we write, Chromium reads on fd 3
        self._rep_r, rep_w = os.pipe()      # Chromium writes on fd 4, we read

        def wire_fds():  # runs in the child between fork and exec
            # Copy both ends above 10 first so dup2 never clobbers the other
            # one; dup2 then yields inheritable fds (os.pipe() fds are CLOEXEC,
            # and dup2(3, 3) would be a no-op that keeps the flag).
            a = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
            b = fcntl.fcntl(rep_w, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(a, 3); os.dup2(b, 4)
            os.set_inheritable(3, True); os.set_inheritable(4, True)

        w, h = window_size
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", f"--user-data-dir={self._tmp}/profile",
                f"--window-size={w},{h}", "--no-first-run", "--no-default-browser-check",
                "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
                "--disable-background-networking", "--disable-renderer-backgrounding",
                "--disable-background-timer-throttling",   # background tabs would
                "--disable-backgrounding-occluded-windows",  # stall timers and rAF
                "about:blank"]
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=self._log, close_fds=False, preexec_fn=wire_fds,
                                         start_new_session=True)  # own group: kill all of it
        except OSError as e:
            self._cleanup()
            raise BrowserMissing(f"cannot start {exe}: {e}") from e
        finally:
            os.close(cmd_r); os.close(rep_w)  # else we never see EOF on exit
        atexit.register(self.close)  # no orphaned Chromium if a test forgets close()
        threading.Thread(target=self._read_loop, daemon=True, name="cdp-reader").start()
        try:
            self.version = self.send("Browser.getVersion")["product"]
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read_loop(self):
        buf, why = b"", "Chromium closed the DevTools pipe"
        try:
            while chunk := os.read(self._rep_r, 1 << 16):
                *messages, buf = (buf + chunk).split(b"\0")
                with self._cond:
                    for msg in map(json.loads, messages):
                        if "id" in msg:
                            self._replies[msg["id"]] = msg
                        else:
                            self._events[msg.get("sessionId")].append(msg)
                    self._cond.notify_all()
        except Exception as e:  # EBADF after close(), or garbage: never die silently
            why = f"DevTools reader stopped: {e!r}"
        with self._cond:
            self._dead = why
            self._cond.notify_all()

    def stderr_tail(self, lines=15):
        """Last lines of Chromium's stderr, to explain an unexpected exit."""
        try:
            with open(self._log_path, "rb") as f:
                text = f.read()[-8000:].decode("utf-8", "replace")
        except OSError:
            return ""
        noise = ("dbus", "unexpected operator")  # container noise, never the cause
        kept = [ln for ln in text.splitlines() if not any(n in ln for n in noise)]
        return "\n".join(kept[-lines:]) or ("(dbus noise only)" if text else "(empty)")

    def wait_until(self, predicate, what, timeout=None):
        """Block until predicate() (called under the lock) is truthy.

        Raises BrowserError naming ``what`` on timeout or if Chromium died,
        so a hung test says what it was waiting for instead of just hanging.
        """
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                if self._dead:
                    try:  # EOF comes a moment before the exit status
                        code = self.proc.wait(timeout=1)
                    except subprocess.TimeoutExpired:
                        code = None
                    raise BrowserError(f"{self._dead} (exit code {code}) while waiting for "
                                       f"{what}; Chromium stderr tail:\n{self.stderr_tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BrowserError(f"timed out after {timeout}s waiting for {what}")
                self._cond.wait(left)

    def send(self, method, params=None, session_id=None, timeout=None):
        """Send one command and return its ``result``; CDP errors raise BrowserError."""
        if self._closed:
            raise BrowserError(f"cannot send {method}: the browser is closed")
        with self._cond:
            self._next_id += 1
            msg_id = self._next_id
        msg = {"id": msg_id, "method": method, "params": params or {}}
        if session_id:
            msg["sessionId"] = session_id
        data = json.dumps(msg).encode() + b"\0"
        try:
            with self._write_lock:
                while data:
                    data = data[os.write(self._cmd_w, data):]
        except OSError as e:
            time.sleep(0.2)  # let a dying Chromium finish, for its exit code
            raise BrowserError(f"cannot send {method}: {e} (exit code {self.proc.poll()}); "
                               f"Chromium stderr tail:\n"
                               f"{self.stderr_tail()}") from e
        reply = self.wait_until(lambda: self._replies.pop(msg_id, None),
                                f"reply to {method}", timeout)
        if "error" in reply:
            raise BrowserError(f"{method} failed: {reply['error'].get('message')} "
                               f"{reply['error'].get('data', '')}".rstrip())
        return reply.get("result", {})

    def open(self, url_or_path, timeout=None):
        """Open a new tab, navigate to a URL or file path, and wait until idle."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        for domain in ("Runtime", "Page", "Log"):
            self.send(f"{domain}.enable", session_id=session)
        # --window-size includes ~87 px of simulated browser UI (1280x900 gave an
        # 813 px tall viewport); pin the viewport itself so layouts are predictable.
        w, h = self.window_size
        self.send("Emulation.setDeviceMetricsOverride", {"width": w, "height": h,
                  "deviceScaleFactor": 1, "mobile": False}, session_id=session)
        page.goto(url_or_path, timeout)
        return page

    def close(self):
        """Ask Chromium to quit, kill it if it lingers, and delete the profile."""
        if self._closed:
            return
        atexit.unregister(self.close)
        if self.proc.poll() is None and not self._dead:
            try:
                self.send("Browser.close", timeout=2)
            except BrowserError:
                pass
        self._closed = True
        try:
            self.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # renderers and zygote too
            self.proc.wait()
        self._cleanup()

    def _cleanup(self):
        for fd in (getattr(self, "_cmd_w", None), getattr(self, "_rep_r", None)):
            try:
                os.close(fd)
            except (OSError, TypeError):
                pass
        self._log.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


# Resolves after load + one frame + 100 ms, so late layout/script has settled.
_IDLE_JS = """new Promise(done => {
  const go = () => requestAnimationFrame(() => setTimeout(done, 100));
  if (document.readyState === "complete") go(); else addEventListener("load", go);
})"""


def _remote_value(obj):
    """Python value of a CDP RemoteObject: value, NaN/Infinity/bigint, else a preview."""
    if "value" in obj:
        return obj["value"]
    unser = obj.get("unserializableValue")
    if unser:
        return int(unser[:-1]) if unser.endswith("n") else float(unser)
    prev = obj.get("preview")
    if prev and prev.get("properties") and prev.get("subtype") != "error":
        props = ", ".join(f"{q['name']}: {q.get('value', q['type'])}" for q in prev["properties"])
        return f"{prev.get('description', '')} {{{props}{', …' if prev.get('overflow') else ''}}}"
    return obj.get("description")


class Page:
    """One tab attached in flattened mode: commands carry its sessionId."""

    def __init__(self, browser, target_id, session_id):
        self.browser, self.target_id, self.session_id = browser, target_id, session_id

    def send(self, method, params=None, timeout=None):
        return self.browser.send(method, params, self.session_id, timeout)

    def _events(self):
        return self.browser._events[self.session_id]

    def goto(self, url_or_path, timeout=None):
        """Navigate and wait for the load event, then for a short idle moment."""
        url = str(url_or_path)
        if "://" not in url and not url.startswith(("about:", "data:")):
            url = pathlib.Path(url).resolve().as_uri()
        seen = len(self._events())
        result = self.send("Page.navigate", {"url": url}, timeout)
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")
        self.browser.wait_until(
            lambda: any(e["method"] == "Page.loadEventFired" for e in self._events()[seen:]),
            f"load event of {url}", timeout)
        self.evaluate(_IDLE_JS, timeout)

    def evaluate(self, expression, timeout=None):
        """Value of a JS expression (promises awaited); a JS exception raises BrowserError."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True, "userGesture": True}, timeout)
        details = result.get("exceptionDetails")
        if details:
            exc = details.get("exception", {})
            text = (exc.get("description") or exc.get("value") or details.get("text", "")).split("\n")[0]
            raise BrowserError(f"evaluate failed: {text} (line {details.get('lineNumber', 0) + 1})"
                               f" in: {expression[:200]}")
        return _remote_value(result.get("result", {}))

    def console_errors(self):
        """console.error/assert messages, uncaught exceptions and error log entries so far.

        The reply to Input.dispatchMouseEvent can overtake the console event a
        click caused (seen as a flaky empty list), so first make one round
        trip to the renderer: events it sent earlier arrive before the reply.
        """
        try:
            self.send("Runtime.evaluate", {"expression": "0"}, timeout=2)
        except BrowserError:
            pass  # a busy or dead page: report what has arrived
        errors = []
        for ev in list(self._events()):
            method, p = ev["method"], ev.get("params", {})
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                text = " ".join(str(_remote_value(a)) for a in p.get("args", []))
                frames = p.get("stackTrace", {}).get("callFrames", [])
                where = f" ({frames[0]['url']}:{frames[0]['lineNumber'] + 1})" if frames else ""
                errors.append(f"console.{p['type']}: {text}{where}")
            elif method == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                desc = d.get("exception", {}).get("description") or ""
                text = f"{d.get('text', 'Uncaught')} {desc.split(chr(10))[0]}".strip()
                errors.append(f"{text} ({d.get('url', '')}:{d.get('lineNumber', 0) + 1})")
            elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
                e = p["entry"]
                errors.append(f"log.{e.get('source', '')}: {e.get('text', '')} ({e.get('url', '')})")
        return errors

    def click(self, selector):
        """Real mouse click at the element's centre (after scrolling it into view).

        Real input events exercise hit-testing, overlays and :hover/:active
        the way a user would, which element.click() skips.
        """
        box = self.evaluate(f"""(() => {{
          const el = document.querySelector({json.dumps(selector)});
          if (!el) return null;
          el.scrollIntoView({{block: "center", inline: "center", behavior: "instant"}});
          const r = el.getBoundingClientRect();
          return {{x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height}};
        }})()""")
        if box is None:
            raise BrowserError(f"click: no element matches {selector!r}")
        if not box["w"] or not box["h"]:
            raise BrowserError(f"click: element {selector!r} has no size (hidden?)")
        x, y = box["x"], box["y"]
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y,
                                                   "button": "left", "clickCount": 1})

    def screenshot(self, path, full_page=False):
        """Write a PNG of the viewport (or the whole scrollable page) to path."""
        params = {"format": "png"}
        if full_page:
            size = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True, clip={
                "x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        data = base64.b64decode(self.send("Page.captureScreenshot", params)["data"])
        pathlib.Path(path).write_bytes(data)
        return path

    def wait_for(self, expression, timeout=5, interval=0.05):
        """Poll until the expression is truthy; errors count as 'not yet'.

        Truthiness is computed in JS, so DOM nodes (which returnByValue turns
        into {}) count as found.
        """
        deadline, last_error = time.monotonic() + timeout, None
        while True:
            try:
                left = max(deadline - time.monotonic(), 0.1)
                if self.evaluate(f"(async () => !!(await ({expression})))()", timeout=left):
                    return True
            except BrowserError as e:
                last_error = e
            if time.monotonic() >= deadline:
                raise BrowserError(f"timed out after {timeout}s waiting for {expression!r}"
                                   + (f"; last error: {last_error}" if last_error else ""))
            time.sleep(interval)

    def close(self):
        """Close the tab and drop its queued events."""
        try:
            self.browser.send("Target.closeTarget", {"targetId": self.target_id})
        finally:
            self.browser._events.pop(self.session_id, None)
