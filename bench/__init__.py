"""Benchmark harness of the powervm.lpm collection (not part of the collection).

``python -m bench quick|full`` measures, side by side in one run, the evacuation makespan of the
planner and of the common baselines on the twin's simulated clock, the HMC command economy, and the
controller's scale. See bench/README.md.
"""

from bench import env as _env  # noqa: E402  the collection and the twin become importable first

_env.setup()
