"""Helpers shared by the scale benchmarks (`idle-keys`, `cluster`): standard library only, plus
`psql` (and Debian's PostgreSQL binaries for a throwaway server).

A gateway here is one `switchyard serve` process on loopback with an in-process simulated
deployment, its own config file and log; keys are loaded straight into the store (COPY on
PostgreSQL), as a platform migrating its customers would.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
ADMIN_KEY = "scale-bench-admin-key-0123456789abcdef"
MODEL = "deepseek-v4-flash"
TICKS = os.sysconf("SC_CLK_TCK")
KEY_COLUMNS = ("id, key_hash, key_hint, name, team, models, region, rpm, tpm, budget_pusd, budget_period, expires_at_ms, "
               "revoked_at_ms, created_at_ms")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_binary(prefer: tuple[str, ...] = ("release", "debug")) -> Path:
    if os.environ.get("SWITCHYARD_BIN"):
        return Path(os.environ["SWITCHYARD_BIN"])
    for kind in prefer:
        path = ROOT / ".build" / kind / "switchyard"
        if path.exists():
            return path
    return ROOT / ".build" / prefer[0] / "switchyard"


def request(port: int, method: str, path: str, body: object | None = None, key: str | None = None,
            timeout: float = 30) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    try:
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, data
    finally:
        connection.close()


class Client:
    """One keep-alive connection to a gateway (reconnects when the gateway closes it)."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.connection: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: object | None = None, key: str | None = None) -> int:
        headers = {"content-type": "application/json"}
        if key:
            headers["authorization"] = f"Bearer {key}"
        payload = None if body is None else json.dumps(body)
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.connection.request(method, path, body=payload, headers=headers)
                response = self.connection.getresponse()
                response.read()
                if response.getheader("connection", "").lower() == "close":
                    self.close()
                return response.status
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 1:
                    raise
        return 0

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def chat_body(tokens: int = 2, max_tokens: int | None = None, text: str = "hi") -> dict:
    body: dict = {"model": MODEL, "messages": [{"role": "user", "content": f"{text} [sim tokens={tokens} tps=1000 ttft_ms=0]"}]}
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    return body


def write_config(path: Path, store: str, *, sync_ms: int | None = None, pricing: str | None = None, extra: str = "") -> Path:
    store_fields = f"url: {json.dumps(store)}" + (f", sync_ms: {sync_ms}" if sync_ms else "")
    path.write_text(
        (f"models:\n  - id: {MODEL}\n    pricing: {{input: {pricing}, output: {pricing}}}\n" if pricing else "")
        + "providers:\n"
        "  - name: scale\n"
        "    family: deepseek\n"
        "    deployments:\n"
        "      - name: scale-sim\n"
        "        simulated: true\n"
        f"        models: {{{MODEL}: {MODEL}}}\n"
        "auth: {required: true, admin_key_env: SCALE_ADMIN_KEY}\n"
        f"store: {{{store_fields}}}\n" + extra)
    return path


class Gateway:
    """One `switchyard serve` on a free loopback port; waits until `/healthz` answers."""

    def __init__(self, binary: Path, store: str, directory: Path, *, config: Path | None = None, name: str = "gateway",
                 start_timeout: float = 900, wait: bool = True):
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.name = name
        self.log_path = directory / f"{name}.log"
        config = config or write_config(directory / f"{name}.yaml", store)
        env = dict(os.environ, SCALE_ADMIN_KEY=ADMIN_KEY)
        self.stderr = open(self.log_path, "wb")
        self.process = subprocess.Popen([str(binary), "serve", "--config", str(config), "--port", str(self.port)],
                                        stdout=self.stderr, stderr=self.stderr, env=env)
        self.started_at = time.monotonic()
        self.start_timeout = start_timeout
        if wait:
            self.wait_healthy()

    def wait_healthy(self) -> float:
        deadline = self.started_at + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited ({self.process.returncode}); see {self.log_path}")
            try:
                if request(self.port, "GET", "/healthz", timeout=5)[0] == 200:
                    return time.monotonic() - self.started_at
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not become healthy; see {self.log_path}")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stderr.close()


# MARK: Keys straight into the store


def secret_of(index: int) -> str:
    return f"sy-bench{index:027d}"


def key_id_of(index: int) -> str:
    return f"key_bench{index:011d}"


