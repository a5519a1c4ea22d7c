"""The API's response shapes: one module per route module (`routes/entities.py` answers with
`schemas/entities.py`'s models), so that `/openapi.json` describes every field of every answer.

The models document what the routes return and change nothing in it: every key a route returns
is a field (FastAPI keeps only a model's fields), values keep their JSON types, and a route whose
answers leave out keys with nothing to say serialises with `response_model_exclude_unset`, so an
absent key stays absent instead of becoming `null`. Open-ended parts (an entity's properties, a
package manifest, an audit entry's detail) are typed as maps inside the models.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import WithJsonSchema

#: A time as the routes write it: ISO 8601 text, passed through as it is (parsing it as a
#: `datetime` would re-format it).
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
#: A day as ISO 8601 text (`2027-12-31`).
Day = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
