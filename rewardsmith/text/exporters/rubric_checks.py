# --- a rewardsmith rubric's machine checks, standing alone --------------------------------------------
# Above this line: the answer readers (after_marker, single_number, integer_list) and _RUBRIC_CRITERIA, the
# rubric's criteria in order as (id, weight, the check's fields). Each check scores as rewardsmith.text.rubric's;
# a judge criterion asks the judge the reward is given. Below it: compute_reward, which calls _rubric_reward.
import json as _rubric_json
import re as _rubric_re


def _rubric_length(completion, answer, row, max_chars=None, max_words=None, min_chars=1):
    within_chars = max_chars is None or len(completion) <= max_chars
    within_words = max_words is None or len(completion.split()) <= max_words
    return float(within_chars and within_words and len(completion.strip()) >= min_chars)


def _rubric_format(completion, answer, row, format, tag="answer", keys=("answer",)):
    if format == "tags":
        pattern = rf"\s*<{tag}>(.+?)</{tag}>\s*"
        return float(_rubric_re.fullmatch(pattern, completion, _rubric_re.DOTALL) is not None)
    try:
        value = _rubric_json.loads(completion)
    except ValueError:
        return 0.0
    return float(isinstance(value, dict) and set(value) == set(keys))


def _rubric_regex(completion, answer, row, pattern, must_match=True):
    return float((_rubric_re.search(pattern, completion) is not None) == must_match)


def _rubric_parse(completion, answer, row, parse, marker, match_answer=True):
    reader = single_number if parse == "number" else integer_list  # noqa: F821 - defined above, in an exported file
    given = reader(after_marker(completion, marker))  # noqa: F821 - defined above, in an exported file
    if given is None:
        return 0.0
    return float(not match_answer or (answer is not None and given == reader(answer)))


def _rubric_mentions(completion, answer, row, column="facts"):
    wanted = [str(item) for item in row.get(column) or ()]
    if not wanted:
        raise ValueError(f"the mentions check needs the column '{column}', a non-empty list per prompt")
    text = completion.lower()
    return sum(item.lower() in text for item in wanted) / len(wanted)


_RUBRIC_CHECKS = {
    "length": _rubric_length,
    "format": _rubric_format,
    "regex": _rubric_regex,
    "parse": _rubric_parse,
    "mentions": _rubric_mentions,
}


def _rubric_reward(prompts, completions, answers, judge, columns):
    """The rubric's reward (its criteria's weighted mean) and each criterion's weighted score as a component."""
    count = len(completions)
    total = sum(weight for _id, weight, _fields in _RUBRIC_CRITERIA)  # noqa: F821 - defined above, in an exported file
    rows = [{name: values[i] for name, values in columns.items()} for i in range(count)]
    components = {}
    for criterion_id, weight, fields in _RUBRIC_CRITERIA:  # noqa: F821 - defined above, in an exported file
        arguments = {key: value for key, value in fields.items() if key != "kind"}
        if fields["kind"] == "judge":
            if judge is None:
                raise ValueError(f"criterion '{criterion_id}' is a judge criterion; run the rubric with a judge")
            question, choices = arguments["question"], list(arguments["choices"])
            scores = [judge(question, choices, p, c) for p, c in zip(prompts, completions, strict=True)]
        else:
            check = _RUBRIC_CHECKS[fields["kind"]]
            scores = [check(c, a, row, **arguments) for c, a, row in zip(completions, answers, rows, strict=True)]
        components[criterion_id] = [weight / total * score for score in scores]
    rewards = [sum(values[i] for values in components.values()) for i in range(count)]
    return rewards, components
