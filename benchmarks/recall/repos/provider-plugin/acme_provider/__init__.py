"""An out-of-tree Llama Stack inference provider for ACME's model gateway."""
