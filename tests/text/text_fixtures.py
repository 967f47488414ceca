"""Tiny English documents and model sizes shared by the text tests."""
import random

SUBJECTS = ["the farmer", "a trader", "the ministry", "our reporter", "the board", "a bank"]
VERBS = ["sold", "bought", "shipped", "reported", "priced", "stored"]
OBJECTS = ["wheat", "corn", "soybeans", "grain", "barley", "rice"]
PLACES = ["in Chicago.", "to Egypt.", "from Brazil.", "last week.", "on Monday.", "at the port."]

TINY = dict(max_len=32, d_model=32, n_layers=2, n_heads=2, dropout=0.0)


def sentences(n, seed=0):
    rng = random.Random(seed)
    return [f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.randint(2, 90)} tonnes of "
            f"{rng.choice(OBJECTS)} {rng.choice(PLACES)}" for _ in range(n)]


def documents(n_docs=30, seed=0):
    rng = random.Random(seed)
    return [" ".join(sentences(rng.randint(1, 4), seed=seed * 1000 + i)) for i in range(n_docs)]
