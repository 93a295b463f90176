"""The Milvus backend: passage vectors and BM25 weights in a Milvus collection, through pymilvus.

`INTERNBOT_VECTOR_STORE` names it: a file path ending in `.db` runs Milvus Lite inside the
process (tests, a laptop); `milvus://host:19530` (or `http(s)://…`) is a Milvus server or
cluster, shared by every replica. The collection is filled from the index folder when first
opened and is named after the index's content, so replicas of one index share it and a rebuilt
index gets a fresh one (`drop_others` removes the old ones).

Each passage is one entity: its row, its vector (inner product) and a sparse vector of its BM25
weights, so Milvus's sparse inner product with a query's terms (each weighing 1) is exactly its
BM25 score. Milvus proposes candidates; the retriever scores them from the index folder as with
FAISS, so fusion and abstention are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from internbot.errors import VectorStoreError
from internbot.lexical import BM25
from internbot.search.base import SearchBackend
from internbot.search.faiss import FLAT_MAX, auto_factory, nlist

log = logging.getLogger(__name__)
#: Entities inserted per request when a collection is filled.
INSERT_BATCH = 2_000
PREFIX = "internbot_"


def client_uri(spec: str) -> str:
    """The pymilvus URI for an `INTERNBOT_VECTOR_STORE` value."""
    if spec.startswith("milvus://"):
        return "http://" + spec.removeprefix("milvus://")
    return spec


def collection_name(files: dict[str, Any]) -> str:
    """A name that changes whenever the indexed vectors or BM25 weights do (from the
    manifest's checksums)."""
    wanted = {n: f.get("sha256") for n, f in sorted(files.items())
              if n == "vectors.npy" or n.startswith("lexical/")}
    return PREFIX + hashlib.sha256(json.dumps(wanted).encode()).hexdigest()[:20]


class MilvusSearch(SearchBackend):
    """Dense and BM25 candidates from a Milvus collection."""

    name = "milvus"

    def __init__(self, spec: str, collection: str, *, dim: int, nprobe: int = 0) -> None:
        try:
            from pymilvus import MilvusClient
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise VectorStoreError("pymilvus is not installed: run `make install`") from exc
        self.spec, self.collection, self.dim = spec, collection, dim
        if spec.endswith(".db"):  # Milvus Lite keeps its data in a folder of that name
            Path(spec).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.client = MilvusClient(uri=client_uri(spec))
        except Exception as exc:
            raise VectorStoreError(f"cannot reach Milvus at {spec} ({exc}): start it, or unset "
                                   "INTERNBOT_VECTOR_STORE to search in process") from exc
        self._dense_params: dict[str, Any] = {"metric_type": "IP"}
        if nprobe:
            self._dense_params["params"] = {"nprobe": nprobe}

    def ensure(self, vectors: np.ndarray, bm25: BM25, *, progress: bool = False) -> bool:
        """Fill the collection from the index unless it already holds every passage; True
        when it had to be filled."""
        c = self.client
        n = len(vectors)
        if c.has_collection(self.collection):
            if int(c.get_collection_stats(self.collection).get("row_count", -1)) == n:
                c.load_collection(self.collection)
                return False
            c.drop_collection(self.collection)  # a fill that did not finish
        from pymilvus import DataType

        schema = c.create_schema(auto_id=False, description="internbot passages")
        schema.add_field("row", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dim)
        schema.add_field("terms", DataType.SPARSE_FLOAT_VECTOR)
        params = c.prepare_index_params()
        factory = auto_factory(n)
        if n <= FLAT_MAX:
            params.add_index("vector", index_type="FLAT", metric_type="IP")
        else:
            params.add_index("vector", index_type="IVF_FLAT", metric_type="IP",
                             params={"nlist": nlist(factory)})
        params.add_index("terms", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        c.create_collection(self.collection, schema=schema, index_params=params)
        starts = range(0, n, INSERT_BATCH)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="filling Milvus", unit="batch")
        for lo in starts:
            hi = min(n, lo + INSERT_BATCH)
            block = np.asarray(vectors[lo:hi], dtype=np.float32)
            c.insert(self.collection, [
                {"row": lo + i, "vector": block[i], "terms": weights or {0: 0.0}}
                for i, weights in enumerate(bm25.doc_weights(lo, hi))])
        c.flush(self.collection)
        c.load_collection(self.collection)
        log.info("filled Milvus collection %s with %d passages", self.collection, n)
        return True

    def drop_others(self, keep: Sequence[str] = ()) -> list[str]:
        """Drop internbot collections other than this one and `keep` (earlier indexes')."""
        old = [name for name in self.client.list_collections()
               if name.startswith(PREFIX) and name != self.collection and name not in keep]
        for name in old:
            self.client.drop_collection(name)
        return old

    def _search(self, data: list[Any], field: str, k: int, params: dict[str, Any]) -> list[Any]:
        try:
            return list(self.client.search(self.collection, data=data, anns_field=field, limit=k,
                                           output_fields=[], search_params=params))
        except Exception as exc:
            raise VectorStoreError(f"Milvus search failed at {self.spec}: {exc}") from exc

    def dense(self, vectors: np.ndarray, k: int) -> np.ndarray:
        out = np.full((len(vectors), k), -1, dtype=np.int64)
        results = self._search([np.asarray(v, dtype=np.float32) for v in vectors], "vector", k,
                               self._dense_params)
        for i, hits in enumerate(results):
            ids = [int(h["row"]) for h in hits][:k]
            out[i, : len(ids)] = ids
        return out

    def lexical(self, term_ids: Sequence[int], k: int) -> np.ndarray:
        if not term_ids:
            return np.zeros(0, dtype=np.int64)
        query = {int(t): 1.0 for t in term_ids}
        hits = self._search([query], "terms", k, {"metric_type": "IP"})[0]
        return np.asarray([int(h["row"]) for h in hits if h["distance"] > 0], dtype=np.int64)

    def healthy(self) -> bool:
        try:
            return bool(self.client.has_collection(self.collection))
        except Exception:  # whatever the client raises, the answer is "not now"
            return False

    def close(self) -> None:
        self.client.close()
