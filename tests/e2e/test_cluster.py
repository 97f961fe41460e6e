"""Cluster mode: two `switchyard serve` processes sharing one PostgreSQL database enforce the
same keys, rate limits and budgets. The server comes from scripts/postgres-test-server
(Debian's postgresql package), named by $SWITCHYARD_TEST_POSTGRES_URL."""

import os
import subprocess
import textwrap
import time
import uuid
from decimal import Decimal

import httpx
import pytest

from support import clean_env, sim_prompt, write_config

ADMIN_KEY = "cluster-admin-key-0123456789"
POSTGRES_URL = os.environ.get("SWITCHYARD_TEST_POSTGRES_URL")

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs SWITCHYARD_TEST_POSTGRES_URL (scripts/test starts a server)")


@pytest.fixture
def cluster(launcher, tmp_path):
    database = f"cluster_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", POSTGRES_URL, "-qc", f"CREATE DATABASE {database}"], check=True, capture_output=True)
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + database
    config = write_config(tmp_path, "cluster.yaml", textwrap.dedent(f"""\
        providers:
          - name: deepseek-sim
            family: deepseek
            deployments:
              - name: sim-deepseek
                simulated: true
                models:
                  deepseek-v4-flash:
        store:
          url: {url}
          sync_ms: 200
        ledger:
          flush_ms: 20
        """))
    env = clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY)
    a = launcher.gateway(config, env)
    b = launcher.gateway(config, env)
    time.sleep(1.0)  # a few syncs: each replica has seen the other
    return a, b


def create_key(gateway, **fields) -> tuple[str, str]:
    r = httpx.post(f"{gateway.url}/admin/keys", json=fields, headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=10)
    assert r.status_code == 201, r.text
    return r.json()["key"], r.json()["id"]


# The output cap admission reserves for each call (the simulator writes 10 tokens).
MAX_TOKENS = 12


def chat(gateway, secret: str) -> httpx.Response:
    return httpx.post(f"{gateway.url}/v1/chat/completions", timeout=30, headers={"Authorization": f"Bearer {secret}"},
                      json={"model": "deepseek-v4-flash", "max_tokens": MAX_TOKENS,
                            "messages": [{"role": "user", "content": sim_prompt(tokens=10, ttft_ms=1, tps=5000)}]})


def wait_for_quiet_part_of_the_minute() -> None:
    """Rate limits use fixed one-minute windows: keep a burst inside one of them."""
    while time.time() % 60 > 35:
        time.sleep(0.5)


def test_a_rate_limit_holds_across_two_replicas(cluster):
    a, b = cluster
    limit = 20
    secret, _ = create_key(a, name="shared-rpm", rpm=limit)
    time.sleep(0.6)  # B loads the new key at its next sync
    wait_for_quiet_part_of_the_minute()
    accepted = {"a": 0, "b": 0}
    refused = 0
    start = time.monotonic()
    attempts = 0
    # Several sync intervals and far more requests than the limit (on a loaded machine calls are
    # slow: keep going until there were three times the limit), inside this minute's window.
    while (time.monotonic() - start < 4 or attempts < 3 * limit) and time.time() % 60 < 58:
        attempts += 2
        for name, gateway in (("a", a), ("b", b)):
            r = chat(gateway, secret)
            if r.status_code == 200:
                accepted[name] += 1
                assert r.headers["x-ratelimit-limit-requests"] == str(limit)
            else:
                assert r.status_code == 429, r.text
                assert r.json()["error"]["code"] == "rate_limit_exceeded"
                assert int(r.headers["retry-after"]) >= 1
                refused += 1
    total = accepted["a"] + accepted["b"]
    print(f"CLUSTER rpm limit={limit} accepted={total} (a={accepted['a']}, b={accepted['b']}) refused={refused}")
    assert attempts >= 3 * limit, f"only {attempts} calls before the minute ended"
    # Documented: never more than the limit; at least the limit minus one per replica.
    assert limit - 1 <= total <= limit
    assert accepted["a"] > 0 and accepted["b"] > 0


def test_a_budget_spent_through_both_replicas_stops_both(cluster):
    a, b = cluster
    budget = Decimal("0.0001")
    secret, key_id = create_key(a, name="shared-budget", budget_usd=str(budget), budget_period="total")
    time.sleep(0.6)
    spent = Decimal(0)
    stopped: set[str] = set()
    deadline = time.monotonic() + 20
    while len(stopped) < 2:
        assert time.monotonic() < deadline, f"still serving after spending {spent}"
        for name, gateway in (("a", a), ("b", b)):
            r = chat(gateway, secret)
            if r.status_code == 200:
                spent += Decimal(r.headers["x-switchyard-cost-usd"])
            else:
                assert r.status_code == 429 and r.json()["error"]["code"] == "insufficient_quota", r.text
                assert r.headers["x-should-retry"] == "false"
                stopped.add(name)
    print(f"CLUSTER budget={budget} spent={spent} overshoot={spent - budget}")
    # Admission reserves each call's worst case (prompt estimate + max_tokens at $0.25/1M), so a
    # replica stops once what is left no longer covers one call: the budget is spent down to
    # less than one call's worst case (a generous 100 tokens here).
    worst_case = Decimal(100) * Decimal("0.25") / 1_000_000
    assert spent >= budget - worst_case
    # Overshoot: calls admitted before the other replica's spend reached it (ledger flush + one sync).
    assert spent < budget * 2
    # Both keep refusing.
    assert chat(a, secret).status_code == 429 and chat(b, secret).status_code == 429


def test_a_key_revoked_on_one_replica_is_refused_by_the_other(cluster):
    a, b = cluster
    secret, key_id = create_key(a, name="to-revoke")
    time.sleep(0.6)
    assert chat(b, secret).status_code == 200
    r = httpx.delete(f"{a.url}/admin/keys/{key_id}", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=10)
    assert r.status_code == 200
    assert chat(a, secret).status_code == 401
    deadline = time.monotonic() + 5
    while chat(b, secret).status_code != 401:
        assert time.monotonic() < deadline, "replica B still accepts a revoked key"
        time.sleep(0.1)
