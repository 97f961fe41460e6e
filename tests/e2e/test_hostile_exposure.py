"""What the gateway exposes: /admin/health and /metrics only to those allowed, the SQLite
database only to its owner, and no request body whose meaning depends on which duplicate key a
parser keeps."""

from __future__ import annotations

import json
import os
import re
import stat

import httpx
import pytest

from hostile import (
    ADMIN_KEY, MODEL, assert_openai_error, create_key, gateway_config, ledger_rows, post_chat, start_gateway, wait_until,
)
from support import Launcher, sim_prompt

METRICS_TOKEN = "metrics-token-0123456789abcdef"


# MARK: 11. /admin/health, /metrics


@pytest.fixture(scope="module")
def exposure(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hostile-exposure")
    launcher = Launcher(directory)
    private = start_gateway(launcher, gateway_config(directory, name="private.yaml", db=directory / "private.db",
                                                     models=[MODEL, "kimi-k2.5"],
                                                     extra={"metrics": {"bearer_token_env": "HOSTILE_METRICS_TOKEN"}}),
                            HOSTILE_METRICS_TOKEN=METRICS_TOKEN)
    public = start_gateway(launcher, gateway_config(directory, name="public.yaml", db=directory / "public.db",
                                                    server={"public_health": True}))
    yield private, public
    launcher.stop_all()


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-admin-key-0123456789", f"Bearer {ADMIN_KEY}x", "Basic YWRtaW46YWRtaW4="])
def test_admin_health_needs_the_admin_key(exposure, authorization):
    private, _ = exposure
    headers = {"Authorization": authorization} if authorization else {}
    r = httpx.get(f"{private.url}/admin/health", headers=headers, timeout=10)
    assert r.status_code in (401, 403), r.text
    assert_openai_error(r.status_code, r.content, r.status_code)
    assert "hostile-deepseek" not in r.text, "the deployment names leak"
    ok = httpx.get(f"{private.url}/admin/health", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=10)
    assert ok.status_code == 200 and ok.json()["deployments"][0]["deployment"] == "hostile-deepseek"


def test_public_health_opens_admin_health_and_liveness_stays_public(exposure):
    private, public = exposure
    r = httpx.get(f"{public.url}/admin/health", timeout=10)
    assert r.status_code == 200 and r.json()["deployments"], r.text
    for gateway in (private, public):
        assert httpx.get(f"{gateway.url}/healthz", timeout=10).status_code == 200
        assert httpx.get(f"{gateway.url}/readyz", timeout=10).status_code == 200


def test_metrics_can_require_a_bearer_token(exposure):
    private, public = exposure
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Bearer {ADMIN_KEY}"}):
        r = httpx.get(f"{private.url}/metrics", headers=headers, timeout=10)
        assert r.status_code == 401, (headers, r.status_code)
        assert "switchyard_" not in r.text
    r = httpx.get(f"{private.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
    assert r.status_code == 200 and "switchyard_" in r.text
    # Without metrics.bearer_token_env, /metrics stays open.
    assert httpx.get(f"{public.url}/metrics", timeout=10).status_code == 200


# MARK: 13. Database files are private


def test_the_sqlite_database_and_its_wal_and_shm_are_created_0600(tmp_path):
    launcher = Launcher(tmp_path)
    old = os.umask(0)  # whatever the umask, the files are the owner's only
    try:
        db = tmp_path / "private.db"
        gateway = launcher.start("gateway", ["serve", "--host", "127.0.0.1", "--store", f"sqlite:{db}"])
    finally:
        os.umask(old)
    try:
        r = post_chat(gateway.url, {"model": MODEL, "messages": [{"role": "user", "content": sim_prompt(tokens=3)}]},
                      request_id="mode-check")
        assert r.status_code == 200
        wait_until(lambda: ledger_rows(db, "request_id = ?", ("mode-check",)), 10)
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            assert path.exists(), f"{path.name} does not exist (WAL mode)"
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == 0o600, f"{path.name} is {oct(mode)}, not 0600"
    finally:
        launcher.stop_all()


# MARK: 14. Duplicate keys


def duplicate_bodies() -> dict[str, tuple[str, str]]:
    """name: (raw JSON body, the duplicated key)."""
    message = json.dumps(sim_prompt(tokens=3))
    return {
        "model": (f'{{"model":"kimi-k2.5","model":"{MODEL}","messages":[{{"role":"user","content":{message}}}]}}', "model"),
        "model-escaped": (f'{{"model":"kimi-k2.5","mod\\u0065l":"{MODEL}","messages":[{{"role":"user","content":{message}}}]}}', "model"),
        "messages[0].content": (f'{{"model":"{MODEL}","messages":[{{"role":"user","content":"[sim fail=server]","content":{message}}}]}}', "content"),
        "models": (f'{{"model":"{MODEL}","models":["{MODEL}"],"models":["kimi-k2.5"],"messages":[{{"role":"user","content":{message}}}]}}', "models"),
        "stream": (f'{{"model":"{MODEL}","stream":false,"messages":[{{"role":"user","content":{message}}}],"stream":true}}', "stream"),
        "deep": (f'{{"model":"{MODEL}","messages":[{{"role":"user","content":{message}}}],"metadata":{{"a":{{"b":[{{"dupkey":1,"dupkey":2}}]}}}}}}', "dupkey"),
    }


@pytest.mark.parametrize("case", list(duplicate_bodies()))
def test_a_duplicate_key_at_any_depth_is_refused_naming_the_key_and_its_offset(exposure, case):
    private, _ = exposure
    body, key = duplicate_bodies()[case]
    assert json.loads(body)  # valid JSON for a lenient parser
    secret, _ = create_key(private.url, name=f"dup-{case}", models=[MODEL])
    r = post_chat(private.url, body.encode(), key=secret)
    error = assert_openai_error(r.status_code, r.content, 400, "invalid_json")
    message = error["message"]
    assert key in message, f"the message does not name the key '{key}': {message}"
    # The offset of the second occurrence (where the duplicate starts, give or take the quote).
    occurrences = [m.start() for m in re.finditer(r'"(%s|mod\\u0065l)"' % re.escape(key), body)]
    second = occurrences[1]
    offsets = [int(n) for n in re.findall(r"\d+", message)]
    assert any(second - 1 <= n <= second + len(key) + 3 for n in offsets), \
        f"the message gives no byte offset near {second}: {message}"


@pytest.mark.parametrize("bad", [b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"], ids=["ff", "overlong", "surrogate", "past-10ffff"])
def test_a_body_that_is_not_utf8_is_refused_before_anything_reads_it(exposure, bad):
    # A lenient upstream decoder that drops the bad bytes would read this as two "model" keys.
    private, _ = exposure
    secret, _ = create_key(private.url, name="utf8-" + bad.hex(), models=[MODEL])
    message = json.dumps(sim_prompt(tokens=3)).encode()
    body = b'{"model":"' + MODEL.encode() + b'","model' + bad + b'":"kimi-k2.5","messages":[{"role":"user","content":' + message + b'}]}'
    r = post_chat(private.url, body, key=secret)
    error = assert_openai_error(r.status_code, r.content, 400, "invalid_json")
    assert "UTF-8" in error["message"], error


def test_a_key_allowed_one_model_cannot_reach_another_through_a_duplicate(exposure):
    private, _ = exposure
    secret, _ = create_key(private.url, name="dup-bypass", models=[MODEL])
    message = json.dumps(sim_prompt(tokens=3))
    for body in (f'{{"model":"kimi-k2.5","model":"{MODEL}","messages":[{{"role":"user","content":{message}}}]}}',
                 f'{{"model":"{MODEL}","model":"kimi-k2.5","messages":[{{"role":"user","content":{message}}}]}}'):
        r = post_chat(private.url, body.encode(), key=secret)
        assert r.status_code == 400, f"a duplicate 'model' was served: {r.status_code} {r.headers.get('x-switchyard-model')}"
    # Not a duplicate: the same keys in sibling objects.
    body = {"model": MODEL, "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi."},
                                         {"role": "assistant", "content": "Hello."}, {"role": "user", "content": sim_prompt(tokens=3)}],
            "metadata": {"a": {"c": 1}, "b": {"c": 2}}}
    r = post_chat(private.url, body, key=secret)
    assert r.status_code == 200, r.text
