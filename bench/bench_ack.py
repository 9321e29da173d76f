"""Slash command to ack, and slash command to views.open, over loopback.

    .venv/bin/python bench/bench_ack.py [--commands 200] [--in-flight 20] [--database-url URL]

Runs the bot as in production (`python -m bot`, HTTP mode: Bolt behind waitress) in its own
process, pointed at the fake Slack Web API from tests/ (SLACK_API_URL). This process sends
correctly signed `/mentoring join` commands, `--in-flight` at a time, and measures for each the
time from sending the request to receiving the ack (the HTTP response), and from sending the
request to the fake Slack receiving the `views.open` call that carries that command's
trigger_id. Slack allows 3 s for both. After a warm-up of 20 commands (not counted).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fakeslack import FakeSlack  # noqa: E402
from tests.support.harness import SIGNING_SECRET  # noqa: E402
from tests.support.slackreq import SlackRequests  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    port = free_port()
    load_before = os.getloadavg()[0]
    with FakeSlack() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORING_"))}
        env.update(PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                   SLACK_API_URL=fake.base_url, HOST="127.0.0.1", PORT=str(port), LOG_LEVEL="ERROR",
                   DATABASE_URL=args.database_url or f"sqlite:///{tmp}/bench.db")
        bot = subprocess.Popen([sys.executable, "-m", "bot"], cwd=tmp, env=env)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                    break
                except OSError:
                    if bot.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("the bot did not start") from None
                    time.sleep(0.1)
            slack = SlackRequests(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET,
                                  response_url_base=fake.hooks_base_url)
            opened_at: dict[str, float] = {}
            opened: dict[str, threading.Event] = {}

            def on_views_open(call):
                trigger = call.params.get("trigger_id")
                opened_at[trigger] = time.time()
                if trigger in opened:
                    opened[trigger].set()
                return None  # the fake's usual answer

            fake.set_handler("views.open", on_views_open)

            def one(i: int) -> tuple[float, float]:
                trigger = f"{i}.{i}.{'a' * 32}"
                opened[trigger] = threading.Event()
                start = time.time()
                status, _, _ = slack.command(f"U{i:08d}", "join", trigger_id=trigger)
                acked = time.time()
                if status != 200:
                    raise SystemExit(f"command {i} answered HTTP {status}")
                if not opened[trigger].wait(10):
                    raise SystemExit(f"views.open never came for command {i}")
                return acked - start, opened_at[trigger] - start

            with ThreadPoolExecutor(args.in_flight) as pool:
                list(pool.map(one, range(args.warmup)))
                cpu_before = process_cpu_seconds(bot.pid)
                own_before = process_cpu_seconds(os.getpid())
                wall = time.perf_counter()
                results = list(pool.map(one, range(args.warmup, args.warmup + args.commands)))
                wall = time.perf_counter() - wall
                bot_cpu = process_cpu_seconds(bot.pid) - cpu_before
                own_cpu = process_cpu_seconds(os.getpid()) - own_before
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(20)
        if fake.violations:
            raise SystemExit(f"fake Slack saw violations: {fake.violations[:3]}")

    ack = [r[0] * 1000 for r in results]
    opened = [r[1] * 1000 for r in results]
    backend = "PostgreSQL" if args.database_url and "postgres" in args.database_url else "SQLite"
    print(f"{args.commands} commands, {args.in_flight} in flight, {backend}, "
          f"{os.cpu_count()} cores, wall {wall:.2f} s ({args.commands / wall:.0f} commands/s); "
          f"the bot's CPU time: {bot_cpu / args.commands * 1000:.1f} ms per command "
          f"(load average before the run: {load_before:.2f}); this process (client and fake Slack): "
          f"{own_cpu / args.commands * 1000:.1f} ms per command\n")
    print("| measure | p50 (ms) | p99 (ms) | max (ms) | mean (ms) |")
    print("|---|---|---|---|---|")
    for name, values in (("command -> ack", ack), ("command -> views.open", opened)):
        print(f"| {name} | {percentile(values, 50):.1f} | {percentile(values, 99):.1f} | "
              f"{max(values):.1f} | {statistics.fmean(values):.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
