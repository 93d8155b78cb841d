package cap

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Error is one way a message breaks the schema or the standard: where (an
// XPath-like path with 1-based indexes, e.g. /alert/info[2]/urgency) and
// why.
type Error struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
	// Line is the line in the XML input, when known.
	Line int `json:"line,omitempty"`
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d): %s", e.Path, e.Line, e.Reason)
	}
	return e.Path + ": " + e.Reason
}

// Errors is every problem found in one message.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return "invalid CAP 1.2 message: " + strings.Join(parts, "; ")
}

// The lexical patterns of the schema's simple types (XML Schema Part 2).
var (
	// the schema's own pattern for every CAP dateTime.
	timePattern     = regexp.MustCompile(`^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$`)
	languagePattern = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`)
	integerPattern  = regexp.MustCompile(`^[+-]?\d+$`)
	decimalPattern  = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)
)

// particle is one element of an xs:sequence: its name and how often it may
// occur (max < 0: unbounded).
type particle struct {
	name     string
	min, max int
}

const unbounded = -1

// The content models of the schema's complex types, in order.
var (
	alertModel = []particle{{"identifier", 1, 1}, {"sender", 1, 1}, {"sent", 1, 1}, {"status", 1, 1}, {"msgType", 1, 1},
		{"source", 0, 1}, {"scope", 1, 1}, {"restriction", 0, 1}, {"addresses", 0, 1}, {"code", 0, unbounded}, {"note", 0, 1},
		{"references", 0, 1}, {"incidents", 0, 1}, {"info", 0, unbounded}}
	infoModel = []particle{{"language", 0, 1}, {"category", 1, unbounded}, {"event", 1, 1}, {"responseType", 0, unbounded},
		{"urgency", 1, 1}, {"severity", 1, 1}, {"certainty", 1, 1}, {"audience", 0, 1}, {"eventCode", 0, unbounded},
		{"effective", 0, 1}, {"onset", 0, 1}, {"expires", 0, 1}, {"senderName", 0, 1}, {"headline", 0, 1}, {"description", 0, 1},
		{"instruction", 0, 1}, {"web", 0, 1}, {"contact", 0, 1}, {"parameter", 0, unbounded}, {"resource", 0, unbounded}, {"area", 0, unbounded}}
	resourceModel = []particle{{"resourceDesc", 1, 1}, {"mimeType", 1, 1}, {"size", 0, 1}, {"uri", 0, 1}, {"derefUri", 0, 1}, {"digest", 0, 1}}
	areaModel     = []particle{{"areaDesc", 1, 1}, {"polygon", 0, unbounded}, {"circle", 0, unbounded}, {"geocode", 0, unbounded},
		{"altitude", 0, 1}, {"ceiling", 0, 1}}
	pairModel = []particle{{"valueName", 1, 1}, {"value", 1, 1}}
)

// builder checks the parsed document against the content models and
// builds the alert; it keeps the first problem.
type builder struct {
	err Errors
}

func (b *builder) fail(path string, line int, format string, args ...any) {
	if b.err == nil {
		b.err = Errors{{Path: path, Line: line, Reason: fmt.Sprintf(format, args...)}}
	}
}

func (b *builder) failed() bool { return b.err != nil }

func names(ps []particle) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.name
	}
	return strings.Join(out, ", ")
}

// group is the children matched to one particle.
type group map[string][]*node

// sequence matches n's children to the model in order, as the schema's
// xs:sequence does. dsig allows xmldsig elements after the CAP ones.
func (b *builder) sequence(n *node, path string, model []particle, dsig bool) group {
	b.attributes(n, path)
	if strings.TrimSpace(n.text.String()) != "" {
		b.fail(path, n.line, "element %s has text content; only child elements are allowed", n.name.Local)
	}
	out := group{}
	i, count, sawDSig := 0, 0, false
	for _, c := range n.children {
		if b.failed() {
			return out
		}
		if c.raw != "" && dsig {
			out["#dsig"] = append(out["#dsig"], c)
			sawDSig = true
			continue
		}
		cpath := path + "/" + c.name.Local
		if c.name.Space != Namespace || sawDSig {
			b.fail(cpath, c.line, "element {%s}%s is not expected here", c.name.Space, c.name.Local)
			return out
		}
		for {
			if i >= len(model) {
				b.fail(cpath, c.line, "element %s is not expected here; %s allows nothing more after %s", c.name.Local, n.name.Local, model[len(model)-1].name)
				return out
			}
			p := model[i]
			if c.name.Local == p.name && (p.max == unbounded || count < p.max) {
				out[p.name] = append(out[p.name], c)
				count++
				break
			}
			if count < p.min {
				b.fail(cpath, c.line, "element %s is not expected here; expected is %s (required)", c.name.Local, p.name)
				return out
			}
			i, count = i+1, 0
		}
	}
	for ; i < len(model); i, count = i+1, 0 {
		if count < model[i].min {
			b.fail(path+"/"+model[i].name, n.line, "required element %s is missing from %s", model[i].name, n.name.Local)
			return out
		}
	}
	return out
}

// attributes refuses attributes the schema does not declare (none of
// CAP's elements has any); namespace declarations and xsi: are allowed.
func (b *builder) attributes(n *node, path string) {
	for _, a := range n.attrs {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") || a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance" {
			continue
		}
		b.fail(path, n.line, "attribute %s is not allowed on %s", a.Name.Local, n.name.Local)
	}
}

// text returns a simple-typed element's value.
func (b *builder) text(n *node, path string) string {
	b.attributes(n, path)
	if len(n.children) > 0 {
		b.fail(path, n.line, "element %s has a simple type; child element %s is not allowed", n.name.Local, n.children[0].name.Local)
	}
	return n.text.String()
}

// collapse is XML Schema's whiteSpace="collapse", which enumerations,
// dates, languages and numbers apply before checking.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func idx(path string, i int) string { return path + "[" + strconv.Itoa(i+1) + "]" }

func (b *builder) one(g group, name, path string) string {
	ns := g[name]
	if len(ns) == 0 {
		return ""
	}
	return b.text(ns[0], path+"/"+name)
}

func (b *builder) many(g group, name, path string) []string {
	var out []string
	for i, n := range g[name] {
		out = append(out, b.text(n, idx(path+"/"+name, i)))
	}
	return out
}

func (b *builder) pairs(g group, name, path string) []Value {
	var out []Value
	for i, n := range g[name] {
		p := idx(path+"/"+name, i)
		pg := b.sequence(n, p, pairModel, false)
		out = append(out, Value{Name: b.one(pg, "valueName", p), Value: b.one(pg, "value", p)})
	}
	return out
}

func (b *builder) alert(root *node) *Alert {
	path := "/alert"
	g := b.sequence(root, path, alertModel, true)
	if b.failed() {
		return nil
	}
	a := &Alert{
		Identifier: b.one(g, "identifier", path), Sender: b.one(g, "sender", path),
		Status: collapse(b.one(g, "status", path)), MsgType: collapse(b.one(g, "msgType", path)),
		Source: b.one(g, "source", path), Scope: collapse(b.one(g, "scope", path)),
		Restriction: b.one(g, "restriction", path), Addresses: b.one(g, "addresses", path),
		Codes: b.many(g, "code", path), Note: b.one(g, "note", path),
		References: b.one(g, "references", path), Incidents: b.one(g, "incidents", path),
	}
	a.Sent = b.time(g, "sent", path)
	for i, n := range g["info"] {
		in := b.info(n, idx(path+"/info", i))
		if b.failed() {
			return nil
		}
		a.Infos = append(a.Infos, *in)
	}
	for _, n := range g["#dsig"] {
		a.Signatures = append(a.Signatures, n.raw)
	}
	return a
}

func (b *builder) time(g group, name, path string) (t time.Time) {
	ns := g[name]
	if len(ns) == 0 {
		return t
	}
	s := collapse(b.text(ns[0], path+"/"+name))
	v, err := ParseTime(s)
	if err != nil {
		b.fail(path+"/"+name, ns[0].line, "%v", err)
	}
	return v
}

func (b *builder) info(n *node, path string) *Info {
	g := b.sequence(n, path, infoModel, false)
	if b.failed() {
		return nil
	}
	in := &Info{
		Language: collapse(b.one(g, "language", path)), Event: b.one(g, "event", path),
		Urgency: collapse(b.one(g, "urgency", path)), Severity: collapse(b.one(g, "severity", path)), Certainty: collapse(b.one(g, "certainty", path)),
		Audience: b.one(g, "audience", path), EventCodes: b.pairs(g, "eventCode", path),
		SenderName: b.one(g, "senderName", path), Headline: b.one(g, "headline", path), Description: b.one(g, "description", path),
		Instruction: b.one(g, "instruction", path), Web: collapse(b.one(g, "web", path)), Contact: b.one(g, "contact", path),
		Parameters: b.pairs(g, "parameter", path),
	}
	for _, c := range b.many(g, "category", path) {
		in.Categories = append(in.Categories, collapse(c))
	}
	for _, r := range b.many(g, "responseType", path) {
		in.ResponseTypes = append(in.ResponseTypes, collapse(r))
	}
	in.Effective, in.Onset, in.Expires = b.time(g, "effective", path), b.time(g, "onset", path), b.time(g, "expires", path)
	for i, rn := range g["resource"] {
		p := idx(path+"/resource", i)
		rg := b.sequence(rn, p, resourceModel, false)
		r := Resource{Desc: b.one(rg, "resourceDesc", p), MimeType: b.one(rg, "mimeType", p), Size: -1,
			URI: collapse(b.one(rg, "uri", p)), DerefURI: b.one(rg, "derefUri", p), Digest: b.one(rg, "digest", p)}
		if len(rg["size"]) > 0 {
			s := collapse(b.one(rg, "size", p))
			v, err := strconv.ParseInt(s, 10, 64)
			if !integerPattern.MatchString(s) || err != nil {
				b.fail(p+"/size", rg["size"][0].line, "%q is not an integer", s)
			}
			r.Size = v
		}
		in.Resources = append(in.Resources, r)
	}
	for i, an := range g["area"] {
		in.Areas = append(in.Areas, b.area(an, idx(path+"/area", i)))
	}
	return in
}

func (b *builder) area(n *node, path string) Area {
	g := b.sequence(n, path, areaModel, false)
	ar := Area{Desc: b.one(g, "areaDesc", path), Geocodes: b.pairs(g, "geocode", path)}
	for i, s := range b.many(g, "polygon", path) {
		p, err := ParsePolygon(s)
		if err != nil {
			b.fail(idx(path+"/polygon", i), g["polygon"][i].line, "polygon %v", err)
		}
		ar.Polygons = append(ar.Polygons, p)
	}
	for i, s := range b.many(g, "circle", path) {
		c, err := ParseCircle(s)
		if err != nil {
			b.fail(idx(path+"/circle", i), g["circle"][i].line, "circle %v", err)
		}
		ar.Circles = append(ar.Circles, c)
	}
	for _, name := range []string{"altitude", "ceiling"} {
		if len(g[name]) == 0 {
			continue
		}
		s := collapse(b.one(g, name, path))
		v, err := strconv.ParseFloat(s, 64)
		if !decimalPattern.MatchString(s) || err != nil {
			b.fail(path+"/"+name, g[name][0].line, "%q is not a decimal number", s)
		}
		if name == "altitude" {
			ar.Altitude = &v
		} else {
			ar.Ceiling = &v
		}
	}
	return ar
}
