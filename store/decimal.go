package store

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Decimal is an exact decimal with four places, the precision of Magento's
// decimal(…,4) columns: 12.5 is Decimal(125000).
type Decimal int64

// DecimalScale is the number of Decimal units in 1.
const DecimalScale = 10000

// DecimalOverflow is what Scan stores for a value past what a Decimal
// holds (about 922 trillion): the row still loads, and whoever uses the
// amount refuses it in words (see Overflow).
const DecimalOverflow Decimal = math.MinInt64

// ErrDecimalRange is returned for a value past what a Decimal holds.
var ErrDecimalRange = errors.New("decimal out of range")

// Overflow reports whether d stands for a value Scan could not hold.
func (d Decimal) Overflow() bool { return d == DecimalOverflow }

// ParseDecimal reads "12.3456", "-5", "0.5".
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty decimal")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, fmt.Errorf("bad decimal %q", s)
	}
	var w int64
	if whole != "" {
		var err error
		w, err = strconv.ParseInt(whole, 10, 64)
		if errors.Is(err, strconv.ErrRange) || w > (math.MaxInt64-DecimalScale)/DecimalScale {
			return 0, fmt.Errorf("%w: %s", ErrDecimalRange, s)
		}
		if err != nil || w < 0 {
			return 0, fmt.Errorf("bad decimal %q", s)
		}
	}
	// Round half away from zero past the fourth place.
	up := len(frac) > 4 && frac[4] >= '5'
	if len(frac) > 4 {
		frac = frac[:4]
	}
	f, err := parseFrac(frac)
	if err != nil {
		return 0, fmt.Errorf("bad decimal %q", s)
	}
	v := w*DecimalScale + f
	if up {
		v++
	}
	if neg {
		v = -v
	}
	return Decimal(v), nil
}

func parseFrac(frac string) (int64, error) {
	if frac == "" {
		return 0, nil
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad fraction")
		}
	}
	frac += strings.Repeat("0", 4-len(frac))
	return strconv.ParseInt(frac, 10, 64)
}

// String formats with four places, as MySQL prints decimal(…,4).
func (d Decimal) String() string {
	v := int64(d)
	sign := ""
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%04d", sign, v/DecimalScale, v%DecimalScale)
}

// Money formats with two places, rounding half away from zero.
func (d Decimal) Money() string {
	v := int64(d)
	sign := ""
	if v < 0 {
		sign = "-"
		v = -v
	}
	cents := (v + 50) / 100
	if cents == 0 {
		sign = ""
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// Plain formats without trailing zeros: "3", "1.5", "-0.25".
func (d Decimal) Plain() string {
	s := strings.TrimRight(strings.TrimRight(d.String(), "0"), ".")
	if s == "" || s == "-" || s == "-0" {
		return "0"
	}
	return s
}

// Float returns d as a float64, for JSON payloads.
func (d Decimal) Float() float64 { return float64(d) / DecimalScale }

// Scan implements sql.Scanner; NULL reads as zero.
func (d *Decimal) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = 0
		return nil
	case []byte:
		return d.scanText(string(v))
	case string:
		return d.scanText(v)
	case int64:
		if v > math.MaxInt64/DecimalScale || v < math.MinInt64/DecimalScale+1 {
			*d = DecimalOverflow
			return nil
		}
		*d = Decimal(v * DecimalScale)
		return nil
	case float64:
		x, err := ParseDecimal(strconv.FormatFloat(v, 'f', -1, 64))
		*d = x
		return err
	}
	return fmt.Errorf("store: cannot scan %T into Decimal", src)
}

func (d *Decimal) scanText(s string) error {
	x, err := ParseDecimal(s)
	if errors.Is(err, ErrDecimalRange) {
		x, err = DecimalOverflow, nil
	}
	*d = x
	return err
}

// Value implements driver.Valuer.
func (d Decimal) Value() (driver.Value, error) { return d.String(), nil }
