"""An Optuna search as a Hydra sweeper: ask for trials, launch them, tell their results.

Why not hydra-optuna-sweeper: its last release (1.3.0) pins optuna below 3 and warns under
SQLAlchemy 2. This sweeper uses the current Optuna and the same search-space syntax (Hydra's
override grammar): ``choice(a, b)``, ``range(1, 10)``, ``interval(0.1, 1)``,
``int(interval(1, 100))`` and ``tag(log, interval(1e-3, 100))`` for a log scale.

The study lives in an SQLite file (``storage``), so a search that stops, for any reason, resumes
where it was: ``n_trials`` is the number of completed trials the study should have, and running
the same search again runs only the missing ones. Each trial's result is read from its job
folder (``result.json``, written by the job itself), so one trial that fails or is cancelled is
told to Optuna as failed and the others count.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import (
    ChoiceSweep,
    IntervalSweep,
    Override,
    RangeSweep,
)
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

if TYPE_CHECKING:
    import optuna

log = logging.getLogger(__name__)

RESULT_FILE = "result.json"  # what each job writes into its folder
STUDY_FILE = "optuna.json"  # what the search writes into the sweep's folder at the end


class SearchError(ValueError):
    """A search that cannot run as configured; the message says what to change."""


def distribution(override: Override) -> optuna.distributions.BaseDistribution:
    """The Optuna distribution of a search-space entry in Hydra's override syntax."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    value = override.value()
    key = override.get_key_element()
    if isinstance(value, ChoiceSweep):
        choices: list[Any] = list(value.list)
        return CategoricalDistribution(choices)
    log_scale = "log" in value.tags if isinstance(value, (RangeSweep, IntervalSweep)) else False
    if isinstance(value, IntervalSweep):
        assert value.start is not None and value.end is not None
        if isinstance(value.start, int) and isinstance(value.end, int):
            return IntDistribution(value.start, value.end, log=log_scale)
        return FloatDistribution(float(value.start), float(value.end), log=log_scale)
    if isinstance(value, RangeSweep):
        assert value.start is not None and value.stop is not None
        values: list[Any] = list(override.sweep_iterator())
        if all(isinstance(item, int) for item in (value.start, value.stop, value.step)):
            return IntDistribution(int(values[0]), int(values[-1]), step=int(value.step))
        return CategoricalDistribution(values)
    raise SearchError(
        f"{override.input_line}: {key} needs a search space: choice(...), range(...), "
        "interval(...) or tag(log, interval(...))"
    )


def as_override(key: str, value: Any) -> str:
    """``key=value`` in Hydra's syntax, for a value Optuna suggested."""
    if isinstance(value, bool):
        return f"{key}={str(value).lower()}"
    if value is None:
        return f"{key}=null"
    return f"{key}={value}"


