"""The design loop as one LangGraph ``StateGraph``: the nodes it has and the edges between them.

::

    specify ─► design ─► critic ─► verify ─► gate ─► train ×n (Send) ─► analyze ─► select
       ▲                                                                           │
       └──── design ◄── correct_spec (hacking or rubric violations) ◄──────────────┤
                                            final_eval ◄── (N rounds or target) ◄──┘
                                                └─► report ─► END

With ``review`` on, select goes through ``review`` before design or correct_spec: a LangGraph
interrupt that pauses the run until a reviewer's feedback resumes it.

The state (:mod:`rewardsmith.loop.state`) holds only ids, numbers and short summaries; code,
episodes, metrics and verdicts live in the run record, which every node reads and writes. Nodes that
act per candidate skip candidates whose result is already on disk, so a resumed run never redoes
finished work even where LangGraph re-runs a node. A candidate's failure is recorded on the
candidate and never raised out of its node, so one bad branch cannot sink its siblings.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.nodes.analyze import analyze
from rewardsmith.loop.nodes.correct_spec import correct_spec
from rewardsmith.loop.nodes.critic import critic
from rewardsmith.loop.nodes.design import design
from rewardsmith.loop.nodes.finish import final_eval, report
from rewardsmith.loop.nodes.gate import gate
from rewardsmith.loop.nodes.select import review, select
from rewardsmith.loop.nodes.specify import specify
from rewardsmith.loop.nodes.train import fan_out_train, train
from rewardsmith.loop.nodes.verify import verify
from rewardsmith.loop.state import LoopState, TrainTask


def build_graph(ctx: LoopContext, connection: sqlite3.Connection) -> CompiledStateGraph:
    """The loop's graph over ``ctx``, checkpointed to ``connection``."""

    def bound(node: Callable[[LoopContext, Any], Any]) -> Callable[[Any], Any]:
        return lambda state: node(ctx, state)

    graph = StateGraph(LoopState)
    graph.add_node("specify", bound(specify))
    graph.add_node("design", bound(design))
    graph.add_node("critic", bound(critic))
    graph.add_node("verify", bound(verify))
    graph.add_node("gate", bound(gate))
    graph.add_node("train", bound(train), input_schema=TrainTask)
    graph.add_node("analyze", bound(analyze))
    graph.add_node("select", bound(select), destinations=("design", "correct_spec", "final_eval", "review"))
    graph.add_node("review", bound(review), destinations=("design", "correct_spec"))
    graph.add_node("correct_spec", bound(correct_spec), destinations=("design",))
    graph.add_node("final_eval", bound(final_eval))
    graph.add_node("report", bound(report))

    graph.add_edge(START, "specify")
    graph.add_edge("specify", "design")
    graph.add_edge("design", "critic")
    graph.add_edge("critic", "verify")
    graph.add_edge("verify", "gate")
    graph.add_conditional_edges("gate", bound(fan_out_train), ["train", "select"])
    graph.add_edge("train", "analyze")
    graph.add_edge("analyze", "select")
    # select, review and correct_spec route themselves with Command, to the destinations named above.
    graph.add_edge("final_eval", "report")
    graph.add_edge("report", END)
    return graph.compile(checkpointer=SqliteSaver(connection, serde=checkpoint_serializer()))


def checkpoint_serializer() -> JsonPlusSerializer:
    """LangGraph's serializer, allowed to read back exactly the payload types the graph sends and no other."""
    return JsonPlusSerializer(allowed_msgpack_modules=[(TrainTask.__module__, TrainTask.__name__)])
