"""Training configs: every file in configs/ resolves, through the new loader, to exactly what
the old code trained with; unknown keys and wrong types are refused with one line naming the key
and the file; the base recipe, the code defaults and the shipped model's recipe agree."""
import ast
import json
import subprocess

import pytest
import yaml

from hebnews.train.config import (ConfigError, DeviceRecipe, MlmConfig, NerConfig, defaults, load,
                                   load_device_recipe, resolve)

from .conftest import FIXTURES, MODEL_DIR, ROOT

CONFIGS = ROOT / "configs"
# The last commit with the old loader (YAML merged over ner.py / mlm.py DEFAULTS, unknown keys
# kept silently) and the old, stand-alone config files.
BEFORE = "1a666280474b03df9764a8a60e5d896232417fc3"
# What the old code resolved, computed ONCE from BEFORE by old_resolution() and frozen, for a
# checkout without that history.
FROZEN = FIXTURES / "configs_before.json"
# The old train_ner.yaml (NEMO only, 10 epochs: the recipe of one soup ingredient) lives on as
# train_ner_nemo.yaml; train_ner.yaml is now the shipped model's recipe (see configs/README.md).
RENAMED = {"train_ner.yaml": "train_ner_nemo.yaml"}
# hebnews_training.json keys that record what was done after training, not the recipe
NOT_RECIPE = {"averaged_epochs", "soup", "soup_weights", "quote_head_train"}


def schema_of(name: str):
    return MlmConfig if name.startswith("train_mlm") else NerConfig


def old_resolution(read) -> dict[str, dict]:
    """The old code path: ``yaml.safe_load`` of each config (``cli._train_config``) merged over the
    recipe module's literal ``DEFAULTS`` (``{**DEFAULTS, **cfg}`` in ``train``); the device
    recipe's sections the same way (``device.run`` hands them to ``train``). ``read(path)`` gives
    a file's text at the old commit."""
    found = {}
    for mod in ("ner", "mlm"):
        tree = ast.parse(read(f"pipeline/train/{mod}.py"))
        [node] = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "DEFAULTS"]
        found[mod] = ast.literal_eval(node.value)
    out = {}
    for name in read("configs").split():
        cfg = yaml.safe_load(read(f"configs/{name}"))
        if name == "device_recipe.yaml":
            out[name] = {**cfg, "mlm": {**found["mlm"], **cfg["mlm"]}, "ner": {**found["ner"], **cfg["ner"]}}
        else:
            out[name] = {**found["mlm" if name.startswith("train_mlm") else "ner"], **cfg}
    return out


