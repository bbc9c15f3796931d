"""One module per page of the main window, and the tabs inside the cohort and team pages."""
