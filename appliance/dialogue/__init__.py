"""What the agent decides each turn: intents, slot filling, confirmations, tools, handover.

The policy lives here in code; the LLM is one helper of it (classifying what the code cannot),
and never writes to the store.
"""
