"""Engine adapter for Apache Spark (--engine spark): see planner/stages/engine.py and
docs/scale.md."""
