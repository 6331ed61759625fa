"""The project's library: data, features, models, training, evaluation and prediction.

The pipeline is explicit and made of small modules, one per stage:

* :mod:`.data` loads the raw data and splits it (stage ``prepare``),
* :mod:`.features` builds the feature transformations,
* :mod:`.models` defines the :class:`~.models.Classifier` interface and a scikit-learn model,
* :mod:`.train` fits a model (stage ``train``),
* :mod:`.evaluate` scores it and collects the worst mispredictions (stage ``evaluate``),
* :mod:`.predict` applies a trained model to new data,
* :mod:`.pipeline` runs every stage in order.
{%- if cookiecutter.serving == 'fastapi' %}
* :mod:`.serving` serves a trained model over HTTP (``make serve``).
{%- endif %}
"""

__version__ = "0.1.0"
