"""Keras models of the series (all registered serializable, no Lambda layers)."""
