#!/usr/bin/env python3
"""Checks a Grafana dashboard against what acepool exports.

Usage: check_dashboard.py DASHBOARD_JSON SCRAPE_FILE

SCRAPE_FILE is a /metrics answer. Every panel (rows aside) must have a query; every query must
name at least one metric, and every metric it names (acepool_*, orch_*, process_*) must be a
family of the scrape (a histogram's _bucket, _sum and _count included); every label it selects
on or groups by must be a label of that family's series (`job` is Prometheus's own; `le` a
histogram's). Prints one line per problem and exits 1 when there is any.
"""
import json
import re
import sys

METRIC = re.compile(r"\b((?:acepool|orch|process)_[A-Za-z0-9_]*)\b")
SELECTOR = re.compile(r"\b((?:acepool|orch|process)_[A-Za-z0-9_]*)\s*\{([^}]*)\}")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


def families(scrape):
    """{family: set of label names its series carry}."""
    types, labels = {}, {}
    for line in scrape.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()[:4]
            types[name] = kind
            labels.setdefault(name, set())
        elif line and not line.startswith("#"):
            name = re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", line).group(0)
            found = re.search(r"\{(.*)\}", line)
            names = set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=\"", found.group(1))) if found else set()
            labels.setdefault(family_of(name, types), set()).update(names)
    return types, labels


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) in ("histogram", "summary"):
            return base
    return name


def panels_of(dashboard):
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        dashboard = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        types, labels = families(f.read())
    problems, queries = [], 0
    for panel in panels_of(dashboard):
        if panel.get("type") == "row":
            continue
        title = panel.get("title", "?")
        targets = [t.get("expr", "") for t in panel.get("targets", [])]
        if not any(targets):
            problems.append(f"{title}: no query")
        for expr in targets:
            queries += 1
            names = METRIC.findall(expr)
            if not names:
                problems.append(f"{title}: {expr!r} names no metric")
            used = set()
            for name in names:
                family = family_of(name, types)
                if family not in types:
                    problems.append(f"{title}: {name} is not exported")
                used.add(family)
            for name, matchers in SELECTOR.findall(expr):
                family = family_of(name, types)
                for label in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)", matchers):
                    if label != "job" and label not in labels.get(family, set()):
                        problems.append(f"{title}: {name} has no label {label}")
            for group in GROUPING.findall(expr):
                for label in (g.strip() for g in group.split(",") if g.strip()):
                    if label in ("job", "le"):
                        continue
                    if not any(label in labels.get(f, set()) for f in used):
                        problems.append(f"{title}: grouping by {label}, a label of none of {sorted(used)}")
    for p in problems:
        print("FAIL " + p)
    print(f"{queries} queries checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
