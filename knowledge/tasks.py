"""Background tasks of the knowledge base (queue "default", below notifications in priority)."""

from __future__ import annotations

from django_tasks import task

from knowledge import services


# Behind notifications: a load of a hundred articles must not delay a reminder by minutes.
@task(priority=-10)
def synthesise_audio(audio_id: int, text_hash: str) -> str:
    """Read one article or lesson step aloud and store the Opus file."""
    return services.audio_synthesise(audio_id=audio_id, text_hash=text_hash)
