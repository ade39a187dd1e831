"""NEAT: NeuroEvolution of Augmenting Topologies (Stanley & Miikkulainen 2002)."""
