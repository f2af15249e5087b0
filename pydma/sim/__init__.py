"""Simulation backends for pydma: memory and register access through cocotb."""
