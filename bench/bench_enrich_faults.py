"""A provider that trickles, hangs and lies: how long does one batch wait for it?

    python bench/bench_enrich_faults.py --leads 42 --timeout 1 --batch-deadline 5

One batch of ``--leads`` leads, each with its own domain, through a Clearbit-compatible
provider served by a local server where a third of the domains trickle one byte every
0.5 s, a third hang for 60 s and a third answer with wrongly typed fields. Reports the
batch's wall time against its deadline, and the status count. Run it with
``--breaker-failures 1000`` to see the batch deadline alone, without the breaker.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leadflow.enrich.breaker import CircuitBreaker  # noqa: E402
from leadflow.enrich.chain import LeadIn, RunState, run_chain  # noqa: E402
from leadflow.enrich.http import make_session  # noqa: E402
from leadflow.enrich.policy import Breaker, EnrichmentPolicy, Provider as ProviderConfig  # noqa: E402
from leadflow.enrich.providers import HttpProvider  # noqa: E402
from tests.support.fake_enrichment_server import FakeProviders  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=42)
    parser.add_argument("--timeout", type=float, default=1.0, help="per call timeout_s")
    parser.add_argument("--batch-deadline", type=float, default=5.0, help="batch_deadline_s")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--breaker-failures", type=int, default=5)
    args = parser.parse_args()

    server = FakeProviders(key="k", hang_s=60, trickle_s=0.5).start()
    domains = [f"d{i}.example" for i in range(args.leads)]
    server.script.update({d: [("trickle", "hang", "lie")[i % 3]] for i, d in enumerate(domains)})
    config = ProviderConfig(
        name="clearbit",
        type="clearbit",
        base_url=server.url,
        timeout_s=args.timeout,
        max_attempts=2,
        concurrency=args.concurrency,
        batch_deadline_s=args.batch_deadline,
        breaker=Breaker(failures=args.breaker_failures, open_s=3600),
    )
    policy = EnrichmentPolicy(version=1, providers=[config])
    state = RunState(10_000)
    provider = HttpProvider(
        config,
        "k",
        make_session(16),
        policy.http,
        state.budget,
        breaker=CircuitBreaker(config.breaker),
    )
    leads = [LeadIn(i, d, {}) for i, d in enumerate(domains)]
    started = time.perf_counter()
    outs = run_chain(leads, [provider], policy, state)
    seconds = time.perf_counter() - started
    print(
        f"{args.leads} leads, timeout_s {args.timeout}, batch_deadline_s {args.batch_deadline}, "
        f"concurrency {args.concurrency}: {seconds:.2f} s "
        f"({100 * seconds / args.batch_deadline:.0f}% of the batch deadline)"
    )
    print("statuses:", dict(Counter(out.status for out in outs)))
    print("requests the server saw:", sum(server.hits.values()))


if __name__ == "__main__":
    main()
