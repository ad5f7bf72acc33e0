"""The course's own tooling: the exercises' checkers, running the series (``make run``, ``make student``),
the diagrams, and the version guard of every notebook's setup cell. Import the modules themselves:
``from vae_tutorial.course import exercises``."""
