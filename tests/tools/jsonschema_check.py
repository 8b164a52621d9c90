"""Validates JSON documents against a JSON Schema with the `jsonschema`
package (pinned in scripts/requirements-test.txt), checking formats too.

Usage: jsonschema_check.py SCHEMA INSTANCE...
Prints one JSON line per instance: {"file", "valid", "errors": [...]}.
"""
import json
import sys

import jsonschema


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        schema = json.load(handle)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as handle:
            instance = json.load(handle)
        errors = [
            f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(instance)
        ]
        print(json.dumps({"file": path, "valid": not errors, "errors": errors}))


if __name__ == "__main__":
    main()
