"""The national policy dialogue (issue 17, item 4): bodies, meetings, decisions and actions, and
consultations on a document with stakeholders' comments and the authority's answers. Pure
values and rules: :mod:`.model` (what a valid record is), :mod:`.access` (who reads and writes
what)."""
