"""Fixtures for the end-to-end tests: start the built `switchyard` binary (gateway and simulator)
on free ports, wait until `GET /healthz` answers 200, and stop every process at teardown.

The binary comes from $SWITCHYARD_BIN (default: .build/debug/switchyard in the repo root).
"""

import pytest

from support import SIM_API_KEY, Gateway, Launcher, Process, clean_env, local_config


@pytest.fixture(scope="session")
def session_launcher(tmp_path_factory):
    launcher = Launcher(tmp_path_factory.mktemp("logs"))
    yield launcher
    launcher.stop_all()


@pytest.fixture
def launcher(tmp_path):
    """For processes that belong to one test only."""
    launcher = Launcher(tmp_path)
    yield launcher
    launcher.stop_all()


@pytest.fixture(scope="session")
def embedded_gateway(session_launcher) -> Gateway:
    """`switchyard serve` with no config: every catalog model served by in-process simulators."""
    return Gateway("embedded", session_launcher.gateway())


@pytest.fixture(scope="session")
def fast_sim(session_launcher) -> Process:
    """A standalone simulator in fast mode, shared by the session."""
    return session_launcher.sim("--fast", "--seed", "7")


@pytest.fixture(scope="session")
def local_gateway(session_launcher, fast_sim, tmp_path_factory) -> Gateway:
    """`switchyard serve --config examples/local.yaml` in front of the standalone simulator."""
    config = local_config(tmp_path_factory.mktemp("local"), fast_sim)
    process = session_launcher.gateway(config, clean_env(SIM_API_KEY=SIM_API_KEY))
    return Gateway("local", process, fast_sim)


@pytest.fixture(scope="session", params=["embedded", "local"])
def gateway(request) -> Gateway:
    """Runs a test against both the embedded default and the local.yaml + simulator setup."""
    return request.getfixturevalue(f"{request.param}_gateway")


@pytest.fixture
def client(gateway):
    with gateway.client() as client:
        yield client


@pytest.fixture(params=["embedded", "local"])
def fresh_gateway(request, launcher, fast_sim, tmp_path) -> Gateway:
    """A gateway of its own for one test: upstream failures open circuit breakers and put
    deployments into cool-down (balance), which must not leak into other tests."""
    if request.param == "embedded":
        return Gateway("embedded", launcher.gateway())
    config = local_config(tmp_path, fast_sim)
    return Gateway("local", launcher.gateway(config, clean_env(SIM_API_KEY=SIM_API_KEY)), fast_sim)


@pytest.fixture
def fresh_client(fresh_gateway):
    with fresh_gateway.client() as client:
        yield client
