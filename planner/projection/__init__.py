"""The local projection (steps 7-8 of planner/pipeline.py): prices, scenarios, on-prem sizing,
forecast and curves, read from the small tables the per-request stages leave (sql/: 60 on)."""
