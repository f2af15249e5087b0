"""Providers: drivers for DMA controllers."""
