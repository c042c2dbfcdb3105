"""ember's benchmarks: every workload is written once against the PyTorch API and run on ember and on torch."""
