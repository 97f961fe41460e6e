"""A small HTTP proxy for the egress tests: CONNECT tunnels, and absolute-form requests to http
upstreams forwarded in origin form. It records what it was asked (`seen`) and can demand
credentials (`require_auth`: the expected Proxy-Authorization value; 407 otherwise)."""

from __future__ import annotations

import socket
import socketserver
import threading
from urllib.parse import urlsplit


class EgressProxy:
    def __init__(self, require_auth: str | None = None):
        self.seen: list[dict] = []
        self.require_auth = require_auth
        self.lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                client = self.request
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = client.recv(65536)
                    if not chunk:
                        return
                    head += chunk
                head, rest = head.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                with proxy.lock:
                    proxy.seen.append({"method": method, "target": target, "headers": headers})
                if proxy.require_auth is not None and headers.get("proxy-authorization") != proxy.require_auth:
                    client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                    return
                if method == "CONNECT":
                    host, _, port = target.rpartition(":")
                    upstream = socket.create_connection((host.strip("[]"), int(port)))
                    client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    if rest:
                        upstream.sendall(rest)
                else:
                    url = urlsplit(target)
                    upstream = socket.create_connection((url.hostname, url.port or 80))
                    path = url.path + (f"?{url.query}" if url.query else "")
                    forwarded = [f"{method} {path} HTTP/1.1"] + [l for l in lines[1:] if not l.lower().startswith("proxy-")]
                    upstream.sendall(("\r\n".join(forwarded) + "\r\n\r\n").encode("latin-1") + rest)
                pipe(client, upstream)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address) -> None:
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def pipe(a: socket.socket, b: socket.socket) -> None:
    """Copies bytes both ways until either side closes."""
    def copy(source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
    other = threading.Thread(target=copy, args=(b, a), daemon=True)
    other.start()
    copy(a, b)
    other.join(timeout=30)
