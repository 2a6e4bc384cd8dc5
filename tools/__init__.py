"""Offline tooling for the platform program: `python -m tools <verb> <stack | stack file>`.

Everything here runs the real program under Pulumi mocks: no Pulumi CLI, no cloud credentials.
"""
