"""The Files API end to end with the OpenAI SDK: upload a batch input file (multipart, checked
line by line as it streams to disk), list, retrieve, download and delete it; another key's files
are not found; bad files are refused with a 400 naming the line."""

import json

import httpx
import openai
import pytest

from hostile import create_key, env, gateway_config
from support import check_error_shape


def line(custom_id: str, url: str = "/v1/chat/completions", **extra) -> str:
    body = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
    if url == "/v1/embeddings":
        body = {"model": "text-embedding-v4", "input": "hi"}
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": url, "body": body, **extra})


@pytest.fixture(scope="module")
def setup(tmp_path_factory, session_launcher):
    directory = tmp_path_factory.mktemp("files")
    config = gateway_config(directory, db=directory / "files.db", extra={})
    gateway = session_launcher.gateway(config, env())
    alice, _ = create_key(gateway.url)
    bob, _ = create_key(gateway.url)
    return gateway, directory, alice, bob


def client(gateway, secret: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=secret, max_retries=0, timeout=60)


def test_upload_list_retrieve_download_delete(setup):
    gateway, directory, alice, bob = setup
    content = "\n".join(line(f"req-{i}") for i in range(100)) + "\n"
    uploaded = client(gateway, alice).files.create(file=("requests.jsonl", content.encode()), purpose="batch")
    assert uploaded.id.startswith("file-") and uploaded.object == "file"
    assert uploaded.bytes == len(content.encode()) and uploaded.filename == "requests.jsonl" and uploaded.purpose == "batch"
    assert uploaded.status == "processed"
    # The content is on disk in the files directory, not in the database.
    assert (directory / "switchyard-files" / f"{uploaded.id}.jsonl").read_text() == content
    mine = client(gateway, alice)
    assert mine.files.retrieve(uploaded.id).bytes == uploaded.bytes
    assert uploaded.id in [f.id for f in mine.files.list().data]
    assert mine.files.content(uploaded.id).content == content.encode()
    # Bob sees none of it.
    theirs = client(gateway, bob)
    assert uploaded.id not in [f.id for f in theirs.files.list().data]
    for call in (lambda: theirs.files.retrieve(uploaded.id), lambda: theirs.files.content(uploaded.id),
                 lambda: theirs.files.delete(uploaded.id)):
        with pytest.raises(openai.NotFoundError) as caught:
            call()
        assert caught.value.body["code"] == "file_not_found"
    deleted = mine.files.delete(uploaded.id)
    assert deleted.deleted and deleted.id == uploaded.id
    assert not (directory / "switchyard-files" / f"{uploaded.id}.jsonl").exists()
    with pytest.raises(openai.NotFoundError):
        mine.files.retrieve(uploaded.id)


def test_list_pages_with_after_and_limit(setup):
    gateway, _, _, _ = setup
    secret, _ = create_key(gateway.url)
    files = client(gateway, secret)
    ids = {files.files.create(file=(f"f{i}.jsonl", line("a").encode()), purpose="batch").id for i in range(3)}
    headers = {"Authorization": f"Bearer {secret}"}
    everything = httpx.get(f"{gateway.url}/v1/files", headers=headers).json()
    order = [f["id"] for f in everything["data"]]
    assert set(order) == ids and everything["has_more"] is False
    created = [f["created_at"] for f in everything["data"]]
    assert created == sorted(created, reverse=True)  # newest first
    first = httpx.get(f"{gateway.url}/v1/files", params={"limit": 2}, headers=headers).json()
    assert [f["id"] for f in first["data"]] == order[:2] and first["has_more"] is True and first["last_id"] == order[1]
    rest = httpx.get(f"{gateway.url}/v1/files", params={"limit": 2, "after": first["last_id"]}, headers=headers).json()
    assert [f["id"] for f in rest["data"]] == order[2:] and rest["has_more"] is False
    bad = httpx.get(f"{gateway.url}/v1/files", params={"limit": 0}, headers=headers)
    assert bad.status_code == 400 and check_error_shape(bad)["param"] == "limit"


