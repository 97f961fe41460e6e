"""When the client goes away mid-stream, the gateway stops the upstream request too."""

import time

import httpx
import pytest

from support import FAMILY_MODELS, SIM_API_KEY, Gateway, Launcher, clean_env, local_config, user

# The gateway reads on for up to 2 s after the client left (usage drain, for billing), then cancels.
CANCEL_DEADLINE_S = 4.5


@pytest.fixture(scope="module")
def slow_setup(tmp_path_factory):
    """A simulator at realistic speed (no --fast) behind examples/local.yaml, for this module only."""
    launcher = Launcher(tmp_path_factory.mktemp("cancel"))
    sim = launcher.sim("--seed", "1")
    config = local_config(launcher.log_dir, sim)
    gateway = Gateway("local", launcher.gateway(config, clean_env(SIM_API_KEY=SIM_API_KEY)), sim)
    yield gateway
    launcher.stop_all()


def sim_stats(gateway: Gateway) -> dict:
    return httpx.get(f"{gateway.sim.url}/sim/stats", timeout=5).json()


@pytest.mark.parametrize("family", list(FAMILY_MODELS))
def test_closing_the_stream_cancels_upstream(slow_setup, family):
    model, _ = FAMILY_MODELS[family]
    cancelled_before = sim_stats(slow_setup)["cancelled"]

    with slow_setup.client() as client:
        # 2000 tokens at 50 tokens/s would take 40 s.
        stream = client.chat.completions.create(
            model=model, messages=[user("Tell me a long story. [sim tokens=2000 tps=50]")], stream=True
        )
        next(stream)
        next(stream)
        assert sim_stats(slow_setup)["in_flight"] == 1
        stream.close()

        deadline = time.monotonic() + CANCEL_DEADLINE_S
        stats = sim_stats(slow_setup)
        while stats["in_flight"] != 0:
            assert time.monotonic() < deadline, f"upstream still busy {CANCEL_DEADLINE_S} s after the client left: {stats}"
            time.sleep(0.05)
            stats = sim_stats(slow_setup)

    assert stats["cancelled"] > cancelled_before
