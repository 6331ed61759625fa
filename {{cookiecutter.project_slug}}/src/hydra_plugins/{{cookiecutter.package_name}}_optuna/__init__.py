"""The project's Hydra sweeper for hyperparameter searches (``make tune``): Optuna, driven
through its ask-and-tell interface, running each trial on whichever Hydra launcher is chosen.

Hydra finds sweepers in the ``hydra_plugins`` namespace package only, so it lives here rather than
in the project's package. configs/hydra/sweeper/optuna.yaml selects it, and the search files in
configs/hparams_search/ set its options.
"""
