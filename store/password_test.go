package store

import (
	"strings"
	"testing"
)

// Vectors from Magento's own Encryptor tests (password "password").
func TestVerifyMagentoPassword(t *testing.T) {
	const argonHash = "7640855aef9cb6ffd20229601d2904a2192e372b391db8230d7faf073b393e4c"
	tests := []struct {
		stored, password string
		want             bool
	}{
		{argonHash + ":salt:2", "password", true},
		{argonHash + ":salt:3_32_2_67108864", "password", true},
		{"13601bda4ea78e55a07b98866d2be6be0744e3866f13c00c811cab608a28f322:salt:1", "password", true},
		{"67a1e09bb1f83f5007dc119c14d663aa:salt:0", "password", true},
		{"c6aad9e058f6c4b06187c06d2b69bf506a786af030f81fb6d83778422a68205e:salt:1:2", "password", true},
		{"hash:salt:1", "password", false},
		{argonHash + ":salt:2", "wrong", false},
		{"67a1e09bb1f83f5007dc119c14d663aa:salt:0", "Password", false},
		{"67a1e09bb1f83f5007dc119c14d663aa:salt:9", "password", false},
		{"67a1e09bb1f83f5007dc119c14d663aa:salt", "password", false},
		{"", "", false},
		{argonHash + ":salt:3_32_2_99999999999", "password", false}, // out of bounds: refused, not computed
	}
	for _, tt := range tests {
		if got := VerifyMagentoPassword(tt.stored, tt.password); got != tt.want {
			t.Errorf("VerifyMagentoPassword(%q, %q) = %v, want %v", tt.stored, tt.password, got, tt.want)
		}
	}
}

func TestHashMagentoPasswordRoundTrip(t *testing.T) {
	h := HashMagentoPassword("s3cret ünïcode")
	parts := strings.Split(h, ":")
	if len(parts) != 3 || len(parts[0]) != 64 || len(parts[1]) != 32 || parts[2] != MagentoHashVersion {
		t.Fatalf("hash %q is not in Magento 2.4 form hash:salt32:%s", h, MagentoHashVersion)
	}
	if !VerifyMagentoPassword(h, "s3cret ünïcode") {
		t.Fatal("hash does not verify its own password")
	}
	if VerifyMagentoPassword(h, "s3cret unicode") {
		t.Fatal("hash verifies a different password")
	}
	if a, b := HashMagentoPassword("x"), HashMagentoPassword("x"); a == b {
		t.Fatal("two hashes of one password share a salt")
	}
}

func TestArgonSalt(t *testing.T) {
	if got := string(argonSalt("salt")); got != "saltsaltsaltsalt" {
		t.Errorf("short salt = %q", got)
	}
	if got := string(argonSalt("0123456789abcdefXYZ")); got != "0123456789abcdef" {
		t.Errorf("long salt = %q", got)
	}
}
