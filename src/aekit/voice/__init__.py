"""Speech for aekit: audio I/O, log-mel features and vocoding, speech corpora, and voice
conversion with disentangled content and speaker codes."""
