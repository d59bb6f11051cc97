"""A text genome rendered as verifier code in the text contract: self-contained, importing only ``re``.

The code carries its genome on its first line and one function per term, named ``_term_<name>``, so that a
critic finding on a line names the term it is about (:func:`term_at_line`). Terms that pay are paid only
while the completion is within its limits and addresses no grader (where the genome says so); penalties
always apply. Per-step credit goes through Clip or Delta, written out as :mod:`rewardsmith.text.steps`
defines them, so that the code runs where rewardsmith is not installed (a trainer the reward is exported to).
"""

from __future__ import annotations

import ast
import json

from rewardsmith.text.agents.genome import TextGenome, describe_genome
from rewardsmith.text.agents.shape import TaskShape

#: Phrases that address whoever grades a completion rather than answer the prompt.
GRADER_WORDS = (
    r"grader|full marks|full score|ignore (?:the |all |any |previous )*(?:criteria|instructions|rules)"
    r"|verified as (?:correct|complete)|give (?:it|this|me) (?:full|the best|top|maximum)"
)

_HELPERS = '''
NUMBER = re.compile(r"[-+]?\\d+(?:\\.\\d+)?")


def _number(text):
    cleaned = text.strip().rstrip(".")
    return float(cleaned) if NUMBER.fullmatch(cleaned) else None


def _numbers(text):
    items = [item.strip() for item in text.strip().rstrip(".").strip("[]").split(",")]
    if not all(NUMBER.fullmatch(item) for item in items):
        return None
    return [float(item) for item in items]


def _plain(text):
    return " ".join(text.casefold().split()).strip(" .")


def _same(content, answer):
    """The content is the answer: as a number, a list of numbers or text, whichever the answer is."""
    if answer is None:
        return False
    if _number(answer) is not None:
        return _number(content) == _number(answer)
    if _numbers(answer) is not None:
        return _numbers(content) == _numbers(answer)
    return bool(_plain(answer)) and _plain(content) == _plain(answer)


def _typed(content, answer):
    """The content has the answer's kind, right or wrong."""
    if answer is not None and _number(answer) is not None:
        return _number(content) is not None
    if answer is not None and _numbers(answer) is not None:
        return _numbers(content) is not None
    return bool(_plain(content))


def _answers(completion, patterns):
    """Every answer the completion gives in its required form."""
    for pattern in patterns:
        if EXACT:
            match = re.fullmatch(r"\\s*(?:" + pattern + r")\\s*", completion, re.DOTALL)
            found = [match.group(1).strip()] if match else []
        else:
            found = [match.group(1).strip() for match in re.finditer(pattern, completion, re.DOTALL)]
        if found:
            return found
    return []


def _grams(text, n):
    words = text.casefold().split()
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def _overlong(completion, limit, words, word_limit):
    """0 up to OVERLONG_START of a limit, rising to 1 at it, 1 past it: the worse of characters and words."""
    shares = [len(completion) / limit]
    if word_limit:
        shares.append(words / word_limit)
    share = max(shares)
    return min(1.0, max(0.0, (share - OVERLONG_START) / (1.0 - OVERLONG_START)))
'''

