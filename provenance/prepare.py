"""A read text as a Document: its language, passages, cues and id.

No model and no store: what `add` runs for each text before embedding, and what the
bulk add's worker processes and the Spark sweep's executors run on their own.
"""

from __future__ import annotations

from .cues import extract_cues
from .errors import InputError
from .ingest import content_id
from .language import document_language
from .models import Document, RawDocument
from .outlets import StoredOutlets
from .segment import split_passages


def prepare(raw: RawDocument, stored: StoredOutlets | None = None) -> Document:
    """Language, passages, cues and id of an ingested text. `stored`, the outlets of the
    stored documents, lets a cue name an outlet the lexicon does not know (cues.py)."""
    lang = raw.lang or document_language(raw.text)
    passages = split_passages(raw.text, lang)
    if not passages:
        raise InputError(f"{raw.origin}: no passages found in the text")
    return Document(
        doc_id=content_id(raw.text),
        text=raw.text,
        lang=lang,
        passages=passages,
        cues=extract_cues(passages, stored),
        title=raw.title,
        url=raw.url,
        site=raw.site,
        author=raw.author,
        published=raw.published,
    )
