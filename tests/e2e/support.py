"""Shared helpers for the end-to-end tests: starting switchyard processes, prompts with simulator
directives, and what the example configs are expected to do."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import textwrap

import httpx
import openai
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 30

# The key the gateway sends upstream for deployments with `api_key_env: SIM_API_KEY` (local.yaml).
SIM_API_KEY = "sim-key-123"
# The key the *client* sends to the gateway; it must never be forwarded upstream.
CLIENT_API_KEY = "sk-client-key-must-not-leak"

# One chat model per family, with its flat catalog price (USD per 1M tokens, every token kind).
FAMILY_MODELS = {
    "deepseek": ("deepseek-v4-flash", "0.25"),
    "qwen": ("Qwen/Qwen3-32B", "0.28"),
    "kimi": ("kimi-k2.5", "3.00"),
    "glm": ("glm-5", "1.92"),
}

# What examples/local.yaml maps catalog IDs to, and which deployment serves each family.
LOCAL_UPSTREAM_IDS = {
    "deepseek-v4-flash": "deepseek-v4-flash",
    "Qwen/Qwen3-32B": "qwen3-32b",
    "Qwen/Qwen3-VL-32B": "qwen3-vl-32b",
    "Qwen/Qwen3-Omni-30B": "qwen3-omni-30b",
    "kimi-k2.5": "kimi-k2.5",
    "glm-5": "glm-5",
    "glm-4.6v": "glm-4.6v",
    "local-qwen3-8b": "Qwen/Qwen3-8B",
}
# Families whose local.yaml deployment has `api_key_env: SIM_API_KEY` (glm and openai have no key).
LOCAL_KEYED_FAMILIES = {"deepseek", "qwen", "kimi"}
LOCAL_DEPLOYMENTS = {
    "deepseek": "local-deepseek",
    "qwen": "local-qwen",
    "kimi": "local-kimi",
    "glm": "local-glm",
    "openai": "local-openai",
}


def binary_path() -> Path:
    path = Path(os.environ.get("SWITCHYARD_BIN", ".build/debug/switchyard"))
    return path if path.is_absolute() else REPO_ROOT / path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sim_prompt(*flags: str, text: str = "Say something.", **params: object) -> str:
    """A user message with a simulator directive, e.g. sim_prompt("echo") or
    sim_prompt(fail="mid_stream", after=3, tokens=10). Output is fast unless tps/ttft_ms are given."""
    params = {"tps": 1000, "ttft_ms": 0, **params}
    words = ["sim", *flags, *(f"{key}={value}" for key, value in params.items())]
    return f"{text} [{' '.join(words)}]"


def user(content: object) -> dict:
    return {"role": "user", "content": content}


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without any provider keys, plus `extra`."""
    # No provider keys, and no proxy settings: upstreams in these tests are on loopback, which
    # a proxy variable would route through the proxy (tests of proxies set their own).
    proxies = {"http_proxy", "https_proxy", "no_proxy", "all_proxy"}
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k.lower() not in proxies}
    env.update(extra)
    return env


@dataclass
class Process:
    """A running `switchyard` process whose stdout/stderr go to files."""

    name: str
    popen: subprocess.Popen
    port: int
    stdout_path: Path
    stderr_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        """Everything the process printed so far (stdout and stderr)."""
        return self.stdout_path.read_text(errors="replace") + self.stderr_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


