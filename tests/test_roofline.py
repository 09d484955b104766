"""`plan pricing validate` holds self-hosted profiles to the roofline (pricing/roofline.py):
prefill <= n x dense BF16 peak / (2 x active parameters); decode <= that and <= n x HBM
bandwidth x batch / weight bytes; the weights fit in HBM. Bounds computed by hand here."""

from __future__ import annotations

import math
import tomllib
from decimal import Decimal

import pytest
import tomli_w

from pricing import load_table
from pricing.roofline import at_latency_target, efficiency, kv_gb_per_token, roofline
from pricing.table import locate

VERSION = "2026-11-29.3"


def _doc() -> dict:
    return tomllib.loads(locate(VERSION)[0].read_text(encoding="utf-8"))


def _validate(run, tmp_path, edit):
    doc = _doc()
    doc["version"] = "2099-01-01"  # a draft: an edited table under a released name is refused
    edit(doc)
    path = tmp_path / "draft.toml"
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path, run("pricing", "validate", str(path))


def test_shipped_profiles_are_within_their_roofline(run):
    assert run("pricing", "validate", str(locate(VERSION)[0])).exit_code == 0
    table = load_table(VERSION)
    # Llama 3.1 8B on one H100: 989.4 TFLOP/s / (2 x 8.03e9) = 61,606.5 prefill tokens/s.
    llama = table.selfhosted["llama-3.1-8b-instruct"]
    r = roofline(llama, table.gpus[llama.gpu])
    assert r is not None and r.prefill_max.quantize(Decimal("0.1")) == Decimal("61606.5")
    # 32B distill on one A100: 312 / (2 x 32.8) x 1000 = 4,756.1 tokens/s.
    distill = table.selfhosted["deepseek-r1-distill-qwen-32b"]
    r = roofline(distill, table.gpus[distill.gpu])
    assert r is not None and r.prefill_max.quantize(Decimal("0.1")) == Decimal("4756.1")
    assert distill.prefill_tokens_per_s <= r.prefill_max
    # The 32B distill cites Qwen2.5-32B's single-stream measurement: 22.13 tokens/s at input 1 /
    # output 2,048 (mean context 1 + 1,024). One sequence reads 65.6 GB of weights and
    # 1,025 x 262,144 bytes of KV cache a step at 2,039 GB/s: 30.96 tokens/s, so 71.5%.
    m = distill.measured
    assert m is not None and (m.input_tokens, m.output_tokens, m.concurrency) == (1, 2048, 1)
    one = 2039 / (65.6 + 1025 * 64 * 8 * 128 * 2 * 2 / 1e9)
    assert abs(float(efficiency(distill, table.gpus["a100-80gb"])) - 22.13 / one) < 1e-9
    # Llama's measurement states its lengths and concurrency ("max": at batch_size).
    m = llama.measured
    assert m is not None and (m.input_tokens, m.output_tokens, m.concurrency) == (1000, 1000, "max")
    assert llama.decode_tokens_per_s == m.output_tokens_per_s == 15220


@pytest.mark.parametrize(("model", "field", "value", "message"), [
    # The two figures: 10x decode, above the compute ceiling.
    ("llama-3.1-8b-instruct", "prefill_tokens_per_s", 125000,
     "125000 exceeds the roofline 61606 tokens/s (1 x 989.4 TFLOP/s dense BF16 / "
     "(2 x 8.03B active parameters))"),
    ("deepseek-r1-distill-qwen-32b", "prefill_tokens_per_s", 5770,
     "5770 exceeds the roofline 4756 tokens/s"),
    # Batch 1: every token reads all 8.03 GB of FP8 weights: 3.35 TB/s / 8.03 GB = 417 tokens/s.
    ("llama-3.1-8b-instruct", "batch_size", 1,
     "15220 exceeds the roofline 417 tokens/s (compute 61606; memory 1 x 3.35 TB/s x batch 1 / "
     "8.03 GB of weights = 417)"),
    # 32.8B BF16 weights (65.6 GB) on one 24 GB RTX 4090.
    ("deepseek-r1-distill-qwen-32b", "gpu", "rtx-4090",
     "65.6 GB of weights do not fit in 24 GB of HBM on 1 GPU(s)"),
])
def test_validate_refuses_a_profile_beyond_its_roofline(run, tmp_path, model, field, value,
                                                        message):
    def edit(doc):
        doc["selfhosted"][model][field] = value

    path, res = _validate(run, tmp_path, edit)
    assert res.exit_code == 3
    assert f"{path}: selfhosted.{model}: field '" in res.stderr and message in res.stderr


@pytest.mark.parametrize(("field", "message"), [
    ("active_params_b", "deepseek-r1-distill-qwen-32b: field 'active_params_b': cannot be "
                        "checked"),
    # schema 3 sizes every profile with its KV cache
    ("head_dim", "selfhosted.deepseek-r1-distill-qwen-32b: field 'head_dim' is missing"),
])
def test_a_profile_without_roofline_numbers_cannot_be_checked(run, tmp_path, field, message):
    def edit(doc):
        del doc["selfhosted"]["deepseek-r1-distill-qwen-32b"][field]

    _, res = _validate(run, tmp_path, edit)
    assert res.exit_code == 3 and message in res.stderr


def test_every_shipped_profile_cites_a_measurement_at_stated_lengths_and_concurrency():
    # Read from the TOML file itself, not through plan's loader.
    profiles = _doc()["selfhosted"]
    assert sorted(profiles) == ["deepseek-r1-distill-qwen-32b", "llama-3.1-8b-instruct"]
    for name, profile in profiles.items():
        m = profile["measured"]
        assert m["input_tokens"] > 0 and m["output_tokens"] > 0, name
        # a number of concurrent requests, or "max": an unlimited request rate (saturation)
        assert m["concurrency"] == "max" or m["concurrency"] > 0, name
        assert m["output_tokens_per_s"] > 0 and "https://" in m["source"], name


