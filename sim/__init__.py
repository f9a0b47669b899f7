"""The agent-based model of cadres (docs/model.md section 3): ``CadreModel`` and its phases."""

from sim.model import CadreModel

__all__ = ["CadreModel"]
