"""The allocation product: an organisation department's files to a defended proposal."""
