package cap_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"

	"github.com/yingji/yingji/internal/warning/cap"
)

// The baseline is encoding/xml reading the same message into a generic
// tree: what any XML reader pays. Decode adds the schema's checks, the
// standard's rules and building the model; the figure to report is the
// ratio of the two, measured in the same run.

type anyElem struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []anyElem  `xml:",any"`
}

func naads(b *testing.B) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", "example_naads_wind_warning.xml"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkBaselineXMLUnmarshal(b *testing.B) {
	data := naads(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var e anyElem
		if err := xml.Unmarshal(data, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	data := naads(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := cap.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBaselineXMLMarshal(b *testing.B) {
	var e anyElem
	if err := xml.Unmarshal(naads(b), &e); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := xml.Marshal(e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	a, err := cap.Decode(naads(b))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := cap.Encode(a); err != nil {
			b.Fatal(err)
		}
	}
}
