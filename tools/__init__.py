"""Build and report tools, kept apart from the testbench (tb/): Verilator's run-time object
cache and the profile-guided native build with its training run (both used by tb.runner's
builds), the lint of rtl/ (`make lint`) and the coverage report (`make coverage`)."""
