"""Model files and inference engines: the only package that imports engine libraries.

One small protocol per role (`protocols`), one adapter module per engine, models located
through `models/manifest.toml` and installed from registry packages by `store`.
"""
