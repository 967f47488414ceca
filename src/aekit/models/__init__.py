"""Model families, one file each; every class registers itself in ``aekit.registry``."""
