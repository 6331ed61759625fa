"""The project's library: data, features, models, training, evaluation and prediction.

The pipeline is explicit and made of small modules; ``dvc.yaml`` lists its stages, in order,
and names the module each one runs:

* :mod:`.config` is the typed schema of ``configs/``, and reads ``params.yaml`` for DVC stages,
* :mod:`.data` loads the raw data and splits it (stage ``prepare``),
* :mod:`.features` builds the feature transformations,
* :mod:`.models` defines the :class:`~.models.Classifier` interface and a scikit-learn model,
* :mod:`.train` fits a model (stage ``train``),
* :mod:`.evaluate` scores it and collects the worst mispredictions (stage ``evaluate``),
* :mod:`.report` writes the HTML report and the model card of a run (stage ``report``),
* :mod:`.predict` applies a trained model to new data,
* :mod:`.pipeline` runs every stage of ``dvc.yaml`` in order, in one process, or a sweep,
* :mod:`.tracker` records runs with the tracker ``configs/`` names, or with none,
* :mod:`.experiments` composes ``params.yaml`` and runs and keeps DVC experiments
  (``make params``, ``make exp``, ``make keep``),
* :mod:`.storage` pulls and pushes DVC-tracked files (``make data``, the pre-push hook),
* :mod:`.sample_data` exports the bundled sample dataset (``make data``).

The optional parts, in the projects that have them, are modules of their own that the core
modules never import: ``tracking`` (the MLflow tracker, named in ``configs/``), ``export_onnx``
(stage ``export_onnx``) and ``serving`` (the HTTP API, ``make serve``).
"""

__version__ = "0.1.0"
