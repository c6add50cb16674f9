"""`site-builder serve`: the site on 127.0.0.1, rebuilt on every save, open tabs reloaded.

- An HTTP server serves the output folder, the last good build. Into each HTML page it serves
  (never into the files on disk) it adds a small script that listens for server-sent events.
- watchdog watches content/, templates/, static/ and site.yaml. A burst of events (an editor
  saving, a `git checkout`) is gathered until things are quiet for `DEBOUNCE_SECONDS`. When
  only papers were saved, their own pages are rendered first from the last build's catalog
  (`preview.py`) and the open tabs reload at once; then the site is rebuilt incrementally and
  every open tab is told to reload again.
- A failed build is printed with its file and line, and every served page shows the error in a
  banner above the last good build, until a save builds again.
"""

from __future__ import annotations

import functools
import html
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .build import BuildReport, build
from .config import CONFIG_FILE, SiteConfig
from .errors import SiteError
from .progress import make_progress

if TYPE_CHECKING:
    from .models import Catalog
    from .render import Renderer

__all__ = ["DEBOUNCE_SECONDS", "EVENTS_PATH", "DevServer"]

DEBOUNCE_SECONDS = 0.05
EVENTS_PATH = "/__site_builder/events"
_KEEPALIVE_SECONDS = 10.0
_SCRIPT = (
    "<script>/* added by site-builder serve */(() => {"
    f'const events = new EventSource("{EVENTS_PATH}");'
    'events.addEventListener("reload", () => location.reload());'
    "})();</script>"
)
_BANNER_STYLE = (
    "position:fixed;inset:0 0 auto 0;z-index:2147483647;margin:0;padding:1em;"
    "background:#7f1d1d;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap"
)


@dataclass
class _State:
    """What the server threads share, guarded by `changed`."""

    generation: int = 0
    """Bumped after every build, good or bad: the tabs reload."""
    error: str | None = None
    """The last build's error, while it lasts."""
    preview: bool = False
    """Whether the last reload is for previewed pages, the build still to come."""
    stopping: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)


