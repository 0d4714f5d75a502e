"""Benchmarks: measured, not claimed. Not part of the pass/fail tests.

Each module `benchmarks/<name>.py` has `main(argv) -> dict` that measures our code and a
baseline in the same run (this machine is shared and noisy, so only ratios mean
something) and returns a dict that `python -m benchmarks` prints as the last line of JSON.
"""
