"""The desktop window: widgets, Qt models and dialogs (the only layer that imports QtWidgets)."""
