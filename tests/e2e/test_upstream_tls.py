"""HTTPS upstreams: a deployment's `tls: {ca_file, server_name}` trusts a private CA for that
deployment only; an untrusted certificate or a name mismatch is a connect failure (502
upstream_unreachable), never a silent downgrade."""

import ssl
import textwrap

import openai
import pytest
import trustme

from hostile_upstream import FakeUpstream
from support import Gateway, clean_env, write_config


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def tls_upstream(ca, *names):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(*names).configure_cert(context)
    return context


def gateway_for(launcher, tmp_path, base_url, tls_section, env=None):
    config = textwrap.dedent(f"""\
        providers:
          - name: private
            family: deepseek
            deployments:
              - name: internal
                base_url: {base_url}
                api_key_env: DEEPSEEK_API_KEY
        {tls_section}
                models:
                  deepseek-v4-flash: deepseek-v4-flash
        auth: {{required: false}}
        """)
    path = write_config(tmp_path, "tls.yaml", config)
    process = launcher.gateway(path, env=clean_env(DEEPSEEK_API_KEY="sk-internal-key-0123456789", **(env or {})))
    return openai.OpenAI(base_url=f"{process.url}/v1", api_key="unused", max_retries=0)


def ask(client, text="hello"):
    return client.chat.completions.create(model="deepseek-v4-flash", messages=[{"role": "user", "content": text}])


def assert_refused_before_the_upstream(client, upstream):
    """A certificate or proxy failure: 502 upstream_unreachable, and nothing reached the upstream."""
    with pytest.raises(openai.APIStatusError) as caught:
        ask(client)
    assert caught.value.status_code == 502 and caught.value.body["code"] == "upstream_unreachable"
    assert upstream.requests == []


def ca_file(ca, tmp_path):
    path = tmp_path / "internal-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def test_a_private_ca_is_trusted_for_its_deployment_and_connections_are_reused(launcher, tmp_path, ca):
    upstream = FakeUpstream(ssl_context=tls_upstream(ca, "127.0.0.1"))
    try:
        client = gateway_for(launcher, tmp_path, upstream.base_url, f"        tls: {{ca_file: {ca_file(ca, tmp_path)}}}")
        for i in range(3):
            answer = ask(client, f"call {i}")
            assert answer.choices[0].message.content
        assert len(upstream.requests) == 3
        assert upstream.requests[0]["key"] == "sk-internal-key-0123456789"
        # Keep-alive over TLS: three calls, one connection.
        assert upstream.connections == 1
    finally:
        upstream.close()


def test_server_name_verifies_a_certificate_issued_for_another_name(launcher, tmp_path, ca):
    upstream = FakeUpstream(ssl_context=tls_upstream(ca, "llm.internal.example"))
    try:
        client = gateway_for(launcher, tmp_path, upstream.base_url,
                             f"        tls: {{ca_file: {ca_file(ca, tmp_path)}, server_name: llm.internal.example}}")
        assert ask(client).choices[0].message.content
    finally:
        upstream.close()


def test_an_untrusted_certificate_is_refused(launcher, tmp_path, ca):
    # Without ca_file the system's roots apply, and they do not know this CA.
    upstream = FakeUpstream(ssl_context=tls_upstream(ca, "127.0.0.1"))
    try:
        client = gateway_for(launcher, tmp_path, upstream.base_url, "")
        assert_refused_before_the_upstream(client, upstream)
    finally:
        upstream.close()


def test_another_ca_is_refused(launcher, tmp_path, ca):
    other = trustme.CA()
    upstream = FakeUpstream(ssl_context=tls_upstream(other, "127.0.0.1"))
    try:
        client = gateway_for(launcher, tmp_path, upstream.base_url, f"        tls: {{ca_file: {ca_file(ca, tmp_path)}}}")
        assert_refused_before_the_upstream(client, upstream)
    finally:
        upstream.close()


def test_a_name_mismatch_is_refused(launcher, tmp_path, ca):
    upstream = FakeUpstream(ssl_context=tls_upstream(ca, "llm.internal.example"))
    try:
        client = gateway_for(launcher, tmp_path, upstream.base_url,
                             f"        tls: {{ca_file: {ca_file(ca, tmp_path)}, server_name: other.internal.example}}")
        assert_refused_before_the_upstream(client, upstream)
    finally:
        upstream.close()


