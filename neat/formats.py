"""Names and versions of the records the core writes (genome records): a module with no imports, so
the run-directory reader can check them without loading the algorithm."""

GENOME_FORMAT = "neat-brain/genome"
GENOME_VERSION = 1
