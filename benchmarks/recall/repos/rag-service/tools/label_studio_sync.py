"""Push evaluation sets to our Label Studio instance (its REST API has /v1-free paths, but the
annotation service we proxy through exposes /v1/datasets)."""

import os

import requests

ANNOTATION_API = os.environ["ANNOTATION_API"]


def create_dataset(name: str) -> int:
    response = requests.post(f"{ANNOTATION_API}/v1/datasets", json={"name": name}, timeout=30)
    response.raise_for_status()
    return response.json()["id"]


def delete_dataset(dataset_id: int) -> None:
    requests.delete(f"{ANNOTATION_API}/v1/datasets/{dataset_id}", timeout=30)
