"""hmcsim: a stateful twin of an IBM HMC and the Virtual I/O Servers behind it."""
__version__ = "0.1.0"
