#!/usr/bin/env python3
"""check_sarif.py - validates tscrub's SARIF output against SARIF 2.1.0.

validate_schema.py checks the logs against the SARIF 2.1.0 JSON schema
(tests/data/sarif/); this checker repeats, for every object tscrub emits,
what the SARIF 2.1.0 standard (OASIS, sections 3.13-3.30) requires, so it
works without python3-jsonschema too: required properties, the property
names each object may have (the schema sets additionalProperties to false),
types, enums and minimums; plus the cross-checks the standard states in
prose and GitHub code scanning relies on: ruleIndex points at the rule with
that ruleId, rule ids are unique, regions run forwards, uris are valid URI
references, partialFingerprints values are strings.

    tests/sarif/check_sarif.py FILE...     check SARIF files ("-" = stdin)
    tests/sarif/check_sarif.py --self-test FILE
                                           also check that broken variants
                                           of FILE are rejected
Prints the problems and a closing "sarif: N passed, N failed".
"""
import copy
import json
import re
import sys

LEVELS = {"none", "note", "warning", "error"}

# object kind -> (required, allowed properties)
OBJECTS = {
    "sarifLog": ({"version", "runs"}, {"$schema", "version", "runs", "inlineExternalProperties", "properties"}),
    "run": ({"tool"}, {
        "tool", "invocations", "conversion", "language", "versionControlProvenance",
        "originalUriBaseIds", "artifacts", "logicalLocations", "graphs", "results",
        "automationDetails", "runAggregates", "baselineGuid", "redactionTokens",
        "defaultEncoding", "defaultSourceLanguage", "newlineSequences", "columnKind",
        "externalPropertyFileReferences", "threadFlowLocations", "taxonomies", "addresses",
        "translations", "policies", "webRequests", "webResponses", "specialLocations",
        "properties"}),
    "tool": ({"driver"}, {"driver", "extensions", "properties"}),
    "toolComponent": ({"name"}, {
        "guid", "name", "organization", "product", "productSuite", "shortDescription",
        "fullDescription", "fullName", "version", "semanticVersion", "dottedQuadFileVersion",
        "releaseDateUtc", "downloadUri", "informationUri", "globalMessageStrings",
        "notifications", "rules", "taxa", "locations", "language", "contents",
        "isComprehensive", "localizedDataSemanticVersion",
        "minimumRequiredLocalizedDataSemanticVersion", "associatedComponent",
        "translationMetadata", "supportedTaxonomies", "properties"}),
    "reportingDescriptor": ({"id"}, {
        "id", "deprecatedIds", "guid", "deprecatedGuids", "name", "deprecatedNames",
        "shortDescription", "fullDescription", "messageStrings", "defaultConfiguration",
        "helpUri", "help", "relationships", "properties"}),
    "multiformatMessageString": ({"text"}, {"text", "markdown", "properties"}),
    "reportingConfiguration": (set(), {"enabled", "level", "rank", "parameters", "properties"}),
    "result": ({"message"}, {
        "ruleId", "ruleIndex", "rule", "kind", "level", "message", "analysisTarget",
        "locations", "guid", "correlationGuid", "occurrenceCount", "partialFingerprints",
        "fingerprints", "stacks", "codeFlows", "graphs", "graphTraversals",
        "relatedLocations", "suppressions", "baselineState", "rank", "attachments",
        "hostedViewerUri", "workItemUris", "provenance", "fixes", "taxa", "webRequest",
        "webResponse", "properties"}),
    "message": (set(), {"text", "markdown", "id", "arguments", "properties"}),
    "location": (set(), {"id", "physicalLocation", "logicalLocations", "message",
                         "annotations", "relationships", "properties"}),
    "physicalLocation": (set(), {"address", "artifactLocation", "region", "contextRegion",
                                 "properties"}),
    "artifactLocation": (set(), {"uri", "uriBaseId", "index", "description", "properties"}),
    "region": (set(), {"startLine", "startColumn", "endLine", "endColumn", "charOffset",
                       "charLength", "byteOffset", "byteLength", "snippet", "message",
                       "sourceLanguage", "properties"}),
}

# RFC 3986 URI-reference characters (percent-escapes checked separately)
URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")


