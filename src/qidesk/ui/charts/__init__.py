"""Charts drawn with pyqtgraph (timeline, progress, spider)."""
