"""`report`: readiness per repository and target from scan results, and run-time use from the shim's events.

`build` assembles the `model.Report` from `sources` (scan files), `repository` (fix split, owners,
counts, verdict) and `runtime` (the shim's events); `render_markdown`, `render_json` and
`render_html` turn it into text. `baseline` serves `scan --baseline`.
"""
