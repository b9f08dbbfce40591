"""Names and caps of the run store (no heavy import: safe for ``import tsviz.runs``)."""
from __future__ import annotations

__all__ = ["RUN_KINDS", "RUN_STATUSES", "FINISHED_STATUSES", "ANSWER_CHOICES", "ITEM_KINDS", "CAPS",
           "DB_URL_ENV", "ARTIFACTS_ENV", "DB_FILENAME"]

#: What a run is; ``store.record(kind, ...)`` refuses anything else.
RUN_KINDS = ("training", "attack", "certification", "explanation", "augmentation", "comparison", "study", "sweep",
             "reproduction", "generation", "other")
#: Life cycle: ``running`` -> ``done`` | ``failed`` | ``cancelled``; ``interrupted`` is set by
#: :meth:`RunStore.reap` on a run whose process died (SIGKILL, power loss) while it was running.
RUN_STATUSES = ("running", "done", "failed", "cancelled", "interrupted")
FINISHED_STATUSES = ("done", "failed", "cancelled", "interrupted")
#: "Was this signal manipulated?" in a perception study.
ANSWER_CHOICES = ("yes", "no", "unsure")
#: Items of a perception study.
ITEM_KINDS = ("clean", "adversarial")

DB_URL_ENV = "TSVIZ_DB_URL"
ARTIFACTS_ENV = "TSVIZ_ARTIFACTS"
DB_FILENAME = "runs.sqlite3"

#: Caps on what a caller may put in the store (bytes, characters, counts).
CAPS = {
    "json_bytes": 4 * 2**20,          # one JSON column (params, metrics, ...) once serialised
    "json_depth": 32,                 # nesting depth of a JSON value
    "artifact_bytes": 512 * 2**20,    # one artifact file (NPZ, JSON, copied file); uncompressed NPZ size on load
    "artifact_name": 80,              # characters of an artifact name
    "artifacts_per_run": 200,
    "label": 200,                     # characters of a run label / study name / reviewer
    "comment": 5000,                  # characters of a study answer's comment
    "error": 4000,                    # characters kept of a failed run's error message
    "study_items": 10_000,
    "list_limit": 10_000,
}
