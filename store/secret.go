package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/argon2"
)

// ErrNoSecretKey is returned when a secret must be stored or read but no key
// was configured.
var ErrNoSecretKey = errors.New("no secret key: set MAGESYNC_SECRET_KEY to store Salesforce secrets")

// Stored secrets: v2 under a key from argon2id with this database's salt,
// bound to the login URL (as AES-GCM's additional data) so that a secret
// opens only for the URL it was saved with; v1 (older) under one SHA-256
// of the passphrase, unbound, re-encrypted on start.
const (
	secretPrefix   = "enc:v2:"
	secretPrefixV1 = "enc:v1:"
)

// argon2id parameters: RFC 9106's second recommended option (64 MiB).
const (
	kdfTime    = 3
	kdfMemory  = 64 * 1024
	kdfThreads = 2
)

// SecretKey turns the MAGESYNC_SECRET_KEY passphrase into this database's
// AES-256 key: argon2id over the passphrase with a random salt kept in
// magesync_meta (made on first use). Secrets stored under the older
// SHA-256 key are re-encrypted under the new one. An empty passphrase
// yields no key.
func (s *Store) SecretKey(ctx context.Context, passphrase string) ([]byte, error) {
	if passphrase == "" {
		return nil, nil
	}
	salt, err := s.kdfSalt(ctx)
	if err != nil {
		return nil, err
	}
	key := argon2.IDKey([]byte(passphrase), salt, kdfTime, kdfMemory, kdfThreads, 32)
	url, err := s.settingValues(ctx, PathLoginURL)
	if err != nil {
		return nil, err
	}
	if err := s.reencryptV1(ctx, legacyKey(passphrase), key, url[PathLoginURL]); err != nil {
		return nil, err
	}
	return key, nil
}

func (s *Store) kdfSalt(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 16)
	rand.Read(fresh)
	// INSERT IGNORE: two processes starting at once agree on the first salt.
	if _, err := s.db.ExecContext(ctx, `INSERT IGNORE INTO magesync_meta (name, value) VALUES ('kdf_salt', ?)`, fresh); err != nil {
		return nil, fmt.Errorf("store: secret key salt: %w", err)
	}
	var salt []byte
	if err := s.db.GetContext(ctx, &salt, `SELECT value FROM magesync_meta WHERE name = 'kdf_salt'`); err != nil {
		return nil, fmt.Errorf("store: secret key salt: %w", err)
	}
	return salt, nil
}

func legacyKey(passphrase string) []byte {
	k := sha256.Sum256([]byte("magesync secret key\x00" + passphrase))
	return k[:]
}

// reencryptV1 moves secrets stored under the v1 key to the v2 key. A v1
// secret the passphrase does not open is left for its owner to re-enter.
func (s *Store) reencryptV1(ctx context.Context, oldKey, newKey []byte, loginURL string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var rows []struct {
			ID    int64  `db:"config_id"`
			Value string `db:"value"`
		}
		err := tx.SelectContext(ctx, &rows, `SELECT config_id, value FROM core_config_data
			WHERE path LIKE 'magesync/%' AND value LIKE 'enc:v1:%' FOR UPDATE`)
		if err != nil {
			return fmt.Errorf("store: re-encrypt secrets: %w", err)
		}
		for _, r := range rows {
			plain, err := openSecret(oldKey, "", r.Value[len(secretPrefixV1):])
			if err != nil {
				continue
			}
			v, err := encryptSecret(newKey, loginURL, plain)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE core_config_data SET value = ? WHERE config_id = ?`, v, r.ID); err != nil {
				return fmt.Errorf("store: re-encrypt secrets: %w", err)
			}
		}
		return nil
	})
}

func boundTo(loginURL string) []byte { return []byte("magesync login URL\x00" + loginURL) }

func encryptSecret(key []byte, loginURL, plain string) (string, error) {
	if len(key) == 0 {
		return "", ErrNoSecretKey
	}
	gcm, err := newGCM(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	sealed := gcm.Seal(nonce, nonce, []byte(plain), boundTo(loginURL))
	return secretPrefix + base64.StdEncoding.EncodeToString(sealed), nil
}

func decryptSecret(key []byte, loginURL, stored string) (string, error) {
	if strings.HasPrefix(stored, secretPrefixV1) {
		return "", errors.New("stored secret was encrypted with another MAGESYNC_SECRET_KEY; enter it again")
	}
	if !strings.HasPrefix(stored, secretPrefix) {
		return "", errors.New("stored secret is not encrypted by magesync; enter it again")
	}
	if len(key) == 0 {
		return "", ErrNoSecretKey
	}
	plain, err := openSecret(key, string(boundTo(loginURL)), stored[len(secretPrefix):])
	if errors.Is(err, errWrongKey) {
		return "", errors.New("stored secret cannot be decrypted: MAGESYNC_SECRET_KEY differs from the one it was saved with, " +
			"or the Login URL is not the one it was saved for; enter it again")
	}
	return plain, err
}

var errWrongKey = errors.New("wrong key")

func openSecret(key []byte, aad, b64 string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("stored secret is damaged: %w", err)
	}
	gcm, err := newGCM(key)
	if err != nil {
		return "", err
	}
	if len(raw) < gcm.NonceSize() {
		return "", errors.New("stored secret is damaged")
	}
	var ad []byte
	if aad != "" {
		ad = []byte(aad)
	}
	plain, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], ad)
	if err != nil {
		return "", errWrongKey
	}
	return string(plain), nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return cipher.NewGCM(block)
}
