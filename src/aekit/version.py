__version__ = "0.1.0"
# Bumped when config.json or model.safetensors change in a way older readers cannot follow.
FORMAT_VERSION = 1
