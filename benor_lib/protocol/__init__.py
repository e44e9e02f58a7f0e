"""The protocol layer: thresholds and bounds, one process (sans-IO), coins."""
