"""`python manage.py experiment run --template ID --label staging --dataset ID [--min-pass 0.9]`:
a CI gate. Creates and starts an experiment of the template's version under that label over the
dataset, runs its cells in this process (the same code as a worker), prints the summary per
variant and exits 1 when a pass rate is below --min-pass (2 when it could not run at all)."""

import json
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from datasets.models import Dataset
from experiments import selectors, services
from experiments.cells import cells_run_here
from experiments.models import Experiment
from experiments.worker import CellWorker
from prompts.models import PromptTemplate


class Command(BaseCommand):
    help = "Run an experiment as a CI gate: exit 1 if a pass rate is below --min-pass."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Create, start and run an experiment here.")
        run.add_argument("--template", required=True, help="Template id.")
        run.add_argument("--label", default="", help="Label to run (default: latest).")
        run.add_argument("--dataset", required=True, help="Dataset id.")
        run.add_argument("--min-pass", type=float, default=1.0, help="Lowest pass rate, 0-1.")
        run.add_argument("--user", help="Username to run as (default: the dataset's creator).")
        run.add_argument("--model", default="", help="Run with this model instead.")
        run.add_argument("--evaluators", help="JSON list (default: the dataset's defaults).")
        run.add_argument("--repetitions", type=int, default=1)
        run.add_argument(
            "--concurrency", type=int, help="Cells at once (1: in this thread, no pool)."
        )

    def handle(self, *args, **options):
        experiment = self._started(options)
        while experiment.status == Experiment.Status.RUNNING:
            if options["concurrency"] == 1:
                cells_run_here()
            else:
                CellWorker(concurrency=options["concurrency"]).run(until_idle=True)
            experiment.refresh_from_db()
            if experiment.status == Experiment.Status.RUNNING:
                time.sleep(settings.EXPERIMENT_POLL_SECONDS)  # cells waiting out a rate limit
        rows = selectors.experiment_summary(experiment)
        failing = self._print(experiment, rows, options["min_pass"])
        if failing:
            self.stderr.write(f"Below {options['min_pass']:.0%}: {', '.join(failing)}")
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Every pass rate meets the threshold."))

    def _started(self, options) -> Experiment:
        try:
            dataset = Dataset.objects.select_related("team").get(pk=options["dataset"])
            template = PromptTemplate.objects.get(pk=options["template"])
            user = (
                User.objects.get(username=options["user"])
                if options["user"]
                else dataset.created_by
            )
            evaluators = json.loads(options["evaluators"]) if options["evaluators"] else None
            variant = {"template_id": template.pk, "label": options["label"]}
            experiment = services.experiment_create(
                user=user,
                dataset=dataset,
                name=f"CI: {template.name} {options['label'] or 'latest'}",
                variants=[{**variant, "model": options["model"]}],
                repetitions=options["repetitions"],
                evaluators=evaluators,
            )
            return services.experiment_start(user=user, experiment=experiment)
        except (ValueError, ValidationError, PermissionDenied) as error:
            raise CommandError(f"Cannot run: {error}", returncode=2) from None
        except (Dataset.DoesNotExist, PromptTemplate.DoesNotExist, User.DoesNotExist) as error:
            raise CommandError(f"Cannot run: {error}", returncode=2) from None

    def _print(self, experiment: Experiment, rows: list[dict], min_pass: float) -> list[str]:
        self.stdout.write(f"Experiment {experiment.pk} ({experiment.status})")
        self.stdout.write(
            f"{'variant':<40} {'evaluator':<30} {'pass':>6} {'score':>5}  cells errors p50ms"
        )
        failing = []
        for row in rows:
            rates = row["pass_rates"] or {"(no verdicts)": None}
            for name, rate in rates.items():
                shown = "—" if rate is None else f"{rate:.0%}"
                score = row["judge_scores"].get(name)  # a judge's mean score, 0-1
                score_shown = "—" if score is None else f"{score:.2f}"
                self.stdout.write(
                    f"{row['name'][:40]:<40} {name[:30]:<30} {shown:>6} {score_shown:>5}  "
                    f"{row['cells']:>5} {row['errors']:>6} {row['latency_p50_ms'] or '—'}"
                )
                if rate is not None and rate < min_pass:
                    failing.append(f"{row['name']} / {name} ({rate:.0%})")
            if row["errors"] and not row["pass_rates"] and min_pass > 0:
                failing.append(f"{row['name']}: {row['errors']} cells failed")
        return failing
