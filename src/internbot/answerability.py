"""Does the corpus answer this question? A logistic model over retrieval evidence, fitted per corpus.

At index time `calibrate` asks the corpus's own probe questions (`probes.py`: in-scope ones
made from its headings, labels and sentences, off-topic ones from a shipped bank and from
in-scope probes with their key word swapped for a foreign one, or for a word of the corpus that
no passage pairs with the rest) and fits a class-balanced,
sign-constrained logistic regression on their `Evidence`; confidence 0.5 is its boundary. The
result is stored in the index manifest, so a new corpus gets its own boundary and no constant
fitted to one article lives in the code.
"""

from __future__ import annotations

import logging
import random
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from internbot.curated import CuratedAnswer, CuratedIndex
from internbot.lexical import BM25
from internbot.probes import Probes, make_probes, near_miss, read_bank, with_everyday_word, with_typo
from internbot.retriever import Evidence, Retrieval, Retriever

log = logging.getLogger(__name__)

FEATURES: tuple[str, ...] = tuple(f.name for f in fields(Evidence))
#: The direction each signal may push: more of it can only make an answer more (+1) or less
#: (-1) likely. The fit chooses how much; the sign is a prior that keeps the model sane on
#: questions unlike the probes (a fitted weight of the wrong sign would be a probe artefact).
SIGNS = {"dense": 1, "corpus_cover": 1, "answer_cover": 1, "missing": -1, "lexical": 1, "margin": 1,
         "agreement": 1, "foreign": -1, "unstated": -1, "against": -1}
#: L2 penalty of the fit, per probe.
L2 = 1e-3
#: When above 0, the boundary moves down until at most this share of the in-scope probes
#: abstains. Measured (docs/quality.md): 0.02 and 0.05 let through far more off-topic questions
#: for little in-scope gain, so the default is the class-balanced model's own boundary.
TARGET_FALSE_ABSTENTION = 0.0
#: A bank question whose every word the corpus knows is an off-topic probe when its best
#: cosine is below this quantile of the in-scope probes' (the median).
KNOWN_BANK_QUANTILE = 0.5
#: Those probes' share of the off-topic class in the fit: a fixed share, so that how many bank
#: questions a corpus happens to know does not decide how much they count. Measured 0.15–0.35
#: on four corpora (docs/quality.md).
KNOWN_BANK_SHARE = 0.2
#: An unknown word supports the match (`Retriever.support`) when dropping it costs more cosine
#: with the top passage than it does for this share of the off-topic probes' unknown words.
#: Measured 0.9–1.0 (docs/quality.md, item 20).
SUPPORT_QUANTILE = 0.98
#: Bumped when probes or fit change, so `internbot index --if-needed` refits older indexes.
#: 2: fully known bank questions far in meaning count as off topic. 3: an unknown everyday word
#: weighs less in corpus coverage. 4: crossed near misses (known words no passage pairs).
#: 5: unknown words that support the match (`Retriever.support`). 6: probes from up to 800
#: passages (400 before), for a steadier fit on larger corpora. 7: amount probes and the
#: `unstated` feature (a question asking for an amount, a top passage stating none).
#: 8: probes are embedded with their acronyms spelt out, as questions are (`Retriever.spell_out`).
#: 9: an alias the corpus says in no form ("GPA", "grades") is an unknown word. 10: nor is a
#: contraction ("shouldn", "whats": `tokens.CONTRACTIONS`). 11: a typo of two swapped letters
#: is corrected, also in a short word or a stopword, and embedded as corrected (`respell`).
#: 12: the `against` feature (an unknown word that pulls the question off its passage).
#: 13: curated entries' probes have a real typo again (12 garbled it with the in-scope probes').
#: 14: an everyday word is no longer read as the start of a corpus word of another meaning
#: ("free" as "freelancers": `spelling.false_starts`), so the index is rebuilt with that list.
#: 15: more measures ask for an amount ("what is the tuition…"), and a proportion asked ("what
#: is the acceptance rate…") needs a share stated, not any figure (`amounts.unstated`).
#: 16: a count of a unit of time ("how many days…") needs that unit counted (`states_duration`).
#: 17: a date asked ("in what year…", "what is the deadline…") needs a date stated.
#: 18: a noun measure may follow one word after "what" ("what SAT score…").
#: 19: a sum of money asked ("how much do interns make at Shopify?") needs money stated.
#: 20: a count of what a list names ("how many mistakes…" over "My mistakes were:") is stated
#:     by the list.
#: 21: late interaction (`late.py`) moves the best candidates' fused scores, so their margin;
#:     the index also stores its passages' word vectors.
#: 22: an alias the corpus never says is embedded as the member it says most ("Meta" as
#:     "Facebook": `Rewriter.spell_out`), probes included.
#: 23: the best three BM25 passages are read by late interaction too (`Weights.late_lexical`).
#: 24: a count of something other than time or money ("how many interns…") is not told by a
#:     figure of weeks or dollars (`amounts.unstated`), amount probes included.
#: 25: an everyday English word is not corrected to a corpus word an edit away ("rust" is no
#:     "trust": `spelling.TYPED_AS_MEANT`), in probes as in questions.
CALIBRATION_VERSION = 25
#: Histogram bins of the probe confidences kept for the eval report.
BINS = 20