class OptunaSweeper(Sweeper):
    def __init__(
        self,
        study_name: str,
        storage: str,
        metric: str,
        direction: str,
        n_trials: int,
        n_jobs: int,
        seed: int,
        sampler: str,
        validation_size: float,
        params: Mapping[str, str] | None = None,
        fresh: bool = False,
    ) -> None:
        if direction not in ("maximize", "minimize"):
            raise SearchError(f"hydra.sweeper.direction={direction}: use maximize or minimize")
        if sampler not in ("tpe", "random"):
            raise SearchError(f"hydra.sweeper.sampler={sampler}: use tpe or random")
        if n_trials < 1 or n_jobs < 1:
            raise SearchError("hydra.sweeper.n_trials and n_jobs must be at least 1")
        if not 0 < validation_size < 1:
            raise SearchError(
                f"hydra.sweeper.validation_size={validation_size}: a fraction between 0 and 1"
            )
        self.study_name = study_name
        self.storage = storage
        self.metric = metric
        self.direction = direction
        self.n_trials = n_trials
        self.n_jobs = n_jobs
        self.seed = seed
        self.sampler_name = sampler
        self.params = dict(params or {})
        self.fresh = fresh
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config = config
        self.hydra_context = hydra_context
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def _space(self, arguments: Sequence[str]) -> tuple[list[str], dict[str, Any]]:
        """The fixed overrides, and the search space: ``params`` of the search file, then any
        sweep given on the command line (``model.C=interval(0.1,1)``)."""
        assert self.hydra_context is not None
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        lines = [f"{key}={value}" for key, value in self.params.items()] + list(arguments)
        fixed, space = [], {}
        for override in parser.parse_overrides(lines):
            if override.is_sweep_override():
                space[override.get_key_element()] = distribution(override)
            else:
                fixed.append(override.input_line or "")
        if not space:
            raise SearchError(
                "the search space is empty: give hydra.sweeper.params in the search file "
                "(configs/hparams_search/), e.g. model.C: tag(log, interval(0.001, 100))"
            )
        return fixed, space

    def _study(self) -> optuna.Study:
        import optuna

        storage = self.storage
        if storage.startswith("sqlite:///"):
            Path(storage.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        if self.fresh:
            try:
                optuna.delete_study(study_name=self.study_name, storage=storage)
                log.info("Deleted study %s from %s (fresh=true)", self.study_name, storage)
            except KeyError:
                pass
        sampler: optuna.samplers.BaseSampler = (
            optuna.samplers.TPESampler(seed=self.seed)
            if self.sampler_name == "tpe"
            else optuna.samplers.RandomSampler(seed=self.seed)
        )
        study = optuna.create_study(
            study_name=self.study_name,
            storage=storage,
            sampler=sampler,
            direction=(
                optuna.study.StudyDirection.MAXIMIZE
                if self.direction == "maximize"
                else optuna.study.StudyDirection.MINIMIZE
            ),
            load_if_exists=True,
        )
        if study.direction.name.lower() != self.direction:
            raise SearchError(
                f"study {self.study_name} in {storage} was made to {study.direction.name.lower()}:"
                " give another hydra.sweeper.study_name, or start it again with "
                "hydra.sweeper.fresh=true"
            )
        return study

    def sweep(self, arguments: list[str]) -> list[Any]:
        import optuna
        from optuna.trial import TrialState

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        assert self.config is not None
        fixed, space = self._space(arguments)
        study = self._study()
        # Trials left running by a search that was stopped (Ctrl-C, a killed login session).
        for stale in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            study.tell(stale.number, state=TrialState.FAIL)
            log.info("Trial %d was left unfinished by an earlier run: marked failed", stale.number)
        complete = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        log.info(
            "Study %s (%s): %d of %d trials complete",
            self.study_name,
            self.storage,
            complete,
            self.n_trials,
        )
        returns: list[Any] = []
        # This run launches the trials that are missing; failed ones count against it, so that
        # a search whose every trial fails ends (run it again to retry).
        to_launch = self.n_trials - complete
        job = 0
        while job < to_launch:
            size = min(self.n_jobs, to_launch - job)
            try:
                trials = [study.ask(space) for _ in range(size)]
            except ValueError as error:  # a search space that changed under the same study
                raise SearchError(
                    f"study {self.study_name}: {error}; give another hydra.sweeper.study_name, "
                    "or start it again with hydra.sweeper.fresh=true"
                ) from error
            batch = [
                [*fixed, *(as_override(k, v) for k, v in trial.params.items())] for trial in trials
            ]
            self.validate_batch_is_legal(batch)
            assert self.launcher is not None
            try:
                returns.append(self.launcher.launch(batch, initial_job_idx=job))
            except Exception as error:  # a cancelled SLURM job, say: the results on disk count
                log.error("The launcher failed: %s; reading the results the jobs wrote", error)
            for offset, (trial, overrides) in enumerate(zip(trials, batch, strict=True)):
                folder = sweep_dir / str(job + offset)
                trial.set_user_attr("overrides", overrides)
                trial.set_user_attr("folder", str(folder))
                value = self._value(folder)
                if value is None:
                    study.tell(trial, state=TrialState.FAIL)
                else:
                    study.tell(trial, value)
            job += size
        self._write(study, sweep_dir)
        return returns

    def _value(self, folder: Path) -> float | None:
        result_file = folder / RESULT_FILE
        if not result_file.is_file():
            return None
        metrics = json.loads(result_file.read_text(encoding="utf-8")).get("metrics", {})
        if self.metric not in metrics:
            return None
        return float(metrics[self.metric])

    def _write(self, study: optuna.Study, sweep_dir: Path) -> None:
        from optuna.trial import TrialState

        complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        best = study.best_trial if complete else None
        summary = {
            "study": self.study_name,
            "storage": self.storage,
            "metric": self.metric,
            "direction": self.direction,
            "complete": len(complete),
            "failed": len(study.get_trials(deepcopy=False, states=(TrialState.FAIL,))),
            "best": None
            if best is None
            else {
                "trial": best.number,
                "value": best.value,
                "params": best.params,
                "overrides": best.user_attrs.get("overrides", []),
                "folder": best.user_attrs.get("folder"),
            },
        }
        (sweep_dir / STUDY_FILE).write_text(json.dumps(summary, indent=2) + "\n")
