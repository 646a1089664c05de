package views

import (
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

// plural says "1 record" or "1,204 records".
func plural(n int, noun string) string {
	s := strconv.Itoa(n)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if n != 1 {
		noun += "s"
	}
	return string(out) + " " + noun
}
