"""Helpers for the hostile end-to-end tests (tests/e2e/test_hostile_*.py): configs with the
connection-discipline fields, raw-socket HTTP/1.1 clients that misbehave on purpose, the admin
API, the SQLite ledger, and polling with generous deadlines.

Every wait here is a deadline, never a fixed sleep that has to be "long enough": a test passes as
soon as the gateway does the right thing and fails only when it has not done it within several
times the configured timeout."""

from __future__ import annotations

import json
import re
import select
import socket
import sqlite3
import struct
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

import httpx

from support import Launcher, Process, clean_env

ADMIN_KEY = "hostile-admin-key-0123456789abcdef"
MODEL = "deepseek-v4-flash"
PUSD = Decimal(10) ** 12  # picodollars per USD


# MARK: Configs


class Raw(str):
    """A YAML scalar written as is (numbers such as 0.002 that must stay plain decimals)."""


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_./-]+$")


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML for dicts/lists of str/int/bool/Raw (strings are double-quoted)."""
    pad = "  " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            name = key if _PLAIN_KEY.match(key) else json.dumps(key)
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{name}:\n{to_yaml(item, indent + 1)}")
            else:
                lines.append(f"{pad}{name}: {_scalar(item)}")
        return "\n".join(lines)
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, (dict, list)) and item:
                inner = to_yaml(item, indent + 1).lstrip()
                lines.append(f"{pad}- {inner}")
            else:
                lines.append(f"{pad}- {_scalar(item)}")
        return "\n".join(lines)
    return pad + _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    if value is None:
        return ""
    return json.dumps(str(value))


def gateway_config(directory: Path, *, db: Path | None = None, server: dict | None = None, base_url: str | None = None,
                   api_key_env: str | None = None, models: list[str] | None = None, auth_required: bool = True,
                   timeouts: dict | None = None, routing: dict | None = None, model_overrides: list[dict] | None = None,
                   extra: dict | None = None, deployment: str = "hostile-deepseek", family: str = "deepseek",
                   name: str = "hostile.yaml") -> Path:
    """One provider, one deployment serving `models` (default: deepseek-v4-flash): the in-process
    simulator, or `base_url` (a standalone simulator or a fake upstream). The store is SQLite at
    `db` with a fast ledger flush; the admin API is on (SWITCHYARD_ADMIN_KEY, see `env`)."""
    models = models or [MODEL]
    dep: dict[str, Any] = {"name": deployment}
    if base_url is None:
        dep["simulated"] = True
    else:
        dep["base_url"] = base_url
        if api_key_env:
            dep["api_key_env"] = api_key_env
    dep["models"] = {m: m for m in models}
    config: dict[str, Any] = {}
    if server:
        config["server"] = {"host": "127.0.0.1", **server}
    if timeouts:
        config["timeouts"] = timeouts
    if model_overrides:
        config["models"] = model_overrides
    config["providers"] = [{"name": "hostile", "family": family, "deployments": [dep]}]
    config["auth"] = {"required": auth_required, "admin_key_env": "SWITCHYARD_ADMIN_KEY"}
    config["store"] = {"url": f"sqlite:{db or (directory / 'hostile.db')}", "sync_ms": 100}
    config["ledger"] = {"flush_ms": 20}
    if routing:
        config["routing"] = routing
    if extra:
        config.update(extra)
    path = directory / name
    path.write_text(to_yaml(config) + "\n")
    return path


def env(**extra: str) -> dict[str, str]:
    return clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY, **extra)


def start_gateway(launcher: Launcher, config: Path, **extra_env: str) -> Process:
    return launcher.gateway(config, env(**extra_env))


# MARK: Admin API


def admin_headers(key: str = ADMIN_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def create_key(url: str, **fields: Any) -> tuple[str, str]:
    """POST /admin/keys; returns (secret, id)."""
    fields.setdefault("name", f"hostile-{time.monotonic_ns()}")
    r = httpx.post(f"{url}/admin/keys", json=fields, headers=admin_headers(), timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["key"], r.json()["id"]


def key_info(url: str, key_id: str) -> dict:
    r = httpx.get(f"{url}/admin/keys/{key_id}", headers=admin_headers(), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def deployment_health(url: str, deployment: str) -> dict:
    r = httpx.get(f"{url}/admin/health", headers=admin_headers(), timeout=10)
    assert r.status_code == 200, r.text
    return next(d for d in r.json()["deployments"] if d["deployment"] == deployment)


def alive(process: Process) -> bool:
    if process.popen.poll() is not None:
        return False
    try:
        return httpx.get(f"{process.url}/healthz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def assert_alive(process: Process) -> None:
    assert process.popen.poll() is None, f"the gateway died (exit {process.popen.returncode}):\n{process.output()[-4000:]}"
    assert alive(process), f"the gateway no longer answers /healthz:\n{process.output()[-4000:]}"


# MARK: Chat


def chat_json(content: str, *, stream: bool = False, model: str = MODEL, **extra: Any) -> dict:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": content}], "stream": stream}
    if stream:
        body["stream_options"] = {"include_usage": True}
    body.update(extra)
    return body


def post_chat(url: str, body: dict | bytes, *, key: str | None = None, request_id: str | None = None,
              timeout: float = 30) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if request_id:
        headers["x-request-id"] = request_id
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(f"{url}/v1/chat/completions", content=content, headers=headers, timeout=timeout)


def assert_openai_error(status: int, body: bytes | str, expected_status: int, code: str | tuple[str, ...] | None = None) -> dict:
    """The body is OpenAI's error shape {"error":{"message","type","param","code"}}."""
    assert status == expected_status, f"expected {expected_status}, got {status}: {body[:500]!r}"
    document = json.loads(body)
    error = document.get("error")
    assert isinstance(error, dict), document
    assert {"message", "type", "param", "code"} <= set(error), error
    assert isinstance(error["message"], str) and error["message"], error
    if code is not None:
        codes = (code,) if isinstance(code, str) else code
        assert error["code"] in codes, error
    return error


