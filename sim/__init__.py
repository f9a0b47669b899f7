"""The agent-based model of cadres (MODEL.md section 2): ``CadreModel`` and its phases."""

from sim.model import CadreModel

__all__ = ["CadreModel"]
