"""The national policy dialogue (issue 17, item 4; ``docs/dialogue.md``): bodies, meetings,
decisions and actions (:mod:`.bodies`), and consultations with stakeholders' comments and the
authority's answers (:mod:`.consultations`). One transaction per use case; every write is an
entry of the change log (``entity_type`` ``dialogue_body``, ``dialogue_meeting``,
``dialogue_action``, ``consultation``, ``consultation_comment``)."""