def sse_events(data: bytes) -> list[dict | str]:
    """The complete `data:` events of an SSE body (JSON decoded; "[DONE]" as a string)."""
    events: list[dict | str] = []
    text = data.decode(errors="replace").replace("\r\n", "\n")
    for block in text.split("\n\n")[:-1]:  # the last piece may be incomplete
        for line in block.split("\n"):
            if line.startswith("data:"):
                payload = line[5:].strip()
                if payload == "[DONE]":
                    events.append("[DONE]")
                else:
                    try:
                        events.append(json.loads(payload))
                    except json.JSONDecodeError:
                        pass
    return events


def generated_chunks(events: list[dict | str]) -> int:
    """Chunks carrying a non-empty `delta.content` or `delta.reasoning_content` (one token each):
    what a call is billed for."""
    count = 0
    for event in events:
        if isinstance(event, dict):
            for choice in event.get("choices") or []:
                delta = choice.get("delta") or {}
                if delta.get("content") or delta.get("reasoning_content"):
                    count += 1
    return count


def content_chunks(events: list[dict | str]) -> int:
    """Chunks carrying a non-empty `delta.content` (the simulator sends one token per chunk)."""
    count = 0
    for event in events:
        if isinstance(event, dict):
            for choice in event.get("choices") or []:
                if (choice.get("delta") or {}).get("content"):
                    count += 1
    return count


def dechunk(body: bytes) -> bytes:
    """Decodes a chunked transfer-encoded body as far as it is complete."""
    out = b""
    rest = body
    while True:
        line, sep, after = rest.partition(b"\r\n")
        if not sep:
            return out
        try:
            size = int(line.split(b";")[0], 16)
        except ValueError:
            return out
        if size == 0 or len(after) < size:
            return out + after[:size] if size else out
        out += after[:size]
        rest = after[size + 2:]


# MARK: Raw sockets


