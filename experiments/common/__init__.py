"""What every experiment shares: the runner (executors), provenance, errors, figures."""
