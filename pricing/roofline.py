"""The physical ceiling of a self-hosted throughput profile, which `plan pricing validate`
holds it to (DOMAIN "GPU throughput: physics first"), and its decode rate at a latency target,
which the on-prem fleet is sized with (planner/projection/fleet.py).

Prefill is compute-bound: about 2 x active parameters FLOPs per input token, so a replica of n
GPUs prefills at most n x dense BF16 peak / (2 x active parameters) tokens/s.

Decode writes one token per running sequence per step. Each step reads every weight and the
KV cache of every running sequence from HBM once, so with c sequences of mean context L a step
takes at least (weight bytes + c x L x KV bytes per token) / (n x bandwidth), and never less
than the compute c x 2 x active parameters / (n x dense peak). Its time is the time per output
token (TPOT) each user sees; throughput is c / step. The KV cache of the c sequences must fit
beside the weights in HBM_USABLE of the replica's HBM; and c is at most the profile's
batch_size (the server's limit on running sequences).

A profile cites a measurement (`measured`: output tokens/s at stated input and output lengths
and concurrency). Its ratio to the decode roofline at the measurement's context and
concurrency is the profile's efficiency; at another context and concurrency the decode rate is
the roofline's times that efficiency. The profile's decode_tokens_per_s (its rate at
saturation) must be within the roofline at the measurement's context.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from pricing.table import GpuPrice, SelfHostedProfile

_THOUSAND = Decimal(1000)  # (TFLOP/s or TB/s) / (billion parameters or GB)
_GB = Decimal(10) ** 9
# vLLM's default gpu_memory_utilization: weights, KV cache and activations within 90% of HBM
# (https://docs.vllm.ai/en/latest/configuration/engine_args.html, --gpu-memory-utilization).
HBM_USABLE = Decimal("0.9")


@dataclass(frozen=True)
class Roofline:
    prefill_max: Decimal  # tokens/s
    decode_compute_max: Decimal
    decode_memory_max: Decimal  # at batch_size sequences, weights only (no KV cache)
    weights_gb: Decimal
    hbm_gb: Decimal

    @property
    def decode_max(self) -> Decimal:
        return min(self.decode_compute_max, self.decode_memory_max)


@dataclass(frozen=True)
class DecodePoint:
    """Decode at a concurrency: the replica's output tokens/s and each sequence's TPOT."""

    concurrency: int
    context: Decimal  # mean tokens in a running sequence's KV cache
    step_s: Decimal  # seconds per decode step = time per output token
    tokens_per_s: Decimal
    limit: str  # what stops more concurrency: "latency target", "HBM", "batch_size"


def roofline(profile: SelfHostedProfile, gpu: GpuPrice) -> Roofline | None:
    """None when the profile or its GPU lacks the numbers."""
    params, wbytes = profile.active_params_b, profile.weight_bytes
    if params is None or wbytes is None or gpu.bf16_dense_tflops is None \
            or gpu.hbm_tb_per_s is None or gpu.hbm_gb is None:
        return None
    n = profile.gpus_per_replica
    compute = n * gpu.bf16_dense_tflops * _THOUSAND / (2 * params)
    memory = n * gpu.hbm_tb_per_s * _THOUSAND * profile.batch_size / (params * wbytes)
    return Roofline(compute, compute, memory, params * wbytes, n * gpu.hbm_gb)


def kv_gb_per_token(profile: SelfHostedProfile) -> Decimal | None:
    """GB of KV cache one token keeps: layers x kv_heads x head_dim x 2 (K and V) x bytes."""
    p = profile
    if p.layers is None or p.kv_heads is None or p.head_dim is None or p.kv_bytes is None:
        return None
    return p.layers * p.kv_heads * p.head_dim * 2 * p.kv_bytes / _GB


def kv_room_gb(profile: SelfHostedProfile, r: Roofline) -> Decimal:
    return HBM_USABLE * r.hbm_gb - r.weights_gb


def step_s(profile: SelfHostedProfile, gpu: GpuPrice, r: Roofline, concurrency: int,
           context: Decimal) -> Decimal:
    """The roofline's time of one decode step of `concurrency` sequences of `context` tokens."""
    assert gpu.hbm_tb_per_s is not None and gpu.bf16_dense_tflops is not None
    assert profile.active_params_b is not None
    n, kv = profile.gpus_per_replica, kv_gb_per_token(profile) or Decimal(0)
    memory = (r.weights_gb + concurrency * context * kv) / (n * gpu.hbm_tb_per_s * _THOUSAND)
    compute = concurrency * 2 * profile.active_params_b / (n * gpu.bf16_dense_tflops * _THOUSAND)
    return max(memory, compute)


def saturation(profile: SelfHostedProfile, r: Roofline, context: Decimal) -> int:
    """Most sequences of `context` tokens that run at once: batch_size, or fewer when their KV
    cache does not fit beside the weights (0: not even one)."""
    kv = kv_gb_per_token(profile)
    if not kv or context <= 0:
        return profile.batch_size
    return max(0, min(profile.batch_size, math.floor(kv_room_gb(profile, r) / (context * kv))))


def measured_context(profile: SelfHostedProfile) -> Decimal:
    """A measurement's mean context over its decode steps: input + output / 2 (0: none)."""
    m = profile.measured
    return Decimal(0) if m is None else m.input_tokens + Decimal(m.output_tokens) / 2


def _measured_concurrency(profile: SelfHostedProfile, r: Roofline) -> int:
    m, cap = profile.measured, saturation(profile, r, measured_context(profile))
    return cap if m is None or m.concurrency == "max" else min(cap, int(m.concurrency))


