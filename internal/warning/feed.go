package warning

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/yingji/yingji/internal/warning/cap"
)

// Atom feeds of CAP alerts follow the practice of alert hubs (the WMO
// Register of Alerting Authorities' feeds, NWS, alert-hub.org): one entry
// per active alert, its link to the CAP XML with type
// application/cap+xml, the headline as title, the sent time as updated.

const atomNS = "http://www.w3.org/2005/Atom"

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Author     *atomPerson    `xml:"author,omitempty"`
	Summary    string         `xml:"summary,omitempty"`
	Categories []atomCategory `xml:"category"`
	Links      []atomLink     `xml:"link"`
	// the CAP summary elements alert hubs add to entries, so that a reader
	// can filter without fetching each message.
	Event     string `xml:"urn:oasis:names:tc:emergency:cap:1.2 event,omitempty"`
	Effective string `xml:"urn:oasis:names:tc:emergency:cap:1.2 effective,omitempty"`
	Expires   string `xml:"urn:oasis:names:tc:emergency:cap:1.2 expires,omitempty"`
	Status    string `xml:"urn:oasis:names:tc:emergency:cap:1.2 status,omitempty"`
	MsgType   string `xml:"urn:oasis:names:tc:emergency:cap:1.2 msgType,omitempty"`
	Category  string `xml:"urn:oasis:names:tc:emergency:cap:1.2 category,omitempty"`
	Urgency   string `xml:"urn:oasis:names:tc:emergency:cap:1.2 urgency,omitempty"`
	Severity  string `xml:"urn:oasis:names:tc:emergency:cap:1.2 severity,omitempty"`
	Certainty string `xml:"urn:oasis:names:tc:emergency:cap:1.2 certainty,omitempty"`
	AreaDesc  string `xml:"urn:oasis:names:tc:emergency:cap:1.2 areaDesc,omitempty"`
}

// Atom writes the feed of the given (active) warnings. base is the
// server's public URL without a trailing slash.
func (s *Service) Atom(ws []*Warning, base string, now time.Time) ([]byte, error) {
	f := atomFeed{ID: base + "/api/v1/warnings/feed.atom", Title: s.SenderName + " 预警信息 (CAP)", Updated: now.UTC().Format(time.RFC3339),
		Author: atomPerson{Name: s.SenderName}, Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: base + "/api/v1/warnings/feed.atom"}}}
	if f.Author.Name == "" {
		f.Author.Name = s.Sender
	}
	var latest time.Time
	for _, w := range ws {
		if w.Sent == nil {
			continue
		}
		if w.Sent.After(latest) {
			latest = *w.Sent
		}
		capURL := fmt.Sprintf("%s/api/v1/warnings/%d/cap.xml", base, w.ID)
		f.Entries = append(f.Entries, atomEntry{ID: capURL, Title: w.Text.Headline, Updated: w.Sent.UTC().Format(time.RFC3339),
			Published: w.Sent.UTC().Format(time.RFC3339), Summary: w.Text.Description,
			Categories: []atomCategory{{Term: string(w.Level), Label: w.Level.Label() + "预警"}, {Term: w.Category}},
			Links: []atomLink{{Rel: "alternate", Type: "application/cap+xml", Href: capURL},
				{Rel: "related", Type: "application/json", Href: fmt.Sprintf("%s/api/v1/warnings/%d/cap.json", base, w.ID)}},
			Event: w.Text.Event, Effective: cap.FormatTime(w.Onset), Expires: cap.FormatTime(w.Expires), Status: "Actual", MsgType: w.MsgType,
			Category: w.Category, Urgency: w.Urgency, Severity: w.Level.Severity(), Certainty: w.Certainty, AreaDesc: s.areaName(w.Area)})
	}
	if !latest.IsZero() {
		f.Updated = latest.UTC().Format(time.RFC3339)
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// FeedItem is one alert a feed points to.
type FeedItem struct {
	ID      string
	URL     string // the CAP message's URL, resolved against the feed's
	Updated string
}

// ParseFeed reads an Atom or RSS 2.0 feed of CAP alerts and returns the
// CAP links: per Atom entry the link typed application/cap+xml (else the
// alternate link), per RSS item the enclosure or link. base resolves
// relative links.
func ParseFeed(data []byte, base *url.URL) ([]FeedItem, error) {
	var probe struct {
		XMLName xml.Name
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&probe); err != nil {
		return nil, fmt.Errorf("feed: not XML: %w", err)
	}
	resolve := func(href string) (string, bool) {
		u, err := url.Parse(strings.TrimSpace(href))
		if err != nil || href == "" {
			return "", false
		}
		if base != nil {
			u = base.ResolveReference(u)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return "", false
		}
		return u.String(), true
	}
	var out []FeedItem
	switch {
	case probe.XMLName.Space == atomNS && probe.XMLName.Local == "feed":
		var f struct {
			Entries []struct {
				ID      string     `xml:"id"`
				Updated string     `xml:"updated"`
				Links   []atomLink `xml:"link"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(data, &f); err != nil {
			return nil, fmt.Errorf("feed: Atom: %w", err)
		}
		for _, e := range f.Entries {
			href := ""
			for _, l := range e.Links {
				if strings.Contains(l.Type, "cap+xml") {
					href = l.Href
					break
				}
				if (l.Rel == "" || l.Rel == "alternate") && href == "" {
					href = l.Href
				}
			}
			if u, ok := resolve(href); ok {
				out = append(out, FeedItem{ID: strings.TrimSpace(e.ID), URL: u, Updated: strings.TrimSpace(e.Updated)})
			}
		}
	case probe.XMLName.Local == "rss":
		var f struct {
			Items []struct {
				GUID      string `xml:"guid"`
				Link      string `xml:"link"`
				PubDate   string `xml:"pubDate"`
				Enclosure struct {
					URL  string `xml:"url,attr"`
					Type string `xml:"type,attr"`
				} `xml:"enclosure"`
			} `xml:"channel>item"`
		}
		if err := xml.Unmarshal(data, &f); err != nil {
			return nil, fmt.Errorf("feed: RSS: %w", err)
		}
		for _, it := range f.Items {
			href := it.Link
			if it.Enclosure.URL != "" && (it.Enclosure.Type == "" || strings.Contains(it.Enclosure.Type, "xml")) {
				href = it.Enclosure.URL
			}
			if u, ok := resolve(href); ok {
				out = append(out, FeedItem{ID: strings.TrimSpace(it.GUID), URL: u, Updated: strings.TrimSpace(it.PubDate)})
			}
		}
	default:
		return nil, fmt.Errorf("feed: the root element is %s; want an Atom feed or RSS", probe.XMLName.Local)
	}
	return out, nil
}