class DevServer:
    """Serve a site and rebuild it on changes; `start()`, then `serve_forever()` or `stop()`."""

    def __init__(
        self,
        load_config: Callable[[], SiteConfig],
        *,
        port: int = 8000,
        quiet: bool = False,
        say: Callable[[str], None] = print,
    ) -> None:
        self._load_config = load_config
        self._quiet = quiet
        self._say = say
        self._state = _State()
        self._dirty = threading.Event()
        self._last_event = 0.0
        self._saved: set[Path] = set()
        """Files saved since the last build began (guarded by `_saved_lock`)."""
        self._saved_lock = threading.Lock()
        self._last_good: tuple[Catalog, Renderer] | None = None
        """The last good build's catalog and renderer, which previews start from."""
        self.config = load_config()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._observer: Any = None
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> None:
        """Build once (all cores), then serve and watch in background threads."""
        self._rebuild(workers=None)
        handler = _Changes(self._on_change, ignore=self._ignored)
        observer = Observer()
        root = self.config.root
        observer.schedule(handler, str(root), recursive=False)
        for folder in (self.config.content_dir, self.config.templates_dir, self.config.static_dir):
            if folder.is_dir():
                observer.schedule(handler, str(folder), recursive=True)
        observer.start()
        self._observer = observer
        for target in (self._server.serve_forever, self._rebuild_loop):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)

    def serve_forever(self) -> None:
        """Block until Ctrl-C, SIGTERM or `stop()` from another thread."""
        if threading.current_thread() is threading.main_thread():
            # A shell may start background jobs with SIGINT ignored; a server still stops.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            while not self._state.stopping:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        with self._state.changed:
            self._state.stopping = True
            self._state.changed.notify_all()
        self._dirty.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()
            self._observer = None
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    # Watching and rebuilding.

    def _ignored(self, path: str) -> bool:
        """Events outside what the site is made of: the output, the cache, editors' files."""
        target = Path(path)
        if target == self.config.root:
            return True  # a change to its list of files, as each build makes: site.yaml has its own
        if target.parent == self.config.root:
            return target.name != CONFIG_FILE
        name = target.name
        return name.startswith((".#", ".~")) or name.endswith(("~", ".swp", ".swx", ".tmp"))

    def _on_change(self, paths: list[Path]) -> None:
        with self._saved_lock:
            self._saved.update(paths)
        self._last_event = time.monotonic()
        self._dirty.set()

    def _rebuild_loop(self) -> None:
        while True:
            self._dirty.wait()
            if self._state.stopping:
                return
            # Debounce: wait until no event has come for DEBOUNCE_SECONDS.
            while time.monotonic() - self._last_event < DEBOUNCE_SECONDS:
                time.sleep(DEBOUNCE_SECONDS / 2)
            self._dirty.clear()
            with self._saved_lock:
                saved, self._saved = self._saved, set()
            self._preview(saved)
            # After start, other threads run: render in this process rather than fork.
            self._rebuild(workers=1)

    def _preview(self, saved: set[Path]) -> None:
        """Render the pages of the saved papers and reload the tabs, if they were all papers
        the last good build knows (`preview_papers` checks) and that build is what the tabs
        show (no error)."""
        if self._last_good is None or self._state.error is not None or not saved:
            return
        from .preview import preview_papers  # noqa: PLC0415 - a build imported the rest

        try:
            written = preview_papers(*self._last_good, saved)
        except SiteError:
            return  # the build that follows reports it
        if written:
            self._announce(error=None, preview=True)

    def _rebuild(self, *, workers: int | None) -> BuildReport | None:
        """Build, keeping its catalog for previews (so even a build with nothing to write
        loads it), then tell the tabs to reload."""
        report: BuildReport | None = None
        error: str | None = None
        kept: list[tuple[Catalog, Renderer]] = []
        try:
            self.config = self._load_config()
            report = build(
                self.config,
                progress=make_progress(quiet=self._quiet),
                workers=workers,
                keep=lambda catalog, renderer: kept.append((catalog, renderer)),
            )
        except SiteError as exc:
            error = str(exc)
        if error is not None:
            print(f"error: {error}", file=sys.stderr, flush=True)
        elif report is not None:
            self._last_good = kept[-1] if kept else self._last_good
            if not self._quiet:
                self._say(report.summary())
        self._announce(error=error, preview=False)
        return report

    def _announce(self, *, error: str | None, preview: bool) -> None:
        """Tell every open tab to reload."""
        with self._state.changed:
            self._state.error = error
            self._state.preview = preview
            self._state.generation += 1
            self._state.changed.notify_all()

    # Serving.

    def _handler(self) -> type[SimpleHTTPRequestHandler]:
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(server.config.output_dir), **kwargs)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the terminal shows builds and errors, not every request

            def do_GET(self) -> None:
                if self.path.split("?")[0] == EVENTS_PATH:
                    server._events(self)
                    return
                target = Path(self.translate_path(self.path))
                if target.is_dir():
                    target = target / "index.html"
                if target.suffix == ".html" and target.is_file():
                    server._send_page(self, target, HTTPStatus.OK)
                elif not target.exists() and (server.config.output_dir / "404.html").is_file():
                    server._send_page(
                        self, server.config.output_dir / "404.html", HTTPStatus.NOT_FOUND
                    )
                else:
                    super().do_GET()

        return Handler

    def _send_page(self, request: SimpleHTTPRequestHandler, path: Path, status: int) -> None:
        text = path.read_text(encoding="utf-8")
        addition = _SCRIPT
        error = self._state.error
        if error is not None:
            addition = (
                f'<pre id="site-builder-error" role="alert" style="{_BANNER_STYLE}">'
                f"Build failed; showing the last good build.\n{html.escape(error)}</pre>" + addition
            )
        position = text.rfind("</body>")
        if position < 0:
            position = len(text)
        data = (text[:position] + addition + text[position:]).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(data)

    def _events(self, request: SimpleHTTPRequestHandler) -> None:
        """A server-sent event stream: one `reload` event after every build."""
        request.send_response(HTTPStatus.OK)
        request.send_header("Content-Type", "text/event-stream")
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        state = self._state
        with state.changed:
            seen = state.generation
        try:
            request.wfile.write(b": connected\n\n")
            request.wfile.flush()
            while True:
                with state.changed:
                    state.changed.wait_for(
                        functools.partial(_news, state, seen), timeout=_KEEPALIVE_SECONDS
                    )
                    if state.stopping:
                        return
                    generation, error, preview = state.generation, state.error, state.preview
                if generation == seen:
                    request.wfile.write(b": keep-alive\n\n")
                else:
                    seen = generation
                    kind = "error" if error else "preview" if preview else "ok"
                    request.wfile.write(f"event: reload\ndata: {generation} {kind}\n\n".encode())
                request.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


def _news(state: _State, seen: int) -> bool:
    return state.generation != seen or state.stopping


class _Changes(FileSystemEventHandler):
    """Passes on the paths of relevant events: a folder's "modified" (its list of files
    changed, as a save by rename does) passes on none, but still counts as a change."""

    def __init__(
        self, notify: Callable[[list[Path]], None], *, ignore: Callable[[str], bool]
    ) -> None:
        self._notify = notify
        self._ignore = ignore

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in {"opened", "closed_no_write"}:
            return
        paths = [str(event.src_path), str(getattr(event, "dest_path", "") or "")]
        relevant = [Path(path) for path in paths if path and not self._ignore(path)]
        if relevant:
            folder_listing = event.is_directory and event.event_type == "modified"
            self._notify([] if folder_listing else relevant)
