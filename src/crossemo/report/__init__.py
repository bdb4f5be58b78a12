"""The report stage: paper tables beside ours, data-conservation checks, figures."""
