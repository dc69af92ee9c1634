"""API keys: from environment variables first, then the OS keyring where one exists.

Keys are never written to the database, exports or logs. On a headless Linux machine `keyring`
has no backend and raises `NoKeyringError`; any keyring failure is treated as "not stored" so a
missing key ends in one clear message that names the variable.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from workbench.core.errors import KnownError, MissingSecretError

KEYRING_SERVICE = "prompt-workbench"
DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}

log = logging.getLogger(__name__)


class SecretStore:
    """Looks secrets up by name: environment first, then the keyring.

    Args:
        environ: the environment to read (defaults to ``os.environ``; tests pass a dict).
        service: the keyring service name the secrets are stored under.
        use_keyring: False skips the keyring entirely (tests, CI).
    """

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        *,
        service: str = KEYRING_SERVICE,
        use_keyring: bool = True,
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._service = service
        self._use_keyring = use_keyring

    def get(self, name: str) -> str | None:
        """The secret's value, or None when neither the environment nor the keyring has it."""
        value = self._environ.get(name)
        if value:
            return value
        if not self._use_keyring:
            return None
        try:
            import keyring

            stored = keyring.get_password(self._service, name)
        except Exception as exc:  # NoKeyringError, a locked or broken backend: treat as absent
            log.debug("keyring lookup for %s failed: %s", name, type(exc).__name__)
            return None
        return stored or None

    def require(self, name: str) -> str:
        """The secret's value; `MissingSecretError` naming the variable when it is not set."""
        value = self.get(name)
        if value is None:
            raise MissingSecretError(
                f"Set {name} (environment variable) or store it in the OS keyring with "
                f"`keyring set {self._service} {name}`."
            )
        return value

    def set_in_keyring(self, name: str, value: str) -> None:
        """Store a secret in the OS keyring; `KnownError` when no usable keyring exists."""
        try:
            import keyring

            keyring.set_password(self._service, name, value)
        except Exception as exc:
            raise KnownError(
                f"Could not store {name} in the OS keyring ({type(exc).__name__}); "
                f"set the {name} environment variable instead."
            ) from None

    def known_values(self, *names: str) -> list[str]:
        """The values of the named secrets that are set (for scrubbing messages)."""
        return [value for name in names if (value := self.get(name))]
