"""Renderers of a `ScanReport`: one module per output format."""
