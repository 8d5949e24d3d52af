"""The words owners use that the guides do not: alias groups, scene-setting words, other
platforms and TikTok's own products, as data.

`knowledge/vocabulary.yaml` is maintained next to the guides. Ingest stores it in the index as
one record, so an engine reading a Chroma server needs no knowledge folder to understand that a
"Lehrling" is an "Auszubildender" or that "Bäckerei" only says what kind of business asks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import yaml

from bot.kb.documents import BadFileError, Chunk, load_yaml

VOCABULARY_FILE = "vocabulary.yaml"
VOCABULARY = "vocabulary"  # the kind of its record in the index


@dataclass(frozen=True)
class Vocabulary:
    """Per language: groups of words that mean the same here, and words that never decide a topic."""

    aliases: dict[str, list[list[str]]] = field(default_factory=dict)
    context: dict[str, list[str]] = field(default_factory=dict)
    platforms: list[list[str]] = field(default_factory=list)  # other apps, each with its other names
    features: list[list[str]] = field(default_factory=list)  # TikTok's own products, each with its names

    def to_json(self) -> str:
        data = {
            "aliases": self.aliases,
            "context": self.context,
            "platforms": self.platforms,
            "features": self.features,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Vocabulary:
        data = json.loads(text or "{}")
        return cls(
            aliases=data.get("aliases", {}),
            context=data.get("context", {}),
            platforms=data.get("platforms", []),
            features=data.get("features", []),
        )


def parse_vocabulary(text: str) -> Vocabulary:
    """Read the YAML file; a wrong shape is a clear error naming what is wrong."""
    try:
        data = load_yaml(text) or {}
    except yaml.YAMLError as exc:
        raise BadFileError(f"malformed vocabulary: {exc.__class__.__name__}") from None
    if not isinstance(data, dict):
        raise BadFileError("malformed vocabulary: expected 'aliases:' and 'context:' per language")
    aliases: dict[str, list[list[str]]] = {}
    context: dict[str, list[str]] = {}
    for lang, groups in (data.get("aliases") or {}).items():
        if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
            raise BadFileError(f"malformed vocabulary: aliases.{lang} must be a list of word lists")
        aliases[str(lang)] = [[str(word) for word in group] for group in groups if len(group) > 1]
    for lang, words in (data.get("context") or {}).items():
        if not isinstance(words, list):
            raise BadFileError(f"malformed vocabulary: context.{lang} must be a list of words")
        context[str(lang)] = [str(word) for word in words]
    return Vocabulary(aliases, context, _name_groups(data, "platforms"), _name_groups(data, "features"))


def _name_groups(data: dict[str, object], key: str) -> list[list[str]]:
    groups = data.get(key) or []
    if not isinstance(groups, list) or not all(isinstance(group, list) for group in groups):
        raise BadFileError(f"malformed vocabulary: {key} must be a list of word lists")
    return [[str(word) for word in group] for group in groups if group]


def vocabulary_chunk(vocabulary: Vocabulary) -> Chunk:
    """The vocabulary as one index record, so it reaches every engine that reads the index."""
    text = vocabulary.to_json()
    metadata = {
        "kind": VOCABULARY,
        "file": VOCABULARY_FILE,
        "title": "",
        "section": "",
        "lang": "",
        "topic": "",
        "part": 0,
    }
    chunk_id = hashlib.sha256(text.encode()).hexdigest()[:24]
    return Chunk(id=chunk_id, key=f"{VOCABULARY_FILE}##0", text=text, metadata=metadata)
