#!/usr/bin/env python3
"""Checks recorded HTTP answers against acepool's own OpenAPI document.

Usage: check_openapi_answers.py OPENAPI_FILE ANSWERS_FILE

ANSWERS_FILE is a JSON list of {"method": "GET", "path": "/engines/{container_id}" (the
document's path), "status": 200, "content_type": "...", "body": <parsed JSON or null>}. Each
answer must be documented: its status (or "default") under the operation's responses, its media
type under that response's content, and a JSON body must match the schema (JSON Schema 2020-12,
"integer" written without a fraction, as check_answers.py). Every operation of the document
must have been answered at least once. Prints one line per answer and exits 1 on any failure.
"""
import json
import os
import sys

import jsonschema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_answers import strict_integers  # noqa: E402


def media_of(content_type):
    return (content_type or "").split(";")[0].strip().lower()


def covers(documented, media):
    """Whether a documented media type or range (`text/*`, `*/*`) covers `media`."""
    if documented in ("*/*", media):
        return True
    return documented.endswith("/*") and media.startswith(documented[:-1])


def documented_response(doc, op, status):
    responses = op["responses"]
    answer = responses.get(str(status), responses.get("default"))
    if answer is None:
        return None
    if "$ref" in answer:
        answer = doc["components"]["responses"][answer["$ref"].split("/")[-1]]
    return answer


def check(doc, validator_class, answer):
    """The problems of one answer (empty when it is as documented)."""
    item = doc["paths"].get(answer["path"])
    op = item and item.get(answer["method"].lower())
    if op is None:
        return [f"no operation {answer['method']} {answer['path']} in the document"]
    documented = documented_response(doc, op, answer["status"])
    if documented is None:
        return [f"status {answer['status']} is not documented"]
    content = documented.get("content")
    if not content:
        return [] if not answer.get("body") else ["a body where the document promises none"]
    media = media_of(answer["content_type"])
    schema = next((c["schema"] for m, c in content.items() if covers(media_of(m), media)), None)
    if schema is None:
        return [f"media type {media!r} is not one of {sorted(content)}"]
    if media != "application/json":
        return []
    one = dict(schema)
    one["components"] = doc["components"]  # so "#/components/..." resolves
    errors = sorted(validator_class(one).iter_errors(answer["body"]), key=lambda e: list(e.path))
    return [f"at {'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
            for e in errors]


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        answers = json.load(f)
    validator_class = strict_integers(jsonschema.Draft202012Validator)
    failed = 0
    seen = set()
    for answer in answers:
        call = f"{answer['method']} {answer['path']} -> {answer['status']}"
        seen.add((answer["method"].lower(), answer["path"]))
        problems = check(doc, validator_class, answer)
        if not problems:
            print(f"ok   {call}")
            continue
        failed += 1
        for p in problems:
            print(f"FAIL {call}: {p}")
    missing = [f"{verb.upper()} {path}" for path, item in doc["paths"].items()
               for verb in item if (verb, path) not in seen]
    for m in missing:
        print(f"FAIL never answered: {m}")
    print(f"{len(answers) - failed} of {len(answers)} answers match the document; "
          f"{len(missing)} operations never answered")
    return 1 if failed or missing else 0


if __name__ == "__main__":
    sys.exit(main())
