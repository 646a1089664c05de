package store

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Magento's admin password hashes: "hash:salt:version[:version…]", each
// version applied to the previous one's result (Magento's Encryptor).

// argonParams are the parameters of an Argon2id hashing version.
type argonParams struct {
	keyLen uint32
	ops    uint32
	memKiB uint32
}

// version "2": libsodium's crypto_pwhash defaults of Magento 2.4.0–2.4.1.
var argonV2 = argonParams{keyLen: 32, ops: 2, memKiB: 64 * 1024}

// MagentoHashVersion is the version written by Magento 2.4.2 and later.
const MagentoHashVersion = "3_32_2_67108864"

// VerifyMagentoPassword reports whether password matches a Magento admin
// password hash. Unknown or malformed hashes never match.
func VerifyMagentoPassword(stored, password string) bool {
	parts := strings.Split(stored, ":")
	if len(parts) < 3 {
		return false
	}
	hash, salt, versions := parts[0], parts[1], parts[2:]
	want, err := hex.DecodeString(hash)
	if err != nil || len(want) == 0 {
		return false
	}
	data := password
	for _, v := range versions {
		data, err = hashVersion(v, salt, data)
		if err != nil {
			return false
		}
	}
	got, err := hex.DecodeString(data)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}

// HashMagentoPassword hashes password the way Magento 2.4.2+ does, with a
// new random 32-character salt.
func HashMagentoPassword(password string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 32)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	salt := string(b)
	h, err := hashVersion(MagentoHashVersion, salt, password)
	if err != nil {
		panic(err) // the version is a constant that parses
	}
	return h + ":" + salt + ":" + MagentoHashVersion
}

func hashVersion(version, salt, data string) (string, error) {
	switch {
	case version == "0":
		sum := md5.Sum([]byte(salt + data))
		return hex.EncodeToString(sum[:]), nil
	case version == "1":
		sum := sha256.Sum256([]byte(salt + data))
		return hex.EncodeToString(sum[:]), nil
	case version == "2":
		return argonHash(argonV2, salt, data), nil
	case strings.HasPrefix(version, "3_"):
		p, err := parseArgonVersion(version)
		if err != nil {
			return "", err
		}
		return argonHash(p, salt, data), nil
	}
	return "", fmt.Errorf("unknown hash version %q", version)
}

// parseArgonVersion reads "3_<len>_<ops>_<memBytes>".
func parseArgonVersion(v string) (argonParams, error) {
	f := strings.Split(v, "_")
	if len(f) != 4 {
		return argonParams{}, fmt.Errorf("bad hash version %q", v)
	}
	var n [3]uint64
	for i, s := range f[1:] {
		x, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return argonParams{}, fmt.Errorf("bad hash version %q", v)
		}
		n[i] = x
	}
	p := argonParams{keyLen: uint32(n[0]), ops: uint32(n[1]), memKiB: uint32(n[2] / 1024)}
	// Bounds keep a forged hash from costing unbounded memory or time.
	if p.keyLen < 16 || p.keyLen > 64 || p.ops < 1 || p.ops > 10 || p.memKiB < 8 || p.memKiB > 1<<20 {
		return argonParams{}, fmt.Errorf("hash version %q out of bounds", v)
	}
	return p, nil
}

func argonHash(p argonParams, salt, data string) string {
	return hex.EncodeToString(argon2.IDKey([]byte(data), argonSalt(salt), p.ops, p.memKiB, 1, p.keyLen))
}

// argonSalt is libsodium's 16-byte salt: the stored salt cut to 16 bytes, or
// a shorter one repeated until it fills 16 bytes.
func argonSalt(salt string) []byte {
	if salt == "" {
		return make([]byte, 16)
	}
	b := make([]byte, 0, 16)
	for len(b) < 16 {
		b = append(b, salt...)
	}
	return b[:16]
}
