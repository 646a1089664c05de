package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrNoSecretKey is returned when a secret must be stored or read but no key
// was configured.
var ErrNoSecretKey = errors.New("no secret key: set MAGESYNC_SECRET_KEY to store Salesforce secrets")

const secretPrefix = "enc:v1:"

// SecretKey turns the MAGESYNC_SECRET_KEY passphrase into an AES-256 key.
// An empty passphrase yields no key.
func SecretKey(passphrase string) []byte {
	if passphrase == "" {
		return nil
	}
	k := sha256.Sum256([]byte("magesync secret key\x00" + passphrase))
	return k[:]
}

func encryptSecret(key []byte, plain string) (string, error) {
	if len(key) == 0 {
		return "", ErrNoSecretKey
	}
	gcm, err := newGCM(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	sealed := gcm.Seal(nonce, nonce, []byte(plain), nil)
	return secretPrefix + base64.StdEncoding.EncodeToString(sealed), nil
}

func decryptSecret(key []byte, stored string) (string, error) {
	if !strings.HasPrefix(stored, secretPrefix) {
		return "", errors.New("stored secret is not encrypted by magesync; enter it again")
	}
	if len(key) == 0 {
		return "", ErrNoSecretKey
	}
	raw, err := base64.StdEncoding.DecodeString(stored[len(secretPrefix):])
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
	plain, err := gcm.Open(nil, raw[:gcm.NonceSize()], raw[gcm.NonceSize():], nil)
	if err != nil {
		return "", errors.New("stored secret cannot be decrypted: MAGESYNC_SECRET_KEY differs from the one it was saved with")
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
