"""Write a synthetic site of N papers: `python bench/corpus.py --papers N --out DIR`.

The folder holds the repository's own site.yaml and content/topics.yaml and N paper files shaped
like the real ones: 3-8 authors drawn from a pool where some names recur (prolific authors), a
150-250-word abstract with some inline LaTeX and a URL, a featured day within 90 days, words that
hit 1-3 topics' keywords, upvotes, an arXiv id and links. The same N and seed give the same bytes.
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAST_DAY = date(2025, 3, 13)
DAYS = 90

FIRST = """Ada Alan Amir Ana Anna Arjun Ben Bo Carla Chen Chloe Daniel David Elena Emma Eric Fatima
Felix Hana Hao Ines Ivan Jia Jin Jonas Julia Kai Kenji Lara Lei Leo Lin Lucas Maria Marta Mei
Mohamed Nadia Noah Nora Olga Omar Pablo Priya Qian Rahul Rosa Ruth Sara Sofia Tariq Tom Uma Victor
Wei Xin Yara Yusuf Zhi Zoe""".split()
LAST = """Abe Alvarez Bauer Becker Chen Costa Dang Das Diaz Dubois Eriksson Fischer Garcia Gupta
Haas Hoang Ito Jensen Kamoi Kim Kowalski Kumar Lam Li Liu Lopez Martin Meyer Mori Nakamura Novak
Okafor Park Patel Perez Petrov Qureshi Rossi Sato Schmidt Silva Singh Smith Tanaka Tran Wang Weber
Wu Xu Yamada Yang Zhang Zhao Zhou""".split()
TOPIC_WORDS = {
    "alignment-safety": ["safety", "alignment", "harmful outputs", "jailbreak attacks"],
    "instruction-tuning": ["instruction tuning", "instruction following", "supervised fine-tuning"],
    "evaluation-benchmarks": ["benchmark", "evaluation", "metrics", "leaderboards"],
    "hallucination-uncertainty": ["hallucination", "uncertainty", "calibration", "factuality"],
    "reasoning": ["reasoning", "chain-of-thought", "mathematical", "verifiers"],
    "diffusion-models": ["diffusion", "text-to-image", "denoising", "image editing"],
    "distillation-efficiency": ["distillation", "LoRA", "compression", "efficient training"],
    "robustness-generalization": ["robustness", "generalization", "distribution shift", "OOD"],
}
FILLER = """model models data training language large learning neural network networks task tasks
performance accuracy dataset datasets representation representations transformer attention layer
layers token tokens context retrieval agent agents policy reward feedback human preference signal
structure graph vision image images video audio speech multimodal encoder decoder parameter
parameters scale scaling inference latency memory compute budget sample samples gradient loss
objective optimization robust sparse dense embedding embeddings prompt prompts generation
generative sequence sequences long short domain domains transfer pretraining finetuning adapter
adapters module modules pipeline framework system systems analysis empirical theoretical bound
bounds error errors estimate estimator variance bias noise signal quality diversity coverage
trajectory trajectories planning search tree beam decoding sampling temperature entropy
""".split()
VERBS = """improves reduces outperforms matches exceeds enables reveals explains captures
generalizes transfers scales stabilizes accelerates simplifies unifies""".split()
LATEX = [
    r"$O(n \log n)$",
    r"$\alpha = 0.5$",
    r"$\mathcal{L}_{\text{KL}}$",
    r"$k \times d$",
    r"$\epsilon$-greedy",
    r"$\sqrt{T}$",
    r"$p(y \mid x)$",
    r"$\lambda_{\max}$",
]


def _authors(rng: random.Random, pool: list[str]) -> list[str]:
    count = rng.randint(3, 8)
    chosen: list[str] = []
    while len(chosen) < count:
        # Squaring the draw favours the front of the pool: a few authors write many papers.
        name = pool[int(len(pool) * rng.random() ** 2)]
        if name not in chosen:
            chosen.append(name)
    return chosen


def _sentence(rng: random.Random, words: int, extra: list[str]) -> str:
    chosen = [rng.choice(FILLER) for _ in range(words)]
    for phrase in extra:
        chosen.insert(rng.randrange(len(chosen) + 1), phrase)
    chosen.insert(rng.randrange(1, len(chosen)), rng.choice(VERBS))
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + "."


def _abstract(rng: random.Random, topics: list[str], number: int) -> str:
    target = rng.randint(150, 250)
    keywords = [word for slug in topics for word in rng.sample(TOPIC_WORDS[slug], 2)]
    sentences: list[str] = []
    total = 0
    while total < target:
        length = min(rng.randint(12, 24), max(4, target - total))
        extra = [keywords.pop()] if keywords else []
        if rng.random() < 0.25:
            extra.append(rng.choice(LATEX))
        sentences.append(_sentence(rng, length, extra))
        total += length + 1 + len(extra)
    if rng.random() < 0.6:
        sentences.append(f"Code is available at https://github.com/lab{number % 97}/repo{number}.")
    return " ".join(sentences)


def _paper(rng: random.Random, number: int, pool: list[str]) -> tuple[str, str]:
    day = LAST_DAY - timedelta(days=rng.randrange(DAYS))
    topics = rng.sample(sorted(TOPIC_WORDS), rng.randint(1, 3))
    arxiv = f"{day:%y%m}.{number:05d}"
    title_words = [rng.choice(FILLER) for _ in range(rng.randint(4, 9))]
    title_words.insert(rng.randrange(len(title_words)), rng.choice(TOPIC_WORDS[topics[0]]))
    title = " ".join(word.capitalize() for word in title_words)
    authors = ", ".join(_authors(rng, pool))
    text = (
        "---\n"
        f'id: "{arxiv}"\n'
        f'title: "{title}"\n'
        f"authors: [{authors}]\n"
        f"published: {day - timedelta(days=rng.randrange(3)):%Y-%m-%d}\n"
        f"featured: {day:%Y-%m-%d}\n"
        "links:\n"
        f"  arxiv: https://arxiv.org/abs/{arxiv}\n"
        f"  pdf: https://arxiv.org/pdf/{arxiv}\n"
        f"upvotes: {int(rng.paretovariate(1.2)) - 1}\n"
        "source: bench\n"
        "---\n"
        f"{_abstract(rng, topics, number)}\n"
    )
    return f"{day:%Y}/{arxiv}.md", text


def write_corpus(papers: int, out: Path, *, seed: int = 6) -> None:
    """Replace `out` with a site folder of `papers` synthetic papers."""
    rng = random.Random(seed)
    pool = [f"{first} {last}" for first in FIRST for last in LAST]
    rng.shuffle(pool)
    pool = pool[: max(50, papers // 2)]
    if out.exists():
        shutil.rmtree(out)
    (out / "content" / "papers").mkdir(parents=True)
    shutil.copy(ROOT / "site.yaml", out / "site.yaml")
    shutil.copy(ROOT / "content" / "topics.yaml", out / "content" / "topics.yaml")
    for number in range(1, papers + 1):
        name, text = _paper(rng, number, pool)
        target = out / "content" / "papers" / name
        target.parent.mkdir(exist_ok=True)
        target.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, required=True, help="how many papers")
    parser.add_argument("--out", type=Path, required=True, help="the site folder to (re)create")
    parser.add_argument("--seed", type=int, default=6, help="random seed (default 6)")
    options = parser.parse_args()
    write_corpus(options.papers, options.out, seed=options.seed)


if __name__ == "__main__":
    main()