def test_bad_tls_settings_are_refused_with_their_location(tmp_path):
    import subprocess
    from support import binary_path
    cases = [
        ("base_url: http://127.0.0.1:9/v1", "        tls: {server_name: x.example}", "applies only to an https:// base_url"),
        ("base_url: https://127.0.0.1:9/v1", f"        tls: {{ca_file: {tmp_path}/missing.pem}}", "cannot read"),
        ("base_url: https://127.0.0.1:9/v1", "        tls: {server_name: 'bad name!'}", "must be a host name"),
        ("base_url: https://127.0.0.1:9/v1", "        tls: {}", "needs ca_file or server_name"),
    ]
    for base, tls, message in cases:
        config = textwrap.dedent(f"""\
            providers:
              - name: p
                family: deepseek
                deployments:
                  - name: d
                    {base}
            {tls}
                    models: {{deepseek-v4-flash: deepseek-v4-flash}}
            """)
        path = write_config(tmp_path, "bad.yaml", config)
        result = subprocess.run([str(binary_path()), "serve", "--config", str(path)], capture_output=True, text=True, timeout=30)
        assert result.returncode != 0, config
        assert "bad.yaml" in result.stderr and "tls" in result.stderr and message in result.stderr, result.stderr


# MARK: Egress proxies

import base64  # noqa: E402

from egress_proxy import EgressProxy  # noqa: E402


def proxied_gateway(launcher, tmp_path, base_url, deployment_lines, env):
    return gateway_for(launcher, tmp_path, base_url, deployment_lines, env)


def without_proxy_env():
    return {name: "" for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY")}


def test_https_proxy_tunnels_a_tls_upstream_and_reuses_the_tunnel(launcher, tmp_path, ca):
    upstream = FakeUpstream(ssl_context=tls_upstream(ca, "127.0.0.1"))
    proxy = EgressProxy()
    try:
        client = proxied_gateway(launcher, tmp_path, upstream.base_url, f"        tls: {{ca_file: {ca_file(ca, tmp_path)}}}",
                                 {**without_proxy_env(), "HTTPS_PROXY": proxy.url})
        for i in range(3):
            assert ask(client, f"via proxy {i}").choices[0].message.content
        assert [s["method"] for s in proxy.seen] == ["CONNECT"]
        assert proxy.seen[0]["target"] == f"127.0.0.1:{upstream.port}"
        # The API key travels inside the tunnel, never to the proxy.
        assert all("authorization" not in s["headers"] for s in proxy.seen)
        assert len(upstream.requests) == 3 and upstream.connections == 1
    finally:
        proxy.close()
        upstream.close()


def test_a_deployments_proxy_sends_http_requests_in_absolute_form_with_credentials(launcher, tmp_path):
    upstream = FakeUpstream()
    proxy = EgressProxy(require_auth="Basic " + base64.b64encode(b"egress:p@ss").decode())
    try:
        client = proxied_gateway(launcher, tmp_path, upstream.base_url,
                                 f"        proxy: http://egress:p%40ss@127.0.0.1:{proxy.port}", without_proxy_env())
        assert ask(client).choices[0].message.content
        assert proxy.seen[0]["method"] == "POST"
        assert proxy.seen[0]["target"] == f"http://127.0.0.1:{upstream.port}/v1/chat/completions"
        assert len(upstream.requests) == 1
        assert "proxy-authorization" not in {k.lower() for k in upstream.requests[0]["headers"]}
    finally:
        proxy.close()
        upstream.close()


def test_no_proxy_and_proxy_none_bypass_the_proxy(launcher, tmp_path):
    upstream = FakeUpstream()
    proxy = EgressProxy()
    try:
        env = {**without_proxy_env(), "http_proxy": proxy.url, "NO_PROXY": "example.com,127.0.0.0/8"}
        client = proxied_gateway(launcher, tmp_path, upstream.base_url, "", env)
        assert ask(client).choices[0].message.content
        client = proxied_gateway(launcher, tmp_path, upstream.base_url, "        proxy: none",
                                 {**without_proxy_env(), "http_proxy": proxy.url})
        assert ask(client).choices[0].message.content
        assert proxy.seen == [] and len(upstream.requests) == 2
        # Loopback is not exempt unless no_proxy says so.
        client = proxied_gateway(launcher, tmp_path, upstream.base_url, "", {**without_proxy_env(), "http_proxy": proxy.url})
        assert ask(client).choices[0].message.content
        assert len(proxy.seen) == 1
    finally:
        proxy.close()
        upstream.close()


def test_a_proxy_that_refuses_is_a_connect_failure(launcher, tmp_path, ca):
    upstream = FakeUpstream(ssl_context=tls_upstream(ca, "127.0.0.1"))
    proxy = EgressProxy(require_auth="Basic nobody-has-this")
    try:
        client = proxied_gateway(launcher, tmp_path, upstream.base_url, f"        tls: {{ca_file: {ca_file(ca, tmp_path)}}}\n"
                                 f"                proxy: http://127.0.0.1:{proxy.port}", without_proxy_env())
        assert_refused_before_the_upstream(client, upstream)
    finally:
        proxy.close()
        upstream.close()
