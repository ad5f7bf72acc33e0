"""What the CLI and the notebooks call to train on a user's data and keep the result in a model directory."""
