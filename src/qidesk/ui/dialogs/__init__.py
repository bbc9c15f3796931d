"""Modal dialogs: create and edit records, about."""