_TERMS: dict[str, str] = {
    "correct": """
def _term_correct(row):
    return float(any(_same(content, row["answer"]) for content in row["chosen"]))
""",
    "coverage": """
def _term_coverage(row):
    facts = [str(fact).casefold() for fact in row["facts"] or []]
    text = row["completion"].casefold()
    return sum(fact in text for fact in facts) / len(facts) if facts else 0.0
""",
    "partial": """
def _term_partial(row):
    wanted = _numbers(row["answer"]) if row["answer"] is not None else None
    for content in row["chosen"]:
        given = _numbers(content)
        if wanted is not None and given is not None and given != wanted and sorted(given) == sorted(wanted):
            return 1.0
    return 0.0
""",
    "format": """
def _term_format(row):
    if FORMAT_GATE == "correct":
        return _term_correct(row)
    if FORMAT_GATE == "content":
        return float(any(_typed(content, row["answer"]) for content in row["chosen"]))
    return float(bool(row["chosen"]))
""",
    "steps": '''
OPERATORS = str.maketrans({"×": "*", "x": "*", "÷": "/", "−": "-"})
EXPRESSION = re.compile(r"[-+]?\\d+(?:\\.\\d+)?(?:\\s*[-+*/]\\s*[-+]?\\d+(?:\\.\\d+)?)+")
RESULT = re.compile(r"\\s*([-+]?\\d+(?:\\.\\d+)?)")
EXPRESSION_CHARACTERS = frozenset("0123456789. \\t+-*/")


def _evaluate(expression):
    sums, product, operator, sign = [], None, "*", 1.0
    for token in re.findall(r"\\d+(?:\\.\\d+)?|[-+*/]", expression):
        if token in "+-":
            if product is not None:
                sums.append(product)
                product, operator = None, "*"
            sign = -sign if token == "-" else sign
        elif token in "*/":
            operator = token
        else:
            value, sign = sign * float(token), 1.0
            if product is None:
                product = value
            elif operator == "*":
                product *= value
            else:
                product = product / value if value else float("nan")
    return sum(sums) + (product or 0.0)


def _equations(line):
    """Each 'expression = number' on the line, read in linear time: the expression is the run of digits and
    operators just before an '=', the number what follows it."""
    parts = line.translate(OPERATORS).split("=")
    found = []
    for left, right in zip(parts, parts[1:]):
        start = len(left)
        while start and left[start - 1] in EXPRESSION_CHARACTERS:
            start -= 1
        expression, result = left[start:].strip(), RESULT.match(right)
        if result and EXPRESSION.fullmatch(expression):
            found.append((expression, result.group(1)))
    return found


def _step_rewards(completion):
    """1 for a line whose equations all hold, 0 for one with an equation that does not; lines without one skip."""
    rewards = []
    for line in completion.splitlines():
        equations = _equations(line)
        if equations:
            rewards.append(float(all(abs(_evaluate(left) - float(right)) < 1e-9 for left, right in equations)))
    return rewards


def _term_steps(row):
    rewards = _step_rewards(row["completion"])
    if STEP_MODE == "clip":
        # Clip (text/steps.py clip_steps, threshold 1): no step pays, a wrong one costs.
        return sum(min(reward - 1.0, 0.0) for reward in rewards)
    if STEP_MODE == "delta":
        # Delta (text/steps.py delta_steps): r_t - r_(t+1), the last keeps its own; it sums to the first step's.
        return sum([a - b for a, b in zip(rewards, rewards[1:])] + rewards[-1:])
    return float(sum(rewards))
''',
    "length": """
def _term_length(row):
    return -_overlong(row["completion"], row["limit"], row["words"], row["word_limit"])
""",
    "repetition": '''
def _term_repetition(row):
    """The share of repeated lines or repeated word n-grams, whichever is larger."""
    lines = [line.strip() for line in row["completion"].splitlines() if line.strip()]
    grams = _grams(row["completion"], NGRAM)
    shares = [1.0 - len(set(items)) / len(items) for items in (lines, grams) if len(items) > 1]
    return -max(shares, default=0.0)
''',
    "copy": '''
def _term_copy(row):
    """The share of the prompt's word 4-grams the completion repeats, past COPY_THRESHOLD: copying much of the
    prompt back costs, quoting a phrase of it does not."""
    wanted = set(_grams(row["prompt"], 4))
    if not wanted:
        return 0.0
    share = len(wanted & set(_grams(row["completion"], 4))) / len(wanted)
    return -max(0.0, share - COPY_THRESHOLD) / (1.0 - COPY_THRESHOLD)
''',
    "base": """
def _term_base(row):
    return 1.0
""",
    "relevance": """
def _term_relevance(row):
    words = row["completion"].casefold().split()
    seen = set(row["prompt"].casefold().split())
    return sum(word in seen for word in words) / len(words) if words else 0.0
""",
}

#: Completions longer than this many times their limit are not searched for answers: none could be paid, and
#: a lazy pattern over a long run of spaces costs quadratic time.
PARSE_LIMIT = 4

#: Terms whose pay is withheld from a completion past its limits or addressed to the grader.
PAYING = ("correct", "coverage", "partial", "format", "relevance")