@pytest.mark.parametrize("content, words", [
    (line("a") + "\n{not json}\n", "Line 2: not valid JSON"),
    (line("a") + "\n" + line("b") + "\n" + line("a") + "\n", "Line 3: the custom_id 'a' is also on line 1"),
    (line("a", url="/v1/completions"), "Line 1: 'url' must be /v1/chat/completions or /v1/embeddings"),
    (json.dumps({"custom_id": "a", "method": "GET", "url": "/v1/embeddings", "body": {"model": "m"}}), "Line 1: 'method' must be \"POST\""),
    (json.dumps({"custom_id": "a", "method": "POST", "url": "/v1/embeddings"}), "Line 1: 'body' is missing"),
    ("", "no requests"),
])
def test_bad_files_are_refused_naming_the_line(setup, content, words):
    gateway, directory, alice, _ = setup
    before = set((directory / "switchyard-files").glob("*")) if (directory / "switchyard-files").exists() else set()
    with pytest.raises(openai.BadRequestError) as caught:
        client(gateway, alice).files.create(file=("bad.jsonl", content.encode()), purpose="batch")
    assert words in caught.value.body["message"], caught.value.body
    assert caught.value.body["param"] == "file"
    # Nothing is kept of a refused upload.
    after = set((directory / "switchyard-files").glob("*")) if (directory / "switchyard-files").exists() else set()
    assert after == before


def test_wrong_purpose_missing_file_and_not_multipart(setup):
    gateway, _, alice, _ = setup
    with pytest.raises(openai.BadRequestError) as caught:
        client(gateway, alice).files.create(file=("x.jsonl", line("a").encode()), purpose="fine-tune")
    assert caught.value.body["param"] == "purpose"
    headers = {"Authorization": f"Bearer {alice}"}
    missing = httpx.post(f"{gateway.url}/v1/files", data={"purpose": "batch"}, files={"other": ("x", b"y")}, headers=headers)
    assert missing.status_code == 400 and check_error_shape(missing)["param"] == "file"
    plain = httpx.post(f"{gateway.url}/v1/files", json={"purpose": "batch"}, headers=headers)
    assert plain.status_code == 400 and "multipart/form-data" in check_error_shape(plain)["message"]
    assert httpx.get(f"{gateway.url}/v1/files").status_code == 401
    assert httpx.get(f"{gateway.url}/v1/files/file-nope", headers=headers).status_code == 404


@pytest.fixture(scope="module")
def small(tmp_path_factory, session_launcher):
    """A gateway with small file limits (the defaults are OpenAI's 200 MB and 50,000 lines; the
    checks are the same, and a 200 MB upload takes minutes in a debug build)."""
    directory = tmp_path_factory.mktemp("small-files")
    store = {"url": f"sqlite:{directory / 'small.db'}", "sync_ms": 100, "files_max_bytes": 1048576, "files_max_lines": 100}
    config = gateway_config(directory, server={"max_body_bytes": 65536}, extra={"store": store})
    gateway = session_launcher.gateway(config, env())
    secret, _ = create_key(gateway.url)
    return gateway, secret


def test_files_over_the_limits_are_refused_naming_the_limit(small):
    gateway, secret = small
    files = client(gateway, secret)
    with pytest.raises(openai.BadRequestError) as caught:
        files.files.create(file=("many.jsonl", "\n".join(line(f"r{i}") for i in range(101)).encode()), purpose="batch")
    assert "more than 100 requests (line 101)" in caught.value.body["message"]
    long_line = json.dumps({"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {"model": "m", "input": "x" * 200_000}})
    with pytest.raises(openai.BadRequestError) as caught:
        files.files.create(file=("long.jsonl", long_line.encode()), purpose="batch")
    assert "Line 1: longer than 131072 bytes" in caught.value.body["message"]

    def body():
        yield b"--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
        yield b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.jsonl\"\r\n\r\n"
        for i in range(40):  # 40 × ~60 KB = 2.4 MB, refused when it passes 1 MB
            yield json.dumps({"custom_id": f"big{i}", "method": "POST", "url": "/v1/embeddings",
                              "body": {"model": "m", "input": "x" * 60_000}}).encode() + b"\n"
        yield b"\r\n--B--\r\n"

    response = httpx.post(f"{gateway.url}/v1/files", content=body(), timeout=60,
                          headers={"Authorization": f"Bearer {secret}", "content-type": "multipart/form-data; boundary=B"})
    assert response.status_code == 413
    assert "larger than the limit of 1048576 bytes" in check_error_shape(response)["message"]
    # The gateway is still up and answers on a new connection.
    assert files.files.list().data == []


def test_a_large_file_streams_to_disk_intact(setup):
    gateway, directory, alice, _ = setup
    pad = "y" * 10_000
    content = "".join(json.dumps({"custom_id": f"l{i}", "method": "POST", "url": "/v1/embeddings",
                                  "body": {"model": "text-embedding-v4", "input": pad}}) + "\n" for i in range(2_000)).encode()
    uploaded = client(gateway, alice).files.create(file=("large.jsonl", content), purpose="batch")
    assert uploaded.bytes == len(content) > 20_000_000
    assert (directory / "switchyard-files" / f"{uploaded.id}.jsonl").read_bytes() == content
