"""Housekeeping: runs lost with a dead worker process are marked failed, live ones kept."""

from datetime import timedelta

from promptpro.config import Settings
from promptpro.db.models import ResponseStatus
from promptpro.db.types import utcnow
from promptpro.schemas.library import PromptCreate
from promptpro.schemas.responses import ResponseCreate
from promptpro.schemas.users import UserCreate
from promptpro.services.housekeeping import fail_stale_runs
from promptpro.storage import Storage


async def test_only_runs_older_than_any_run_can_last_are_marked_failed(
    storage: Storage, settings: Settings
) -> None:
    user = await storage.create_user(UserCreate(username="ada"))
    prompt = await storage.create_prompt(user.id, PromptCreate(title="T", content="C"))
    running = ResponseCreate(model="openai/x", status=ResponseStatus.RUNNING)
    longest = timedelta(seconds=settings.first_token_timeout + settings.run_timeout)
    lost = await storage.create_response(
        user.id, prompt.id, running, created_at=utcnow() - longest - timedelta(minutes=5)
    )
    live = await storage.create_response(user.id, prompt.id, running, created_at=utcnow())
    owner, lost_id, live_id = user.id, lost.id, live.id
    assert await fail_stale_runs(storage, settings) == 1
    storage.session.expire_all()
    lost_now = await storage.get_response(owner, lost_id)
    live_now = await storage.get_response(owner, live_id)
    assert lost_now is not None and live_now is not None
    assert lost_now.status == ResponseStatus.FAILED
    assert lost_now.error is not None and lost_now.error["type"] == "/problems/interrupted"
    assert live_now.status == ResponseStatus.RUNNING
