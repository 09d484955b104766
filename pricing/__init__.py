"""Versioned price tables: models, GPUs and self-hosted model profiles.

The bottom layer of plan: it knows nothing of logs, DuckDB or the CLI.
"""

from pricing.table import (
    GpuPrice,
    ModelPrice,
    PriceTable,
    PricingError,
    SelfHostedProfile,
    available_versions,
    load_table,
)

__all__ = [
    "GpuPrice",
    "ModelPrice",
    "PriceTable",
    "PricingError",
    "SelfHostedProfile",
    "available_versions",
    "load_table",
]