def key_rows(count: int, now_ms: int, start: int = 0):
    """(id, hash, hint, name, team, models, region, rpm, tpm, budget_pusd, budget_period, expires, revoked, created).
    Every tenth key has an RPM limit (60) and a monthly budget ($5)."""
    for index in range(start, start + count):
        secret = secret_of(index)
        digest = hashlib.sha256(secret.encode()).hexdigest()
        limited = index % 10 == 0
        yield (key_id_of(index), digest, secret[-4:], f"customer-{index}", f"team-{index % 500}", "",
               None, 60 if limited else None, None, 5_000_000_000_000 if limited else None, "month" if limited else None,
               None, None, now_ms)


def load_sqlite(path: Path, count: int) -> None:
    now_ms = int(time.time() * 1000)
    today = int(time.time() // 86400)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executemany(f"INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", key_rows(count, now_ms))
    db.executemany("INSERT INTO key_spend (key_id, day, spent_pusd) VALUES (?, ?, ?)",
                   ((key_id_of(i), today - d, 1_000_000 * (d + 1)) for i in range(0, count, 10) for d in range(3)))
    db.commit()
    db.close()


def psql(url: str, sql: str, *, data: bytes | None = None, quiet: bool = True) -> str:
    """Runs one statement (or COPY … FROM STDIN with `data`) and returns its unaligned output."""
    result = subprocess.run(["psql", url, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql], input=data,
                            capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"psql failed ({sql[:120]}…): {result.stderr.decode(errors='replace')}")
    return result.stdout.decode().strip()


def load_postgres(url: str, count: int, chunk: int = 200_000) -> None:
    """COPY `count` keys (in chunks, so memory stays small) and three days of spend for every tenth."""
    now_ms = int(time.time() * 1000)
    today = int(time.time() // 86400)

    def null(v: object) -> str:
        return "\\N" if v is None else str(v)

    for start in range(0, count, chunk):
        n = min(chunk, count - start)
        keys = "".join("\t".join(null(v) for v in row) + "\n" for row in key_rows(n, now_ms, start))
        psql(url, f"COPY api_keys ({KEY_COLUMNS}) FROM STDIN", data=keys.encode())
        first = start + (-start % 10)
        spend = "".join(f"{key_id_of(i)}\t{today - d}\t{1_000_000 * (d + 1)}\n" for i in range(first, start + n, 10) for d in range(3))
        psql(url, "COPY key_spend (key_id, day, spent_pusd) FROM STDIN", data=spend.encode())


def reset_postgres(url: str) -> None:
    psql(url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")


# MARK: A throwaway PostgreSQL server


class PostgresServer:
    """Debian's PostgreSQL binaries on a fresh data directory and a free loopback port (trust
    authentication, fsync off: benchmark data only). As root, runs as the `postgres` user."""

    def __init__(self, directory: Path, settings: dict[str, str] | None = None):
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
        if not candidates or not (candidates[-1] / "initdb").exists():
            raise SystemExit("PostgreSQL is not installed (apt-get install postgresql), or pass --postgres URL")
        self.bin = candidates[-1]
        self.directory = directory
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        if os.getuid() == 0:
            shutil.chown(directory, "postgres", "postgres")
        subprocess.run(self.as_user + [str(self.bin / "initdb"), "-D", str(directory), "-A", "trust", "-U", "switchyard", "--no-sync"],
                       check=True, capture_output=True)
        options = {"listen_addresses": "127.0.0.1", "fsync": "off", "synchronous_commit": "off", "max_connections": "300",
                   "shared_buffers": "512MB", "max_wal_size": "4GB", **(settings or {})}
        flags = f"-p {self.port} -k {directory} " + " ".join(f"-c {k}={v}" for k, v in options.items())
        subprocess.run(self.as_user + [str(self.bin / "pg_ctl"), "-D", str(directory), "-l", str(directory / "server.log"),
                                       "-w", "-t", "60", "-o", flags, "start"], check=True, capture_output=True)
        subprocess.run(self.as_user + [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "switchyard",
                                       "switchyard"], check=True, capture_output=True)
        self.url = f"postgres://switchyard@127.0.0.1:{self.port}/switchyard"

    def stop(self) -> None:
        subprocess.run(self.as_user + [str(self.bin / "pg_ctl"), "-D", str(self.directory), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.directory, ignore_errors=True)
