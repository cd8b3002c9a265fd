"""The eval guild's FAQ-bot evaluation, for llama-stack-client 0.4.

Register the candidate model, load the questions as a dataset, define a judge, score, run a benchmark, clean up.
The 0.4 SDK moved datasets to `client.beta.datasets` and benchmarks to `client.alpha.benchmarks`, and gave
scoring functions and benchmarks an `unregister`. Run with the server's URL in LLAMA_STACK_URL.
"""

import json
import os

from llama_stack_client import LlamaStackClient
from stepreport import check, step

client = LlamaStackClient(base_url=os.environ.get("LLAMA_STACK_URL", "http://localhost:8321"))

CANDIDATE = "vllm/acme/faq-bot-04"
DATASET_ID = "faq-eval-04"
JUDGE_FN = "faq-judge-04"
BENCHMARK_ID = "faq-benchmark-04"


def row(question: str, answer: str) -> dict:
    return {
        "input_query": question,
        "expected_answer": answer,
        "chat_completion_input": json.dumps([{"role": "user", "content": question}]),
    }


with step("register the candidate model"):
    candidate = client.models.register(model_id=CANDIDATE, provider_id="vllm", provider_model_id="acme/faq-bot-04")
    check(candidate.identifier == CANDIDATE, f"registered as {candidate.identifier!r}")

with step("register the evaluation dataset"):
    dataset = client.beta.datasets.register(
        purpose="eval/question-answer",
        source={"type": "rows", "rows": [row("Where is the VPN client?", "VPN client")]},
        dataset_id=DATASET_ID,
        metadata={"owner": "eval-guild"},
    )
    check(dataset.identifier == DATASET_ID, f"registered as {dataset.identifier!r}")

with step("look the dataset up"):
    check(DATASET_ID in [d.identifier for d in client.beta.datasets.list()], "dataset not listed")
    fetched = client.beta.datasets.retrieve(DATASET_ID)
    check(fetched.purpose == "eval/question-answer", f"{fetched!r}")
    check(fetched.source.type == "rows", f"{fetched!r}")

with step("add more questions"):
    client.beta.datasets.appendrows(DATASET_ID, rows=[row("How do I reset my password?", "reset my password")])

with step("read the questions back"):
    rows = client.beta.datasets.iterrows(DATASET_ID).data
    check(rows and "input_query" in rows[0], f"rows {rows!r}")

with step("define an LLM judge"):
    client.scoring_functions.register(
        scoring_fn_id=JUDGE_FN,
        description="Does the answer cover the expected answer? A perfect answer gets Score: 5",
        return_type={"type": "number"},
        provider_id="llm-as-judge",
        provider_scoring_fn_id="llm-as-judge-base",
        params={
            "type": "llm_as_judge",
            "judge_model": CANDIDATE,
            "prompt_template": (
                "Grade the answer. A perfect answer gets Score: 5. Q: {input_query} A: {generated_answer}"
            ),
            "judge_score_regexes": [r"Score: (\d)"],
        },
    )

with step("check the judge is there"):
    check(JUDGE_FN in [fn.identifier for fn in client.scoring_functions.list()], "judge not listed")
    judge = client.scoring_functions.retrieve(JUDGE_FN)
    check(judge.provider_id == "llm-as-judge", f"{judge!r}")

with step("score some answers"):
    scores = client.scoring.score(
        input_rows=[
            {
                "input_query": "Where is the VPN client?",
                "generated_answer": "On the VPN client page",
                "expected_answer": "VPN client",
            }
        ],
        scoring_functions={"basic::subset_of": None, JUDGE_FN: None},
    )
    check(scores.results["basic::subset_of"].score_rows[0]["score"] == 1.0, f"{scores!r}")
    check(float(scores.results[JUDGE_FN].score_rows[0]["score"]) == 5, f"{scores!r}")

with step("register the benchmark"):
    client.alpha.benchmarks.register(
        benchmark_id=BENCHMARK_ID, dataset_id=DATASET_ID, scoring_functions=["basic::subset_of"]
    )

with step("look the benchmark up"):
    check(BENCHMARK_ID in [b.identifier for b in client.alpha.benchmarks.list()], "benchmark not listed")
    benchmark = client.alpha.benchmarks.retrieve(BENCHMARK_ID)
    check(benchmark.dataset_id == DATASET_ID, f"{benchmark!r}")

with step("run the benchmark on the candidate"):
    result = client.alpha.eval.evaluate_rows(
        BENCHMARK_ID,
        input_rows=rows,
        scoring_functions=["basic::subset_of"],
        benchmark_config={
            "eval_candidate": {"type": "model", "model": CANDIDATE, "sampling_params": {"max_tokens": 64}}
        },
    )
    check(len(result.generations) == len(rows), f"{result!r}")

with step("unregister the benchmark"):
    client.alpha.benchmarks.unregister(BENCHMARK_ID)

with step("unregister the judge"):
    client.scoring_functions.unregister(JUDGE_FN)

with step("unregister the dataset"):
    client.beta.datasets.unregister(DATASET_ID)

with step("unregister the candidate model"):
    client.models.unregister(CANDIDATE)
