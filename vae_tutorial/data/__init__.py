"""Data loaders: embedded digits and images, text corpora."""
