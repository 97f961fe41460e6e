"""The access log: one JSON object per line per request, to a file (reopened on SIGUSR1) or
stdout; never bodies, never secrets."""

import json
import os
import signal
import time

import httpx
import openai
import pytest

from support import Gateway, clean_env, deepseek_config, write_config

SECRET = "sk-upstream-secret-value-0123456789"
PROMPT = "the-private-prompt-text-7f3a"


def wait_for_lines(path, count, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            lines = path.read_text().splitlines()
            if len(lines) >= count:
                return lines
        time.sleep(0.05)
    pytest.fail(f"{path} has {len(path.read_text().splitlines()) if path.exists() else 0} lines, expected {count}")


def start(launcher, tmp_path, log_section):
    sim = launcher.sim()
    config = write_config(tmp_path, "gw.yaml", deepseek_config(f"{sim.url}/v1", api_key_env="DEEPSEEK_API_KEY", preamble=log_section))
    process = launcher.gateway(config, env=clean_env(DEEPSEEK_API_KEY=SECRET))
    return Gateway("custom", process, sim)


def make_calls(gateway):
    client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="unused", max_retries=0)
    client.chat.completions.create(model="deepseek-v4-flash", messages=[{"role": "user", "content": PROMPT}])
    stream = client.chat.completions.create(model="deepseek-v4-flash", messages=[{"role": "user", "content": PROMPT}], stream=True)
    for _ in stream:
        pass
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": PROMPT}])


def test_one_json_line_per_request_to_a_file_without_bodies_or_secrets(launcher, tmp_path):
    log = tmp_path / "access.log"
    gateway = start(launcher, tmp_path, f"log: {{access_file: {log}}}\n")
    make_calls(gateway)
    lines = wait_for_lines(log, 3)
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert all(isinstance(r, dict) for r in records)
    by_status = sorted(r["status"] for r in records)
    assert by_status == [200, 200, 404]
    ok = [r for r in records if r["status"] == 200]
    assert {r["stream"] for r in ok} == {True, False}
    for r in ok:
        assert r["requested_model"] == "deepseek-v4-flash" and r["served_model"] == "deepseek-v4-flash"
        assert r["deployment"] == "test-deepseek" and r["provider"] == "deepseek"
        assert r["attempts"] == 1 and r["error"] is None
        assert r["prompt_tokens"] > 0 and r["completion_tokens"] > 0
        # Cost is exact text, never a binary float.
        assert isinstance(r["cost_usd"], str) and float(r["cost_usd"]) > 0
        assert r["latency_ms"] > 0
        if r["stream"]:
            assert r["latency_ms"] >= r["ttft_ms"] >= 0
        assert r["request_id"]
    failed = next(r for r in records if r["status"] == 404)
    assert failed["requested_model"] == "no-such-model" and failed["served_model"] is None
    text = log.read_text()
    assert SECRET not in text and PROMPT not in text
    assert oct(os.stat(log).st_mode & 0o777) == oct(0o640)


def test_sigusr1_reopens_the_file_after_rotation(launcher, tmp_path):
    log = tmp_path / "access.log"
    gateway = start(launcher, tmp_path, f"log: {{access: json, access_file: {log}}}\n")
    client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="unused", max_retries=0)
    client.chat.completions.create(model="deepseek-v4-flash", messages=[{"role": "user", "content": "one"}])
    wait_for_lines(log, 1)
    rotated = tmp_path / "access.log.1"
    log.rename(rotated)
    gateway.process.popen.send_signal(signal.SIGUSR1)
    # The reopen is asynchronous: calls go on until one lands in the new file (the file can
    # appear just after a call's line went to the old one).
    deadline = time.monotonic() + 10
    while not (log.exists() and log.read_text().strip()) and time.monotonic() < deadline:
        client.chat.completions.create(model="deepseek-v4-flash", messages=[{"role": "user", "content": "two"}])
        time.sleep(0.05)
    assert log.exists(), "SIGUSR1 did not reopen the access log"
    first = rotated.read_text().splitlines()
    assert len(first) >= 1 and all(json.loads(line)["status"] == 200 for line in first)
    assert all(json.loads(line)["status"] == 200 for line in wait_for_lines(log, 1))
    assert gateway.process.popen.poll() is None


def test_stdout_gets_one_json_object_per_line(launcher, tmp_path):
    gateway = start(launcher, tmp_path, "log: {access: json}\n")
    make_calls(gateway)
    deadline = time.monotonic() + 10
    records = []
    while time.monotonic() < deadline:
        lines = gateway.process.stdout_path.read_text().splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        if len(records) >= 3:
            break
        time.sleep(0.05)
    assert sorted(r["status"] for r in records) == [200, 200, 404]
    # Nothing else shares a line with a record.
    for line in gateway.process.stdout_path.read_text().splitlines():
        if "request_id" in line:
            assert line.startswith("{") and line.endswith("}")


def test_off_by_default_and_bad_settings_are_refused_with_their_location(launcher, tmp_path):
    gateway = start(launcher, tmp_path, "")
    make_calls(gateway)
    assert "request_id" not in gateway.process.stdout_path.read_text()
    bad = write_config(tmp_path, "bad.yaml", deepseek_config("http://127.0.0.1:9/v1", preamble="log: {access: yaml}\n"))
    import subprocess
    from support import binary_path
    result = subprocess.run([str(binary_path()), "serve", "--config", str(bad)], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "bad.yaml" in result.stderr and "log.access" in result.stderr and "json or off" in result.stderr
