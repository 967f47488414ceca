"""Speech for aekit: audio I/O, log-mel features and vocoding, speech corpora, and voice
conversion with disentangled content and speaker codes."""

# The default weight of the speaker adversary on the content code (kept here, free of heavy
# imports, so that the CLI can show it). On the espeak benchmark (14,500 steps each, 80 pairs)
# Resemblyzer judged 65% of conversions the target's with weight 0.1, 74% with 0.3 and 72%
# with 1.0 (48% with no adversary, on 40 pairs); the MCD reduction was 32% for all three.
ADVERSARY_WEIGHT = 0.3

# The default conversion strength (VoiceModel.convert): past the target's speaker code, away
# from the source's. On three sets of 80 held-out pairs (72-speaker model), 1.5 instead of 1
# made Resemblyzer name the target 7.5 to 12.5 points more often, with the mean cosine to the
# target within 0.015 and 4 to 6 points less MCD reduction (README, "Conversion strength").
DEFAULT_STRENGTH = 1.5
MAX_STRENGTH = 4.0  # beyond this the speaker code leaves what the decoder saw
