"""storage_local passes the storage contract."""

import pytest

from core.testing.contracts import StorageContract
from plugins.storage_local.storage import LocalStorage


class TestLocalStorage(StorageContract):
    @pytest.fixture
    def storage(self, tmp_path):
        return LocalStorage(str(tmp_path / "media"))
