"""The collaborative-edit family: co-authoring a document about AI oversight."""

from cc_evals.collaborative_edit.task import collaborative_edit

__all__ = ["collaborative_edit"]