class Checker:
    def __init__(self):
        self.errors = []

    def err(self, path, msg):
        self.errors.append(f"{path}: {msg}")

    def obj(self, kind, v, path):
        if not isinstance(v, dict):
            self.err(path, f"{kind} must be an object")
            return False
        required, allowed = OBJECTS[kind]
        for k in sorted(required - v.keys()):
            self.err(path, f"{kind} lacks required property '{k}'")
        for k in sorted(v.keys() - allowed):
            self.err(path, f"{kind} may not have property '{k}'")
        if "properties" in v:
            self.property_bag(v["properties"], path + ".properties")
        return True

    def property_bag(self, v, path):
        if not isinstance(v, dict):
            self.err(path, "a property bag must be an object")
        elif "tags" in v:
            t = v["tags"]
            if not isinstance(t, list) or not all(isinstance(x, str) for x in t) or len(set(t)) != len(t):
                self.err(path, "tags must be an array of unique strings")

    def string(self, v, path, nonempty=False):
        if not isinstance(v, str):
            self.err(path, "must be a string")
        elif nonempty and not v:
            self.err(path, "must not be empty")

    def integer(self, v, path, minimum):
        if not isinstance(v, int) or isinstance(v, bool):
            self.err(path, "must be an integer")
        elif v < minimum:
            self.err(path, f"must be >= {minimum}")

    def mfms(self, v, path):
        if self.obj("multiformatMessageString", v, path) and "text" in v:
            self.string(v["text"], path + ".text")

    def uri(self, v, path):
        self.string(v, path)
        if isinstance(v, str) and (not URI_CHARS.match(v) or re.search(r"%(?![0-9A-Fa-f]{2})", v)):
            self.err(path, f"'{v}' is not a valid URI reference")

    def log(self, v):
        if not self.obj("sarifLog", v, "$"):
            return
        if v.get("version") != "2.1.0":
            self.err("$.version", "must be \"2.1.0\"")
        if "$schema" in v:
            self.uri(v["$schema"], "$.$schema")
        runs = v.get("runs")
        if not isinstance(runs, list):
            self.err("$.runs", "must be an array")
            return
        for i, r in enumerate(runs):
            self.run(r, f"$.runs[{i}]")

    def run(self, r, path):
        if not self.obj("run", r, path):
            return
        if "columnKind" in r and r["columnKind"] not in ("utf16CodeUnits", "unicodeCodePoints"):
            self.err(path + ".columnKind", "must be utf16CodeUnits or unicodeCodePoints")
        rules = []
        tool = r.get("tool")
        if self.obj("tool", tool, path + ".tool") and "driver" in tool:
            d = tool["driver"]
            dp = path + ".tool.driver"
            if self.obj("toolComponent", d, dp):
                self.string(d.get("name"), dp + ".name", nonempty=True)
                if "version" in d:
                    self.string(d["version"], dp + ".version")
                rules = d.get("rules", [])
                if not isinstance(rules, list):
                    self.err(dp + ".rules", "must be an array")
                    rules = []
                seen = set()
                for i, rd in enumerate(rules):
                    self.rule(rd, f"{dp}.rules[{i}]")
                    if isinstance(rd, dict) and "id" in rd:
                        if rd["id"] in seen:
                            self.err(f"{dp}.rules[{i}].id", f"duplicate rule id '{rd['id']}'")
                        seen.add(rd["id"])
        results = r.get("results", [])
        if not isinstance(results, list):
            self.err(path + ".results", "must be an array")
            return
        for i, res in enumerate(results):
            self.result(res, f"{path}.results[{i}]", rules)

    def rule(self, rd, path):
        if not self.obj("reportingDescriptor", rd, path):
            return
        self.string(rd.get("id"), path + ".id", nonempty=True)
        for k in ("shortDescription", "fullDescription"):
            if k in rd:
                self.mfms(rd[k], f"{path}.{k}")
        if "defaultConfiguration" in rd:
            c = rd["defaultConfiguration"]
            if self.obj("reportingConfiguration", c, path + ".defaultConfiguration") and "level" in c:
                if c["level"] not in LEVELS:
                    self.err(path + ".defaultConfiguration.level", "not a SARIF level")

    def result(self, res, path, rules):
        if not self.obj("result", res, path):
            return
        m = res.get("message")
        if self.obj("message", m, path + ".message"):
            if "text" not in m and "id" not in m:
                self.err(path + ".message", "message needs text or id")
            if "text" in m:
                self.string(m["text"], path + ".message.text")
        if "level" in res and res["level"] not in LEVELS:
            self.err(path + ".level", "not a SARIF level")
        if "ruleIndex" in res:
            self.integer(res["ruleIndex"], path + ".ruleIndex", -1)
            ri = res["ruleIndex"]
            if isinstance(ri, int) and ri >= 0:
                if ri >= len(rules):
                    self.err(path + ".ruleIndex", "points past tool.driver.rules")
                elif "ruleId" in res and rules[ri].get("id") != res["ruleId"]:
                    self.err(path + ".ruleIndex", "points at a rule with another id than ruleId")
        if "ruleId" in res:
            self.string(res["ruleId"], path + ".ruleId", nonempty=True)
        pf = res.get("partialFingerprints", {})
        if not isinstance(pf, dict) or not all(isinstance(x, str) for x in pf.values()):
            self.err(path + ".partialFingerprints", "must be an object of strings")
        locs = res.get("locations", [])
        if not isinstance(locs, list):
            self.err(path + ".locations", "must be an array")
            return
        for i, loc in enumerate(locs):
            self.location(loc, f"{path}.locations[{i}]")

    def location(self, loc, path):
        if not self.obj("location", loc, path) or "physicalLocation" not in loc:
            return
        pl = loc["physicalLocation"]
        pp = path + ".physicalLocation"
        if not self.obj("physicalLocation", pl, pp):
            return
        if "address" not in pl and "artifactLocation" not in pl:
            self.err(pp, "physicalLocation needs address or artifactLocation")
        if "artifactLocation" in pl:
            al = pl["artifactLocation"]
            if self.obj("artifactLocation", al, pp + ".artifactLocation") and "uri" in al:
                self.uri(al["uri"], pp + ".artifactLocation.uri")
        if "region" in pl:
            self.region(pl["region"], pp + ".region")

    def region(self, rg, path):
        if not self.obj("region", rg, path):
            return
        for k in ("startLine", "startColumn", "endLine", "endColumn"):
            if k in rg:
                self.integer(rg[k], f"{path}.{k}", 1)
        if "startLine" not in rg and "charOffset" not in rg and "byteOffset" not in rg:
            self.err(path, "a text region needs startLine (or an offset)")
        sl, el = rg.get("startLine"), rg.get("endLine", rg.get("startLine"))
        if isinstance(sl, int) and isinstance(el, int):
            if el < sl:
                self.err(path, "endLine is before startLine")
            elif el == sl and rg.get("endColumn", 10**9) < rg.get("startColumn", 1):
                self.err(path, "endColumn is before startColumn")


