"""Encryption of secrets at rest (store and supplier tokens), with keys from settings.

The current key encrypts; previous keys only decrypt, so a key can be replaced without a moment in
which stored secrets are unreadable: add the new key as current and the old one as previous,
re-encrypt everything (`ordercenter secrets rotate`), then drop the old key.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def _fernet(secret_key: str) -> Fernet:
    # Any string of 32+ characters is a key: Fernet wants 32 bytes, so the key is hashed to them.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()))


class SecretBox:
    """Fernet (AES-128-CBC + HMAC): the current key encrypts, it and the previous keys decrypt."""

    def __init__(self, secret_key: str, previous_keys: Sequence[str] = ()) -> None:
        self._current = _fernet(secret_key)
        others = [_fernet(key) for key in previous_keys if key != secret_key]
        self._all = MultiFernet([self._current, *others])

    def encrypt(self, plaintext: str) -> str:
        return self._current.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._all.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise ValueError("a stored secret cannot be decrypted: was the secret key changed? (an old key "
                             "still decrypts when listed in ORDERCENTER_SECRET_KEYS_PREVIOUS)") from None

    def is_current(self, ciphertext: str) -> bool:
        """True when the current key alone decrypts it (nothing to re-encrypt)."""
        try:
            self._current.decrypt(ciphertext.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, ciphertext: str) -> str:
        """The same secret encrypted with the current key; ValueError when no known key decrypts it."""
        try:
            return self._all.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise ValueError("a stored secret cannot be decrypted with the current or previous keys") from None
