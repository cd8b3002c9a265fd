"""llama-stack-migrate: move applications off the deprecated Llama Stack resource APIs."""

__version__ = "0.1.0"
