"""Documents generated for leaders from the published marts (the early-warning brief)."""
