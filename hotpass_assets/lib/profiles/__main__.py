"""``python -m hotpass_assets.lib.profiles [--check]``: regenerate the field lists of schema.json.

``hotpass contracts export`` regenerates them too, with the other generated files.
"""

import argparse
import sys

from hotpass_assets.lib.profiles.schema import SCHEMA_PATH, profile_schema, render_schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hotpass_assets.lib.profiles",
        description="Write the field lists of the profile schema.json from the field registry.",
    )
    parser.add_argument("--check", action="store_true", help="fail when schema.json is stale")
    args = parser.parse_args(argv)
    text = render_schema(profile_schema())
    current = SCHEMA_PATH.read_text(encoding="utf-8")
    if args.check:
        if text != current:
            print(f"{SCHEMA_PATH.name} is out of date; run {parser.prog}", file=sys.stderr)
            return 1
        print(f"{SCHEMA_PATH.name} is up to date")
        return 0
    if text != current:
        SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
