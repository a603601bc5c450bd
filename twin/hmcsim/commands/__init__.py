"""HMC commands; importing this package registers every handler with hmcsim.core."""
from . import chsyscfg, lshwres, lslparmigr, lssyscfg, migrlpar, misc, viosvrcmd  # noqa: F401