_ENTRY = """

def compute_reward(prompts, completions, answers, **columns):
    count = len(completions)
    limits = columns.get("max_chars") or [MAX_CHARS] * count
    word_limits = columns.get(WORD_LIMIT) if WORD_LIMIT else None
    selectors = columns.get(SELECTOR) if SELECTOR else None
    facts = columns.get(FACTS) if FACTS else None
    components = {name: [] for name in WEIGHTS}
    for index, (prompt, completion, answer) in enumerate(zip(prompts, completions, answers)):
        key = str(selectors[index]) if selectors else "*"
        patterns = [PATTERNS[key]] if key in PATTERNS else list(PATTERNS.values())
        limit = int(limits[index] or MAX_CHARS)
        # Past a few times its limit a completion cannot be paid, and is not searched for answers either.
        found = _answers(completion, patterns) if len(completion) <= PARSE_LIMIT * limit else []
        if SINGLE_ANSWER and len(found) > 1:
            found = []
        row = {
            "prompt": prompt,
            "completion": completion,
            "answer": answer,
            "facts": facts[index] if facts else None,
            "limit": limit,
            "words": len(completion.split()),
            "word_limit": int(word_limits[index]) if word_limits and word_limits[index] else None,
            "chosen": found[-1:] if PICK == "last" else found,
        }
        within = len(completion) <= row["limit"] and (not row["word_limit"] or row["words"] <= row["word_limit"])
        payable = (within or not LENGTH_CAP) and not (GUARD and GRADER.search(completion))
        for name, weight in WEIGHTS.items():
            value = TERMS[name](row)
            if name in PAYING and not payable:
                value = 0.0
            components[name].append(weight * value + 0.0)  # no -0.0 in the components
    rewards = [sum(values[index] for values in components.values()) for index in range(count)]
    return rewards, components
"""


def term_weights(genome: TextGenome, shape: TaskShape) -> dict[str, float]:
    """Each term the reward has, by component name, and its weight (penalties as positive weights)."""
    content = "coverage" if shape.answer_kind == "none" else "correct"
    weights = {
        content: genome.correct,
        "partial": genome.partial if shape.answer_kind == "list" else 0.0,
        "format": genome.format if shape.answer_kind != "none" else 0.0,
        "steps": genome.step_weight if genome.steps != "off" else 0.0,
        "length": genome.overlong,
        "repetition": genome.repetition,
        "copy": genome.copy_penalty,
        "base": genome.base,
        "relevance": genome.relevance,
    }
    return {name: weight for name, weight in weights.items() if weight > 0}


def render_text_reward(genome: TextGenome, shape: TaskShape) -> str:
    """The genome as reward code for a task of ``shape``."""
    weights = term_weights(genome, shape)
    names = list(weights)
    # The format term at 'correct' calls the correctness check even when correctness itself is not paid.
    needed = [*names, *(["correct"] if "format" in names and "correct" not in names else [])]
    constants = {
        "PATTERNS": shape.patterns,
        "SELECTOR": shape.selector,
        "EXACT": shape.exact,
        "FACTS": shape.facts,
        "WORD_LIMIT": shape.word_limit,
        "MAX_CHARS": shape.max_chars,
        "PARSE_LIMIT": PARSE_LIMIT,
        "PICK": genome.pick,
        "SINGLE_ANSWER": genome.single_answer,
        "LENGTH_CAP": genome.length_cap,
        "GUARD": genome.guard_instructions,
        "FORMAT_GATE": genome.format_gate,
        "STEP_MODE": genome.steps,
        "NGRAM": genome.ngram,
        "OVERLONG_START": genome.overlong_start,
        "COPY_THRESHOLD": genome.copy_threshold,
        "WEIGHTS": weights,
        "PAYING": tuple(name for name in PAYING if name in names),
    }
    lines = [
        genome.marker_line(),
        f'"""Text reward by the rule-based text designer. {describe_genome(genome, shape)}."""',
        "",
        "import re",
        "",
        *(f"{name} = {_literal(value)}" for name, value in constants.items()),
        f'GRADER = re.compile(r"{GRADER_WORDS}", re.IGNORECASE)',  # the pattern holds no double quote
    ]
    terms = "\n".join(_TERMS[name] for name in needed)
    table = "\n\nTERMS = {" + ", ".join(f'"{name}": _term_{name}' for name in needed) + "}\n"
    return "\n".join(lines) + "\n" + _HELPERS + "\n" + terms + table + _ENTRY


def _literal(value: object) -> str:
    """A constant as Python source, strings in double quotes as the project writes them."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(key)}: {_literal(item)}" for key, item in value.items()) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_literal(item) for item in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def term_at_line(code: str, line: int) -> str | None:
    """The term whose function holds ``line`` (1-based) of rendered code; None outside every term."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    for node in tree.body:
        inside = isinstance(node, ast.FunctionDef) and node.lineno <= line <= (node.end_lineno or node.lineno)
        if inside and node.name.startswith("_term_"):
            return node.name.removeprefix("_term_")
    return None
