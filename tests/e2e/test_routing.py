"""Task-aware routing, seen from outside: `switchyard route explain` on the example requests
(the seed's routing table), and `model: "auto"` through a running gateway."""

import subprocess

import pytest

from support import REPO_ROOT, binary_path, user

REQUESTS = REPO_ROOT / "examples" / "requests"
ROUTING_CONFIG = REPO_ROOT / "examples" / "routing.yaml"

# example request -> (rule, first model) with the built-in rules (the embedded default)
SEED_TABLE = {
    "text": ("default", "deepseek-v4-flash"),
    "code": ("code", "Qwen/Qwen3-Coder-30B"),
    "chinese": ("chinese", "glm-5"),
    "image": ("vision", "Qwen/Qwen3-VL-32B"),
    "chinese-image": ("vision-chinese", "glm-4.6v"),
    "audio": ("audio-video", "Qwen/Qwen3-Omni-30B"),
    "reasoning": ("reasoning", "kimi-k2.5"),
}


def explain(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary_path()), "route", "explain", *args], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("name", list(SEED_TABLE))
def test_route_explain_follows_the_seed_table(name):
    rule, model = SEED_TABLE[name]
    result = explain(str(REQUESTS / f"{name}.json"))
    assert result.returncode == 0, result.stderr
    assert f"decision: rule {rule} → {model}" in result.stdout
    assert "candidates" in result.stdout


def test_long_context_needs_a_model_that_holds_it():
    # The built-in catalog follows DeepSeek's documented 1M window for V4 Flash (the seed says only
    # "up to 128K"): the long prompt goes there, and models that cannot hold it are skipped with the reason.
    default = explain(str(REQUESTS / "long-context.json"))
    assert "decision: rule default → deepseek-v4-flash" in default.stdout
    assert "exceeds its 131072-token context" in default.stdout
    # examples/routing.yaml gives DeepSeek V4 Flash its documented 1M context and a long-context rule.
    routed = explain("--config", str(ROUTING_CONFIG), str(REQUESTS / "long-context.json"))
    assert "decision: rule long-context → deepseek-v4-flash" in routed.stdout


def test_region_preference_orders_candidates():
    result = explain("--config", str(ROUTING_CONFIG), "--region", "cn-beijing", str(REQUESTS / "image.json"))
    lines = [line for line in result.stdout.splitlines() if line.strip().startswith("1.")]
    assert lines and "qwen-beijing" in lines[0]


def test_bad_request_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": "auto"}')
    result = explain(str(bad))
    assert result.returncode != 0
    assert "messages" in result.stderr


def test_auto_through_the_gateway(embedded_gateway):
    with embedded_gateway.client() as client:
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=[user("请用中文介绍一下这个产品。")]
        )
        assert raw.headers["x-switchyard-route"] == "chinese; model=glm-5"
        assert raw.headers["x-switchyard-attempts"] == "1"
        assert raw.parse().choices[0].message.content
