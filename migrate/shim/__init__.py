"""The runtime shim: an HTTP proxy in front of a Llama Stack / OGX server.

All traffic passes through untouched, except the twelve deprecated register/unregister operations,
which are answered through their replacement on the target server generation and recorded as
deprecation events. `docs/shim.md` is the operations guide.
"""