def vector(evidence: Evidence, names: tuple[str, ...] = FEATURES) -> np.ndarray:
    return np.array([getattr(evidence, n) for n in names], dtype=np.float64)


@dataclass(frozen=True)
class Calibration:
    """A fitted answerability model: confidence = sigmoid(weights · evidence + bias)."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    #: Probe counts and confidence histograms (in-scope, off-topic), for the eval report.
    in_scope: int = 0
    off_topic: int = 0
    #: Of the off-topic probes, bank questions whose every word the corpus knows.
    off_topic_known: int = 0
    in_scope_hist: tuple[int, ...] = ()
    off_topic_hist: tuple[int, ...] = ()
    #: Shares of the probes on the wrong side of the boundary (0.5) when it was fitted.
    probe_false_abstention: float = 0.0
    probe_off_topic_answered: float = 0.0
    examples: dict[str, list[str]] = field(default_factory=dict)
    #: How the probes and fit were made (CALIBRATION_VERSION); 0 for indexes from before it.
    version: int = 0
    #: The cosine drop from which an unknown word supports the match (None: not measured).
    support: float | None = None

    def confidence(self, evidence: Evidence) -> float:
        z = float(np.dot(self.weights, vector(evidence, self.features)) + self.bias)
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -40, 40))))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        lists = ("features", "weights", "in_scope_hist", "off_topic_hist")
        values: dict[str, Any] = {k: tuple(v) if k in lists else v for k, v in data.items()}
        return cls(**values)


def fit(positive: np.ndarray, negative: np.ndarray, names: tuple[str, ...] = FEATURES,
        target: float = TARGET_FALSE_ABSTENTION, known: int = 0) -> Calibration:
    """Logistic regression on probe evidence, its boundary set by the in-scope probes. The
    last `known` off-topic rows (every word known, meaning far) weigh KNOWN_BANK_SHARE of the
    off-topic class together, however few they are."""
    if not len(positive) or not len(negative):
        return Calibration(features=names, weights=(0.0,) * len(names), bias=0.0,
                           in_scope=len(positive), off_topic=len(negative), version=CALIBRATION_VERSION)
    shares = np.ones(len(negative))
    if 0 < known < len(negative):
        rest = len(negative) - known
        shares[:rest] = (1 - KNOWN_BANK_SHARE) * len(negative) / rest
        shares[rest:] = KNOWN_BANK_SHARE * len(negative) / known
    weights, bias = _logistic(positive, negative, np.array([SIGNS.get(n, 0) for n in names]), shares)
    z_pos = positive @ weights + bias
    # Move the boundary down to the target quantile of the in-scope probes' scores, never up.
    if target > 0:
        bias -= min(float(np.quantile(z_pos, target)), 0.0)
    z_pos, z_neg = positive @ weights + bias, negative @ weights + bias
    edges = np.linspace(0, 1, BINS + 1)

    def hist(z: np.ndarray) -> tuple[int, ...]:
        return tuple(int(c) for c in np.histogram(1 / (1 + np.exp(-z)), bins=edges)[0])

    return Calibration(
        features=names, weights=tuple(float(w) for w in weights), bias=bias,
        in_scope=len(positive), off_topic=len(negative), off_topic_known=known,
        version=CALIBRATION_VERSION,
        in_scope_hist=hist(z_pos), off_topic_hist=hist(z_neg),
        probe_false_abstention=round(float(np.mean(z_pos < 0)), 4) if len(z_pos) else 0.0,
        probe_off_topic_answered=round(float(np.mean(z_neg >= 0)), 4) if len(z_neg) else 0.0,
    )


def _logistic(positive: np.ndarray, negative: np.ndarray, signs: np.ndarray,
              shares: np.ndarray | None = None,
              offset: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Class-balanced, L2-penalised logistic regression whose weights keep the given signs
    (0: free), fitted with L-BFGS-B (scipy). `shares` reweighs the off-topic rows (mean 1);
    `offset`, a fixed score per row (positive rows first), is added to the fitted one."""
    from scipy.optimize import minimize

    x = np.vstack([positive, negative])
    y = np.concatenate([np.ones(len(positive)), np.zeros(len(negative))])
    balance = np.where(y == 1, 0.5 / len(positive), 0.5 / len(negative))
    if shares is not None:
        balance[len(positive):] *= shares

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        z = x @ w + b + (0.0 if offset is None else offset)
        p = 1 / (1 + np.exp(-np.clip(z, -40, 40)))
        value = -np.sum(balance * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
        value += L2 * float(w @ w)
        g = balance * (p - y)
        return value, np.concatenate([x.T @ g + 2 * L2 * w, [g.sum()]])

    bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in signs]
    result = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B",
                      bounds=[*bounds, (None, None)])
    return result.x[:-1], float(result.x[-1])


