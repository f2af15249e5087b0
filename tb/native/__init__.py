"""The native models' sources (SystemVerilog, C++) and their Python side."""
