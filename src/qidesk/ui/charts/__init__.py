"""Charts (pyqtgraph on screen, QPainter for files and print)."""
