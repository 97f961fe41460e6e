"""Bulk key operations (scale issue): `switchyard keys import FILE.csv` creates thousands of keys
through `POST /admin/key-imports` (in parts of 10,000, each all or nothing) and prints each
secret once; `switchyard keys export` prints every key as CSV without secrets."""

import csv
import io
import random

import httpx

from support import binary_path, clean_env, sim_prompt
import subprocess

ADMIN_KEY = "e2e-admin-key-0123456789abcdef"


def cli(*args: str, gateway_url: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary_path()), *args, "--gateway", gateway_url], capture_output=True, text=True, timeout=300,
                          input=stdin, env=clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))


def chat(url: str, secret: str) -> int:
    response = httpx.post(f"{url}/v1/chat/completions", headers={"authorization": f"Bearer {secret}"}, timeout=30,
                          json={"model": "glm-5", "messages": [{"role": "user", "content": sim_prompt("tokens=2")}]})
    return response.status_code


def test_import_ten_thousand_keys_then_export_them_without_secrets(launcher, tmp_path):
    gateway = launcher.start("gateway", ["serve", "--host", "127.0.0.1", "--store", f"sqlite:{tmp_path / 'keys.db'}"],
                             clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))
    count = 10_050  # two requests: 10,000 and 50
    rows = ["name,team,models,rpm,budget_usd,budget_period"]
    rows += [f'"Customer {i}, Inc.",resellers,glm;qwen,{60 + i % 5},{1 + i % 3},month' for i in range(count)]
    path = tmp_path / "customers.csv"
    path.write_text("\n".join(rows) + "\n")

    imported = cli("keys", "import", str(path), gateway_url=gateway.url)
    assert imported.returncode == 0, imported.stderr
    assert f"imported {count} keys" in imported.stderr
    table = list(csv.DictReader(io.StringIO(imported.stdout)))
    assert [int(row["line"]) for row in table] == list(range(2, count + 2))
    assert len({row["key"] for row in table}) == count
    assert table[0]["name"] == "Customer 0, Inc."
    # A key from each part works, with the limits of its row.
    for row in (table[0], table[9_999], table[-1]):
        assert chat(gateway.url, row["key"]) == 200

    exported = cli("keys", "export", gateway_url=gateway.url)
    assert exported.returncode == 0, exported.stderr
    keys = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(keys) == count
    by_id = {k["id"]: k for k in keys}
    sample = random.Random(7).sample(table, 20)
    for row in sample:
        key = by_id[row["id"]]
        line = int(row["line"])
        assert key["name"] == row["name"]
        assert key["models"] == "glm;qwen"
        assert key["rpm"] == str(60 + (line - 2) % 5)
        assert key["budget_period"] == "month"
        assert key["status"] == "active"
    secrets = {row["key"] for row in table}
    assert not any(secret in exported.stdout for secret in random.Random(8).sample(sorted(secrets), 200))
    assert "key_hash" not in exported.stdout.splitlines()[0]


def test_a_bad_row_stops_the_import_with_its_line_and_stores_nothing(launcher, tmp_path):
    gateway = launcher.start("gateway", ["serve", "--host", "127.0.0.1", "--store", f"sqlite:{tmp_path / 'keys.db'}"],
                             clean_env(SWITCHYARD_ADMIN_KEY=ADMIN_KEY))
    # Caught by the CLI before anything is sent.
    local = cli("keys", "import", "-", gateway_url=gateway.url, stdin="name,rpm\nok,5\nbad,lots\n")
    assert local.returncode == 2
    assert "line 3" in local.stderr and "'rpm' must be a whole number" in local.stderr
    # Caught by the gateway (an unknown model): that part is refused whole.
    remote = cli("keys", "import", "-", gateway_url=gateway.url, stdin="name,models\nok,glm\nbad,no-such-model\n")
    assert remote.returncode == 1
    assert "Line 3" in remote.stderr and "no-such-model" in remote.stderr
    unknown_column = cli("keys", "import", "-", gateway_url=gateway.url, stdin="name,rmp\nx,5\n")
    assert unknown_column.returncode == 2 and "unknown column 'rmp'" in unknown_column.stderr
    exported = cli("keys", "export", gateway_url=gateway.url)
    assert exported.returncode == 0
    assert exported.stdout.strip().splitlines()[1:] == []
