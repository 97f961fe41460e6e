"""HTTP/1.1 behaviour at the socket level: chat completions are answered ahead of the router
(ChatFrontHandler), everything else by it; both must keep requests in order on one connection,
honour `Connection: close`, answer HTTP/1.0, and survive bodies that are too large."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlparse

MODEL = "deepseek-v4-flash"
FAST = " [sim tokens=5 tps=1000 ttft_ms=1]"


def chat_request(content: str, stream: bool = False, extra_headers: str = "", version: str = "1.1") -> bytes:
    body = json.dumps({"model": MODEL, "stream": stream, "messages": [{"role": "user", "content": content + FAST}]}).encode()
    head = (f"POST /v1/chat/completions HTTP/{version}\r\nHost: test\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{extra_headers}\r\n")
    return head.encode() + body


def get_request(path: str, extra_headers: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: test\r\n{extra_headers}\r\n".encode()


class Reader:
    """Reads HTTP/1.1 responses off a socket (content-length and chunked bodies)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            assert self._fill(), "connection closed mid-response"
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            assert self._fill(), "connection closed mid-body"
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def response(self) -> tuple[int, dict[str, str], bytes]:
        status_line = self._line().decode()
        status = int(status_line.split(" ")[1])
        headers: dict[str, str] = {}
        while (line := self._line()):
            name, value = line.decode().split(":", 1)
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = self._exactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            body = b""
            while (size := int(self._line(), 16)):
                body += self._exactly(size)
                self._line()
            self._line()
        else:
            while self._fill():
                pass
            body, self.buffer = self.buffer, b""
        return status, headers, body

    def closed(self) -> bool:
        self.sock.settimeout(5)
        return self.buffer == b"" and self.sock.recv(1) == b""


def connect(gateway) -> socket.socket:
    url = urlparse(gateway.url)
    sock = socket.create_connection((url.hostname, url.port), timeout=15)
    return sock


def test_pipelined_requests_are_answered_in_order(embedded_gateway):
    with connect(embedded_gateway) as sock:
        sock.sendall(get_request("/healthz") + chat_request("first") + get_request("/v1/models")
                     + chat_request("second", stream=True) + chat_request("third") + get_request("/healthz"))
        reader = Reader(sock)
        kinds = []
        for _ in range(6):
            status, headers, body = reader.response()
            assert status == 200, body
            if "x-switchyard-model" in headers:
                kinds.append("stream" if headers["content-type"].startswith("text/event-stream") else "chat")
            elif body.startswith(b'{"status"'):
                kinds.append("health")
            else:
                kinds.append("models")
        assert kinds == ["health", "chat", "models", "stream", "chat", "health"]


def test_keep_alive_serves_many_requests_on_one_connection(embedded_gateway):
    with connect(embedded_gateway) as sock:
        reader = Reader(sock)
        for index in range(20):
            sock.sendall(chat_request(f"request {index}", stream=index % 2 == 1))
            status, headers, body = reader.response()
            assert status == 200
            assert headers.get("connection") != "close"
            assert "x-switchyard-overhead-us" in headers


def test_connection_close_is_honoured_on_both_paths(embedded_gateway):
    for request in (chat_request("bye", extra_headers="Connection: close\r\n"),
                    get_request("/v1/models", extra_headers="Connection: close\r\n")):
        with connect(embedded_gateway) as sock:
            sock.sendall(request)
            reader = Reader(sock)
            status, headers, _ = reader.response()
            assert status == 200
            assert headers.get("connection") == "close"
            assert reader.closed()


def test_http_1_0_gets_a_complete_answer(embedded_gateway):
    for stream in (False, True):
        with connect(embedded_gateway) as sock:
            sock.sendall(chat_request("old client", stream=stream, version="1.0"))
            reader = Reader(sock)
            status, headers, body = reader.response()
            assert status == 200
            assert headers.get("transfer-encoding") is None
            if stream:
                assert body.rstrip().endswith(b"data: [DONE]")
            else:
                assert json.loads(body)["object"] == "chat.completion"


def test_too_large_body_gets_413_and_the_connection_stays_usable(embedded_gateway):
    with connect(embedded_gateway) as sock:
        reader = Reader(sock)
        sock.sendall(chat_request("x" * (11 * 1024 * 1024)))
        status, _, body = reader.response()
        assert status == 413
        assert json.loads(body)["error"]["code"] == "request_too_large"
        sock.sendall(chat_request("small"))
        status, _, _ = reader.response()
        assert status == 200


