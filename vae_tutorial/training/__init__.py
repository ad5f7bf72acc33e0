"""Training: typed recipes, the callbacks, the one ``fit`` behind every trainer, and the model directory."""