def git_read(path: str) -> str:
    if path == "configs":
        args = ["git", "ls-tree", "--name-only", BEFORE, "configs/"]
        return "\n".join(p.split("/")[-1] for p in subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                                                                   check=True).stdout.split())
    return subprocess.run(["git", "show", f"{BEFORE}:{path}"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def before() -> dict[str, dict]:
    try:
        return old_resolution(git_read)
    except (OSError, subprocess.CalledProcessError):  # no git, or a clone without that commit
        return json.loads(FROZEN.read_text(encoding="utf-8"))


def new_resolution(name: str) -> dict:
    if name == "device_recipe.yaml":
        cfg = load_device_recipe(CONFIGS / name)
        return {**cfg, "mlm": resolve(MlmConfig, cfg["mlm"]), "ner": resolve(NerConfig, cfg["ner"])}
    return load(CONFIGS / name, schema_of(name))


def test_frozen_fixture_is_what_the_old_code_resolved():
    try:
        old = old_resolution(git_read)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"commit {BEFORE[:7]} not in this clone: the frozen fixture stands in for it")
    assert json.loads(FROZEN.read_text(encoding="utf-8")) == old


@pytest.mark.parametrize("name", sorted(json.loads(FROZEN.read_text(encoding="utf-8"))))
def test_every_old_config_resolves_as_before(name):
    old = before()[name]
    assert new_resolution(RENAMED.get(name, name)) == old


def test_every_config_file_loads_and_overlays_state_only_what_differs():
    names = sorted(p.name for p in CONFIGS.glob("*.yaml"))
    assert set(names) == set(before()) | set(RENAMED.values())
    for name in names:
        if name == "device_recipe.yaml":
            continue
        resolved = new_resolution(name)
        own = yaml.safe_load((CONFIGS / name).read_text(encoding="utf-8"))
        parent = own.pop("extends", None)
        if parent is None:
            continue
        below = load(CONFIGS / parent, schema_of(name))
        same = [k for k, v in own.items() if below[k] == v]
        assert not same, f"{name} restates what {parent} already says: {same}"
        assert resolved == {**below, **own}


def test_base_recipe_code_defaults_and_shipped_model_agree():
    base = load(CONFIGS / "train_ner.yaml", NerConfig)
    # threads is a machine setting (2 on the 2-core CPU box; 0 = torch's choice on a GPU machine)
    assert {k: v for k, v in base.items() if base[k] != defaults(NerConfig)[k]} == {"threads": 2}
    if not (MODEL_DIR / "hebnews_training.json").exists():
        pytest.skip("no shipped model")
    shipped = json.loads((MODEL_DIR / "hebnews_training.json").read_text())["config"]
    recipe = {k: v for k, v in shipped.items() if k not in NOT_RECIPE}
    differ = {k: (recipe[k], base[k]) for k in recipe if recipe[k] != base[k]}
    # where the shipped ingredient's run wrote its files: configs/train_ner_extra.yaml says so
    assert set(differ) == {"output_dir", "keep_epoch_states"}, differ
    extra = load(CONFIGS / "train_ner_extra.yaml", NerConfig)
    assert {k: extra[k] for k in recipe} == recipe


def test_unknown_keys_and_wrong_types_are_refused_naming_key_and_file(tmp_path):
    (tmp_path / "base.yaml").write_text("epochs: 3\n")
    (tmp_path / "typo.yaml").write_text("extends: base.yaml\nepoch: 4\n")
    with pytest.raises(ConfigError, match=r"typo\.yaml: unknown key 'epoch' for NerConfig \(did you mean 'epochs'\?\)"):
        load(tmp_path / "typo.yaml", NerConfig)
    (tmp_path / "deep.yaml").write_text("extends: typo.yaml\nseed: 1\n")
    with pytest.raises(ConfigError, match=r"typo\.yaml: unknown key 'epoch'"):  # the file that has it
        load(tmp_path / "deep.yaml", NerConfig)
    (tmp_path / "mlm.yaml").write_text("extends: base.yaml\n")  # epochs is not a masked-LM key
    with pytest.raises(ConfigError, match=r"base\.yaml: unknown key 'epochs' for MlmConfig"):
        load(tmp_path / "mlm.yaml", MlmConfig)
    for text, msg in (("epochs: '8'\n", "epochs must be int, got '8'"), ("aux_bmc: 1\n", "aux_bmc must be bool"),
                      ("learning_rate: 1e-4\n", "learning_rate must be float, got '1e-4'"),  # YAML 1.1: a string
                      ("extends: [base.yaml]\n", "extends must be one file name"),
                      ("extends: none.yaml\n", "extends 'none.yaml', which is not a file"), ("- 1\n", "expected a mapping")):
        (tmp_path / "bad.yaml").write_text(text)
        with pytest.raises(ConfigError, match=msg) as exc:
            load(tmp_path / "bad.yaml", NerConfig)
        assert "bad.yaml" in str(exc.value) and "\n" not in str(exc.value)
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ConfigError, match="goes round in a circle"):
        load(tmp_path / "a.yaml", NerConfig)
    with pytest.raises(ConfigError, match="command line: unknown key 'epoch'"):
        load(tmp_path / "base.yaml", NerConfig, {"epoch": 1})
    assert load(tmp_path / "base.yaml", NerConfig, {"seed": 5}) == {**defaults(NerConfig), "epochs": 3, "seed": 5}
    classifier_lr_none = resolve(NerConfig, {"classifier_learning_rate": None})  # None: learning_rate
    assert classifier_lr_none["classifier_learning_rate"] is None


def test_device_recipe_sections_are_checked(tmp_path):
    good = yaml.safe_load((CONFIGS / "device_recipe.yaml").read_text())
    assert load_device_recipe(CONFIGS / "device_recipe.yaml") == good  # handed to run() as written
    assert set(good) <= set(defaults(DeviceRecipe))
    for section, key in (("ner", "epoch"), ("mlm", "max_step"), (None, "minute")):
        bad = json.loads(json.dumps(good))
        (bad[section] if section else bad)[key] = 1
        (tmp_path / "d.yaml").write_text(yaml.safe_dump(bad))
        with pytest.raises(ConfigError, match=f"d.yaml{f' .{section} section.' if section else ''}: unknown key '{key}'"):
            load_device_recipe(tmp_path / "d.yaml")


def test_train_refuses_an_unknown_key_before_anything_loads(tmp_path):
    from hebnews.train.ner import train

    with pytest.raises(ConfigError, match="unknown key 'epoch'"):
        train({"epoch": 1, "base_model": str(tmp_path / "none")}, tmp_path)
