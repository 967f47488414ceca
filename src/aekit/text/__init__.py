"""Self-supervised text models: tokenizers, corpora, masked / next-token / denoising
pretraining (``mlm``, ``gpt``, ``bart``), fine-tuning heads and labelled tasks
(``finetune``, ``tasks``), contextual similarity and in-context learning probes.

Nothing heavy is imported here; import the submodules you need
(``aekit.text.tokenizer``, ``aekit.text.corpora``, ``aekit.text.registry``, ...).
"""
