"""Support-bot evaluation service.

Registers the models, shields, tools and evaluation resources the support bot needs on a
Llama Stack server (llama-stack-client 0.3.x) and runs its nightly regression benchmark.
"""

__version__ = "0.6.2"
