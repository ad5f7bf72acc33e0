"""The subjects' faces (vae_tutorial._faces): each __init__ names what a notebook uses, every name is
found in the module it names (its home, not a module that merely imports it), nothing loads before
it is asked for, and the light entry points never load TensorFlow."""

import importlib
import inspect
import subprocess
import sys
import types

import pytest

from vae_tutorial._faces import face

SUBJECTS = ("theory", "images", "text", "text.english", "training")


@pytest.mark.parametrize("subject", SUBJECTS)
def test_every_name_of_a_face_is_defined_in_its_home_module(subject):
    package = importlib.import_module(f"vae_tutorial.{subject}")
    assert package.__all__ == sorted(package.__all__) and package.__all__
    for name in package.__all__:
        value = getattr(package, name)
        home = getattr(value, "__module__", None)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert home.startswith(f"vae_tutorial.{subject}."), (name, home)
        assert name in dir(package)


def test_a_face_imports_a_module_on_first_use_only_and_keeps_the_name():
    namespace = {"__name__": "vae_tutorial.theory"}
    getattr_, dir_, all_ = face(namespace, {"gaussian": ("kl_mvn",)})
    assert all_ == ["kl_mvn"] and "kl_mvn" not in namespace and "kl_mvn" in dir_()
    from vae_tutorial.theory.gaussian import kl_mvn

    assert getattr_("kl_mvn") is kl_mvn and namespace["kl_mvn"] is kl_mvn
    with pytest.raises(AttributeError, match="module 'vae_tutorial.theory' has no attribute 'nope'"):
        getattr_("nope")
    with pytest.raises(ValueError, match=r"exports 'kl_mvn' twice"):
        face(namespace, {"gaussian": ("kl_mvn",), "vae_tutorial.theory.elbo": ("kl_mvn",)})


def test_the_faces_and_the_command_line_load_no_tensorflow_until_a_model_is_asked_for():
    probe = (
        "import sys\n"
        "from vae_tutorial import cli, config, images, text, theory, training\n"
        "from vae_tutorial.images import load_digits, IMAGE_VAE\n"
        "from vae_tutorial.text import load_blog_folder, Decoding, BLOG_VAE\n"
        "from vae_tutorial.text.english import build, fetch, load, source_table\n"
        "import vae_tutorial.text.english.__main__\n"
        "cli.build_parser()\n"
        "print('light', 'tensorflow' in sys.modules)\n"
        "images.ImageVAE\n"
        "print('model', 'tensorflow' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert result.stdout.splitlines() == ["light False", "model True"], result.stderr
    assert isinstance(sys.modules["vae_tutorial.images"], types.ModuleType)
