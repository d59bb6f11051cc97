"""The design loop: its LangGraph graph, the nodes, the run record, the final evaluation and the report."""
