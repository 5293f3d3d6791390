#!/usr/bin/env python3
"""validate_schema.py - validates SARIF logs against the SARIF 2.1.0 JSON schema.

The schema is tests/data/sarif/sarif-2.1.0.json (see the README there for
where it comes from); the validator is Debian's python3-jsonschema, with
every format check the installed modules provide (python3-rfc3987 adds
"uri" and "uri-reference", which artifact locations use).  check_sarif.py adds what
the schema cannot say (ruleIndex pointing at the rule with that id, regions
running forwards).

    tests/sarif/validate_schema.py SCHEMA FILE...
    tests/sarif/validate_schema.py --self-test SCHEMA FILE
                          also check that broken variants of FILE fail
Prints each schema violation and a closing "schema: N passed, N failed".
Run it with the interpreter that has python3-jsonschema (/usr/bin/python3
on Debian); without the module it says so and counts one failure.
"""
import copy
import json
import sys


def validator(schema):
    import jsonschema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    checker = getattr(cls, "FORMAT_CHECKER", None) or jsonschema.FormatChecker()
    return cls(schema, format_checker=checker)


def problems(v, doc):
    out = []
    for e in sorted(v.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
        out.append(f"{where}: {e.message}")
    return out


def broken_variants(doc, uri_checked):
    """Each variant breaks a rule the schema states; it must be rejected."""
    def variant(f):
        d = copy.deepcopy(doc)
        f(d)
        return d
    run0 = lambda d: d["runs"][0]
    res0 = lambda d: run0(d)["results"][0]
    region0 = lambda d: res0(d)["locations"][0]["physicalLocation"]["region"]
    yield "no version", variant(lambda d: d.pop("version"))
    yield "wrong version", variant(lambda d: d.update(version="2.0.0"))
    yield "unknown top-level property", variant(lambda d: d.update(extra=1))
    yield "no driver name", variant(lambda d: run0(d)["tool"]["driver"].pop("name"))
    yield "bad columnKind", variant(lambda d: run0(d).update(columnKind="bytes"))
    yield "result without message", variant(lambda d: res0(d).pop("message"))
    yield "bad level", variant(lambda d: res0(d).update(level="info"))
    yield "startLine 0", variant(lambda d: region0(d).update(startLine=0))
    yield "non-string fingerprint", variant(lambda d: res0(d).update(partialFingerprints={"a": 1}))
    yield "unknown result property", variant(lambda d: res0(d).update(severity="warning"))
    if uri_checked:
        yield "bad uri", variant(lambda d: res0(d)["locations"][0]["physicalLocation"]
                                 ["artifactLocation"].update(uri="<stdin> x"))
    yield "duplicate rule", variant(lambda d: run0(d)["tool"]["driver"]["rules"].append(
        copy.deepcopy(run0(d)["tool"]["driver"]["rules"][0])))


def main(argv):
    self_test = "--self-test" in argv
    args = [a for a in argv if a != "--self-test"]
    if len(args) < 2:
        print(__doc__.strip().splitlines()[0])
        print("usage: validate_schema.py [--self-test] SCHEMA FILE...")
        return 2
    passed = failed = 0
    try:
        with open(args[0], encoding="utf-8") as f:
            v = validator(json.load(f))
    except ImportError:
        print(f"{sys.executable}: no jsonschema module (Debian: python3-jsonschema)")
        print("schema: 0 passed, 1 failed")
        return 1
    except (OSError, ValueError) as e:
        print(f"{args[0]}: not a usable JSON schema: {e}")
        print("schema: 0 passed, 1 failed")
        return 1
    for name in args[1:]:
        try:
            with open(name, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{name}: not valid JSON: {e}")
            failed += 1
            continue
        errors = problems(v, doc)
        for e in errors[:20]:
            print(f"{name}: {e}")
        if errors:
            failed += 1
            continue
        passed += 1
        if self_test:
            uri_checked = "uri-reference" in v.format_checker.checkers
            for what, d in broken_variants(doc, uri_checked):
                if problems(v, d):
                    passed += 1
                else:
                    print(f"{name}: self-test: the schema accepted a SARIF log with '{what}'")
                    failed += 1
    print(f"schema: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