def test_chunked_request_body_is_accepted(embedded_gateway):
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "chunked upload" + FAST}]}).encode()
    half = len(body) // 2
    chunks = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, body[:half], len(body) - half, body[half:])
    with connect(embedded_gateway) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
        status, _, answer = Reader(sock).response()
        assert status == 200
        assert json.loads(answer)["object"] == "chat.completion"


def test_client_leaving_mid_stream_does_not_hurt_the_next_one(embedded_gateway):
    with connect(embedded_gateway) as sock:
        sock.sendall(chat_request("a long story [sim tokens=400 tps=200]", stream=True))
        sock.recv(1024)  # the head and first bytes
    with connect(embedded_gateway) as sock:
        sock.sendall(chat_request("after"))
        status, _, _ = Reader(sock).response()
        assert status == 200


def test_half_closed_client_still_gets_its_answer(embedded_gateway):
    for stream in (False, True):
        with connect(embedded_gateway) as sock:
            sock.sendall(chat_request("then I stop sending", stream=stream))
            sock.shutdown(socket.SHUT_WR)
            status, _, body = Reader(sock).response()
            assert status == 200
            assert body


def test_garbage_after_a_chat_request_is_answered_after_it(embedded_gateway):
    with connect(embedded_gateway) as sock:
        sock.sendall(chat_request("first") + b"NOT HTTP AT ALL\r\n\r\n")
        reader = Reader(sock)
        status, headers, body = reader.response()
        assert status == 200
        assert json.loads(body)["object"] == "chat.completion"
        status, _, _ = reader.response()
        assert status == 400


def test_chat_answers_carry_a_date_header(embedded_gateway):
    from email.utils import parsedate_to_datetime
    import datetime
    with connect(embedded_gateway) as sock:
        sock.sendall(chat_request("what time is it"))
        _, headers, _ = Reader(sock).response()
    sent = parsedate_to_datetime(headers["date"])
    assert abs((datetime.datetime.now(datetime.timezone.utc) - sent).total_seconds()) < 60


def assert_openai_error(body: bytes, code: str) -> None:
    error = json.loads(body)["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["code"] == code, error


def test_a_malformed_head_gets_a_400_in_openai_shape_and_a_close(embedded_gateway):
    for raw in [b"POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
                b"GET /healthz HTTP/1.1\r\nHost: t\r\nno colon here\r\n\r\n"]:
        with connect(embedded_gateway) as sock:
            sock.sendall(raw)
            reader = Reader(sock)
            status, headers, body = reader.response()
            assert status == 400 and headers.get("connection") == "close"
            assert_openai_error(body, "malformed_request")
            assert reader.closed()


def test_a_messages_request_with_broken_framing_gets_anthropics_error_shape(embedded_gateway):
    head = b"POST /v1/messages HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    cases = [(head + b"Transfer-Encoding: chunked\r\n\r\n5\r\n{\"mod\r\nzz\r\n", False),  # a bad chunk size
             (head + b"Content-Length: 100\r\n\r\n{\"model\":", True)]  # half-closed before the body ended
    for raw, half_close in cases:
        with connect(embedded_gateway) as sock:
            sock.sendall(raw)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
            reader = Reader(sock)
            status, headers, body = reader.response()
            assert status == 400 and headers.get("connection") == "close"
            document = json.loads(body)
            assert document["type"] == "error" and document["error"]["type"] == "invalid_request_error", document
            assert set(document["error"]) == {"type", "message"}
            assert reader.closed()


def test_garbage_behind_pipelined_router_answers_gets_its_400_after_them(embedded_gateway):
    with connect(embedded_gateway) as sock:
        sock.sendall(get_request("/healthz") + get_request("/readyz") + b"GARBAGE\r\n\r\n")
        reader = Reader(sock)
        assert reader.response()[0] == 200
        assert reader.response()[0] == 200
        status, _, body = reader.response()
        assert status == 400
        assert_openai_error(body, "malformed_request")
        assert reader.closed()


def test_a_known_path_with_another_method_gets_405_and_allow(embedded_gateway):
    with connect(embedded_gateway) as sock:
        reader = Reader(sock)
        for method, path, allowed in [("DELETE", "/healthz", "GET"), ("GET", "/v1/chat/completions", "POST"),
                                      ("PUT", "/admin/keys/key_1", "DELETE, GET, PATCH"), ("PATCH", "/v1/models/Qwen/Qwen3-32B", "GET")]:
            sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n".encode())
            status, headers, body = reader.response()
            assert status == 405, (method, path, status, body)
            assert headers.get("allow") == allowed
            assert_openai_error(body, "method_not_allowed")
        sock.sendall(get_request("/no/such/path"))
        status, _, body = reader.response()
        assert status == 404
        assert_openai_error(body, "unknown_url")