def efficiency(profile: SelfHostedProfile, gpu: GpuPrice) -> Decimal:
    """The measured output rate over the decode roofline at the measurement's context and
    concurrency (1 without a measurement, or without the numbers). The measured rate also
    paid for its prefills, so this errs low."""
    r, m = roofline(profile, gpu), profile.measured
    if r is None or m is None or kv_gb_per_token(profile) is None:
        return Decimal(1)
    c = _measured_concurrency(profile, r)
    if c < 1:
        return Decimal(1)
    ceiling = c / step_s(profile, gpu, r, c, measured_context(profile))
    return min(Decimal(1), m.output_tokens_per_s / ceiling)


def at_latency_target(profile: SelfHostedProfile, gpu: GpuPrice, tpot_s: Decimal,
                      context: Decimal) -> DecodePoint | None:
    """The most sequences of `context` mean tokens whose decode step stays within `tpot_s`
    (the roofline's step / efficiency), and the replica's decode rate there. None: the profile
    lacks the numbers, or not one sequence meets the target or fits in HBM."""
    r = roofline(profile, gpu)
    kv = kv_gb_per_token(profile)
    if r is None or kv is None:
        return None
    eff = efficiency(profile, gpu)
    room = saturation(profile, r, context)
    # The largest c with step(c) / eff <= tpot: bisection on whole numbers (step grows with c).
    low, high = 0, room
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if step_s(profile, gpu, r, mid, context) <= tpot_s * eff \
            else (low, mid - 1)
    if low < 1:
        return None
    limit = "latency target" if low < room else (
        "batch_size" if room == profile.batch_size else "HBM")
    step = step_s(profile, gpu, r, low, context) / eff
    rate = low / step
    if profile.measured is None:  # the roofline alone: never above the profile's own rate
        rate = min(rate, Decimal(profile.decode_tokens_per_s))
    return DecodePoint(low, context, step, rate, limit)


def problems(profile: SelfHostedProfile, gpu: GpuPrice) -> list[tuple[str, str]]:
    """(field, why) for each way the profile breaks its roofline, or lacks what checks it."""
    r = roofline(profile, gpu)
    if r is None:
        return [("active_params_b", "cannot be checked against the GPU's roofline: the profile "
                 "needs active_params_b and weight_bytes, its GPU bf16_dense_tflops, "
                 "hbm_tb_per_s and hbm_gb")]
    n, out = profile.gpus_per_replica, []
    if profile.prefill_tokens_per_s > r.prefill_max:
        out.append(("prefill_tokens_per_s", f"{profile.prefill_tokens_per_s} exceeds the roofline "
                    f"{r.prefill_max:.0f} tokens/s ({n} x {gpu.bf16_dense_tflops} TFLOP/s dense "
                    f"BF16 / (2 x {profile.active_params_b}B active parameters))"))
    if profile.decode_tokens_per_s > r.decode_max:
        out.append(("decode_tokens_per_s", f"{profile.decode_tokens_per_s} exceeds the roofline "
                    f"{r.decode_max:.0f} tokens/s (compute {r.decode_compute_max:.0f}; memory "
                    f"{n} x {gpu.hbm_tb_per_s} TB/s x batch {profile.batch_size} / "
                    f"{r.weights_gb} GB of weights = {r.decode_memory_max:.0f})"))
    if r.weights_gb > r.hbm_gb:
        out.append(("weight_bytes", f"{r.weights_gb} GB of weights do not fit in {r.hbm_gb} GB "
                    f"of HBM on {n} GPU(s)"))
    elif kv_gb_per_token(profile) is not None:
        out += _kv_problems(profile, gpu, r)
    return out


def _kv_problems(profile: SelfHostedProfile, gpu: GpuPrice, r: Roofline
                 ) -> list[tuple[str, str]]:
    """With the KV cache: one sequence at max_context fits, and the decode rate and the
    measurement are within the roofline at the measurement's context and concurrency."""
    kv, room, out = kv_gb_per_token(profile), kv_room_gb(profile, r), []
    assert kv is not None
    if profile.max_context * kv > room:
        out.append(("max_context", f"one sequence of {profile.max_context} tokens keeps "
                    f"{profile.max_context * kv:.2f} GB of KV cache; {HBM_USABLE} x {r.hbm_gb} "
                    f"GB of HBM less {r.weights_gb} GB of weights leaves {room:.2f}"))
        return out
    m, context = profile.measured, measured_context(profile)
    if m is None:
        return out
    full, c = saturation(profile, r, context), _measured_concurrency(profile, r)
    if c < 1:
        return [("measured", f"not one sequence of {context} tokens fits in HBM")]
    saturated = full / step_s(profile, gpu, r, full, context)
    if profile.decode_tokens_per_s > saturated:
        out.append(("decode_tokens_per_s", f"{profile.decode_tokens_per_s} exceeds the roofline "
                    f"{saturated:.0f} tokens/s of {full} sequences of {context} tokens (weights "
                    f"and KV cache read every step)"))
    decode = c / step_s(profile, gpu, r, c, context)
    # Each measured request prefills input tokens and decodes output tokens on the same GPUs.
    per_output = Decimal(m.input_tokens) / m.output_tokens / r.prefill_max + 1 / decode
    if m.output_tokens_per_s > 1 / per_output:
        out.append(("measured", f"{m.output_tokens_per_s} output tokens/s exceeds the roofline "
                    f"{1 / per_output:.0f} at {m.input_tokens} in / {m.output_tokens} out and "
                    f"{c} concurrent sequences"))
    return out
