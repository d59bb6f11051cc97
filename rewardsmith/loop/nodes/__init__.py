"""The design loop's nodes: each a plain function of the loop's context and the graph state (or a
``Send`` payload) that returns a partial update; :mod:`rewardsmith.loop.graph` wires them."""
