"""One binary: the catalog is compiled in (no resource bundle), `--version` names the version and
commit, and a copy of the binary alone in an empty directory — with the checkout hidden in a
private mount namespace, so that no build-tree path can be reached — serves a chat call.

The release tarball's check (static Swift runtime: no libswift* in ldd, the toolchain hidden too)
is `scripts/release-check`: a release build takes too long for every CI run."""

import json
import os
import re
import shutil
import subprocess
import time

import httpx
import pytest

from support import REPO_ROOT, binary_path, clean_env, free_port, sim_prompt


def source_version() -> str:
    text = (REPO_ROOT / "Sources" / "SwitchyardCore" / "Support" / "SwitchyardVersion.swift").read_text()
    return re.search(r'static let number = "([^"]+)"', text).group(1)


def can_hide_directories() -> bool:
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True).returncode == 0


# The oldest glibc the binary may need: 2.34 (RHEL 9, Ubuntu 22.04 has 2.35). A symbol from a
# newer glibc (arc4random_buf is 2.36) would stop the release binary from starting there.
GLIBC_CEILING = (2, 34)


@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) is not installed")
def test_the_binary_needs_no_glibc_newer_than_2_34():
    symbols = subprocess.run(["objdump", "-T", str(binary_path())], capture_output=True, text=True, timeout=120, check=True).stdout
    versions = {tuple(int(part) for part in v.split(".")) for v in re.findall(r"GLIBC_([0-9]+(?:\.[0-9]+)+)", symbols)}
    assert versions, "no versioned glibc symbols found"
    newest = max(versions)
    needing = sorted({line.split()[-1] for line in symbols.splitlines() if f"GLIBC_{'.'.join(map(str, newest))}" in line})
    assert newest <= GLIBC_CEILING, f"the binary needs glibc {'.'.join(map(str, newest))} for {needing[:10]}"


def test_version_names_the_version_and_the_commit():
    result = subprocess.run([str(binary_path()), "--version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    match = re.fullmatch(r"switchyard (\S+) \(([0-9a-f]{7,40}(-dirty)?|unknown)\)\n", result.stdout)
    assert match, result.stdout
    assert match.group(1) == source_version()
    commit = match.group(2).removesuffix("-dirty")
    in_git = shutil.which("git") is not None and \
        subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--git-dir"], capture_output=True).returncode == 0
    if in_git:
        # Built from this checkout: the commit is one of its own (the binary may predate HEAD).
        assert commit != "unknown", "git is here, but the binary does not know its commit"
        found = subprocess.run(["git", "-C", str(REPO_ROOT), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True)
        assert found.returncode == 0, f"{commit} is not a commit of this repository"


def test_the_binary_references_no_resource_bundle():
    data = binary_path().read_bytes()
    assert b".resources" not in data, "the binary names a resource bundle (Bundle.module), so it needs the build tree"
    assert b"Switchyard_SwitchyardCore" not in data


def dockerfile_healthcheck(port: int) -> str:
    """The bash command of the Dockerfile's HEALTHCHECK, aimed at `port`."""
    text = (REPO_ROOT / "packaging" / "Dockerfile").read_text().replace("\\\n", " ")
    command = json.loads(re.search(r"HEALTHCHECK .*?CMD (\[.*\])", text).group(1))
    assert command[:2] == ["bash", "-c"] and "/healthz" in command[2], command
    return command[2].replace("8080", str(port))


def test_a_copy_of_the_binary_alone_serves_a_chat_call(tmp_path):
    if not can_hide_directories():
        if os.environ.get("CI") or os.environ.get("SWITCHYARD_FULL_TESTS"):
            pytest.fail("this test needs `unshare --mount` (root) to hide the checkout")
        pytest.skip("needs `unshare --mount` (root) to hide the checkout")
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy2(binary_path(), alone / "switchyard")
    port = free_port()
    # The checkout (and with it .build) is covered by an empty tmpfs, in this process's own mount
    # namespace only: other tests keep seeing it.
    script = 'mount -t tmpfs none "$1" && cd "$2" && exec ./switchyard serve --host 127.0.0.1 --port "$3" --store memory'
    log = tmp_path / "alone.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(REPO_ROOT), str(alone), str(port)],
            env=clean_env(HOME=str(alone)), cwd=alone, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.05)
        r = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", timeout=30,
                       json={"model": "glm-5", "messages": [{"role": "user", "content": sim_prompt(tokens=5)}]})
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"]
        assert r.json()["usage"]["completion_tokens"] >= 5
        assert r.headers["x-switchyard-cost-usd"] not in ("", "unknown")
        models = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=10).json()["data"]
        assert {"deepseek-v4-flash", "glm-5", "kimi-k2.5"} <= {m["id"] for m in models}
        # The container's health check passes against it, and fails where nothing listens.
        assert subprocess.run(["bash", "-c", dockerfile_healthcheck(port)], timeout=10).returncode == 0
        assert subprocess.run(["bash", "-c", dockerfile_healthcheck(free_port())], timeout=10, stderr=subprocess.DEVNULL).returncode != 0
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0, log.read_text(errors="replace")
    # The copy wrote nothing next to the checkout and needed nothing beside itself.
    assert sorted(p.name for p in alone.iterdir()) == ["switchyard"]