def evidence_for(retriever: Retriever, questions: list[str]) -> np.ndarray:
    """The evidence matrix of many questions, retrieved in batches."""
    rows: list[np.ndarray] = []
    for start in range(0, len(questions), 256):
        batch = questions[start : start + 256]
        results: list[Retrieval] = retriever.search_many(batch, k=5)
        rows.extend(vector(r.evidence) for r in results)
    return np.array(rows, dtype=np.float64).reshape(-1, len(FEATURES))


def calibrate(retriever: Retriever, seed: str = "", probes: Probes | None = None) -> Calibration:
    """Fit the answerability model of the corpus behind `retriever` (on `probes`, when the
    caller made them already)."""
    probes = probes or make_probes(retriever.chunks, retriever.bm25, seed)
    if not probes.in_scope:
        log.warning("the corpus gave no probe questions: abstention stays uncalibrated")
    retriever.support = fit_support(retriever, probes.off_topic)
    positive, negative, known = probe_evidence(retriever, probes)
    calibration = fit_probes(positive, negative, evidence_for(retriever, probes.amount_in),
                             evidence_for(retriever, probes.amount_off), known=known)
    return replace(calibration, examples=probes.examples(), support=retriever.support)


def fit_unstated(calibration: Calibration, answerable: np.ndarray, unanswerable: np.ndarray) -> Calibration:
    """The `unstated` weight, fitted on the amount probes alone with every other weight as the
    main fit left it (class-balanced, L2, never positive): questions asking for an amount are
    rare among the probes, so fitted with them it would move the boundary of all the others.
    An offset of the amount probes' own is fitted with it and dropped, so that the weight
    measures what a missing figure says, not how far these probes sit from the boundary."""
    names = calibration.features
    if "unstated" not in names or not len(answerable) or not len(unanswerable):
        return calibration
    col = names.index("unstated")
    rest = np.delete(np.array(calibration.weights), col)
    base = np.delete(np.vstack([answerable, unanswerable]), col, axis=1) @ rest + calibration.bias
    (weight,), _ = _logistic(answerable[:, [col]], unanswerable[:, [col]], np.array([-1]), offset=base)
    log.info("unstated amount: weight %.2f (%d answerable, %d unanswerable amount probes)",
             weight, len(answerable), len(unanswerable))
    weights = list(calibration.weights)
    weights[col] = float(weight)
    return replace(calibration, weights=tuple(weights))


def fit_probes(positive: np.ndarray, negative: np.ndarray, amount_in: np.ndarray,
               amount_off: np.ndarray, names: tuple[str, ...] = FEATURES, known: int = 0) -> Calibration:
    """The answerability model on probe evidence (columns as `names`): the main fit with the
    `unstated` column held at 0, then that one weight on the amount probes (`fit_unstated`)."""
    if "unstated" in names:
        col = names.index("unstated")
        positive, negative = positive.copy(), negative.copy()
        positive[:, col] = negative[:, col] = 0.0
    return fit_unstated(fit(positive, negative, names, known=known), amount_in, amount_off)


