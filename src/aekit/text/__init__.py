"""Self-supervised text models: tokenizers, corpora, masked / next-token / denoising
pretraining (``mlm``, ``gpt``, ``bart``).

Nothing heavy is imported here; import the submodules you need
(``aekit.text.tokenizer``, ``aekit.text.corpora``, ``aekit.text.registry``, ...).
"""
