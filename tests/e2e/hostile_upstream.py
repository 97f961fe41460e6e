"""A hostile OpenAI-compatible upstream for the end-to-end tests: a small threaded HTTP/1.1 server
on 127.0.0.1 that answers chat completions (JSON and SSE) the way a broken or malicious provider
might: absurd `usage`, error messages and codes that echo the API key it was sent, endless lines,
connections reset mid-stream.

What it does is chosen per request by a directive in the last user message,
`[fake mode=<mode> chunks=N status=S]`:

  ok              a normal answer: `chunks` content tokens, sane usage
  huge            usage of 2**40 prompt and completion tokens
  negative        usage of -5 prompt and completion tokens
  overcontext     usage of 3,000,000 + 2,000,000 tokens (each plausible, the sum > 4x DeepSeek V4's 1M window)
  echo_key        status `status` (default 400) with the received key in message, code, param and
                  x-request-id, raw, URL-encoded and base64 (`escaped` variant: JSON \\/ and \\u escapes)
  echo_key_stream `chunks` content chunks, then an SSE error event echoing the key
  endless         a stream whose first data line never ends (bytes without a newline)
  reset           `chunks` content chunks, then a TCP reset
  flood           an endless stream of 8 KB content chunks, as fast as the gateway takes them;
                  `floods[x-request-id]` says "streaming", then "cut" (the gateway closed the
                  connection) or "done" (60 s passed)

Streams (request `stream: true`) send one content chunk per token, the usage on the finish chunk
(DeepSeek style) and again on a `choices: []` chunk, then `data: [DONE]`.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus

BOGUS_USAGE = {
    "huge": (2**40, 2**40),
    "negative": (-5, -5),
    "overcontext": (3_000_000, 2_000_000),
}


def key_forms(key: str) -> list[str]:
    """The key as it may leak: raw, URL-encoded (either hex case), form-encoded, base64 (both alphabets)."""
    forms = {key, quote(key, safe=""), lower_hex(quote(key, safe="")), quote_plus(key), quote(key, safe="/"),
             base64.b64encode(key.encode()).decode(), base64.urlsafe_b64encode(key.encode()).decode(),
             base64.b64encode(key.encode()).decode().rstrip("=")}
    return sorted(forms)


def lower_hex(encoded: str) -> str:
    """Percent-escapes with lower-case hex digits (%2f): the same URL encoding."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)


def directive(body: dict) -> dict[str, str]:
    text = ""
    for message in body.get("messages") or []:
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            text = message["content"]
    found = re.search(r"\[fake ([^\]]*)\]", text)
    out: dict[str, str] = {}
    if found:
        for word in found.group(1).split():
            name, _, value = word.partition("=")
            out[name] = value
    return out


