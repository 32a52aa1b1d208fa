"""`python manage.py experiment_worker`: run experiment cells until stopped (SIGTERM/SIGINT
let cells in flight finish)."""

import signal

from django.core.management.base import BaseCommand

from experiments.worker import CellWorker


class Command(BaseCommand):
    help = "Run experiment cells (as many workers as you like, on any machine)."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, help="Cells at once in this process.")

    def handle(self, *args, **options):
        worker = CellWorker(concurrency=options["concurrency"])
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: worker.stop.set())
        self.stdout.write(f"Experiment worker: {worker.concurrency} cells at once.")
        self.stdout.flush()
        worker.run()
