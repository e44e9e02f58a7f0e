"""The model explorer: its widget-free model and its ipywidgets view."""
