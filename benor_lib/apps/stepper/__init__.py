"""The round stepper: its widget-free model and its ipywidgets view."""
