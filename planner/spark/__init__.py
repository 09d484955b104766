"""Engine adapter for Apache Spark (--engine spark): see planner/engine.py and docs/scale.md."""
