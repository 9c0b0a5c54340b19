"""The Zero to JupyterHub values file (deploy/z2jh/values.yaml) loads and holds every key docs/hub.md names."""

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
VALUES = yaml.safe_load((REPO / "deploy" / "z2jh" / "values.yaml").read_text())
DOC = (REPO / "docs" / "hub.md").read_text()
SECTION = DOC[DOC.index("## Beyond one machine"):]
# keys the section names, like `singleuser.storage.extraVolumes`
NAMED = sorted(set(re.findall(r"`((?:hub|singleuser|cull|scheduling|prePuller|proxy)(?:\.[A-Za-z_]+)+)`", SECTION)))


def _lookup(key):
    node = VALUES
    for part in key.split("."):
        assert isinstance(node, dict) and part in node, f"deploy/z2jh/values.yaml has no {key} (docs/hub.md names it)"
        node = node[part]
    return node


def test_the_doc_names_the_keys_an_instructor_changes():
    assert len(NAMED) >= 6, NAMED


@pytest.mark.parametrize("key", NAMED)
def test_every_key_the_doc_names_is_in_the_values_file(key):
    assert _lookup(key) not in (None, "", [], {})


def test_every_learner_pod_mounts_the_shared_exchange_where_nbgrader_looks():
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"]
              for v in _lookup("singleuser.storage.extraVolumes") if "persistentVolumeClaim" in v}
    mounts = {m["name"]: m["mountPath"] for m in _lookup("singleuser.storage.extraVolumeMounts")}
    assert mounts[next(name for name in claims if "exchange" in name)] == "/srv/nbgrader/exchange"
    assert "ReadWriteMany" in (REPO / "deploy" / "z2jh" / "values.yaml").read_text()


def test_the_image_is_pinned_to_a_commit_not_latest():
    assert _lookup("singleuser.image.tag") != "latest"


def test_the_instructors_grading_runs_on_the_dask_cluster():
    instructor = [p for p in _lookup("singleuser.profileList") if "Instructor" in p["display_name"]]
    assert instructor and instructor[0]["kubespawner_override"]["environment"]["COURSE_SCHEDULER"].startswith("tcp://")
