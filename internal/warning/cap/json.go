package cap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// The JSON form uses CAP's element names as keys; elements that may repeat
// are arrays, dates are CAP dateTime strings, polygons and circles keep
// CAP's text form so that nothing is lost between the two forms.

type jsonAlert struct {
	Identifier  string     `json:"identifier"`
	Sender      string     `json:"sender"`
	Sent        string     `json:"sent"`
	Status      string     `json:"status"`
	MsgType     string     `json:"msgType"`
	Source      string     `json:"source,omitempty"`
	Scope       string     `json:"scope"`
	Restriction string     `json:"restriction,omitempty"`
	Addresses   string     `json:"addresses,omitempty"`
	Code        []string   `json:"code,omitempty"`
	Note        string     `json:"note,omitempty"`
	References  string     `json:"references,omitempty"`
	Incidents   string     `json:"incidents,omitempty"`
	Info        []jsonInfo `json:"info,omitempty"`
}

type jsonValue struct {
	ValueName string `json:"valueName"`
	Value     string `json:"value"`
}

type jsonInfo struct {
	Language     string         `json:"language,omitempty"`
	Category     []string       `json:"category"`
	Event        string         `json:"event"`
	ResponseType []string       `json:"responseType,omitempty"`
	Urgency      string         `json:"urgency"`
	Severity     string         `json:"severity"`
	Certainty    string         `json:"certainty"`
	Audience     string         `json:"audience,omitempty"`
	EventCode    []jsonValue    `json:"eventCode,omitempty"`
	Effective    string         `json:"effective,omitempty"`
	Onset        string         `json:"onset,omitempty"`
	Expires      string         `json:"expires,omitempty"`
	SenderName   string         `json:"senderName,omitempty"`
	Headline     string         `json:"headline,omitempty"`
	Description  string         `json:"description,omitempty"`
	Instruction  string         `json:"instruction,omitempty"`
	Web          string         `json:"web,omitempty"`
	Contact      string         `json:"contact,omitempty"`
	Parameter    []jsonValue    `json:"parameter,omitempty"`
	Resource     []jsonResource `json:"resource,omitempty"`
	Area         []jsonArea     `json:"area,omitempty"`
}

type jsonResource struct {
	ResourceDesc string `json:"resourceDesc"`
	MimeType     string `json:"mimeType"`
	Size         *int64 `json:"size,omitempty"`
	URI          string `json:"uri,omitempty"`
	DerefURI     string `json:"derefUri,omitempty"`
	Digest       string `json:"digest,omitempty"`
}

type jsonArea struct {
	AreaDesc string      `json:"areaDesc"`
	Polygon  []string    `json:"polygon,omitempty"`
	Circle   []string    `json:"circle,omitempty"`
	Geocode  []jsonValue `json:"geocode,omitempty"`
	Altitude *float64    `json:"altitude,omitempty"`
	Ceiling  *float64    `json:"ceiling,omitempty"`
}

func optTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return FormatTime(t)
}

func toJSONValues(vs []Value) []jsonValue {
	var out []jsonValue
	for _, v := range vs {
		out = append(out, jsonValue{v.Name, v.Value})
	}
	return out
}

func fromJSONValues(vs []jsonValue) []Value {
	var out []Value
	for _, v := range vs {
		out = append(out, Value{v.ValueName, v.Value})
	}
	return out
}