class FakeUpstream:
    def __init__(self, chunk_interval_s: float = 0.01, ssl_context=None, host: str = "127.0.0.1"):
        self.chunk_interval_s = chunk_interval_s
        self.scheme = "https" if ssl_context is not None else "http"
        self.host = host
        self.connections = 0
        self.requests: list[dict] = []
        self.floods: dict[str, str] = {}
        self.lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                body = b'{"object":"list","data":[{"id":"deepseek-v4-flash","object":"model"}]}'
                self._send(200, body)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    self._send(400, b'{"error":{"message":"bad json","type":"invalid_request_error","param":null,"code":null}}')
                    return
                authorization = self.headers.get("authorization") or ""
                key = authorization.split(" ", 1)[1] if " " in authorization else authorization
                with upstream.lock:
                    upstream.requests.append({"path": self.path, "headers": dict(self.headers), "body": body, "key": key})
                upstream.answer(self, body, key)

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

        self.handler = Handler
        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:  # resets are expected here
                pass

            def get_request(self):
                accepted = super().get_request()   # the TLS handshake happens here when wrapped
                with upstream.lock:
                    upstream.connections += 1
                return accepted

        self.server = Server(("127.0.0.1", 0), Handler)
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # MARK: Answers

    def answer(self, handler: BaseHTTPRequestHandler, body: dict, key: str) -> None:
        d = directive(body)
        mode = d.get("mode", "ok")
        chunks = int(d.get("chunks", "5"))
        stream = bool(body.get("stream"))
        model = body.get("model", "deepseek-v4-flash")
        if mode in ("echo_key", "echo_key_escaped"):
            self._echo_key(handler, key, int(d.get("status", "400")), escaped=mode.endswith("escaped"))
            return
        if mode == "echo_key_stream":
            self._stream(handler, model, chunks, usage=None, error_echo=key)
            return
        if mode == "endless":
            self._endless(handler)
            return
        if mode == "flood":
            self._flood(handler, model, handler.headers.get("x-request-id") or "")
            return
        if mode == "reset":
            self._stream(handler, model, chunks, usage=None, reset=True)
            return
        prompt, completion = BOGUS_USAGE.get(mode, (10, chunks))
        if stream:
            self._stream(handler, model, chunks, usage=(prompt, completion))
        else:
            handler._send(200, json.dumps(self._completion(model, chunks, prompt, completion)).encode())

    @staticmethod
    def _usage(prompt: int, completion: int) -> dict:
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def _completion(self, model: str, chunks: int, prompt: int, completion: int) -> dict:
        return {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 1764000000, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": " ".join(["word"] * chunks)},
                         "finish_reason": "stop"}],
            "usage": self._usage(prompt, completion),
        }

    def _chunk(self, model: str, choices: list, usage: dict | None = None) -> bytes:
        event = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1764000000, "model": model,
                 "choices": choices}
        if usage is not None:
            event["usage"] = usage
        return b"data: " + json.dumps(event).encode() + b"\n\n"

    def _stream(self, handler: BaseHTTPRequestHandler, model: str, chunks: int, usage: tuple[int, int] | None,
                error_echo: str | None = None, reset: bool = False) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("transfer-encoding", "chunked")
        handler.end_headers()

        def write(data: bytes) -> None:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            handler.wfile.flush()

        try:
            write(self._chunk(model, [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]))
            for index in range(chunks):
                write(self._chunk(model, [{"index": 0, "delta": {"content": " word" if index else "Word"}, "finish_reason": None}]))
                time.sleep(self.chunk_interval_s)
            if reset:
                handler.wfile.flush()
                sock: socket.socket = handler.connection
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
                handler.close_connection = True
                return
            if error_echo is not None:
                message = f"Upstream failure for key {error_echo} ({quote(error_echo, safe='')})"
                write(b"data: " + json.dumps({"error": {"message": message, "type": "server_error", "param": error_echo,
                                                         "code": error_echo}}).encode() + b"\n\n")
                write(b"")
                return
            assert usage is not None
            u = self._usage(*usage)
            write(self._chunk(model, [{"index": 0, "delta": {}, "finish_reason": "stop"}], usage=u))
            write(self._chunk(model, [], usage=u))
            write(b"data: [DONE]\n\n")
            write(b"")
        except (BrokenPipeError, ConnectionResetError, OSError):
            handler.close_connection = True

    def _echo_key(self, handler: BaseHTTPRequestHandler, key: str, status: int, escaped: bool) -> None:
        encoded = quote(key, safe="")
        b64 = base64.b64encode(key.encode()).decode()
        message = f"Incorrect API key provided: {key}. Encoded: {encoded}; lower: {lower_hex(encoded)}; base64: {b64}."
        error = {"error": {"message": message, "type": "invalid_request_error", "param": key, "code": key}}
        text = json.dumps(error)
        if escaped:
            # Same JSON once decoded: '/' as '\/', '+' as '\u002b', '=' as '\u003d'.
            text = text.replace("/", "\\/").replace("+", "\\u002b").replace("=", "\\u003d")
        headers = {"x-request-id": key}
        handler._send(status, text.encode(), headers)

    def _flood(self, handler: BaseHTTPRequestHandler, model: str, request_id: str) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("transfer-encoding", "chunked")
        handler.end_headers()
        self.floods[request_id] = "streaming"
        event = self._chunk(model, [{"index": 0, "delta": {"content": " word" * 1600}, "finish_reason": None}])
        framed = b"%x\r\n%s\r\n" % (len(event), event)
        try:
            role = self._chunk(model, [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(role), role))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                handler.wfile.write(framed)
                handler.wfile.flush()
            self.floods[request_id] = "done"
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.floods[request_id] = "cut"
        handler.close_connection = True

    def _endless(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("transfer-encoding", "chunked")
        handler.end_headers()
        piece = b"x" * 65536
        try:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(b'data: {"a":"'), b'data: {"a":"'))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        handler.close_connection = True