def test_a_measurement_states_its_concurrency(run, tmp_path):
    def edit(doc):
        doc["selfhosted"]["llama-3.1-8b-instruct"]["measured"]["concurrency"] = "lots"

    _, res = _validate(run, tmp_path, edit)
    assert res.exit_code == 3 and "field 'concurrency' must be a positive whole number" \
        in res.stderr


# --- The KV cache and the latency target (pricing 2026-11-29.3, schema 3) ---

H100_BW, H100_HBM = 3350.0, 80.0  # GB/s, GB (NVIDIA H100 SXM datasheet)


def _llama_by_hand(tpot_s: float, context: float) -> tuple[int, float]:
    """Llama 3.1 8B FP8 on one H100, from the published figures alone: (sequences, tokens/s)."""
    weights, kv = 8.03, 32 * 8 * 128 * 2 * 1 / 1e9  # GB; GB a token (FP8 cache)
    # TensorRT-LLM's 15,220 tokens/s at 1,000/1,000 with 256 sequences (batch_size) of
    # 1,000 + 1,000 / 2 = 1,500 tokens mean context, against the roofline there:
    efficiency = 15220 / (256 / ((weights + 256 * 1500 * kv) / H100_BW))
    room = 0.9 * H100_HBM - weights  # vLLM's default 90% of HBM, less the weights
    by_hbm = math.floor(room / (context * kv))
    by_latency = math.floor((tpot_s * H100_BW * efficiency - weights) / (context * kv))
    c = min(256, by_hbm, by_latency)
    return c, c / ((weights + c * context * kv) / H100_BW / efficiency)


def test_kv_cache_per_token_by_hand():
    table = load_table(VERSION)
    assert {m: kv_gb_per_token(p) * 10**9 for m, p in table.selfhosted.items()} == {
        "llama-3.1-8b-instruct": 32 * 8 * 128 * 2 * 1,  # 65,536 bytes
        "deepseek-r1-distill-qwen-32b": 64 * 8 * 128 * 2 * 2}  # 262,144


@pytest.mark.parametrize(("tpot_ms", "context", "limit"), [
    (100, 9000, "HBM"),  # 108 sequences of 9,000 tokens fill the HBM before 100 ms
    (20, 1500, "batch_size"),  # 256 sequences of 1,500 tokens step in 16.8 ms
    (15, 1500, "latency target"),
])
def test_decode_at_a_latency_target_by_hand(tpot_ms, context, limit):
    table = load_table(VERSION)
    llama = table.selfhosted["llama-3.1-8b-instruct"]
    point = at_latency_target(llama, table.gpus["h100"], Decimal(tpot_ms) / 1000,
                              Decimal(context))
    c, rate = _llama_by_hand(tpot_ms / 1000, context)
    assert point is not None and (point.concurrency, point.limit) == (c, limit)
    assert abs(float(point.tokens_per_s) - rate) < 1e-6 * rate
    assert float(point.step_s) <= tpot_ms / 1000
    if (tpot_ms, context) == (100, 9000):
        assert c == 108 and round(rate) == 2971  # a fifth of the 15,220 at saturation


def test_a_target_below_one_step_of_the_weights_cannot_be_met():
    # One step reads 8.03 GB at 3,350 GB/s x efficiency 0.589: 4.07 ms at the least.
    table = load_table(VERSION)
    llama = table.selfhosted["llama-3.1-8b-instruct"]
    assert at_latency_target(llama, table.gpus["h100"], Decimal("0.004"), Decimal(1500)) is None


@pytest.mark.parametrize(("model", "field", "value", "message"), [
    # 65.6 GB of BF16 weights leave 0.9 x 80 - 65.6 = 6.4 GB: 24,414 tokens of 262,144 bytes.
    ("deepseek-r1-distill-qwen-32b", "max_context", 32768,
     ["one sequence of 32768 tokens keeps 8.59 GB of KV cache; 0.9 x 80 GB of HBM less 65.6 GB "
      "of weights leaves 6.40"]),
    # The distill's 577 at saturation, at its measurement's context: 0.9 x 80 - 65.6 GB hold 23
    # sequences of 1,025 tokens, a step reads 65.6 + 23 x 1,025 x 262,144e-9 = 71.78 GB in
    # 35.2 ms: 653 tokens/s.
    ("deepseek-r1-distill-qwen-32b", "decode_tokens_per_s", 700,
     ["700 exceeds the roofline 653 tokens/s of 23 sequences of 1025 tokens"]),
    # A BF16 cache: 256 x 1,500 x 131,072 bytes = 50.3 GB + 8.03 GB a step, 17.42 ms: 14,695/s;
    # with each request's 1,000-token prefill at 61,606/s: 1 / (1 / 61,606 + 1 / 14,695) = 11,865.
    ("llama-3.1-8b-instruct", "kv_bytes", 2,
     ["15220 exceeds the roofline 14695 tokens/s of 256 sequences of 1500 tokens",
      "field 'measured': 15220 output tokens/s exceeds the roofline 11865 at 1000 in / 1000 out "
      "and 256 concurrent sequences"]),
])
def test_validate_refuses_a_profile_beyond_its_kv_roofline(run, tmp_path, model, field, value,
                                                           message):
    def edit(doc):
        doc["selfhosted"][model][field] = value

    path, res = _validate(run, tmp_path, edit)
    assert res.exit_code == 3 and all(m in res.stderr for m in message), res.stderr

