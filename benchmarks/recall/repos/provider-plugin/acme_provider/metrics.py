from prometheus_client import CollectorRegistry, Counter

REGISTRY = CollectorRegistry()
REQUESTS = Counter("acme_requests_total", "Requests to the ACME gateway", registry=REGISTRY)


def register_collectors(extra) -> None:
    for collector in extra:
        REGISTRY.register(collector)
