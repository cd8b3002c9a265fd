"""Surface matchers: how each kind of file is searched for deprecated uses (one module per kind)."""
