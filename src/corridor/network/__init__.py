"""Networks: who works with whom, built per reader from what they may see, and analysed.

build.py reads the store into a `Network` (graph.py) of canonical entities and links with
their evidence (evidence.py); analysis.py finds communities, centralities, key players to
disrupt, and paths (time-respecting ones too); roles.py infers what each person does from
behaviour; export.py writes the network for other tools; service.py is what the API and the
command line call (timelines too), each read audited.
"""
