package cap

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Validate checks the alert against the schema's rules (required
// elements, enumerations, the language and date types) and the standard's
// rules on values the schema leaves as strings (3.2: identifier and sender
// without spaces, commas, < or &; restriction and addresses by scope;
// references as triples; polygons closed with at least four points). It
// returns Errors with every problem and its path.
func (a *Alert) Validate() error {
	var es Errors
	add := func(path, format string, args ...any) {
		es = append(es, &Error{Path: path, Reason: fmt.Sprintf(format, args...)})
	}
	token := func(path, v string) {
		switch {
		case v == "":
			add(path, "is required")
		case strings.ContainsAny(v, " ,<&\t\r\n"):
			add(path, "%q must not contain spaces, commas, < or & (3.2.1)", v)
		}
	}
	enum := func(path, v string, values []string) {
		if !slices.Contains(values, v) {
			if v == "" {
				add(path, "is required; one of %s", strings.Join(values, ", "))
			} else {
				add(path, "%q is not one of %s", v, strings.Join(values, ", "))
			}
		}
	}
	token("/alert/identifier", a.Identifier)
	token("/alert/sender", a.Sender)
	if a.Sent.IsZero() {
		add("/alert/sent", "is required")
	}
	enum("/alert/status", a.Status, Statuses)
	enum("/alert/msgType", a.MsgType, MsgTypes)
	enum("/alert/scope", a.Scope, Scopes)
	if a.Scope == "Restricted" && strings.TrimSpace(a.Restriction) == "" {
		add("/alert/restriction", "is required when scope is Restricted (3.2.1)")
	}
	if a.Scope == "Private" && strings.TrimSpace(a.Addresses) == "" {
		add("/alert/addresses", "is required when scope is Private (3.2.1)")
	}
	if strings.TrimSpace(a.References) != "" {
		if _, err := ParseReferences(a.References); err != nil {
			add("/alert/references", "%v", err)
		}
	}
	for i := range a.Infos {
		a.Infos[i].validate(idx("/alert/info", i), add)
	}
	if len(es) == 0 {
		return nil
	}
	return es
}

func (in *Info) validate(path string, add func(path, format string, args ...any)) {
	enum := func(p, v string, values []string) {
		if !slices.Contains(values, v) {
			if v == "" {
				add(p, "is required; one of %s", strings.Join(values, ", "))
			} else {
				add(p, "%q is not one of %s", v, strings.Join(values, ", "))
			}
		}
	}
	if in.Language != "" && !languagePattern.MatchString(in.Language) {
		add(path+"/language", "%q is not a language tag such as zh-CN or en-US", in.Language)
	}
	if len(in.Categories) == 0 {
		add(path+"/category", "at least one category is required")
	}
	for i, c := range in.Categories {
		enum(idx(path+"/category", i), c, Categories)
	}
	if strings.TrimSpace(in.Event) == "" {
		add(path+"/event", "is required")
	}
	for i, r := range in.ResponseTypes {
		enum(idx(path+"/responseType", i), r, ResponseTypes)
	}
	enum(path+"/urgency", in.Urgency, Urgencies)
	enum(path+"/severity", in.Severity, Severities)
	enum(path+"/certainty", in.Certainty, Certainties)
	for i, v := range in.EventCodes {
		if v.Name == "" {
			add(idx(path+"/eventCode", i)+"/valueName", "is required")
		}
	}
	for i, v := range in.Parameters {
		if v.Name == "" {
			add(idx(path+"/parameter", i)+"/valueName", "is required")
		}
	}
	for i, r := range in.Resources {
		p := idx(path+"/resource", i)
		if strings.TrimSpace(r.Desc) == "" {
			add(p+"/resourceDesc", "is required")
		}
		if strings.TrimSpace(r.MimeType) == "" {
			add(p+"/mimeType", "is required")
		}
	}
	for i, ar := range in.Areas {
		p := idx(path+"/area", i)
		if strings.TrimSpace(ar.Desc) == "" {
			add(p+"/areaDesc", "is required")
		}
		for j, poly := range ar.Polygons {
			if err := poly.check(); err != nil {
				add(idx(p+"/polygon", j), "polygon %v", err)
			}
		}
		for j, c := range ar.Circles {
			if !(c.RadiusKm >= 0 && c.Center.Lat >= -90 && c.Center.Lat <= 90 && c.Center.Lon >= -180 && c.Center.Lon <= 180) || math.IsInf(c.RadiusKm, 0) {
				add(idx(p+"/circle", j), "circle %s is outside WGS 84 bounds or has a negative radius", c)
			}
		}
		for j, g := range ar.Geocodes {
			if g.Name == "" {
				add(idx(p+"/geocode", j)+"/valueName", "is required")
			}
		}
		if ar.Altitude == nil && ar.Ceiling != nil {
			add(p+"/ceiling", "is only allowed with altitude (3.2.4)")
		}
	}
	if !in.Onset.IsZero() && !in.Expires.IsZero() && in.Expires.Before(in.Onset) {
		add(path+"/expires", "%s is before onset %s", FormatTime(in.Expires), FormatTime(in.Onset))
	}
}