def fit_support(retriever: Retriever, off_topic: list[str]) -> float | None:
    """How much cosine an unknown word must carry to support a match: the SUPPORT_QUANTILE of
    what the off-topic probes' unknown words carry ("mortgage" swapped into an in-scope
    question, "lasagna" in a bank one), which are foreign by construction."""
    retriever.support = float("inf")  # measure every unknown word, excuse none
    supports = [r.support for start in range(0, len(off_topic), 256)
                for r in retriever.search_many(off_topic[start : start + 256], k=5) if r.unknown]
    if not supports:
        return None
    threshold = float(np.quantile(supports, SUPPORT_QUANTILE))
    log.info("unknown words support a match from a cosine drop of %.3f (%d off-topic probes)",
             threshold, len(supports))
    return threshold


def probe_evidence(retriever: Retriever, probes: Probes) -> tuple[np.ndarray, np.ndarray, int]:
    """The probes' evidence: in scope, off topic, and how many of the off-topic rows (the last
    ones) are bank questions whose every word the corpus knows.

    Such a question is off topic only when its meaning is far from the corpus too: its best
    cosine is below the in-scope probes' median ("how do I train for a marathon?" over "coding
    marathons"). Without them every off-topic probe has a word the corpus lacks, and the fit
    learns that knowing every word means in scope.
    """
    positive = evidence_for(retriever, probes.in_scope)
    negative = evidence_for(retriever, probes.off_topic)
    if not probes.known_bank or not len(positive):
        return positive, negative, 0
    known = evidence_for(retriever, probes.known_bank)
    dense = FEATURES.index("dense")
    floor = float(np.quantile(positive[:, dense], KNOWN_BANK_QUANTILE))
    far = known[known[:, dense] < floor]
    log.info("%d of %d off-topic questions whose every word the corpus knows are below the "
             "in-scope probes' median cosine (%.3f)", len(far), len(known), floor)
    return positive, np.vstack([negative, far]), len(far)


def curated_probes(entries: list[CuratedAnswer], bm25: BM25, seed: str = "") -> tuple[list[str], list[str]]:
    """Questions a curated entry should take (its questions and alternates as visitors vary
    them: an everyday word, a typo, a word left out) and near misses it must not (its key word
    swapped for a foreign one)."""
    rng = random.Random(f"internbot-curated:{seed}")
    positive: list[str] = []
    negative: list[str] = []
    for variant in (v for e in entries for v in e.variants()):
        words = variant.rstrip("?").split()
        positive += [variant, with_everyday_word(variant, rng), with_typo(variant, rng)]
        if len(words) >= 4:
            del words[rng.randrange(1, len(words))]
            positive.append(" ".join(words) + "?")
        if (miss := near_miss(variant, bm25, rng)) is not None:
            negative.append(miss)
    return list(dict.fromkeys(positive)), negative


def calibrate_curated(curated: CuratedIndex, retriever: Retriever, guide_questions: list[str],
                      seed: str = "") -> float:
    """The fused score from which a question takes a curated answer: the threshold that best
    separates the entries' own probes from off-topic questions, near misses and questions the
    guides answer (`guide_questions`, the in-scope probes: they must keep getting passages),
    class-balanced; the higher on ties."""
    positive, near = curated_probes(curated.entries, curated.bm25, seed)
    negative = [*read_bank(), *near, *guide_questions]

    def scores(texts: list[str]) -> np.ndarray:
        return curated.scores(texts, retriever.encode(texts))[1] if texts else np.zeros(0)

    pos, neg = scores(positive), scores(negative)
    best, threshold = -1.0, float(pos.min(initial=1.0))
    for t in np.unique(pos):
        balanced = float((pos >= t).mean() + (neg < t).mean())
        if balanced >= best:
            best, threshold = balanced, float(t)
    log.info("curated answers: threshold %.3f (%.0f%% of %d probes taken, %.1f%% of %d others)",
             threshold, 100 * (pos >= threshold).mean(), len(pos),
             100 * (neg >= threshold).mean(), len(neg))
    return threshold
