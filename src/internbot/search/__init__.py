"""Where the corpus-wide searches run: the nearest passage vectors and the best BM25 passages.

One interface (`base.SearchBackend`), one module per backend: `faiss` (in process, from the
index folder; the default) and `milvus` (Milvus Lite in a file, or a Milvus server by URI).
Everything above it (fusion, answer selection, abstention) is the same for both: a backend
only proposes candidate rows, which the retriever scores from the index folder.
"""
