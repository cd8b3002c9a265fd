"""The libcst rewrites of the strategies that change Python calls, one module per strategy.

Each module's `rewrite(site)` builds the rewrite of one call from its libcst node; the strategy object
of the same name (`migrate.strategies`) loads it, so only `fix` ever imports libcst.
"""
