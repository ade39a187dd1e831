"""Tasks (games and benchmarks) and their compiled evaluators."""
