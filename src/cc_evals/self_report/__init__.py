"""Self-report battery: what the model claims about its own mind and identity."""
