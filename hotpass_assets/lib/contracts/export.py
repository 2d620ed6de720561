"""JSON Schema files and the reference page, generated from the contracts.

Sources: the Pandera models (columns, types, nullability, vocabularies, ranges, list item
formats, row rules), the stored Great Expectations suites (value formats, as JSON Schema
``pattern``) and the declared checks of each dataset.

Outputs, both deterministic (stable order, sorted JSON keys, trailing newline):

* ``schemas/<dataset>[.<table>].schema.json``: JSON Schema (draft 2020-12) of one record of
  each table; the table part is left out for datasets with a single table;
* ``docs/reference/schemas.md``: per dataset its checks and a table per contract table (column,
  type, nullable, description, checks);
* the field lists of the capture-profile JSON Schema ``hotpass_assets/lib/profiles/schema.json``
  (its structure is written by hand; the canonical-field enums and keys come from the field
  registry, see :mod:`hotpass_assets.lib.profiles.schema`).

``python -m hotpass_assets.lib.contracts.export [--check]`` (also ``hotpass contracts export``)
writes them, or with ``--check`` exits 1 and summarises the differences when the committed files
are out of date. Adding a column to a table is one row of the field registry
(:mod:`hotpass_assets.lib.fields`) and then this command.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandera.pandas as pa

from hotpass_assets.lib.contracts.table_contracts import all_tables
from hotpass_assets.lib.profiles.schema import SCHEMA_PATH, render_schema, with_fields

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SCHEMAS_DIR = REPO_ROOT / "schemas"
DEFAULT_REFERENCE = REPO_ROOT / "docs" / "reference" / "schemas.md"
DEFAULT_PROFILE_SCHEMA = SCHEMA_PATH
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_SUFFIX = ".schema.json"

_DTYPE_TYPES = {
    "int64": "integer",
    "Int64": "integer",
    "int32": "integer",
    "float64": "number",
    "bool": "boolean",
    "boolean": "boolean",
    "str": "string",
    "string": "string",
    "object": "string",
}


# --- reading the models ---------------------------------------------------------------------

#: A Pandera model class or the schema built from one.
ModelLike = type[pa.DataFrameModel] | pa.DataFrameSchema


def _type_of(col: pa.Column) -> str:
    meta = col.metadata or {}
    if meta.get("type"):
        return str(meta["type"])
    return _DTYPE_TYPES.get(str(col.dtype), str(col.dtype))


def _describe_check(check: pa.Check) -> tuple[str, dict[str, Any]]:
    """Human-readable rule and JSON Schema keywords of one Pandera column check."""
    name = str(check.name)
    stats = dict(check.statistics or {})
    if name == "isin":
        values = list(stats.get("allowed_values") or [])
        return f"one of {len(values)} values: {', '.join(map(str, values))}", {"enum": values}
    if name == "in_range":
        lo, hi = stats.get("min_value"), stats.get("max_value")
        return f"{lo} ≤ value ≤ {hi}", {"minimum": lo, "maximum": hi}
    if name == "greater_than_or_equal_to":
        return f"≥ {stats.get('min_value')}", {"minimum": stats.get("min_value")}
    if name == "less_than_or_equal_to":
        return f"≤ {stats.get('max_value')}", {"maximum": stats.get("max_value")}
    if name == "str_matches":
        pattern = str(stats.get("pattern"))
        return f"matches `{pattern}`", {"pattern": pattern}
    if name == "list_of_strings":
        item_pattern = stats.get("item_pattern")
        if item_pattern:
            return f"list of strings matching `{item_pattern}`", {"items_pattern": item_pattern}
        return "list of non-empty strings", {}
    if name == "list_not_empty":
        return "at least one item", {"minItems": 1}
    if name == "list_items_in":
        values = list(stats.get("allowed") or [])
        return f"items one of: {', '.join(values)}", {"items_enum": values}
    if name == "iso_date":
        return "ISO date (YYYY-MM-DD)", {}
    if name == "json_object":
        return "JSON object", {}
    return name, {}


def _schema_of(model: ModelLike) -> pa.DataFrameSchema:
    if isinstance(model, pa.DataFrameSchema):
        return model
    schema: pa.DataFrameSchema = model.to_schema()
    return schema


def model_columns(model: ModelLike) -> list[dict[str, Any]]:
    """Per column of a Pandera model: name, type, nullable, required, unique, description,
    rules (text) and JSON Schema keywords."""
    schema = _schema_of(model)
    out = []
    for name, col in schema.columns.items():
        rules: list[str] = []
        keywords: dict[str, Any] = {}
        if col.unique:
            rules.append("unique")
        if not col.nullable:
            rules.append("not null")
        meta = col.metadata or {}
        if meta.get("key"):
            rules.append("key: filled on every data row")
        for check in col.checks:
            text, kw = _describe_check(check)
            rules.append(text)
            keywords.update(kw)
        out.append(
            {
                "name": str(name),
                "type": _type_of(col),
                "nullable": bool(col.nullable),
                "required": bool(col.required),
                "unique": bool(col.unique),
                "description": col.description or "",
                "rules": rules,
                "keywords": keywords,
            }
        )
    return out


def _model_description(model: ModelLike) -> str:
    """The model's docstring (first paragraph), else its ``Config.description``."""
    doc = (model.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(doc.split()) or (_schema_of(model).description or "")


def row_rules(model: ModelLike) -> dict[str, str]:
    """Dataframe-level checks of a model: name -> description (the check's docstring)."""
    return {c.name: (c.description or "").strip() for c in _schema_of(model).checks}


def _gx_by_column(
    dataset: str, table: str
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """GX expectations of the suite that validates ``dataset.table``: by column, and the rest."""
    from hotpass_assets.lib.contracts import gx

    if not gx.has_suite(dataset):
        return {}, []
    config = gx.load_suite_config(dataset)
    if config.get("meta", {}).get("table") != table:
        return {}, []
    by_col: dict[str, list[dict[str, Any]]] = {}
    table_level: list[dict[str, Any]] = []
    for e in config["expectations"]:
        column = (e.get("kwargs") or {}).get("column")
        (by_col.setdefault(column, []) if column else table_level).append(e)
    return by_col, table_level


def _gx_text(e: dict[str, Any]) -> str:
    kind = e["type"].removeprefix("expect_column_").removeprefix("expect_")
    kw = e.get("kwargs") or {}
    if "regex" in kw:
        return f"GX {kind} `{kw['regex']}`"
    if "value_set" in kw:
        return f"GX {kind} ({len(kw['value_set'])} values)"
    if "min_value" in kw or "max_value" in kw:
        return f"GX {kind} [{kw.get('min_value')}, {kw.get('max_value')}]"
    return f"GX {kind}"


# --- JSON Schema ----------------------------------------------------------------------------


def _nullable(types: str | list[str], nullable: bool) -> str | list[str]:
    if not nullable:
        return types
    return [types, "null"] if isinstance(types, str) else [*types, "null"]


def _property(col: dict[str, Any], gx_expectations: list[dict[str, Any]]) -> dict[str, Any]:
    kw = dict(col["keywords"])
    ctype = col["type"]
    nullable = col["nullable"]
    prop: dict[str, Any] = {"description": col["description"]}
    if ctype == "list<string>":
        items: dict[str, Any] = {"type": "string", "minLength": 1}
        if "items_pattern" in kw:
            items["pattern"] = kw.pop("items_pattern")
        if "items_enum" in kw:
            items["enum"] = kw.pop("items_enum")
        prop.update({"type": _nullable("array", nullable), "items": items})
        if "minItems" in kw:
            prop["minItems"] = kw.pop("minItems")
    elif ctype == "date":
        prop.update({"type": _nullable("string", nullable), "format": "date"})
    elif ctype == "json":
        prop.update({"type": _nullable("string", nullable), "contentMediaType": "application/json"})
    elif ctype in ("integer", "number", "boolean", "string"):
        prop["type"] = _nullable(ctype, nullable)
    else:
        prop["type"] = _nullable("string", nullable)
    if "enum" in kw:
        values = list(kw.pop("enum"))
        prop["enum"] = [*values, None] if nullable else values
    for key in ("minimum", "maximum", "pattern"):
        if key in kw and kw[key] is not None:
            prop[key] = kw.pop(key)
    for e in gx_expectations:
        regex = (e.get("kwargs") or {}).get("regex")
        if regex and ctype == "string" and "pattern" not in prop:
            prop["pattern"] = regex
    if col["unique"]:
        prop["x-unique"] = True
    return prop


def json_schema(dataset: str, table: str) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one record of ``dataset.table``."""
    from hotpass_assets.lib.contracts import datasets as ds

    contract = ds.table_contract(dataset, table)
    model = contract.model
    schema = _schema_of(model)
    cols = model_columns(model)
    gx_cols, gx_table = _gx_by_column(dataset, table)
    title = f"{dataset}.{table}"
    description = _model_description(model)
    out = {
        "$schema": SCHEMA_DIALECT,
        "$id": f"urn:hotpass:contracts:{title}",
        "title": title,
        "description": description,
        "type": "object",
        "properties": {c["name"]: _property(c, gx_cols.get(c["name"], [])) for c in cols},
        "required": [c["name"] for c in cols if c["required"]],
        "additionalProperties": bool(not schema.strict),
        "x-hotpass": {
            "dataset": dataset,
            "table": table,
            "id_column": contract.id_column,
            "columns": [c["name"] for c in cols],
            "row_rules": row_rules(model),
            "checks": [s.name for s in ds.check_specs(dataset)],
            "gx_table_expectations": [e["type"] for e in gx_table],
        },
    }
    return out


def schema_file_name(dataset: str, table: str) -> str:

    single = len(all_tables()[dataset]) == 1
    return f"{dataset}{'' if single else '.' + table}{SCHEMA_SUFFIX}"


# --- reference page -------------------------------------------------------------------------


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def reference_markdown(schema_link_prefix: str = "../../schemas/") -> str:
    """The reference page: datasets, their checks and their tables."""
    from hotpass_assets.lib.contracts import datasets as ds

    lines = [
        "# Data contract reference",
        "",
        "Every Hotpass dataset, its contract checks (Dagster asset checks) and the columns of its "
        "tables. This page and the JSON Schema files in `schemas/` are generated from the "
        "contracts in `hotpass_assets/lib/contracts/` by `hotpass contracts export`; "
        "`hotpass contracts export --check` fails when they are out of date.",
        "",
        "Severity `ERROR` blocks the partition (it is not published and its downstream is "
        "skipped); `WARN` reports drift and lets it through. Check metadata carries counts, rule "
        "and column names and record ids, never names, e-mail addresses or phone numbers.",
        "",
        "## Checks",
        "",
        "| dataset | check | severity | what it guards |",
        "| --- | --- | --- | --- |",
    ]
    for dataset in ds.DATASETS:
        for spec in ds.check_specs(dataset):
            lines.append(
                f"| `{dataset}` | `{spec.name}` | {spec.severity} | {_cell(spec.description)} |"
            )
    lines.append("")
    for dataset in ds.DATASETS:
        lines += [f"## `{dataset}`", ""]
        from hotpass_assets.lib.contracts import gx

        if gx.has_suite(dataset):
            table, id_col = gx.suite_target(dataset)
            n = len(gx.load_suite_config(dataset)["expectations"])
            lines += [
                f"Great Expectations suite `suites/{dataset}.json` ({n} expectations) validates "
                f"table `{table}`; failing rows are named by `{id_col}`.",
                "",
            ]
        else:
            lines += ["No Great Expectations suite (the dataset has no data frame).", ""]
        for table, contract in all_tables()[dataset].items():
            model = contract.model
            schema = _schema_of(model)
            file = schema_file_name(dataset, table)
            lines += [
                f"### `{dataset}.{table}`",
                "",
                _model_description(model),
                "",
                f"JSON Schema: [`schemas/{file}`]({schema_link_prefix}{file}). "
                + ("Extra columns are allowed." if not schema.strict else "No other columns.")
                + (f" Row id: `{contract.id_column}`." if contract.id_column else ""),
                "",
                "| column | type | nullable | description | checks |",
                "| --- | --- | --- | --- | --- |",
            ]
            gx_cols, gx_table = _gx_by_column(dataset, table)
            for c in model_columns(model):
                rules = list(c["rules"])
                rules += [_gx_text(e) for e in gx_cols.get(c["name"], [])]
                if not c["required"]:
                    rules.insert(0, "optional column")
                lines.append(
                    f"| `{_cell(c['name'])}` | {c['type']} | {'yes' if c['nullable'] else 'no'} "
                    f"| {_cell(c['description'])} | {_cell('; '.join(rules))} |"
                )
            extra = [f"`{name}`: {doc}" for name, doc in row_rules(model).items()]
            extra += [_gx_text(e) for e in gx_table]
            if extra:
                lines += ["", "Table rules:", ""]
                lines += [f"- {_cell(t)}" for t in extra]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- writing --------------------------------------------------------------------------------


def profile_schema_text(path: Path) -> str:
    """The profile JSON Schema at ``path`` with its field lists taken from the field registry."""
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: profile JSON Schema not found (its structure is written by hand; only its "
            "field lists are generated)"
        )
    base: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return render_schema(with_fields(base))


def render(
    schemas_dir: Path, reference_md: Path, profile_schema: Path = DEFAULT_PROFILE_SCHEMA
) -> dict[Path, str]:
    """Every generated file and its content."""
    from hotpass_assets.lib.contracts import datasets as ds

    files: dict[Path, str] = {}
    for dataset in ds.DATASETS:
        for table in all_tables()[dataset]:
            content = json.dumps(
                json_schema(dataset, table), indent=2, sort_keys=True, ensure_ascii=False
            )
            files[schemas_dir / schema_file_name(dataset, table)] = content + "\n"
    prefix = os.path.relpath(schemas_dir, reference_md.parent).replace(os.sep, "/") + "/"
    files[reference_md] = reference_markdown(prefix)
    files[Path(profile_schema)] = profile_schema_text(Path(profile_schema))
    return files


def _stale(schemas_dir: Path, wanted: set[Path]) -> list[Path]:
    if not schemas_dir.exists():
        return []
    return sorted(p for p in schemas_dir.glob(f"*{SCHEMA_SUFFIX}") if p not in wanted)


def export_all(
    schemas_dir: Path, reference_md: Path, profile_schema: Path = DEFAULT_PROFILE_SCHEMA
) -> list[Path]:
    """Write the JSON Schema files, the reference page and the field lists of the profile
    schema; returns the paths written.

    Schema files in ``schemas_dir`` that no contract produces any more are removed.
    """
    schemas_dir, reference_md = Path(schemas_dir), Path(reference_md)
    files = render(schemas_dir, reference_md, profile_schema)
    for path in _stale(schemas_dir, set(files)):
        path.unlink()
    written = []
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def differences(
    schemas_dir: Path, reference_md: Path, profile_schema: Path = DEFAULT_PROFILE_SCHEMA
) -> list[tuple[Path, str, list[str]]]:
    """Committed files that differ from the contracts: (path, state, diff lines)."""
    schemas_dir, reference_md = Path(schemas_dir), Path(reference_md)
    files = render(schemas_dir, reference_md, profile_schema)
    out: list[tuple[Path, str, list[str]]] = []
    for path, content in files.items():
        if not path.exists():
            out.append((path, "missing", []))
            continue
        current = path.read_text(encoding="utf-8")
        if current != content:
            diff = list(
                difflib.unified_diff(
                    current.splitlines(),
                    content.splitlines(),
                    fromfile=f"{path.name} (committed)",
                    tofile=f"{path.name} (contracts)",
                    lineterm="",
                    n=1,
                )
            )
            out.append((path, "changed", diff))
    for path in _stale(schemas_dir, set(files)):
        out.append((path, "stale", []))
    return out


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="hotpass contracts export",
        description="Write schemas/*.schema.json and docs/reference/schemas.md from the "
        "contracts, and the field lists of the profile schema.json from the field registry.",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the committed files differ"
    )
    parser.add_argument("--schemas-dir", type=Path, default=DEFAULT_SCHEMAS_DIR)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--profile-schema", type=Path, default=DEFAULT_PROFILE_SCHEMA)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.check:
        diffs = differences(args.schemas_dir, args.reference, args.profile_schema)
        if not diffs:
            print("contracts export --check: generated files are up to date")
            return 0
        print(f"contracts export --check: {len(diffs)} file(s) differ from the contracts:")
        for path, state, diff in diffs:
            changed = sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
            detail = f" ({changed} line(s))" if state == "changed" else ""
            print(f"  {state}: {_display(path)}{detail}")
            for line in diff[:30]:
                print(f"      {line}")
            if len(diff) > 30:
                print(f"      ... {len(diff) - 30} more diff line(s)")
        print("run `hotpass contracts export` and commit the result")
        return 1
    written = export_all(args.schemas_dir, args.reference, args.profile_schema)
    print(f"contracts export: wrote {len(written)} file(s)")
    for path in written:
        print(f"  {_display(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
