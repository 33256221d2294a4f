"""Rendering: Markdown, HTML and figures of results it is given. Computes nothing."""