def check(doc):
    c = Checker()
    c.log(doc)
    return c.errors


def broken_variants(doc):
    """Each variant breaks one requirement; the checker must reject all."""
    def variant(f):
        d = copy.deepcopy(doc)
        f(d)
        return d
    run0 = lambda d: d["runs"][0]
    res0 = lambda d: run0(d)["results"][0]
    yield "no version", variant(lambda d: d.pop("version"))
    yield "wrong version", variant(lambda d: d.update(version="2.0.0"))
    yield "unknown top-level property", variant(lambda d: d.update(extra=1))
    yield "no driver name", variant(lambda d: run0(d)["tool"]["driver"].pop("name"))
    yield "bad columnKind", variant(lambda d: run0(d).update(columnKind="bytes"))
    yield "result without message", variant(lambda d: res0(d).pop("message"))
    yield "bad level", variant(lambda d: res0(d).update(level="info"))
    yield "ruleIndex mismatch", variant(lambda d: res0(d).update(ruleIndex=res0(d)["ruleIndex"] + 1))
    yield "startLine 0", variant(lambda d: res0(d)["locations"][0]["physicalLocation"]["region"].update(startLine=0))
    yield "bad uri", variant(lambda d: res0(d)["locations"][0]["physicalLocation"]["artifactLocation"].update(uri="<stdin> x"))
    yield "non-string fingerprint", variant(lambda d: res0(d).update(partialFingerprints={"a": 1}))
    yield "duplicate rule", variant(lambda d: run0(d)["tool"]["driver"]["rules"].append(
        copy.deepcopy(run0(d)["tool"]["driver"]["rules"][0])))


def main(argv):
    self_test = "--self-test" in argv
    files = [a for a in argv if a != "--self-test"]
    passed = failed = 0
    for name in files:
        try:
            text = sys.stdin.read() if name == "-" else open(name, encoding="utf-8").read()
            doc = json.loads(text)
        except (OSError, ValueError) as e:
            print(f"{name}: not valid JSON: {e}")
            failed += 1
            continue
        errors = check(doc)
        for e in errors[:20]:
            print(f"{name}: {e}")
        if errors:
            failed += 1
        else:
            passed += 1
        if self_test and not errors:
            for what, d in broken_variants(doc):
                if check(d):
                    passed += 1
                else:
                    print(f"{name}: self-test: a SARIF log with '{what}' was accepted")
                    failed += 1
    print(f"sarif: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
