"""The gate before RL: the exploit vocabulary, the hack probes, the trajectory pool and the judgement
of a candidate's returns on it."""
