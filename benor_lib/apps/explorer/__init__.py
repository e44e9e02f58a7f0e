"""The distribution explorer: its widget-free model and its ipywidgets view."""
