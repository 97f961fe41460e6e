"""benchmarks/scale/cluster at a tiny scale (2 replicas, 1,000 keys, 5 revocations): the script
runs, stops what it starts, and reports its table and raw figures. Its own database on the
shared test server ($SWITCHYARD_TEST_POSTGRES_URL), dropped afterwards."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from support import binary_path

POSTGRES_URL = os.environ.get("SWITCHYARD_TEST_POSTGRES_URL")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs SWITCHYARD_TEST_POSTGRES_URL (scripts/test starts a server)")


def test_cluster_script_revocation_at_tiny_scale(tmp_path):
    database = f"cluster_script_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", POSTGRES_URL, "-qc", f"CREATE DATABASE {database}"], check=True, capture_output=True)
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + database
    output = tmp_path / "cluster.md"
    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "scale" / "cluster"), "--replicas", "2", "--keys", "1000", "--only", "revocation",
             "--revocations", "5", "--postgres", url, "--bin", str(binary_path()), "--output", str(output)],
            capture_output=True, text=True, timeout=120)
    finally:
        subprocess.run(["psql", POSTGRES_URL, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], capture_output=True)
    assert result.returncode == 0, result.stderr[-2000:]
    table = output.read_text()
    assert "| Figure | Target | Measured | Met |" in table
    line = next(row for row in table.splitlines() if row.startswith("| Revocation refused on all 2 replicas, 5 revocations via api"))
    assert line.endswith("| ✓ |"), line
    raw = json.loads(output.with_suffix(".json").read_text())
    assert raw["parts"] == ["revocation"]
    revocation = raw["revocation"]
    assert revocation["revocations"] == 5 and revocation["missed_30s"] == 0
    assert len(revocation["per_replica_p99_ms"]) == 2
    assert 0 < revocation["p50_ms"] <= revocation["p99_ms"] <= 1000
    assert "idle" not in raw and "usage" not in raw
