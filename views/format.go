package views

import (
	"fmt"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

// plural says "1 record" or "1,204 records".
func plural(n int, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return GroupDigits(strconv.Itoa(n)) + " " + noun
}

// GroupDigits puts thousands separators into a run of digits: "1204" → "1,204".
func GroupDigits(digits string) string {
	var out []byte
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, digits[i])
	}
	return string(out)
}

// inheritLabel is the checkbox that leaves a setting to the scope above,
// as Magento words it: "Use system value" at Default Config, "Use Default"
// for a website.
func inheritLabel(website string) string {
	if website == "" {
		return "Use system value"
	}
	return "Use Default"
}

// progressText is the queue's progress in words ("about" when estimated);
// admin.js writes the same as it polls.
func progressText(p ProgressView) string {
	about := ""
	if p.About {
		about = "about "
	}
	return fmt.Sprintf("%s%d of %d done (%s)", about, p.Done, p.Total, p.Counts)
}
