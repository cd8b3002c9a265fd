"""Customer-support assistant built on a Llama Stack distribution."""

__version__ = "0.4.2"
