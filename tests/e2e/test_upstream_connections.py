"""The gateway's upstream connections: kept alive and reused, and a reused connection that the
upstream closed while it sat idle costs nothing (the request goes again on a fresh one)."""

from __future__ import annotations

import json
import socket
import threading

from support import Gateway, deepseek_config, user, write_config

ANSWER = json.dumps({
    "id": "chatcmpl-raw", "object": "chat.completion", "created": 1764000000, "model": "deepseek-v4-flash",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}).encode()


class RawUpstream:
    """Answers the first request on each connection with keep-alive, then closes the connection
    without answering when a second request arrives on it: what an upstream that drops idle
    connections looks like to a client that sends at the wrong moment."""

    def __init__(self, partial_answer: bytes = b"") -> None:
        self.partial_answer = partial_answer
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.answered = 0
        self.dropped = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket, buffer: bytes) -> bytes | None:
        while b"\r\n\r\n" not in buffer:
            data = conn.recv(65536)
            if not data:
                return None
            buffer += data
        head, rest = buffer.split(b"\r\n\r\n", 1)
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        while len(rest) < length:
            rest += conn.recv(65536)
        return rest[length:]

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            leftover = self._read_request(conn, b"")
            if leftover is None:
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER))
            self.answered += 1
            if self._read_request(conn, leftover) is not None:
                conn.sendall(self.partial_answer)
                self.dropped += 1  # closes without (fully) answering

    def close(self) -> None:
        self.server.close()


def test_a_reused_connection_closed_by_the_upstream_is_retried_on_a_fresh_one(launcher, tmp_path):
    upstream = RawUpstream()
    try:
        config = write_config(tmp_path, "raw.yaml", deepseek_config(f"http://127.0.0.1:{upstream.port}/v1"))
        gateway = Gateway("custom", launcher.gateway(config))
        with gateway.client() as client:
            for _ in range(5):
                response = client.chat.completions.with_raw_response.create(model="deepseek-v4-flash", messages=[user("hello")])
                assert response.headers["x-switchyard-attempts"] == "1"
                assert response.parse().choices[0].message.content == "hi"
        assert upstream.answered == 5
        assert upstream.dropped >= 1  # the pooled connection was tried first
    finally:
        upstream.close()


def test_a_connection_lost_after_part_of_an_answer_is_not_resent_silently(launcher, tmp_path):
    """Once any byte of an answer came back, the upstream has the request: the transport does
    not send it again on its own. The executor's retry does, and says so (attempts: 2)."""
    upstream = RawUpstream(partial_answer=b"HTTP/1.1 200 OK\r\nContent-Ty")
    try:
        config = write_config(tmp_path, "raw.yaml", deepseek_config(f"http://127.0.0.1:{upstream.port}/v1"))
        gateway = Gateway("custom", launcher.gateway(config))
        with gateway.client() as client:
            first = client.chat.completions.with_raw_response.create(model="deepseek-v4-flash", messages=[user("hello")])
            assert first.headers["x-switchyard-attempts"] == "1"
            second = client.chat.completions.with_raw_response.create(model="deepseek-v4-flash", messages=[user("hello")])
            assert second.headers["x-switchyard-attempts"] == "2"
            assert second.parse().choices[0].message.content == "hi"
        assert upstream.dropped == 1
    finally:
        upstream.close()
