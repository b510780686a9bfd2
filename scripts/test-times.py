#!/usr/bin/env python3
"""Wall time per test class from TRX logs (dotnet test --logger trx).

Tests of one assembly run one after another here (the suite disables xunit's parallelism), so a class's time is taken as
the span from the end of the test that ran before it to the end of its own last test: a class fixture's training, which xunit
attributes to no test, falls into that span.

    python3 scripts/test-times.py TestResults/*.trx
"""
import sys
import xml.etree.ElementTree as ET
from datetime import datetime

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def parse_time(text):
    # 2026-12-06T10:11:21.1234567+00:00: Python wants at most six digits of fraction.
    head, _, rest = text.partition(".")
    digits = "".join(c for c in rest if c.isdigit())
    zone = rest[len(digits):]
    return datetime.fromisoformat(f"{head}.{digits[:6]}{zone}")


def main(paths):
    for path in paths:
        root = ET.parse(path).getroot()
        names = {d.get("id"): d.find("t:TestMethod", NS).get("className") for d in root.iterfind(".//t:UnitTest", NS)}
        results = []
        for r in root.iterfind(".//t:UnitTestResult", NS):
            results.append((parse_time(r.get("startTime")), parse_time(r.get("endTime")), names[r.get("testId")], r.get("outcome")))
        results.sort()
        times = root.find("t:Times", NS)
        run_start = parse_time(times.get("start")) if times is not None and times.get("start") else results[0][0]
        classes = {}
        previous_end = run_start
        for start, end, name, outcome in results:
            entry = classes.setdefault(name, {"seconds": 0.0, "tests": 0, "outcomes": {}})
            entry["seconds"] += max(0.0, (end - previous_end).total_seconds())
            entry["tests"] += 1
            entry["outcomes"][outcome] = entry["outcomes"].get(outcome, 0) + 1
            previous_end = max(previous_end, end)
        total = (previous_end - run_start).total_seconds()
        print(f"{path}: {len(results)} tests, {total:.0f} s from the run's start to its last test's end")
        for name, entry in sorted(classes.items(), key=lambda item: -item[1]["seconds"]):
            outcomes = ", ".join(f"{count} {outcome.lower()}" for outcome, count in sorted(entry["outcomes"].items()))
            print(f"  {entry['seconds']:7.1f} s  {name.split('.')[-1]:<42} {outcomes}")


if __name__ == "__main__":
    main(sys.argv[1:])
