"""Provider API keys at rest: Fernet (AES-128-CBC + HMAC-SHA256) from the `cryptography` library.

Keys come from FIELD_ENCRYPTION_KEY, a comma-separated list of Fernet keys: the first encrypts,
all of them decrypt (MultiFernet), so rotation is "put a new key first, run
`manage.py rotate_provider_keys`, then drop the old key". Without FIELD_ENCRYPTION_KEY a key is
derived from SECRET_KEY with HKDF, so a zero-config install still never stores a key in clear;
that derived key stays readable (last) once dedicated keys are configured.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class DecryptionError(Exception):
    """The stored value cannot be read with the configured keys."""


def _derived_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"octoplay-provider-keys")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    # The SECRET_KEY-derived key always comes last: it decrypts what was stored before a
    # dedicated key was configured, so `rotate_provider_keys` can move those values over.
    raw_keys = [key.encode() for key in keys] + [_derived_key(secret_key)]
    return MultiFernet([Fernet(key) for key in raw_keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionError(
            "A provider key cannot be decrypted: FIELD_ENCRYPTION_KEY (or SECRET_KEY) changed "
            "without keeping the old key. See README, 'Rotating the encryption key'."
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt with the first (newest) key."""
    return _current().rotate(token.encode()).decode()
