"""The yearly phases of ``CadreModel.step`` (docs/model.md section 3), one module per phase.

Each is a function of arrays plus ``rng`` that returns new arrays; only
``CadreModel.step`` assigns state.
"""
