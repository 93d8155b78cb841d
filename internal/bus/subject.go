package bus

import "strings"

// Match reports whether subject matches pattern with NATS semantics: tokens
// are separated by dots, "*" stands for exactly one token, ">" as the last
// token stands for one or more tokens, and any other token, including one
// that merely contains "*" or ">", must be equal. A malformed pattern or
// subject (see ValidPattern, ValidSubject) matches nothing.
//
// The in-process bus matches with the same code and the NATS server
// applies the same rules, which the conformance tests check; it is exported
// so that a consumer can filter a wide subscription the way the bus would.
func Match(pattern, subject string) bool {
	var pbuf, sbuf [16]string
	p, ok := compile(pbuf[:0], pattern)
	if !ok {
		return false
	}
	toks, ok := subjectTokens(sbuf[:0], subject)
	return ok && p.match(toks)
}

// ValidSubject reports whether s can be published to: one or more
// non-empty tokens without whitespace, and no wildcard tokens.
func ValidSubject(s string) bool {
	var buf [16]string
	_, ok := subjectTokens(buf[:0], s)
	return ok
}

// ValidPattern reports whether s can be subscribed to: like a subject, but
// tokens may be "*", and the last one may be ">".
func ValidPattern(s string) bool {
	var buf [16]string
	_, ok := compile(buf[:0], s)
	return ok
}

// pattern is a subscription pattern split once, at Subscribe, so that
// matching a publish compares tokens instead of scanning strings again for
// every subscription.
type pattern struct {
	tokens []string // without a trailing ">"
	rest   bool     // it ended in ">": one or more further tokens match
}

func compile(dst []string, s string) (pattern, bool) {
	toks, ok := split(dst, s)
	if !ok {
		return pattern{}, false
	}
	for i, t := range toks {
		if t == ">" {
			if i != len(toks)-1 {
				return pattern{}, false
			}
			return pattern{tokens: toks[:i], rest: true}, true
		}
	}
	return pattern{tokens: toks}, true
}

func (p pattern) match(subject []string) bool {
	if p.rest {
		if len(subject) <= len(p.tokens) {
			return false
		}
	} else if len(subject) != len(p.tokens) {
		return false
	}
	for i, t := range p.tokens {
		if t != "*" && t != subject[i] {
			return false
		}
	}
	return true
}

// subjectTokens splits a subject that may be published to.
func subjectTokens(dst []string, s string) ([]string, bool) {
	toks, ok := split(dst, s)
	if !ok {
		return nil, false
	}
	for _, t := range toks {
		if t == "*" || t == ">" {
			return nil, false
		}
	}
	return toks, true
}

// split appends the dot-separated tokens of s to dst, and reports false
// for an empty token or a byte the NATS protocol treats as a separator.
func split(dst []string, s string) ([]string, bool) {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			if !validByte(s[i]) {
				return nil, false
			}
			continue
		}
		if i == start {
			return nil, false
		}
		dst = append(dst, s[start:i])
		start = i + 1
	}
	return dst, true
}

// validByte rejects the bytes the NATS protocol uses as separators, so a
// subject valid here is also valid on the wire.
func validByte(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\f', '\v', 0:
		return false
	}
	return true
}

// validName reports whether s can name a durable consumer: NATS forbids
// dots, wildcards and whitespace there because the name becomes a token of
// its API subjects.
func validName(s string) bool {
	if s == "" || strings.ContainsAny(s, ".*>/\\") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !validByte(s[i]) {
			return false
		}
	}
	return true
}
