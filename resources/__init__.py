"""Backprop Studio's shipped files, as package data: the built-in tables (data/), the lesson (lesson/), the icon.

No code lives here: the package exists so that `importlib.resources` finds these files in a source
checkout, an installed wheel (pip, pipx) and a PyInstaller bundle alike. Read them through
`engine.resources`, the one place that knows where they are.
"""
