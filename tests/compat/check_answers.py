#!/usr/bin/env python3
"""Checks recorded HTTP answers against JSON Schema definitions.

Usage: check_answers.py SCHEMA_FILE ANSWERS_FILE

SCHEMA_FILE holds named definitions under "$defs" (JSON Schema 2020-12). ANSWERS_FILE is a JSON
list of {"call": "GET /engines", "model": "<name in $defs>", "body": <the answer>}. Prints one
line per answer (ok, or each violation with its JSON path) and exits 1 when any answer fails.

"integer" is stricter than JSON Schema's: a number written with a fraction (`30.0`) is not one,
because strictly typed clients (a Go `int`, a pydantic `int` in strict mode) refuse it.
"""
import json
import sys

import jsonschema


def strict_integers(base):
    """`base` with "integer" meaning a JSON number written without a fraction."""
    checker = base.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    return jsonschema.validators.extend(base, type_checker=checker)


def main() -> int:
    schema_path, answers_path = sys.argv[1], sys.argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    with open(answers_path, encoding="utf-8") as f:
        answers = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator_class = strict_integers(jsonschema.Draft202012Validator)
    failed = 0
    for answer in answers:
        model = answer["model"]
        if model not in schema["$defs"]:
            print(f"FAIL {answer['call']}: no model named {model}")
            failed += 1
            continue
        one = {"$defs": schema["$defs"], "$ref": f"#/$defs/{model}"}
        errors = sorted(validator_class(one).iter_errors(answer["body"]), key=lambda e: e.path)
        if not errors:
            print(f"ok   {answer['call']} is a {model}")
            continue
        failed += 1
        for e in errors:
            where = "/".join(str(p) for p in e.absolute_path) or "(top)"
            print(f"FAIL {answer['call']} as {model}: at {where}: {e.message}")
    print(f"{len(answers) - failed} of {len(answers)} answers match their models")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
