"""The model-choice toolkit from outside: bench (reports a person can open), cost and recommend."""

import csv
import json
import os
import shutil
import subprocess
from decimal import Decimal

import pytest

from support import binary_path


def run(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary_path()), *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def bench_files(embedded_gateway, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    result = run(
        "bench", "--url", f"{embedded_gateway.url}/v1", "--model", "glm-5", "--model", "deepseek-v4-flash",
        "--concurrency", "4", "--requests", "16", "--max-tokens", "5", "--slo", "ttft=2000,p99=5000",
        "--json", str(out / "bench.json"), "--csv", str(out / "bench.csv"), "--html", str(out / "bench.html"),
    )
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_bench_prints_the_table_and_formulas(bench_files):
    _, stdout = bench_files
    assert "E2E p99" in stdout and "TTFT p50" in stdout
    assert "TPOT = (E2E − TTFT) / (output tokens − 1)" in stdout
    assert "glm-5" in stdout and "deepseek-v4-flash" in stdout


def test_bench_json_and_csv(bench_files):
    out, _ = bench_files
    report = json.loads((out / "bench.json").read_text())
    assert len(report["requests"]) == 16
    assert set(report["models"]) == {"glm-5", "deepseek-v4-flash"}
    level = report["levels"][0]
    assert level["succeeded"] == 16 and level["e2e_ms"]["p99"] >= level["e2e_ms"]["p50"] > 0
    assert level["ttft_ms"]["p50"] > 0 and level["slo_attainment"] == 1.0
    rows = list(csv.DictReader((out / "bench.csv").open()))
    assert len(rows) == 16 and all(int(r["output_tokens"]) > 0 for r in rows)


def test_bench_html_renders_its_plots_in_chromium(bench_files):
    out, _ = bench_files
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI") or os.environ.get("SWITCHYARD_FULL_TESTS"):
            pytest.fail("chromium is not installed; scripts/test-dependencies installs it")
        pytest.skip("chromium not installed")
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", (out / "bench.html").as_uri()],
        capture_output=True, text=True, timeout=90,
    ).stdout
    assert dom.count("<svg") == 4
    assert dom.count("<polyline") >= 4
    assert 'class="bar"' in dom


def test_recommend_uses_measured_figures(bench_files):
    out, _ = bench_files
    result = run("recommend", "--needs", "chinese", "--p99-slo", "100000", "--bench", str(out / "bench.json"))
    assert result.returncode == 0, result.stderr
    assert "1. glm-5" in result.stdout
    assert "measured ≤ 100000 ms" in result.stdout
    assert "Paste into switchyard.yaml" in result.stdout


def test_cost_is_exact_for_the_seed_scenario():
    result = run("cost", "--tokens", "1B", "--model", "deepseek-v4-flash", "--model", "qwen3-32b", "--model", "kimi-k2.5")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split()[-1] for line in result.stdout.splitlines() if line.startswith(("deepseek", "Qwen", "kimi"))}
    assert lines == {"deepseek-v4-flash": "$250.00", "Qwen/Qwen3-32B": "$280.00", "kimi-k2.5": "$3000.00"}
    assert Decimal(lines["deepseek-v4-flash"][1:]) == Decimal("250")


@pytest.mark.parametrize("args, message", [
    (["cost", "--tokens", "lots"], "--tokens"),
    (["cost", "--tokens", "1B", "--input-share", "1.5"], "--input-share"),
    (["recommend", "--needs", "telepathy"], "unknown capability"),
    (["bench", "--concurrency", "0"], "--concurrency"),
    (["bench", "--find-knee"], "--slo"),
    (["bench", "--slo", "p42=1"], "unknown SLO"),
])
def test_bad_flags_are_clear_errors(args, message):
    result = run(*args)
    assert result.returncode != 0
    assert message in result.stderr
