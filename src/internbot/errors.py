"""Domain errors. Library code raises these; only the edges (CLI, HTTP) translate them.

Every message says how to fix the problem, in one line.
"""


class InternbotError(Exception):
    """Base class for every error internbot reports to a user."""


class CorpusError(InternbotError):
    """The corpus folder is missing, empty, or holds no readable document."""


class IndexNotFoundError(InternbotError):
    """There is no index where one was expected."""


class IndexCorruptError(InternbotError):
    """The index folder exists but its files are truncated, missing or unreadable."""


class IndexMismatchError(InternbotError):
    """The index was built with another model, chunker, or corpus than the one in use."""


class StaleIndexError(IndexMismatchError):
    """The corpus changed since the index was built."""


class ModelError(InternbotError):
    """The embedding model cannot be found, loaded, or fails its checksum."""


class QuestionError(InternbotError):
    """The question is empty, too long, or its history is too long."""


class StoreUnavailable(InternbotError):
    """The question and feedback database cannot be reached right now (it may come back)."""


class VectorStoreError(InternbotError):
    """The external vector store (Milvus) cannot be reached or refused a request."""


class StoreSchemaError(InternbotError):
    """The database's schema is newer than this internbot, or a migration failed."""
