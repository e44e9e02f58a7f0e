"""The simulation layer: the run loop, schedulers, faults, traces and checks."""