def connect(url: str, *, rcvbuf: int | None = None, timeout: float = 15) -> socket.socket:
    parsed = urlparse(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect((parsed.hostname, parsed.port))
    return sock


def reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets an RST, not a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def chat_request_bytes(body: dict | bytes, *, key: str | None = None, request_id: str | None = None,
                       extra_headers: str = "", content_length: int | None = None) -> bytes:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    head = "POST /v1/chat/completions HTTP/1.1\r\nHost: hostile\r\nContent-Type: application/json\r\n"
    if key:
        head += f"Authorization: Bearer {key}\r\n"
    if request_id:
        head += f"x-request-id: {request_id}\r\n"
    head += f"Content-Length: {len(payload) if content_length is None else content_length}\r\n{extra_headers}\r\n"
    return head.encode() + payload


def get_request_bytes(path: str, extra_headers: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: hostile\r\n{extra_headers}\r\n".encode()


class Closed(Exception):
    pass


class RawReader:
    """Reads HTTP/1.1 responses off a socket with an overall deadline per call."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""
        self.eof = False

    def _fill(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no data before the deadline")
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout as error:
            raise TimeoutError("no data before the deadline") from error
        except ConnectionResetError as error:
            self.eof = True
            raise Closed("reset") from error
        if not data:
            self.eof = True
            raise Closed("eof")
        self.buffer += data

    def _line(self, deadline: float) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill(deadline)
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exactly(self, count: int, deadline: float) -> bytes:
        while len(self.buffer) < count:
            self._fill(deadline)
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def response(self, timeout: float = 15) -> tuple[int, dict[str, str], bytes]:
        deadline = time.monotonic() + timeout
        status_line = self._line(deadline).decode(errors="replace")
        status = int(status_line.split(" ")[1])
        headers: dict[str, str] = {}
        while line := self._line(deadline):
            name, value = line.decode(errors="replace").split(":", 1)
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = self._exactly(int(headers["content-length"]), deadline)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while size := int(self._line(deadline).split(b";")[0], 16):
                body += self._exactly(size, deadline)
                self._line(deadline)
            while self._line(deadline):  # trailers
                pass
        else:
            try:
                while True:
                    self._fill(deadline)
            except Closed:
                pass
            body, self.buffer = self.buffer, b""
        return status, headers, body

    def wait_closed(self, timeout: float) -> str:
        """'eof' or 'reset' once the peer closed (bytes received meanwhile stay in `buffer`),
        'open' if it is still open at the deadline."""
        if self.eof:
            return "eof"
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._fill(deadline)
            except Closed as closed:
                return str(closed)
            except TimeoutError:
                return "open"


def until_closed(sock: socket.socket, timeout: float) -> tuple[str, bytes, float]:
    """Reads until the peer closes: (how: eof|reset|open, bytes, seconds waited)."""
    start = time.monotonic()
    reader = RawReader(sock)
    how = reader.wait_closed(timeout)
    return how, reader.buffer, time.monotonic() - start


def parse_responses(data: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """Every complete response in `data` (content-length or chunked bodies; a response without
    either runs to the end)."""

    class _Buffered:
        def __init__(self, data: bytes):
            self.data = data

        def recv(self, _n: int) -> bytes:
            data, self.data = self.data, b""
            return data

        def settimeout(self, _t: float) -> None:
            pass

    reader = RawReader(_Buffered(data))  # type: ignore[arg-type]
    out = []
    while reader.buffer or not reader.eof:
        try:
            out.append(reader.response(timeout=5))
        except (Closed, TimeoutError, ValueError, IndexError):
            break
    return out


def assert_timeout_answer_or_silence(data: bytes) -> None:
    """A connection closed by a server-side timeout: either nothing, or a 408 with OpenAI's
    error shape (code request_timeout) and `Connection: close`."""
    if not data:
        return
    responses = parse_responses(data)
    assert responses, f"unparseable bytes before the close: {data[:300]!r}"
    status, headers, body = responses[-1]
    assert_openai_error(status, body, 408, "request_timeout")
    assert headers.get("connection", "").lower() == "close", headers


def readable(sock: socket.socket, timeout: float = 0) -> bool:
    ready, _, _ = select.select([sock], [], [], timeout)
    return bool(ready)


def close_wait_sockets(port: int) -> int:
    """Sockets on local port `port` in CLOSE_WAIT (the peer closed, we never did)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            if int(local.rsplit(":", 1)[1], 16) == port and state == "08":
                count += 1
    return count


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakRSS:
    """Samples a process's RSS every 20 ms while in a `with` block."""

    def __init__(self, pid: int):
        self.pid = pid
        self.baseline = rss_mb(pid)
        self.peak = self.baseline
        self._stop = False

    def __enter__(self) -> "PeakRSS":
        import threading
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop:
            try:
                self.peak = max(self.peak, rss_mb(self.pid))
            except OSError:
                return
            time.sleep(0.02)

    def __exit__(self, *_exc) -> None:
        self._stop = True
        self._thread.join()

    @property
    def growth(self) -> float:
        return self.peak - self.baseline


# MARK: Ledger


def ledger_rows(db: Path, where: str = "1=1", params: tuple = ()) -> list[dict]:
    """Rows of the SQLite usage ledger (table usage_records) as dicts."""
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(f"SELECT * FROM usage_records WHERE {where}", params)]
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return []
        raise
    finally:
        conn.close()


def wait_for_rows(db: Path, request_ids: list[str], timeout: float = 15) -> dict[str, dict]:
    """Waits until every request ID has a ledger row; returns them by request ID."""
    deadline = time.monotonic() + timeout
    while True:
        marks = ",".join("?" for _ in request_ids)
        rows = {row["request_id"]: row for row in ledger_rows(db, f"request_id IN ({marks})", tuple(request_ids))}
        if len(rows) == len(set(request_ids)):
            return rows
        if time.monotonic() > deadline:
            missing = set(request_ids) - set(rows)
            raise AssertionError(f"{len(missing)} of {len(request_ids)} requests have no ledger row after {timeout} s: {sorted(missing)[:5]}")
        time.sleep(0.1)


# MARK: Waiting


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.05, message: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message or f"condition not met within {timeout} s")
        time.sleep(interval)


def avoid_minute_boundary(seconds_needed: float = 8) -> None:
    """Rate limits use fixed one-minute windows (UTC): keep a burst inside one of them."""
    into = time.time() % 60
    if into > 60 - seconds_needed:
        time.sleep(60 - into + 0.2)
