"""Reference reward: the facts mentioned within the word limit, and a little for ending in a full sentence."""


def compute_reward(prompts, completions, answers, facts, max_words, **columns):
    rewards, fact_terms, sentence_terms = [], [], []
    for completion, wanted, limit in zip(completions, facts, max_words, strict=True):
        text = completion.strip()
        within = 0 < len(text.split()) <= limit
        covered = sum(fact.lower() in text.lower() for fact in wanted) / len(wanted) if within else 0.0
        sentence = 0.1 * float(within and covered > 0 and text.endswith("."))
        fact_terms.append(covered)
        sentence_terms.append(sentence)
        rewards.append(covered + sentence)
    return rewards, {"facts": fact_terms, "sentence": sentence_terms}
