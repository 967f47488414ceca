import pytest

from aekit.data import debian
from aekit.data.cache import run_fetch_command
from aekit.errors import DataError


@pytest.fixture
def not_installed(monkeypatch, tmp_path):
    monkeypatch.setenv("AEKIT_CACHE", str(tmp_path))
    monkeypatch.setattr(debian, "_installed", lambda package: False)
    return tmp_path


def test_an_unpacked_copy_in_the_cache_is_used_without_downloading(not_installed, monkeypatch):
    inner = not_installed / "debian" / "somepkg" / "usr" / "share" / "thing"
    inner.mkdir(parents=True)
    monkeypatch.setattr(debian, "_download_and_unpack", lambda *a: pytest.fail("downloaded again"))
    assert debian.package_path("somepkg", "usr/share/thing") == inner


def test_a_download_is_unpacked_into_the_cache(not_installed, monkeypatch):
    def fake(package, target):
        (target / "usr" / "share" / "thing").mkdir(parents=True, exist_ok=True)

    monkeypatch.setattr(debian, "_download_and_unpack", fake)
    assert debian.package_path("pkg", "usr/share/thing") == not_installed / "debian" / "pkg" / "usr/share/thing"
    with pytest.raises(DataError, match="pkg has no usr/share/other"):
        debian.package_path("pkg", "usr/share/other")


def test_an_installed_package_is_used_in_place(monkeypatch, tmp_path):
    monkeypatch.setenv("AEKIT_CACHE", str(tmp_path))
    monkeypatch.setattr(debian, "_installed", lambda package: True)
    assert str(debian.package_path("anything", "usr")) == "/usr"


def test_fetch_command_errors_are_one_line_and_say_what_failed(tmp_path):
    with pytest.raises(DataError, match="needs the 'no-such-tool' command"):
        run_fetch_command(["no-such-tool"], tmp_path, "fetching x")
    with pytest.raises(DataError, match=r"fetching x: .* failed \(oops\); try again"):
        run_fetch_command(["sh", "-c", "echo oops >&2; exit 3"], tmp_path, "fetching x", hint="try again")
    assert run_fetch_command(["sh", "-c", "echo fine"], tmp_path, "x") == "fine\n"
