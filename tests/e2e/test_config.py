"""Config problems stop the gateway with a located message; API keys are never printed."""

import re
import subprocess
import textwrap

import httpx
import pytest

from support import (
    CLIENT_API_KEY,
    REPO_ROOT,
    Gateway,
    binary_path,
    clean_env,
    deepseek_config,
    free_port,
    sim_prompt,
    user,
    write_config,
)

SECRET = "sk-supersecret123456"
SECRET_VAR = "SWITCHYARD_E2E_SECRET"
UNSET_VAR = "SWITCHYARD_E2E_UNSET_VAR"


def serve_and_exit(config, env) -> subprocess.CompletedProcess:
    """Runs `switchyard serve --config` expecting it to refuse to start."""
    return subprocess.run(
        [str(binary_path()), "serve", "--config", str(config), "--port", str(free_port())],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )


def config_with(line7: str, line10: str) -> str:
    """A one-deployment config whose deployment fields on lines 7 and 10 are given."""
    return textwrap.dedent(f"""\
        # A config with a mistake on line 7.
        providers:
          - name: deepseek
            family: deepseek
            deployments:
              - name: ds
                {line7}
                models:
                  deepseek-v4-flash: deepseek-v4-flash
                {line10}
        """)


@pytest.mark.parametrize(
    ("line7", "line10", "field"),
    [
        ("base_url: not-a-url", "region: global", "providers[0].deployments[0].base_url"),
        ("weight: lots", "base_url: https://api.deepseek.com", "providers[0].deployments[0].weight"),
        ("base_ur1: https://x.test", "base_url: https://api.deepseek.com", "providers[0].deployments[0].base_ur1"),
    ],
)
def test_invalid_config_names_file_line_and_field(tmp_path, line7, line10, field):
    config = write_config(tmp_path, "bad.yaml", config_with(line7, line10))
    result = serve_and_exit(config, clean_env())
    assert result.returncode != 0
    assert "bad.yaml:7:" in result.stderr
    assert field in result.stderr


def test_yaml_syntax_error_is_located(tmp_path):
    config = write_config(tmp_path, "broken.yaml", "providers:\n  - name: deepseek\n    family: [deepseek\n")
    result = serve_and_exit(config, clean_env())
    assert result.returncode != 0
    assert re.search(r"broken\.yaml:\d+", result.stderr), result.stderr


def test_unset_key_variable_is_named(tmp_path):
    config = write_config(tmp_path, "keys.yaml", deepseek_config("https://api.deepseek.com", api_key_env=UNSET_VAR))
    env = clean_env()
    env.pop(UNSET_VAR, None)

    result = serve_and_exit(config, env)
    assert result.returncode != 0
    assert UNSET_VAR in result.stderr
    assert "keys.yaml" in result.stderr


def test_key_is_not_printed_when_config_is_invalid(tmp_path):
    text = deepseek_config("https://api.deepseek.com", api_key_env=SECRET_VAR).replace(
        "        models:", "        weight: -1\n        models:"
    )
    config = write_config(tmp_path, "secret.yaml", text)

    result = serve_and_exit(config, clean_env(**{SECRET_VAR: SECRET}))
    assert result.returncode != 0
    assert "weight" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_key_never_reaches_client_or_logs(launcher, fast_sim, tmp_path):
    config = write_config(tmp_path, "secret.yaml", deepseek_config(f"{fast_sim.url}/v1", api_key_env=SECRET_VAR))
    gateway = Gateway("custom", launcher.gateway(config, clean_env(**{SECRET_VAR: SECRET})))
    headers = {"authorization": f"Bearer {CLIENT_API_KEY}"}
    seen = []

    def record(response: httpx.Response) -> None:
        seen.append(f"{response.status_code} {dict(response.headers)} {response.text}")

    for prompt in [sim_prompt(tokens=3), sim_prompt(fail="auth"), sim_prompt(fail="server")]:
        for stream in (False, True):
            body = {"model": "deepseek-v4-flash", "messages": [user(prompt)], "stream": stream}
            record(httpx.post(f"{gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=30))
    for path in ["/healthz", "/readyz", "/metrics", "/v1/models", "/v1/models/deepseek-v4-flash"]:
        record(httpx.get(f"{gateway.url}{path}", timeout=10))
    gateway.process.stop()
    seen.append(gateway.process.output())

    assert SECRET not in "\n".join(seen)


def test_a_port_in_use_is_a_clear_error_not_a_crash(launcher, tmp_path):
    """A second gateway on a port already taken says so and exits 1, with its store closed
    (it used to trap while tearing down the SQLite connection)."""
    first = launcher.gateway()
    port = first.port
    db = tmp_path / "second.db"
    result = subprocess.run(
        [str(binary_path()), "serve", "--host", "127.0.0.1", "--port", str(port), "--store", f"sqlite:{db}"],
        cwd=tmp_path, env=clean_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert "Assertion failed" not in result.stderr and "Fatal error" not in result.stderr
    # Closed cleanly: SQLite folded its write-ahead log back into the database.
    assert db.exists() and not (tmp_path / "second.db-wal").exists()
    assert httpx.get(f"{first.url}/healthz").status_code == 200
