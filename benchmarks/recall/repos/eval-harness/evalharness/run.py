"""Run benchmarks; results go to results/<benchmark>.json."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from llama_stack_client import LlamaStackClient


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("benchmarks", nargs="+")
    args = parser.parse_args()
    client = LlamaStackClient()
    out = Path("results")
    out.mkdir(exist_ok=True)
    for benchmark_id in args.benchmarks:
        job = client.alpha.eval.run_eval(
            benchmark_id=benchmark_id,
            benchmark_config={"eval_candidate": {"type": "model", "model": args.model, "sampling_params": {}}},
        )
        while client.alpha.eval.jobs.status(job_id=job.job_id, benchmark_id=benchmark_id).status != "completed":
            time.sleep(5)
        result = client.alpha.eval.jobs.retrieve(job_id=job.job_id, benchmark_id=benchmark_id)
        (out / f"{benchmark_id}.json").write_text(json.dumps(result.to_dict(), indent=2))


if __name__ == "__main__":
    main()
