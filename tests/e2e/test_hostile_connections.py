"""Hostile clients at the socket level: slow heads, stalled bodies, idle keep-alive connections,
half-closes, malformed chunked bodies, unauthenticated bodies, too many connections and
pipelining across a timeout. None of them may hold a connection (or memory) hostage: the gateway
answers what it can (408, 400, 401) and closes.

The gateway under test runs with short server timeouts (about a second); every assertion allows
several times that."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from hostile import (
    RawReader, assert_openai_error, assert_timeout_answer_or_silence, chat_json, chat_request_bytes,
    close_wait_sockets, connect, create_key, gateway_config, get_request_bytes, parse_responses, readable, start_gateway,
    until_closed,
)
from support import Launcher, sim_prompt

HEADER_TIMEOUT_MS = 1000
BODY_TIMEOUT_MS = 1000
IDLE_TIMEOUT_MS = 1500
# Generous: a server-side timeout must have fired within this many times its value (plus a
# fixed second for a loaded machine).
SLACK = 4


def limit(ms: int) -> float:
    return ms / 1000 * SLACK + 1


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    """A gateway with auth required, short server timeouts, and a key for the body tests."""
    directory = tmp_path_factory.mktemp("hostile-connections")
    launcher = Launcher(directory)
    config = gateway_config(directory, server={
        "header_timeout_ms": HEADER_TIMEOUT_MS, "body_timeout_ms": BODY_TIMEOUT_MS, "idle_timeout_ms": IDLE_TIMEOUT_MS,
    })
    gateway = start_gateway(launcher, config)
    secret, _ = create_key(gateway.url, name="connections")
    yield gateway, secret
    launcher.stop_all()


def fast_chat(secret: str, text: str = "hello", stream: bool = False) -> bytes:
    return chat_request_bytes(chat_json(sim_prompt(text=text, tokens=3), stream=stream), key=secret)


# MARK: 1. Header timeout


def test_a_dribbled_request_head_is_cut_off_at_the_header_timeout(strict):
    gateway, _ = strict
    start = time.monotonic()
    with connect(gateway.url) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: hostile\r\n")
        index = 0
        closed_early = False
        # One header line every 250 ms: each gap is far below the timeout, the whole head is not.
        while time.monotonic() - start < limit(HEADER_TIMEOUT_MS):
            if readable(sock, 0.25):
                break
            try:
                sock.sendall(f"X-Dribble-{index}: {'y' * 20}\r\n".encode())
            except (BrokenPipeError, ConnectionResetError):
                closed_early = True
                break
            index += 1
        how, data, _ = until_closed(sock, timeout=3 if not closed_early else 1)
        elapsed = time.monotonic() - start
    assert how in ("eof", "reset"), f"the connection is still open after {elapsed:.1f} s of a dribbled head"
    assert elapsed <= limit(HEADER_TIMEOUT_MS) + 3
    assert elapsed >= HEADER_TIMEOUT_MS / 1000 * 0.5, "closed long before the header timeout: something else went wrong"
    assert_timeout_answer_or_silence(data)


def test_a_silent_connection_is_closed_at_the_header_timeout(strict):
    gateway, _ = strict
    with connect(gateway.url) as sock:
        how, data, elapsed = until_closed(sock, timeout=limit(HEADER_TIMEOUT_MS) + 2)
    assert how in ("eof", "reset"), f"a connection that never sent a byte is still open after {elapsed:.1f} s"
    assert_timeout_answer_or_silence(data)


# MARK: 2. Body timeout


def test_a_stalled_chat_body_gets_408_and_a_close_but_a_slow_steady_body_is_served(strict):
    gateway, secret = strict
    body = json.dumps(chat_json(sim_prompt(text="slow but steady " * 8, tokens=3))).encode()
    # Steady: five pieces 250 ms apart, about 1.25 s in all (longer than body_timeout_ms, but no
    # gap between two reads is): served.
    with connect(gateway.url) as sock:
        sock.sendall(chat_request_bytes(body, key=secret)[: -len(body)])
        pieces = [body[i * len(body) // 5:(i + 1) * len(body) // 5] for i in range(5)]
        for piece in pieces:
            time.sleep(0.25)
            sock.sendall(piece)
        status, _, answer = RawReader(sock).response()
        assert status == 200, answer
    # Stalled: 10 of the announced bytes, then nothing.
    start = time.monotonic()
    with connect(gateway.url) as sock:
        sock.sendall(chat_request_bytes(body, key=secret)[: -len(body) + 10])
        how, data, _ = until_closed(sock, timeout=limit(BODY_TIMEOUT_MS) + 2)
        elapsed = time.monotonic() - start
    assert how in ("eof", "reset"), f"a stalled body still holds the connection after {elapsed:.1f} s"
    assert data, "a stalled body gets a 408 (a response can still be written)"
    assert_timeout_answer_or_silence(data)


def test_a_stalled_body_on_a_router_path_is_cut_off(strict):
    gateway, _ = strict
    from hostile import ADMIN_KEY
    body = json.dumps({"name": "never-finished"}).encode()
    head = (f"POST /admin/keys HTTP/1.1\r\nHost: hostile\r\nAuthorization: Bearer {ADMIN_KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body) + 100}\r\n\r\n").encode()
    start = time.monotonic()
    with connect(gateway.url) as sock:
        sock.sendall(head + body)
        how, data, _ = until_closed(sock, timeout=limit(BODY_TIMEOUT_MS) + 2)
        elapsed = time.monotonic() - start
    assert how in ("eof", "reset"), f"a stalled admin body still holds the connection after {elapsed:.1f} s"
    assert_timeout_answer_or_silence(data)


# MARK: 3. Idle keep-alive


def test_an_idle_keep_alive_connection_is_closed_after_the_idle_timeout(strict):
    gateway, secret = strict
    with connect(gateway.url) as sock:
        reader = RawReader(sock)
        sock.sendall(fast_chat(secret))
        status, headers, _ = reader.response()
        assert status == 200
        assert headers.get("connection", "").lower() != "close"
        answered = time.monotonic()
        how = reader.wait_closed(limit(IDLE_TIMEOUT_MS) + 2)
        idle = time.monotonic() - answered
        assert how in ("eof", "reset"), f"an idle keep-alive connection is still open after {idle:.1f} s"
        assert reader.buffer == b"", f"bytes on an idle connection: {reader.buffer[:200]!r}"
        assert idle >= IDLE_TIMEOUT_MS / 1000 * 0.5, f"closed {idle:.2f} s after an answer: keep-alive is broken"


# MARK: 4. Half-close mid-body


def test_a_half_close_mid_body_gets_400_and_the_server_closes_its_side(strict):
    gateway, secret = strict
    body = json.dumps(chat_json(sim_prompt(tokens=3))).encode()
    head = chat_request_bytes(b"", key=secret, content_length=1000)
    with connect(gateway.url) as sock:
        sock.sendall(head + body[:10])
        sock.shutdown(socket.SHUT_WR)
        reader = RawReader(sock)
        # 400 at once (the body timeout would answer 408 instead).
        status, headers, answer = reader.response(timeout=5)
        assert_openai_error(status, answer, 400)
        assert reader.wait_closed(5) in ("eof", "reset"), "the server did not close its side after the 400"
    deadline = time.monotonic() + 5
    while close_wait_sockets(gateway.port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert close_wait_sockets(gateway.port) == 0, "a socket of the gateway is stuck in CLOSE_WAIT"


@pytest.mark.parametrize("authorization", [None, "Bearer sy-00000000000000000000000000000000"])
def test_a_half_close_after_an_unauthenticated_head_gets_exactly_one_answer(strict, authorization):
    """The 401 comes from the head; the half-close that follows must not add a second,
    unsolicited response (every answer is one OpenAI-shaped error per request)."""
    gateway, _ = strict
    extra = f"Authorization: {authorization}\r\n" if authorization else ""
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: hostile\r\nContent-Type: application/json\r\n"
            f"Content-Length: 1000\r\n{extra}\r\n").encode()
    with connect(gateway.url) as sock:
        sock.sendall(head + b'{"model":"')
        sock.shutdown(socket.SHUT_WR)
        how, data, _ = until_closed(sock, timeout=10)
    assert how in ("eof", "reset"), "the connection stays open after a half-close"
    responses = parse_responses(data)
    assert len(responses) == 1, f"{len(responses)} responses to one request: {data!r}"
    status, _, body = responses[0]
    assert_openai_error(status, body, 401, "invalid_api_key")


# MARK: 5. Malformed chunk size


def test_a_malformed_chunk_size_in_a_chat_body_gets_400_and_a_close(strict):
    gateway, secret = strict
    body = json.dumps(chat_json(sim_prompt(tokens=3))).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: hostile\r\nAuthorization: Bearer {secret}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    with connect(gateway.url) as sock:
        sock.sendall(head + b"%x\r\n%s\r\nzz\r\n%s\r\n0\r\n\r\n" % (10, body[:10], body[10:]))
        reader = RawReader(sock)
        status, headers, answer = reader.response(timeout=5)
        assert_openai_error(status, answer, 400)
        assert headers.get("connection", "").lower() == "close", headers
        assert reader.wait_closed(5) in ("eof", "reset"), "the connection stays open after a malformed chunk"


# MARK: 6. Auth before the body


@pytest.mark.parametrize("authorization", [None, "Bearer sy-00000000000000000000000000000000", "Bearer not-a-key"])
def test_a_bad_key_is_refused_from_the_head_without_reading_the_body(strict, authorization):
    gateway, _ = strict
    extra = f"Authorization: {authorization}\r\n" if authorization else ""
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: hostile\r\nContent-Type: application/json\r\n"
            f"Content-Length: 9000000\r\n{extra}\r\n").encode()
    with connect(gateway.url) as sock:
        sock.sendall(head)
        reader = RawReader(sock)
        # A 401, not the body timeout's 408: the gateway must not wait for the 9 MB it will never get.
        status, headers, answer = reader.response(timeout=5)
        assert_openai_error(status, answer, 401, "invalid_api_key")
        assert headers.get("connection", "").lower() == "close", headers
        assert reader.wait_closed(5) in ("eof", "reset"), "the connection stays open after the 401"


# MARK: 18. Pipelining across a timeout


def test_pipelined_requests_are_answered_before_a_stalled_third_head_times_out(strict):
    gateway, secret = strict
    with connect(gateway.url) as sock:
        sock.sendall(fast_chat(secret, "first") + get_request_bytes("/healthz")
                     + b"POST /v1/chat/completions HTTP/1.1\r\nHost: hostile\r\nContent-Ty")
        reader = RawReader(sock)
        status, headers, body = reader.response()
        assert status == 200 and json.loads(body)["object"] == "chat.completion"
        status, _, body = reader.response()
        assert status == 200 and b"ok" in body
        answered = time.monotonic()
        how = reader.wait_closed(limit(HEADER_TIMEOUT_MS) + 2)
        elapsed = time.monotonic() - answered
    assert how in ("eof", "reset"), f"the stalled third request still holds the connection after {elapsed:.1f} s"
    assert_timeout_answer_or_silence(reader.buffer)


# MARK: 7. max_connections


def test_connections_past_max_connections_are_closed_at_once_and_capacity_comes_back(tmp_path):
    launcher = Launcher(tmp_path)
    try:
        config = gateway_config(tmp_path, auth_required=False, server={"max_connections": 5, "idle_timeout_ms": 60000,
                                                                        "header_timeout_ms": 30000})
        gateway = start_gateway(launcher, config)
        time.sleep(0.3)  # the health checks' connections are gone
        sockets = [connect(gateway.url, timeout=10) for _ in range(20)]
        outcomes = []
        try:
            for sock in sockets:
                try:
                    sock.sendall(get_request_bytes("/healthz"))
                except (BrokenPipeError, ConnectionResetError):
                    outcomes.append("closed")
                    continue
                outcomes.append(None)
            for index, sock in enumerate(sockets):
                if outcomes[index] is not None:
                    continue
                reader = RawReader(sock)
                try:
                    status, _, _ = reader.response(timeout=5)
                    outcomes[index] = "served" if status == 200 else f"status {status}"
                except Exception as error:  # noqa: BLE001 - EOF, reset or a hang are all outcomes
                    outcomes[index] = "hung" if isinstance(error, TimeoutError) else "closed"
            served = outcomes.count("served")
            assert served <= 5, f"{served} of 20 connections were served with max_connections 5: {outcomes}"
            assert served >= 1, outcomes
            assert outcomes.count("hung") == 0, f"connections past the limit must be closed at once, not left waiting: {outcomes}"
            assert set(outcomes) <= {"served", "closed"}, outcomes
        finally:
            for sock in sockets:
                sock.close()
        # Capacity comes back once the clients are gone.
        deadline = time.monotonic() + 10
        while True:
            try:
                if httpx.get(f"{gateway.url}/healthz", timeout=3).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "no new connection is served after the old ones closed"
            time.sleep(0.1)
        time.sleep(0.3)  # that check's own connection is gone too
        kept = [connect(gateway.url) for _ in range(5)]
        try:
            for sock in kept:
                sock.sendall(get_request_bytes("/healthz"))
                status, _, _ = RawReader(sock).response(timeout=5)
                assert status == 200
        finally:
            for sock in kept:
                sock.close()
        assert gateway.popen.poll() is None
    finally:
        launcher.stop_all()
