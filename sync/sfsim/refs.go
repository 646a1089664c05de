package sfsim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// refError is why a reference could not be resolved, in Salesforce's words.
type refError string

func (e refError) Error() string { return string(e) }

// refRe matches @{referenceId.path} in composite URLs and bodies.
var refRe = regexp.MustCompile(`@\{([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+|\[\d+\])*)\}`)

// answer is a subrequest's response as later ones refer to it: turned into
// plain JSON values (maps, slices, float64, string, bool, nil), so that
// reference paths can walk it, only when one does.
type answer struct {
	body  any
	plain any
	done  bool
}

func (a *answer) json() any {
	if !a.done {
		a.done = true
		if b, err := json.Marshal(a.body); err == nil {
			json.Unmarshal(b, &a.plain)
		}
	}
	return a.plain
}

func resolveString(s string, res results) (string, error) {
	var firstErr error
	out := refRe.ReplaceAllStringFunc(s, func(m string) string {
		v, err := lookupRef(refRe.FindStringSubmatch(m)[1], res)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return m
		}
		switch x := v.(type) {
		case string:
			return x
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			return strconv.FormatBool(x)
		}
		return fmt.Sprint(v)
	})
	return out, firstErr
}

// resolveAny substitutes references in every string of a body. A string that
// is exactly one reference takes the referenced value's type.
func resolveAny(v any, res results) (any, error) {
	switch x := v.(type) {
	case string:
		if !strings.Contains(x, "@{") {
			return x, nil // most values refer to nothing: no pattern to run
		}
		if m := refRe.FindStringSubmatch(x); m != nil && m[0] == x {
			return lookupRef(m[1], res)
		}
		return resolveString(x, res)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := resolveAny(e, res)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := resolveAny(e, res)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

func lookupRef(path string, res results) (any, error) {
	name, rest, _ := strings.Cut(path, ".")
	if i := strings.IndexByte(name, '['); i >= 0 {
		name, rest = name[:i], name[i:]+"."+rest
	}
	a, ok := res[name]
	if !ok {
		return nil, refError(fmt.Sprintf("Invalid reference specified. No value for %s found in %s. Provided referenceId ('%s') must match a previous, successful request", path, name, name))
	}
	cur := a.json()
	for _, step := range splitPath(rest) {
		switch {
		case strings.HasPrefix(step, "["):
			n, _ := strconv.Atoi(strings.Trim(step, "[]"))
			arr, ok := cur.([]any)
			if !ok || n >= len(arr) {
				return nil, refError(fmt.Sprintf("Invalid reference specified. No value for %s found in %s", path, name))
			}
			cur = arr[n]
		default:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, refError(fmt.Sprintf("Invalid reference specified. No value for %s found in %s", path, name))
			}
			v, ok := m[step]
			if !ok {
				// Field names are case-insensitive.
				for k, x := range m {
					if strings.EqualFold(k, step) {
						v, ok = x, true
						break
					}
				}
			}
			if !ok {
				return nil, refError(fmt.Sprintf("Invalid reference specified. No value for %s found in %s", path, name))
			}
			cur = v
		}
	}
	return cur, nil
}

func splitPath(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, ".") {
		for seg != "" {
			i := strings.IndexByte(seg, '[')
			switch {
			case i < 0:
				out, seg = append(out, seg), ""
			case i > 0:
				out, seg = append(out, seg[:i]), seg[i:]
			default:
				j := strings.IndexByte(seg, ']')
				if j < 0 {
					out, seg = append(out, seg), ""
				} else {
					out, seg = append(out, seg[:j+1]), seg[j+1:]
				}
			}
		}
	}
	return out
}