// MarshalJSON writes the alert's JSON form ({"alert": {…}} is not added:
// the object is the alert).
func (a *Alert) MarshalJSON() ([]byte, error) {
	j := jsonAlert{Identifier: a.Identifier, Sender: a.Sender, Sent: optTime(a.Sent), Status: a.Status, MsgType: a.MsgType,
		Source: a.Source, Scope: a.Scope, Restriction: a.Restriction, Addresses: a.Addresses, Code: a.Codes, Note: a.Note,
		References: a.References, Incidents: a.Incidents}
	for _, in := range a.Infos {
		ji := jsonInfo{Language: in.Language, Category: in.Categories, Event: in.Event, ResponseType: in.ResponseTypes,
			Urgency: in.Urgency, Severity: in.Severity, Certainty: in.Certainty, Audience: in.Audience, EventCode: toJSONValues(in.EventCodes),
			Effective: optTime(in.Effective), Onset: optTime(in.Onset), Expires: optTime(in.Expires), SenderName: in.SenderName,
			Headline: in.Headline, Description: in.Description, Instruction: in.Instruction, Web: in.Web, Contact: in.Contact,
			Parameter: toJSONValues(in.Parameters)}
		for _, r := range in.Resources {
			jr := jsonResource{ResourceDesc: r.Desc, MimeType: r.MimeType, URI: r.URI, DerefURI: r.DerefURI, Digest: r.Digest}
			if r.Size >= 0 {
				s := r.Size
				jr.Size = &s
			}
			ji.Resource = append(ji.Resource, jr)
		}
		for _, ar := range in.Areas {
			ja := jsonArea{AreaDesc: ar.Desc, Geocode: toJSONValues(ar.Geocodes), Altitude: ar.Altitude, Ceiling: ar.Ceiling}
			for _, p := range ar.Polygons {
				ja.Polygon = append(ja.Polygon, p.String())
			}
			for _, c := range ar.Circles {
				ja.Circle = append(ja.Circle, c.String())
			}
			ji.Area = append(ji.Area, ja)
		}
		j.Info = append(j.Info, ji)
	}
	return json.Marshal(j)
}

// DecodeJSON reads the JSON form and validates it like Decode.
func DecodeJSON(data []byte) (*Alert, error) {
	var j jsonAlert
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, Errors{{Path: "/alert", Reason: "malformed CAP JSON: " + err.Error()}}
	}
	var es Errors
	tm := func(path, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := ParseTime(s)
		if err != nil {
			es = append(es, &Error{Path: path, Reason: err.Error()})
		}
		return t
	}
	a := &Alert{Identifier: j.Identifier, Sender: j.Sender, Sent: tm("/alert/sent", j.Sent), Status: j.Status, MsgType: j.MsgType,
		Source: j.Source, Scope: j.Scope, Restriction: j.Restriction, Addresses: j.Addresses, Codes: j.Code, Note: j.Note,
		References: j.References, Incidents: j.Incidents}
	for i, ji := range j.Info {
		p := idx("/alert/info", i)
		in := Info{Language: ji.Language, Categories: ji.Category, Event: ji.Event, ResponseTypes: ji.ResponseType,
			Urgency: ji.Urgency, Severity: ji.Severity, Certainty: ji.Certainty, Audience: ji.Audience, EventCodes: fromJSONValues(ji.EventCode),
			Effective: tm(p+"/effective", ji.Effective), Onset: tm(p+"/onset", ji.Onset), Expires: tm(p+"/expires", ji.Expires),
			SenderName: ji.SenderName, Headline: ji.Headline, Description: ji.Description, Instruction: ji.Instruction, Web: ji.Web,
			Contact: ji.Contact, Parameters: fromJSONValues(ji.Parameter)}
		for _, jr := range ji.Resource {
			r := Resource{Desc: jr.ResourceDesc, MimeType: jr.MimeType, Size: -1, URI: jr.URI, DerefURI: jr.DerefURI, Digest: jr.Digest}
			if jr.Size != nil {
				r.Size = *jr.Size
			}
			in.Resources = append(in.Resources, r)
		}
		for k, ja := range ji.Area {
			ap := idx(p+"/area", k)
			ar := Area{Desc: ja.AreaDesc, Geocodes: fromJSONValues(ja.Geocode), Altitude: ja.Altitude, Ceiling: ja.Ceiling}
			for m, s := range ja.Polygon {
				poly, err := ParsePolygon(s)
				if err != nil {
					es = append(es, &Error{Path: idx(ap+"/polygon", m), Reason: fmt.Sprintf("polygon %v", err)})
				}
				ar.Polygons = append(ar.Polygons, poly)
			}
			for m, s := range ja.Circle {
				c, err := ParseCircle(s)
				if err != nil {
					es = append(es, &Error{Path: idx(ap+"/circle", m), Reason: fmt.Sprintf("circle %v", err)})
				}
				ar.Circles = append(ar.Circles, c)
			}
			in.Areas = append(in.Areas, ar)
		}
		a.Infos = append(a.Infos, in)
	}
	if len(es) > 0 {
		return nil, es
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}
