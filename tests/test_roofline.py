"""`plan pricing validate` holds self-hosted profiles to the roofline (pricing/roofline.py):
prefill <= n x dense BF16 peak / (2 x active parameters); decode <= that and <= n x HBM
bandwidth x batch / weight bytes; the weights fit in HBM. Bounds computed by hand here."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest
import tomli_w

from pricing import load_table
from pricing.roofline import roofline
from pricing.table import locate

VERSION = "2026-11-29.2"


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
    # The one published measurement states its lengths and concurrency.
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


def test_a_profile_without_roofline_numbers_cannot_be_checked(run, tmp_path):
    def edit(doc):
        del doc["selfhosted"]["reasonlite-0.6b"]["active_params_b"]

    _, res = _validate(run, tmp_path, edit)
    assert res.exit_code == 3 and "reasonlite-0.6b: field 'active_params_b': cannot be checked" \
        in res.stderr


def test_a_measurement_states_its_concurrency(run, tmp_path):
    def edit(doc):
        doc["selfhosted"]["llama-3.1-8b-instruct"]["measured"]["concurrency"] = "lots"

    _, res = _validate(run, tmp_path, edit)
    assert res.exit_code == 3 and "field 'concurrency' must be a positive whole number" \
        in res.stderr
