"""The physical ceiling of a self-hosted throughput profile, which `plan pricing validate`
holds it to (DOMAIN "GPU throughput: physics first").

Prefill is compute-bound: about 2 x active parameters FLOPs per input token, so a replica of n
GPUs prefills at most n x dense BF16 peak / (2 x active parameters) tokens/s. Decode writes one
token per running sequence per step; each step reads every weight from HBM once, so a replica
decodes at most n x bandwidth x batch size / weight bytes tokens/s (reading the KV cache only
lowers that), and never faster than the compute ceiling. The weights must fit in HBM.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pricing.table import GpuPrice, SelfHostedProfile

_THOUSAND = Decimal(1000)  # (TFLOP/s or TB/s) / (billion parameters or GB)


@dataclass(frozen=True)
class Roofline:
    prefill_max: Decimal  # tokens/s
    decode_compute_max: Decimal
    decode_memory_max: Decimal
    weights_gb: Decimal
    hbm_gb: Decimal

    @property
    def decode_max(self) -> Decimal:
        return min(self.decode_compute_max, self.decode_memory_max)


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
    return out
