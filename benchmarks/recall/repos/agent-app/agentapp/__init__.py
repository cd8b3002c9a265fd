"""A support assistant on Llama Stack: agents, shields, tools and an evaluation loop."""
