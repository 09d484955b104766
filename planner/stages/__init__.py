"""The per-request stages (steps 1-6 of planner/pipeline.py): read, check, deduplicate,
measure, label, route and sum every request.

Portable: their SQL (sql/) runs on DuckDB, embedded, or on Apache Spark (spark/); what they
leave is small summed tables, which planner/projection/ prices."""
