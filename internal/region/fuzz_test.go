package region

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(validCSV))
	f.Add(BaoshanCSV()[:2000])
	f.Add([]byte(""))
	f.Add([]byte("\uFEFFcode,name,level,parent_code\r\n530500,保山市,city,53\r\n"))
	f.Add([]byte("level,code,x,parent_code,name\ncity,530500,,53,A\n"))
	f.Add([]byte(validCSV + "530503,\"X\"y,county,530500\n53050z,X,county,530500\n"))
	f.Add([]byte(validCSV + "530503,\"unterminated,county,530500\n"))
	f.Add([]byte(validCSV + "530502,A,county,530500\n530599001,B,township,530599\n"))
	f.Add([]byte(validCSV + "000000,Z,province,00\n530502001001,V,village,530502001001\n"))
	f.Add([]byte("code,name,level\n1,2\n"))
	f.Add([]byte("code,code,name,level,parent_code\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		divs, err := ParseCSV(bytes.NewReader(data))
		if err != nil {
			var ce *CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("err %v (%T) is not a *CSVError", err, err)
			}
			if len(ce.Rows) == 0 {
				t.Fatal("CSVError without rows")
			}
			for _, r := range ce.Rows {
				if r.Line < 1 {
					t.Fatalf("row error %q has line %d", r.Error(), r.Line)
				}
			}
			if divs != nil {
				t.Fatal("divisions returned with an error")
			}
			return
		}
		for _, d := range divs {
			if is := checkDivision(d); len(is) > 0 {
				t.Fatalf("accepted %+v, which fails %+v", d, is)
			}
			if !Within(d.Code, d.ParentCode) {
				t.Fatalf("accepted %s, which is not within its parent %s", d.Code, d.ParentCode)
			}
		}
		// NewTree may refuse a forest but must not panic on accepted rows.
		if tree, err := NewTree(divs, nil); err == nil {
			if got, want := len(tree.All()), len(divs); got != want {
				t.Fatalf("tree has %d divisions, want %d", got, want)
			}
		}
	})
}

func FuzzParseBoundaries(f *testing.F) {
	good := `{"type":"Polygon","coordinates":[` + square(99, 25) + `]}`
	f.Add(collection(feature(`"code":"530502","center":[99.1,25.1]`, good)))
	f.Add(collection(feature(`"code":"530502"`,
		`{"type":"MultiPolygon","coordinates":[[`+square(99, 22)+`],[`+square(95, 22)+`,`+square(95, 22)+`]]}`)))
	f.Add(collection(feature(`"code":"530502"`, `{"type":"Polygon","coordinates":[[[99,25],[100],[100,26],[99,25]]]}`)))
	f.Add(collection(feature(`"code":"530502"`, `{"type":"Polygon","coordinates":[[[99,25],[100,25],[100,25],[99,25]]]}`)))
	f.Add(collection(feature(`"code":"530502"`, `{"type":"Polygon","coordinates":[]}`)))
	f.Add(collection(feature(`"code":530502`, `null`), `[]`, `null`))
	f.Add([]byte(`{"type":"FeatureCollection","features":null}`))
	f.Add([]byte(`{"type":"FeatureCollection"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		bounds, centers, err := ParseBoundaries(data)
		if err != nil {
			if bounds != nil || centers != nil {
				t.Fatal("maps returned with an error")
			}
			return
		}
		for code, mp := range bounds {
			if err := checkMultiPolygon(mp); err != nil {
				t.Fatalf("accepted %s: %v", code, err)
			}
			a := anchor(mp)
			if !mp.Bound().Contains(a) {
				t.Fatalf("anchor %v of %s is outside its bound %v", a, code, mp.Bound())
			}
			// A one-division tree exercises the geometry paths on the
			// accepted shape; the parent is the province prefix, which every
			// code starts with.
			div := Division{Code: code, Name: "x", ParentCode: code[:2]}
			div.Level, _ = CodeLevel(code)
			if c, ok := centers[code]; ok {
				div.Center = &c
			}
			tree, err := NewTree([]Division{div}, map[string]orb.MultiPolygon{code: mp})
			if err != nil {
				t.Fatalf("NewTree on accepted shape %s: %v", code, err)
			}
			if got, ok := tree.Locate(a); ok && got.Code != code {
				t.Fatalf("Locate(%v) = %s, want %s", a, got.Code, code)
			}
			if _, ok := tree.Center(code); !ok {
				t.Fatalf("Center(%s) found nothing for a division with a boundary", code)
			}
			if p, err := tree.RandomPoint(rand.New(rand.NewPCG(1, 2)), code); err == nil && !tree.Extent().Contains(p) {
				t.Fatalf("RandomPoint(%s) = %v, outside the extent", code, p)
			}
		}
	})
}
