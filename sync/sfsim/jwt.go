package sfsim

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// checkJWT verifies a JWT bearer assertion; it returns an OAuth error code
// and description, or "" when the assertion is good.
func (s *Sim) checkJWT(assertion, base string) (string, string) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return "invalid_grant", "invalid assertion"
	}
	var header struct {
		Alg string `json:"alg"`
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || header.Alg != "RS256" {
		return "invalid_grant", "invalid assertion"
	}
	var claims struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
	}
	if json.Unmarshal(cb, &claims) != nil {
		return "invalid_grant", "invalid assertion"
	}
	if claims.Iss != DemoClientID {
		return "invalid_client_id", "client identifier invalid"
	}
	if s.opts.JWTPublicKey == nil {
		return "invalid_grant", "invalid assertion: no certificate is uploaded for this connected app"
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(s.opts.JWTPublicKey, crypto.SHA256, sum[:], sig) != nil {
		return "invalid_grant", "invalid assertion"
	}
	switch strings.TrimRight(claims.Aud, "/") {
	case "https://login.salesforce.com", "https://test.salesforce.com", base:
	default:
		return "invalid_grant", "audience is invalid"
	}
	now := s.opts.Now()
	exp := time.Unix(claims.Exp, 0)
	if !exp.After(now) || exp.After(now.Add(5*time.Minute+30*time.Second)) {
		return "invalid_grant", "expired authorization code"
	}
	if claims.Sub != DemoUsername {
		return "invalid_grant", "user hasn't approved this consumer"
	}
	return "", ""
}
