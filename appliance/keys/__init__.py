"""The box's data key: kept beside the store, sealed to the clinic's recovery key, used to
encrypt the store (SQLCipher) and every file holding patient data (AES-256-GCM)."""
