package salesforce

import (
	"fmt"
	"strings"
)

// Key prefixes of the objects magesync uses.
var KeyPrefixes = map[string]string{
	"Account":        "001",
	"Contact":        "003",
	"User":           "005",
	"Note":           "002",
	"Pricebook2":     "01s",
	"Product2":       "01t",
	"PricebookEntry": "01u",
	"Order":          "801",
	"OrderItem":      "802",
	"Organization":   "00D",
	"OrderStatus":    "0Q9",
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// idSuffix computes the 3-character case checksum of a 15-character ID.
func idSuffix(id15 string) string {
	var b [3]byte
	for chunk := range 3 {
		n := 0
		for i := range 5 {
			c := id15[chunk*5+i]
			if c >= 'A' && c <= 'Z' {
				n |= 1 << i
			}
		}
		b[chunk] = idAlphabet[n]
	}
	return string(b[:])
}

func validIDChars(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// NormalizeID checks a 15- or 18-character Salesforce ID and returns its
// 18-character form. An 18-character ID must carry the right checksum.
func NormalizeID(id string) (string, error) {
	switch len(id) {
	case 15:
		if !validIDChars(id) {
			return "", fmt.Errorf("salesforce: ID %q has characters other than letters and digits", id)
		}
		return id + idSuffix(id), nil
	case 18:
		if !validIDChars(id) {
			return "", fmt.Errorf("salesforce: ID %q has characters other than letters and digits", id)
		}
		if want := idSuffix(id[:15]); strings.ToUpper(id[15:]) != want {
			return "", fmt.Errorf("salesforce: ID %q has a wrong checksum (want …%s)", id, want)
		}
		return id[:15] + idSuffix(id[:15]), nil
	}
	return "", fmt.Errorf("salesforce: ID %q must be 15 or 18 characters, not %d", id, len(id))
}

// CheckID checks that id is a valid ID of an sObject type, by its key prefix.
func CheckID(sobject, id string) (string, error) {
	id18, err := NormalizeID(id)
	if err != nil {
		return "", err
	}
	if p, ok := KeyPrefixes[sobject]; ok && id18[:3] != p {
		return "", fmt.Errorf("salesforce: %q is not an %s ID (those start with %s)", id, sobject, p)
	}
	return id18, nil
}

// RecordURL is where a record opens in Lightning Experience.
func RecordURL(instanceURL, sobject, id string) string {
	return strings.TrimRight(instanceURL, "/") + "/lightning/r/" + sobject + "/" + id + "/view"
}
