"""QI Desk: offline desktop app for a health board's QI collaborative programme."""

__version__ = "0.1.0"
APP_NAME = "QI Desk"
APP_ID = "qidesk"
ORG_NAME = "QI Desk"
