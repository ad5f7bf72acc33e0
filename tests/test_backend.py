"""The one backend module (vae_tutorial._backend) and the backend check of ``import vae_tutorial``: Keras on
TensorFlow only, said at import in a fresh process; and no module of the package imports Keras' private
``keras.src``."""

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "vae_tutorial"


# --- no keras.src -----------------------------------------------------------------------------


def _private_keras_imports(source: str) -> list[str]:
    """Every import of ``keras.src`` in a module's source: import / from-import statements (also inside
    functions, over several lines) and importlib.import_module("keras.src...") / __import__ calls."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                f"import {a.name}" for a in node.names if a.name == "keras.src" or a.name.startswith("keras.src.")
            ]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "keras.src" or node.module.startswith("keras.src."):
                found.append(f"from {node.module} import ...")
            elif node.module == "keras" and any(a.name == "src" for a in node.names):
                found.append("from keras import src")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = node.args[0].value
            if isinstance(name, str) and re.match(r"keras\.src(\.|$)", name):
                found.append(f"{ast.unparse(node.func)}({name!r})")
    return found


def test_the_detector_finds_every_form_of_a_keras_src_import():
    source = (
        "import keras\nfrom keras import ops, layers\nimport keras_hub\n"  # fine
        "import keras.src.backend\n"
        "def f():\n    from keras.src.saving import (\n        serialization_lib,\n    )\n"
        "from keras import src\n"
        "import importlib\nimportlib.import_module('keras.src.backend.common.global_state')\n"
    )
    assert sorted(_private_keras_imports(source)) == sorted(
        [
            "import keras.src.backend",
            "from keras.src.saving import ...",
            "from keras import src",
            "importlib.import_module('keras.src.backend.common.global_state')",
        ]
    )


def test_no_module_of_the_package_imports_keras_src():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 20 and PACKAGE / "_backend.py" in modules
    found = {
        str(path.relative_to(ROOT)): imports
        for path in modules
        if (imports := _private_keras_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}, found
    # and no mention that an import could hide from the parser (e.g. in exec'd strings)
    mentions = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in modules
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"^\s*(from|import)\s+keras\.src\b|['\"]keras\.src[.'\"]", line)
    ]
    assert mentions == [], mentions


# --- the backend check, in fresh processes ------------------------------------------------------


def _python(code, **env_changes):
    env = {k: v for k, v in os.environ.items() if k not in {"KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL"}}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


@pytest.mark.parametrize("backend", ["jax", "torch", "numpy"])
def test_importing_the_package_with_another_backend_is_a_runtime_error_naming_keras_backend(backend):
    result = subprocess.run(
        [sys.executable, "-c", "import vae_tutorial"],
        env={**os.environ, "KERAS_BACKEND": backend},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: vae_tutorial needs Keras on the TensorFlow backend"), result.stderr
    assert f"KERAS_BACKEND={backend!r}" in last and "set KERAS_BACKEND=tensorflow" in last, last


def test_the_check_needs_neither_the_other_backend_nor_keras():
    # the error comes before Keras (or JAX) is imported: it works where jax is not installed
    probe = (
        "import sys\n"
        "try:\n    import vae_tutorial\nexcept RuntimeError as exc:\n    print('raised', 'KERAS_BACKEND' in str(exc))\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'jax') if m in sys.modules))\n"
    )
    result = _python(probe, KERAS_BACKEND="jax")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["raised True", "[]"]


@pytest.mark.parametrize("backend", [None, "tensorflow", ""], ids=["unset", "tensorflow", "empty"])
def test_importing_the_package_on_tensorflow_works(backend):
    # unset or empty: Keras picks TensorFlow (the package sets KERAS_BACKEND=tensorflow when it is unset)
    result = _python("import vae_tutorial, keras; print(keras.backend.backend())", KERAS_BACKEND=backend)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "tensorflow"


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_keras_already_running_on_jax_is_refused_whatever_the_variable_says():
    code = "import os\nimport keras\nos.environ['KERAS_BACKEND'] = 'tensorflow'\nimport vae_tutorial\n"
    result = _python(code, KERAS_BACKEND="jax")
    assert result.returncode != 0
    assert "RuntimeError" in result.stderr and "Keras was imported with the 'jax' backend" in result.stderr


def test_backend_exports_tensorflow_and_keras_on_the_tensorflow_backend():
    from vae_tutorial import _backend

    import keras
    import tensorflow

    assert _backend.tf is tensorflow and _backend.keras is keras
    assert keras.backend.backend() == "tensorflow"