@dataclass
class Launcher:
    """Starts switchyard processes and remembers them so they can all be stopped."""

    log_dir: Path
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None, port: int | None = None) -> Process:
        """Starts `switchyard ARGS --port P` on a free port; with `port`, the process is expected to
        listen there by itself (its config says so) and no --port is added."""
        binary = binary_path()
        if not binary.exists():
            pytest.fail(f"switchyard binary not found at {binary}; run `swift build` or set SWITCHYARD_BIN")
        port_flag = [] if port is not None else ["--port"]
        port = port if port is not None else free_port()
        stdout_path = self.log_dir / f"{name}-{port}.out"
        stderr_path = self.log_dir / f"{name}-{port}.err"
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            popen = subprocess.Popen(
                [str(binary), *args, *port_flag, *([str(port)] if port_flag else [])],
                cwd=REPO_ROOT,
                env=env if env is not None else clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        process = Process(name, popen, port, stdout_path, stderr_path)
        self.processes.append(process)
        wait_until_healthy(process)
        return process

    def sim(self, *extra_args: str) -> Process:
        return self.start("sim", ["sim", *extra_args])

    def gateway(self, config: Path | None = None, env: dict[str, str] | None = None) -> Process:
        args = ["serve", "--host", "127.0.0.1"]
        if config is not None:
            args += ["--config", str(config)]
        else:
            # The embedded default writes its ledger to ./switchyard.db; keep tests out of the repo.
            args += ["--store", f"sqlite:{self.log_dir}/embedded-{len(self.processes)}-{time.monotonic_ns()}.db"]
        return self.start("gateway", args, env)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()


def wait_until_healthy(process: Process) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            pytest.fail(f"{process.name} exited with {process.popen.returncode} before it was healthy:\n{process.output()}")
        try:
            if httpx.get(f"{process.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    process.stop()
    pytest.fail(f"{process.name} was not healthy within {STARTUP_TIMEOUT_S} s:\n{process.output()}")


def write_config(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def deepseek_config(base_url: str, api_key_env: str | None = None, preamble: str = "") -> str:
    """A one-deployment config serving deepseek-v4-flash from `base_url`."""
    key_line = f"api_key_env: {api_key_env}" if api_key_env else ""
    body = textwrap.dedent(f"""\
        providers:
          - name: deepseek
            family: deepseek
            deployments:
              - name: test-deepseek
                base_url: {base_url}
                {key_line}
                models:
                  deepseek-v4-flash: deepseek-v4-flash
        auth: {{required: false}}
        """)
    return preamble + body


def local_config(directory: Path, sim: Process) -> Path:
    """examples/local.yaml, pointed at `sim` instead of port 9090."""
    text = (REPO_ROOT / "examples" / "local.yaml").read_text()
    assert "127.0.0.1:9090" in text
    return write_config(directory, "local.yaml", text.replace("127.0.0.1:9090", f"127.0.0.1:{sim.port}"))


@dataclass
class Gateway:
    """A running gateway plus what the tests should expect from it."""

    kind: str  # "embedded" (no --config), "local" (examples/local.yaml + a standalone sim) or "custom"
    process: Process
    sim: Process | None = None

    @property
    def url(self) -> str:
        return self.process.url

    def client(self, **options: object) -> openai.OpenAI:
        options = {"max_retries": 0, "timeout": 30.0, **options}
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key=CLIENT_API_KEY, **options)

    def upstream_id(self, model: str) -> str:
        """The model ID the upstream receives for a catalog model ID."""
        return LOCAL_UPSTREAM_IDS[model] if self.kind == "local" else model

    def deployment(self, family: str) -> str | None:
        """The deployment expected to serve a family (None: any name is fine)."""
        return LOCAL_DEPLOYMENTS[family] if self.kind == "local" else None

    def upstream_authorization(self, family: str) -> str | None:
        """The Authorization header the upstream should see (never the client's key), as the
        simulator's echo shows it: credentials masked to their first four characters."""
        if self.kind == "local" and family in LOCAL_KEYED_FAMILIES:
            return f"Bearer {SIM_API_KEY[:4]}***"
        return None


def check_error_shape(response: httpx.Response) -> dict:
    """Asserts OpenAI's error shape, {"error": {"message", "type", "param", "code"}}; returns the error.
    Takes an httpx response or a Schemathesis one (whose header values are lists)."""
    content_type = response.headers.get("content-type") or ""
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    assert content_type.startswith("application/json"), response.headers
    document = json.loads(response.content)
    assert isinstance(document, dict) and set(document) == {"error"}, document
    error = document["error"]
    assert isinstance(error, dict) and set(error) == {"message", "type", "param", "code"}, error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["type"], str) and error["type"], error
    assert error["param"] is None or isinstance(error["param"], str), error
    assert error["code"] is None or isinstance(error["code"], str), error
    return error


def check_messages_error_shape(response) -> dict:
    """Asserts Anthropic's error shape, {"type": "error", "error": {"type", "message"}} (the
    Messages door); returns the error. Takes an httpx response or a Schemathesis one."""
    content_type = response.headers.get("content-type") or ""
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    assert content_type.startswith("application/json"), response.headers
    document = json.loads(response.content)
    assert isinstance(document, dict) and set(document) == {"type", "error"} and document["type"] == "error", document
    error = document["error"]
    assert isinstance(error, dict) and set(error) == {"type", "message"}, error
    assert error["type"] in {"invalid_request_error", "authentication_error", "permission_error", "not_found_error",
                             "rate_limit_error", "api_error", "overloaded_error"}, error
    assert isinstance(error["message"], str) and error["message"], error
    return error


# A simulator directive that answers in milliseconds: two tokens, no first-token wait.
FAST = "[sim tps=100000 ttft_ms=0 tokens=2]"


def add_fast_directive(body: object) -> None:
    """Ends a chat body's messages, in place, with FAST in a user message, where the simulator
    reads it (the last message whose role is "user": string content or text parts). Bodies that
    are not chat requests with messages are left alone."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
        return
    messages = body["messages"]
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    last = users[-1] if users else None
    if last is not None and isinstance(last.get("content"), str):
        last["content"] += " " + FAST
    elif last is not None and isinstance(last.get("content"), list):
        last["content"].append({"type": "text", "text": FAST})
    else:
        messages.append({"role": "user", "content": FAST})
