package cap

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Encode writes the alert as CAP 1.2 XML, elements in the schema's order.
// It validates first and writes nothing for an invalid alert.
func Encode(a *Alert) ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	w := &writer{b: &b}
	b.WriteString(`<alert xmlns="` + Namespace + `">`)
	w.depth = 1
	w.el("identifier", a.Identifier)
	w.el("sender", a.Sender)
	w.el("sent", FormatTime(a.Sent))
	w.el("status", a.Status)
	w.el("msgType", a.MsgType)
	w.opt("source", a.Source)
	w.el("scope", a.Scope)
	w.opt("restriction", a.Restriction)
	w.opt("addresses", a.Addresses)
	for _, c := range a.Codes {
		w.el("code", c)
	}
	w.opt("note", a.Note)
	w.opt("references", a.References)
	w.opt("incidents", a.Incidents)
	for i := range a.Infos {
		w.info(&a.Infos[i])
	}
	for _, s := range a.Signatures {
		w.nl()
		b.WriteString(s)
	}
	b.WriteString("\n</alert>\n")
	return b.Bytes(), nil
}

type writer struct {
	b     *bytes.Buffer
	depth int
}

func (w *writer) nl() {
	w.b.WriteByte('\n')
	for range w.depth {
		w.b.WriteString("  ")
	}
}

func (w *writer) open(name string) {
	w.nl()
	w.b.WriteString("<" + name + ">")
	w.depth++
}

func (w *writer) close(name string) {
	w.depth--
	w.nl()
	w.b.WriteString("</" + name + ">")
}

func (w *writer) el(name, text string) {
	w.nl()
	w.b.WriteString("<" + name + ">")
	xml.EscapeText(w.b, []byte(text))
	w.b.WriteString("</" + name + ">")
}

func (w *writer) opt(name, text string) {
	if text != "" {
		w.el(name, text)
	}
}

func (w *writer) optTime(name string, t time.Time) {
	if !t.IsZero() {
		w.el(name, FormatTime(t))
	}
}

func (w *writer) pair(name string, v Value) {
	w.open(name)
	w.el("valueName", v.Name)
	w.el("value", v.Value)
	w.close(name)
}

func (w *writer) info(in *Info) {
	w.open("info")
	w.opt("language", in.Language)
	for _, c := range in.Categories {
		w.el("category", c)
	}
	w.el("event", in.Event)
	for _, r := range in.ResponseTypes {
		w.el("responseType", r)
	}
	w.el("urgency", in.Urgency)
	w.el("severity", in.Severity)
	w.el("certainty", in.Certainty)
	w.opt("audience", in.Audience)
	for _, v := range in.EventCodes {
		w.pair("eventCode", v)
	}
	w.optTime("effective", in.Effective)
	w.optTime("onset", in.Onset)
	w.optTime("expires", in.Expires)
	w.opt("senderName", in.SenderName)
	w.opt("headline", in.Headline)
	w.opt("description", in.Description)
	w.opt("instruction", in.Instruction)
	w.opt("web", in.Web)
	w.opt("contact", in.Contact)
	for _, v := range in.Parameters {
		w.pair("parameter", v)
	}
	for _, r := range in.Resources {
		w.open("resource")
		w.el("resourceDesc", r.Desc)
		w.el("mimeType", r.MimeType)
		if r.Size >= 0 {
			w.el("size", strconv.FormatInt(r.Size, 10))
		}
		w.opt("uri", r.URI)
		w.opt("derefUri", r.DerefURI)
		w.opt("digest", r.Digest)
		w.close("resource")
	}
	for _, ar := range in.Areas {
		w.open("area")
		w.el("areaDesc", ar.Desc)
		for _, p := range ar.Polygons {
			w.el("polygon", p.String())
		}
		for _, c := range ar.Circles {
			w.el("circle", c.String())
		}
		for _, g := range ar.Geocodes {
			w.pair("geocode", g)
		}
		if ar.Altitude != nil {
			w.el("altitude", formatFloat(*ar.Altitude))
		}
		if ar.Ceiling != nil {
			w.el("ceiling", formatFloat(*ar.Ceiling))
		}
		w.close("area")
	}
	w.close("info")
}

// node is an element of the parsed document.
type node struct {
	name     xml.Name
	attrs    []xml.Attr
	text     strings.Builder
	children []*node
	raw      string // foreign (xmldsig) elements: the verbatim bytes
	line     int
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 64

// parse reads the document into nodes. xmldsig elements directly inside
// the root are kept verbatim.
func parse(data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var stack []*node
	var root *node
	for {
		start := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, Errors{{Path: "/", Reason: "not well-formed XML: " + err.Error()}}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := d.InputPos()
			n := &node{name: t.Name, attrs: t.Attr, line: line}
			if len(stack) == 0 {
				if root != nil {
					return nil, Errors{{Path: "/", Reason: "more than one root element"}}
				}
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
				if len(stack) == 1 && t.Name.Space == DSigNamespace {
					if err := d.Skip(); err != nil {
						return nil, Errors{{Path: "/", Reason: "not well-formed XML: " + err.Error()}}
					}
					n.raw = string(data[start:d.InputOffset()])
					continue
				}
			}
			if len(stack) >= maxDepth {
				return nil, Errors{{Path: "/", Reason: fmt.Sprintf("elements nested deeper than %d", maxDepth)}}
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, Errors{{Path: "/", Reason: "text outside the root element"}}
			}
		case xml.Directive:
			return nil, Errors{{Path: "/", Reason: "DOCTYPE and other directives are not accepted in CAP messages"}}
		}
	}
	if root == nil {
		return nil, Errors{{Path: "/", Reason: "no root element"}}
	}
	return root, nil
}

// Decode reads a CAP 1.2 XML message. It checks what the schema checks —
// the root, the element order and counts, no stray elements, attributes or
// text, the lexical forms of dates, integers and decimals — then what the
// model's Validate checks, and returns an *Error naming the first problem's
// path.
func Decode(data []byte) (*Alert, error) {
	root, err := parse(data)
	if err != nil {
		return nil, err
	}
	if root.name.Space != Namespace || root.name.Local != "alert" {
		return nil, Errors{{Path: "/" + root.name.Local, Reason: fmt.Sprintf("the root element must be alert in namespace %s, not {%s}%s", Namespace, root.name.Space, root.name.Local)}}
	}
	b := &builder{}
	a := b.alert(root)
	if b.err != nil {
		return nil, b.err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}
