"""Table-top exercises and their evaluation (issue 16 items 2 and 3; ``docs/exercises.md``):
the exercise and its master events list (:mod:`.model`), the scenario clock, the journal and the
measured times (:mod:`.play`), ratings, feedback and the overall rating (:mod:`.evaluation`),
who may do what (:mod:`.access`)."""
