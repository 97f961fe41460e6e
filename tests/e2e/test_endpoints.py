"""Health, readiness, metrics and the model list."""

import httpx

from support import FAMILY_MODELS, REPO_ROOT, clean_env, sim_prompt, user


def test_health_and_readiness(gateway):
    assert httpx.get(f"{gateway.url}/healthz").status_code == 200
    assert httpx.get(f"{gateway.url}/readyz").status_code == 200


def test_metrics_count_requests(gateway, client):
    client.chat.completions.create(model="deepseek-v4-flash", messages=[user(sim_prompt(tokens=3))])
    response = httpx.get(f"{gateway.url}/metrics")
    assert response.status_code == 200
    assert "switchyard_requests_total" in response.text


def test_model_list_has_every_family_with_extra_fields(gateway, client):
    models = {m.id: m for m in client.models.list().data}
    expected = [model for model, _ in FAMILY_MODELS.values()] + ["Qwen/Qwen3-VL-32B", "glm-4.6v"]
    for model_id in expected:
        assert model_id in models, f"{model_id} missing from /v1/models"
    for model in models.values():
        extra = model.model_extra
        assert model.object == "model"
        assert isinstance(extra["family"], str)
        assert isinstance(extra["context_window"], int) and extra["context_window"] > 0
        assert isinstance(extra["capabilities"], list)
        assert all(isinstance(c, str) for c in extra["capabilities"])
        assert extra["pricing"] is None or isinstance(extra["pricing"], dict)
    for family, (model_id, _) in FAMILY_MODELS.items():
        assert models[model_id].model_extra["family"] == family
        assert isinstance(models[model_id].model_extra["pricing"], dict)
    assert "vision" in models["Qwen/Qwen3-VL-32B"].model_extra["capabilities"]
    assert models["glm-4.6v"].model_extra["pricing"] is None


def test_model_added_by_config_is_listed(local_gateway):
    body = httpx.get(f"{local_gateway.url}/v1/models/local-qwen3-8b").json()
    assert body["id"] == "local-qwen3-8b"
    assert body["family"] == "openai"
    assert body["context_window"] == 32768


def test_get_model_whose_id_contains_a_slash(gateway):
    response = httpx.get(f"{gateway.url}/v1/models/Qwen/Qwen3-32B")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "Qwen/Qwen3-32B"
    assert body["object"] == "model"
    assert body["family"] == "qwen"


def test_get_unknown_model_is_404(gateway):
    response = httpx.get(f"{gateway.url}/v1/models/no-such-model")
    assert response.status_code == 404
    assert "error" in response.json()


def test_real_example_config_starts(launcher):
    """examples/switchyard.yaml is valid (keys are dummies; no request goes upstream)."""
    config = REPO_ROOT / "examples" / "switchyard.yaml"
    text = config.read_text()
    keys = ["DEEPSEEK_API_KEY", "DASHSCOPE_INTL_API_KEY", "DASHSCOPE_CN_API_KEY", "MOONSHOT_INTL_API_KEY",
            "MOONSHOT_CN_API_KEY", "ZHIPUAI_API_KEY", "ZAI_API_KEY"]
    for key in keys:
        assert key in text
    gateway = launcher.gateway(config, clean_env(**{key: f"dummy-{key.lower()}" for key in keys}))
    ids = {m["id"] for m in httpx.get(f"{gateway.url}/v1/models").json()["data"]}
    assert {"deepseek-v4-flash", "Qwen/Qwen3-32B", "kimi-k2.5", "glm-5"} <= ids
