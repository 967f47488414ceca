# Two commands do all the set-up: `make demo` and `make test`.
# torch==2.13.0 is installed first so that it stays the CPU build; then the package.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.aekit-installed

.PHONY: demo test install data bench bench-reconstruction bench-anomaly bench-generative bench-compression \
	bench-voice bench-voice-real bench-text voice-data voice-weights codec-weights clean

demo: install data
	$(VENV)/bin/aekit demo

test: install data
	$(PY) -m pytest -n 2 -q

# Benchmarks are long (see README); each writes benchmarks/results/NAME.json, then the README tables.
bench: bench-reconstruction bench-anomaly bench-generative bench-compression bench-voice bench-text

bench-reconstruction: install data
	$(PY) benchmarks/reconstruction.py
	$(PY) benchmarks/tables.py

bench-anomaly: install data
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) benchmarks/anomaly.py
	$(PY) benchmarks/tables.py

bench-generative: install data
	$(PY) benchmarks/generative.py
	$(PY) benchmarks/tables.py

bench-compression: install data
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) benchmarks/compression.py
	$(PY) benchmarks/tables.py

# Voice conversion: espeak-ng speaks the built-in synthetic corpus; the judges (Resemblyzer,
# pocketsphinx) are benchmark-only. webrtcvad (via Resemblyzer) still imports pkg_resources.
bench-voice: install voice-data
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) benchmarks/voice.py
	$(PY) benchmarks/voice_content.py
	$(PY) benchmarks/voice_real.py
	$(PY) benchmarks/voice_real.py --model tuxpaint --output benchmarks/results/voice-real-tuxpaint.json
	$(PY) benchmarks/tables.py

# bench-voice measures the shipped models between the real tuxpaint voices. This trains two more
# on espeak+tuxpaint without the speaker adversary (with it the joint run's content code collapses,
# see README), the second without four real voices, and measures one-shot conversion between those
# four with every model: about three hours on one core.
UNHEARD := fr,ru,el,da
JOINT_RUN := benchmarks/work/voice-joint-adv0
bench-voice-real: install voice-data
	$(PY) -m pip install -q -e ".[bench]"
	OMP_NUM_THREADS=1 $(VENV)/bin/aekit voice train espeak+tuxpaint -o $(JOINT_RUN) --adversary-weight 0 \
		--steps 12000 --seed 0 --force
	OMP_NUM_THREADS=1 $(VENV)/bin/aekit voice train espeak+tuxpaint -o $(JOINT_RUN)-unseen4 --adversary-weight 0 \
		--exclude-speakers $(UNHEARD) --steps 12000 --seed 0 --force
	$(PY) benchmarks/voice_real.py --model $(JOINT_RUN) --output "benchmarks/results/voice-real-espeak+tuxpaint.json"
	for model in espeak tuxpaint $(JOINT_RUN) $(JOINT_RUN)-unseen4; do \
		$(PY) benchmarks/voice_real.py --model $$model --speakers $(UNHEARD) \
			--output benchmarks/results/voice-real-unheard/$$(basename $$model).json || exit 1; done
	$(PY) benchmarks/tables.py

# About 5 hours on 2 CPU cores; every stage keeps what it measured (benchmarks/results/text_runs/)
# and skips what is already there, so a stopped run continues where it was.
bench-text: install
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) benchmarks/text.py --stage pretrain
	$(PY) benchmarks/text.py --stage finetune
	$(PY) benchmarks/text.py --stage minilm
	$(PY) benchmarks/text.py --stage linear
	$(PY) benchmarks/text.py --stage gpt
	$(PY) benchmarks/text.py --stage seq2seq
	$(PY) benchmarks/text.py --stage collect
	$(PY) benchmarks/tables.py

voice-data:
	@command -v espeak-ng >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get install -y -qq espeak-ng >/dev/null 2>&1 || \
		(apt-get update -qq && apt-get install -y -qq espeak-ng)); } || \
		echo "aekit: install espeak-ng (sudo apt-get install espeak-ng) for the built-in speech corpus"

# A shipped voice model (src/aekit/voice/pretrained/$(VOICE_CORPUS)): espeak (14,500 steps) or
# tuxpaint (12,000); about two hours on one core. `make voice-weights VOICE_RESUME=--resume`
# continues a stopped run from $(VOICE_RUN).partial.
VOICE_CORPUS ?= espeak
VOICE_STEPS ?= $(if $(filter tuxpaint,$(VOICE_CORPUS)),12000,14500)
VOICE_RUN ?= benchmarks/work/voice-$(VOICE_CORPUS)
voice-weights: install voice-data
	OMP_NUM_THREADS=1 $(VENV)/bin/aekit voice train $(VOICE_CORPUS) -o $(VOICE_RUN) --steps $(VOICE_STEPS) --seed 0 \
		--force $(VOICE_RESUME)
	$(PY) -m aekit.voice.shipped export $(VOICE_RUN) -o src/aekit/voice/pretrained/$(VOICE_CORPUS)

# The codec's shipped weights (src/aekit/codec/weights/codec.safetensors): trains on the
# photos in Debian's plasma-workspace-wallpapers (downloaded, not installed), resuming from
# the last checkpoint in $(CODEC_RUN), then exports. CODEC_STEPS and CODEC_MINUTES bound a session.
CODEC_RUN ?= benchmarks/work/codec-train
CODEC_STEPS ?= 60000
CODEC_MINUTES ?= 170
codec-weights: install
	$(PY) -m aekit.codec.train run $(CODEC_RUN) --steps $(CODEC_STEPS) --max-minutes $(CODEC_MINUTES)
	$(PY) -m aekit.codec.train export $(CODEC_RUN) -o src/aekit/codec/weights/codec.safetensors

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[all,dev]"
	touch $(STAMP)

# Fashion-MNIST comes from Debian's dataset-fashion-mnist when we can install it;
# otherwise aekit downloads it from the official source into ~/.cache/aekit on first use.
data:
	@if [ -d /usr/share/datasets/fashion-mnist ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || \
		 (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist)) \
		|| echo "aekit: could not install dataset-fashion-mnist; it will be downloaded on first use"; \
	else \
		echo "aekit: not root, so Debian's dataset-fashion-mnist was not installed;"; \
		echo "       run 'sudo apt-get install dataset-fashion-mnist', or let aekit download it on first use."; \
	fi

clean:
	rm -rf $(VENV) runs .pytest_cache
